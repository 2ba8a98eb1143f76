"""A bibkit project: its config, bibliography and claims, loaded together."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable

from bibkit.bib.bibtex import load_bibliography, paused_gc
from bibkit.config import Config, find_config
from bibkit.infra.diagnostics import Diagnostics, Severity
from bibkit.infra.errors import BibkitError
from bibkit.model import Bibliography, ClaimSet, Link


@dataclass
class Project:
    """Everything bibkit knows about one project after loading."""

    config: Config
    bibliography: Bibliography
    claims: ClaimSet | None
    diagnostics: Diagnostics = field(default_factory=Diagnostics)

    def roots(self) -> list[str]:
        """The folders the project's data may name: the config's root and ``allow_outside`` folders, and the folders
        of the claims file and bibliography files bibkit was given (symbolic links resolved)."""
        given = [self.claims.path] if self.claims is not None and self.claims.path else []
        folders = [os.path.dirname(os.path.abspath(p)) for p in [*given, *self.bib_paths]]
        return list(dict.fromkeys([*self.config.allowed_roots(), *(os.path.realpath(f) for f in folders)]))

    @property
    def bib_paths(self) -> list[str]:
        """The bibliography files, in the order they were read."""
        return [f.path for f in self.bibliography.files]


def load_project(
    bib: list[str] | None = None,
    claims: str | None = None,
    *,
    config: Config | None = None,
    need_claims: bool = False,
    no_claims: bool = False,
    use_cache: bool = False,
    after_bibliography: Callable[[Project], None] | None = None,
) -> Project:
    """Load a project: explicit paths win over the config, which wins over the defaults.

    A missing default claims file is fine unless ``need_claims``; a missing explicit one is an error.
    ``use_cache`` reads unchanged bibliography files from the parse cache (:mod:`bibkit.infra.cache`).
    ``after_bibliography`` is called with the project as soon as its bibliography is read, before the claims
    file (``check`` starts the bibliography's rules there, beside the reading of the claims).
    """
    config = config or find_config()
    diags = Diagnostics()
    bib_paths = list(bib) if bib else [config.resolve(p) for p in config.bib]
    for path in bib_paths:
        if not os.path.exists(path):
            hint = "" if bib else " (give one with --bib, or run 'bibkit init')"
            raise BibkitError(f"{path}: no such file{hint}")
    bibliography = load_bibliography(bib_paths, diags, use_cache=use_cache)
    from bibkit.bib.crossref import Crossrefs

    diags.extend(Crossrefs(bibliography).diagnostics())  # B021: a crossref cycle, broken wherever entries are read
    if after_bibliography is not None:
        after_bibliography(Project(config, bibliography, None, Diagnostics()))
    claim_set: ClaimSet | None = None
    if not no_claims:
        claims_path = claims or config.resolve(config.claims)
        if claims or need_claims or os.path.exists(claims_path):
            if not os.path.exists(claims_path):
                raise BibkitError(f"{claims_path}: no such file (give one with --claims)")
            with paused_gc():
                if use_cache:
                    from bibkit.claims.cache import cached_claims

                    claim_set = cached_claims(claims_path, diags, read_claims)
                else:
                    claim_set = read_claims(claims_path, diags)
            merge_bib_links(bibliography, claim_set, diags)
    return Project(config, bibliography, claim_set, diags)


def read_claims(path: str, diags: Diagnostics) -> ClaimSet:
    """:func:`bibkit.claims.loader.load_claims`, imported when a claims file is read, not from the cache: the YAML
    reader is a tenth of a warm start-up."""
    from bibkit.claims.loader import load_claims

    return load_claims(path, diags)


def merge_bib_links(bibliography: Bibliography, claim_set: ClaimSet, diags: Diagnostics) -> None:
    """Add the links that entries declare with ``claims = {id, ...}``; a link given on both sides counts once."""
    by_id = claim_set.by_id()
    for entry in bibliography:
        if "claims" not in entry:
            continue
        from bibkit.claims.loader import split_claim_ids  # here: most bibliographies link from claims.yaml only

        fld = entry.field("claims")
        line = entry.source.line_of(fld.offset)
        column = entry.source.column_of(fld.offset)
        for cid in split_claim_ids(fld.value):
            claim = by_id.get(cid)
            if claim is None:
                diags.add(entry.file, line, column, Severity.WARNING, "C012",
                          f"entry {entry.key} links to unknown claim {cid}", entry.key)
                continue
            if any(link.key == entry.key for link in claim.links):
                continue
            claim.links.append(Link(key=entry.key, line=line, origin="bib"))
