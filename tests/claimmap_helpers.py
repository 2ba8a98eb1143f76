"""Shared setup for the claim-map report tests: the tests/data/claimmap project, analysed."""

from __future__ import annotations

from pathlib import Path

from bibkit.claims.claimmap import ClaimMap, analyse
from bibkit.project import load_project
from bibkit.reports import ReportOptions, render

FOLDER = Path(__file__).resolve().parent / "data" / "claimmap"
CLAIM_IDS = ["c-verified", "c-unverified", "c-shorthand", "c-bibside", "c-qualifies", "c-mentions",
             "c-contested", "c-unsourced", "c-broken"]


def claim_map(**filters) -> ClaimMap:
    """The test project's claim map."""
    project = load_project([str(FOLDER / "references.bib")], str(FOLDER / "claims.yaml"))
    return analyse(project.bibliography, project.claims.claims, **filters)


def report(fmt: str, **filters) -> str:
    """The test project's claim map in one format."""
    return render(fmt, claim_map(**filters), ReportOptions(title="Test map"))
