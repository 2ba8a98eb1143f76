"""Choosing sources: the filters that reading lists and exports share (keys, tags, claims, statuses)."""

from __future__ import annotations

import re
from typing import Iterable

from bibkit.bib.latex import to_unicode
from bibkit.infra.errors import BibkitError
from bibkit.model import Entry
from bibkit.project import Project


def split_list(value: str | None) -> list[str]:
    """A ``keywords``-like field split on commas and semicolons, LaTeX decoded."""
    if not value:
        return []
    return [t.strip() for t in re.split(r"[;,]", to_unicode(value)) if t.strip()]


def select_entries(
    project: Project,
    keys: Iterable[str] = (),
    tags: Iterable[str] = (),
    cited_only: bool = False,
    claim_ids: Iterable[str] = (),
    statuses: Iterable[str] = (),
    cited_keys: Iterable[str] | None = None,
) -> list[Entry]:
    """The entries that pass every given filter, in bibliography order; a ``@set`` is replaced by its members.

    ``keys``: only these keys (comma lists allowed; an unknown key is an error); ``tags``: entries
    whose ``keywords`` hold any of these tags (case-insensitive); ``cited_only``: the entries the
    paper uses: those some claim links to and those in ``cited_keys`` (what the project's
    manuscripts cite; None when it has none); ``claim_ids``: entries these claims link to;
    ``statuses``: entries linked from claims with one of these statuses. ``--claim`` and
    ``--status`` need a claims file, ``--cited-only`` a claims file or manuscripts.
    """
    bib = project.bibliography
    entries = list(bib)
    wanted_keys = [k.strip() for item in keys for k in re.split(r"[;,]", item) if k.strip()]
    if wanted_keys:
        missing = [k for k in wanted_keys if k not in bib]
        if missing:
            raise BibkitError(f"--keys: not in the bibliography: {', '.join(missing)}")
        entries = [e for e in entries if e.key in set(wanted_keys)]
    wanted_tags = {t.strip().casefold() for t in tags if t.strip()}
    if wanted_tags:
        entries = [e for e in entries if wanted_tags & {t.casefold() for t in split_list(e.get("keywords"))}]
    claim_ids, statuses = list(claim_ids), set(statuses)
    if cited_only:
        if project.claims is None and cited_keys is None:
            raise BibkitError("--cited-only needs a claims file (claims.yaml or --claims) or a manuscript "
                              "('manuscript' in bibkit.toml)")
        used = set(cited_keys or ())
        used.update(link.key for claim in (project.claims.claims if project.claims else []) for link in claim.links)
        entries = [e for e in entries if e.key in used]
    if claim_ids or statuses:
        if project.claims is None:
            raise BibkitError("--claim and --status need a claims file (claims.yaml or --claims)")
        claims = project.claims.claims
        if claim_ids:
            by_id = project.claims.by_id()
            unknown = [c for c in claim_ids if c not in by_id]
            if unknown:
                raise BibkitError(f"--claim: no such claim in {project.claims.path}: {', '.join(unknown)}")
            claims = [by_id[c] for c in claim_ids]
        if statuses:
            from bibkit.claims.claimmap import analyse_claim
            from bibkit.evidence.lookup.cached import cached_results, source_flags

            flags = source_flags(cached_results(project))  # a retracted source backs nothing, as in the claim map
            claims = [c for c in claims if analyse_claim(c, bib.entries, flags).status in statuses]
        linked = {link.key for claim in claims for link in claim.links}
        entries = [e for e in entries if e.key in linked]
    from bibkit.bib.crossref import Crossrefs, expand_sets

    return expand_sets(entries, Crossrefs(bib))
