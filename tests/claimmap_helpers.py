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


#: A project with a claim whose only link a reviewer rejected, one without links, a long claim id,
#: and a supported claim with a verified and an unverified link (issue 27, item 10).
REJECTED_BIB = """\
@article{alpha2001, author = {Alpha, Ann}, title = {On rain}, journal = {J}, year = {2001}}
@article{beta2002, author = {Beta, Bo}, title = {On wells}, journal = {J}, year = {2002}}
"""
LONG_ID = "literate-programming-makes-programs-readable-to-humans-and-machines-alike"
REJECTED_CLAIMS = f"""\
version: 1
document: {{title: Rejections}}
claims:
  - id: {LONG_ID}
    text: Programs written as literature are easier to read.
    sources:
      - key: alpha2001
        locator: p. 3
        review: rejected
        reason: the page says nothing about it
  - id: no-links
    text: A claim without any link.
  - id: supported-one
    text: The wells ran dry.
    sources:
      - {{key: alpha2001, verified: true}}
      - beta2002
"""


def rejected_map(tmp_path: Path) -> ClaimMap:
    """The claim map of :data:`REJECTED_CLAIMS`, written into ``tmp_path``."""
    (tmp_path / "references.bib").write_text(REJECTED_BIB, encoding="utf-8")
    (tmp_path / "claims.yaml").write_text(REJECTED_CLAIMS, encoding="utf-8")
    project = load_project([str(tmp_path / "references.bib")], str(tmp_path / "claims.yaml"))
    return analyse(project.bibliography, project.claims.claims)
