"""Exporters: the bibliography, or a selection of it, as BibTeX, BibLaTeX, CSL-JSON, CSL-YAML or RIS.

Each format is a module with ``export(entries) -> str``; :data:`FORMATS` maps the ``--to`` names to them.
"""

from __future__ import annotations

import importlib
from typing import Iterable, Sequence

from bibkit.errors import BibkitError
from bibkit.export.text import split_keywords
from bibkit.model import Bibliography, Entry
from bibkit.project import Project

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


def select_entries(
    project: Project,
    keys: Iterable[str] = (),
    tags: Iterable[str] = (),
    cited_only: bool = False,
    claim_ids: Iterable[str] = (),
) -> list[Entry]:
    """The entries that pass every given filter, in bibliography order.

    ``keys``: only these keys (unknown keys are an error); ``tags``: entries whose ``keywords``
    hold any of these tags (case-insensitive); ``cited_only``: entries some claim links to;
    ``claim_ids``: entries the given claims link to (unknown ids are an error).
    """
    bib = project.bibliography
    entries = list(bib)
    keys = [k for item in keys for k in item.replace(";", ",").split(",") if k.strip()]
    keys = [k.strip() for k in keys]
    if keys:
        missing = [k for k in keys if k not in bib]
        if missing:
            raise BibkitError(f"--keys: not in the bibliography: {', '.join(missing)}")
        wanted = set(keys)
        entries = [e for e in entries if e.key in wanted]
    tags = [t.strip().lower() for t in tags if t.strip()]
    if tags:
        entries = [e for e in entries if {k.lower() for k in split_keywords(e.get("keywords") or "")} & set(tags)]
    claim_ids = list(claim_ids)
    if cited_only or claim_ids:
        if project.claims is None:
            raise BibkitError("--cited-only and --claim need a claims file (claims.yaml or --claims)")
        by_id = project.claims.by_id()
        if claim_ids:
            unknown = [c for c in claim_ids if c not in by_id]
            if unknown:
                raise BibkitError(f"--claim: no such claim in {project.claims.path}: {', '.join(unknown)}")
            claims = [by_id[c] for c in claim_ids]
        else:
            claims = project.claims.claims
        linked = {link.key for claim in claims for link in claim.links}
        entries = [e for e in entries if e.key in linked]
    return entries
