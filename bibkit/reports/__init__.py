"""Claim-map reports: one small module per format, all drawn from one :class:`~bibkit.claims.claimmap.ClaimMap`.

``render(fmt, claim_map, options)`` is the single entry point; writing the result is the caller's
job (``bibkit.infra.output``), so every report is written whole or not at all.

Reports may import every analysis below them (checks, review, manuscripts, formatting, claims...);
only the adapters (:mod:`bibkit.cli`, :mod:`bibkit.lsp`) import reports.
"""

from __future__ import annotations

import importlib

from bibkit.claims.claimmap import ClaimMap
from bibkit.reports.base import Reporter, ReportOptions

# Format name -> "module:class". The first is the default.
REPORTERS: dict[str, str] = {
    "text": "bibkit.reports.text:TextReporter",
    "markdown": "bibkit.reports.markdown:MarkdownReporter",
    "html": "bibkit.reports.html:HtmlReporter",
    "json": "bibkit.reports.jsonreport:JsonReporter",
    "csv": "bibkit.reports.csvreport:CsvReporter",
    "dot": "bibkit.reports.dot:DotReporter",
}
FORMATS = tuple(REPORTERS)


def reporter(fmt: str) -> Reporter:
    """The reporter for a format name."""
    try:
        module, cls = REPORTERS[fmt].split(":")
    except KeyError:
        raise ValueError(f"unknown claim-map format {fmt!r} (expected one of {', '.join(FORMATS)})") from None
    return getattr(importlib.import_module(module), cls)()


def render(fmt: str, claim_map: ClaimMap, options: ReportOptions | None = None) -> str:
    """The claim map as text in the given format."""
    return reporter(fmt).report(claim_map, options or ReportOptions())


__all__ = ["FORMATS", "REPORTERS", "ReportOptions", "Reporter", "render", "reporter"]
