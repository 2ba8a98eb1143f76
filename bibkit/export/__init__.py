"""Exporters: the bibliography, or a selection of it, as BibTeX, BibLaTeX, CSL-JSON, CSL-YAML or RIS.

Each format is a module with ``export(entries) -> str``; :data:`FORMATS` maps the ``--to`` names to them.
"""

from __future__ import annotations

import importlib
from typing import Sequence

from bibkit.errors import BibkitError
from bibkit.model import Bibliography, Entry

#: ``--to`` name to (module, what the output is called in messages).
FORMATS: dict[str, tuple[str, str]] = {
    "bibtex": ("bibkit.export.bibtex", "BibTeX"),
    "biblatex": ("bibkit.export.biblatex", "BibLaTeX"),
    "csl-json": ("bibkit.export.csljson", "CSL-JSON"),
    "csl-yaml": ("bibkit.export.cslyaml", "CSL-YAML"),
    "ris": ("bibkit.export.ris", "RIS"),
}


def export_entries(entries: Sequence[Entry], to: str, bibliography: Bibliography | None = None) -> str:
    """The entries written in format ``to`` (``bibliography`` resolves crossrefs for CSL)."""
    if to not in FORMATS:
        raise BibkitError(f"unknown export format {to!r} (choose from {', '.join(FORMATS)})")
    module = importlib.import_module(FORMATS[to][0])
    if to.startswith("csl-"):
        return module.export(list(entries), bibliography)
    return module.export(list(entries))
