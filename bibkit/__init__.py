"""bibkit: annotated bibliographies whose entries link to the claims they back.

The public API (the CLI is built on it)::

    project = bibkit.load_project()                  # references.bib + claims.yaml (+ config)
    diagnostics = bibkit.run_checks(project)          # what `bibkit check` prints
    claim_map = bibkit.analyse(project.bibliography, project.claims.claims)
    text = bibkit.render_claim_map("markdown", claim_map)
    listing = bibkit.format_bibliography(list(project.bibliography), "apa")
    csl_json = bibkit.export_entries(list(project.bibliography), "csl-json", project.bibliography)
    result = bibkit.scan(["article.md"], project.bibliography)

Names are imported on first use, so ``import bibkit`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_API = {
    "load_project": "bibkit.project",
    "Project": "bibkit.project",
    "run_checks": "bibkit.checks",
    "analyse": "bibkit.claims.claimmap",
    "ClaimMap": "bibkit.claims.claimmap",
    "format_bibliography": "bibkit.formatting",
    "cite": "bibkit.formatting",
    "export_entries": "bibkit.interchange.export",
    "select_entries": "bibkit.formatting.selection",
    "scan": "bibkit.manuscripts.scan",
    "claims_from_manuscript": "bibkit.manuscripts.scan",
    "Diagnostic": "bibkit.infra.diagnostics",
    "Severity": "bibkit.infra.diagnostics",
    "BibkitError": "bibkit.infra.errors",
}

__all__ = [*_API, "render_claim_map", "__version__"]


def __getattr__(name: str) -> Any:
    """Import public names lazily."""
    if name == "render_claim_map":
        from bibkit.reports import render

        return render
    if name in _API:
        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'bibkit' has no attribute {name!r}")
