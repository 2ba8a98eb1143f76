"""Exporters: the bibliography, or a selection of it, as BibTeX, BibLaTeX, CSL-JSON, CSL-YAML or RIS.

Each format is a module with ``export(entries, ..., progress=None) -> str``; :data:`FORMATS` maps the
``--to`` names to them. ``progress`` (:mod:`bibkit.infra.progress`) is told as entries are written.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Sequence

from bibkit.infra.errors import BibkitError
from bibkit.infra.progress import ProgressFn
from bibkit.model import Bibliography, Entry

if TYPE_CHECKING:
    from bibkit.formatting.cache import RenderCache

#: ``--to`` name to (module, what the output is called in messages).
FORMATS: dict[str, tuple[str, str]] = {
    "bibtex": ("bibkit.interchange.export.bibtex", "BibTeX"),
    "biblatex": ("bibkit.interchange.export.biblatex", "BibLaTeX"),
    "csl-json": ("bibkit.interchange.export.csljson", "CSL-JSON"),
    "csl-yaml": ("bibkit.interchange.export.cslyaml", "CSL-YAML"),
    "ris": ("bibkit.interchange.export.ris", "RIS"),
}


#: How a selection keeps what it inherits through ``crossref``: ``include`` writes the parents too
#: (BibTeX/BibLaTeX; what bibtex does with ``min-crossrefs``), ``resolve`` writes the inherited
#: fields into each entry and drops ``crossref``. CSL and RIS have no crossref: they always resolve.
CROSSREF_MODES = ("include", "resolve")


def export_entries(entries: Sequence[Entry], to: str, bibliography: Bibliography | None = None, *,
                   crossrefs: str = "include", warnings: list[tuple[Entry, str]] | None = None,
                   cache: RenderCache | None = None, progress: ProgressFn | None = None) -> str:
    """The entries written in format ``to``.

    ``bibliography`` is where crossref parents and ``@set`` members are looked up (default: among
    ``entries``); a ``@set`` is written as its members. An entry the CSL engine cannot read is
    left out of CSL output and added to ``warnings`` (without a list it is an error). ``cache``
    keeps CSL conversions per entry (:mod:`bibkit.formatting.csl_cache`; other formats need none).
    ``progress`` is called as ``(done, total)`` while the entries are written.
    """
    from bibkit.bib.crossref import Crossrefs, expand_sets, inherit, with_parents

    if to not in FORMATS:
        raise BibkitError(f"unknown export format {to!r} (choose from {', '.join(FORMATS)})")
    if crossrefs not in CROSSREF_MODES:
        raise BibkitError(f"unknown crossref mode {crossrefs!r} (choose from {', '.join(CROSSREF_MODES)})")
    module = importlib.import_module(FORMATS[to][0])
    if bibliography is None:
        bibliography = Bibliography(entries={e.key: e for e in entries})
    graph = Crossrefs(bibliography)
    entries = [_known_type(e, warnings) for e in expand_sets(entries, graph)]
    if to.startswith("csl-"):
        return module.export(entries, bibliography, warnings, cache, progress=progress)
    if to == "ris" or crossrefs == "resolve":
        return module.export([inherit(e, graph, biblatex=to != "bibtex") for e in entries], progress=progress)
    chosen, parents = with_parents(entries, graph)
    return module.export(chosen + [_known_type(p, None) for p in parents], progress=progress)


def _known_type(entry: Entry, warnings: list[tuple[Entry, str]] | None) -> Entry:
    """The entry with another tool's type mapped (``@web_page`` -> ``@online``); unknown types become misc."""
    from bibkit.bib.entrytypes import readable

    mapped, problem = readable(entry)
    if problem and warnings is not None:
        warnings.append((entry, problem))
    return mapped
