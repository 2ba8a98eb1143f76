"""Diagnostics for machines: one entry point that any command with located findings calls.

``check``, ``scan`` (and ``verify``) build :class:`~bibkit.infra.diagnostics.Diagnostic` objects; this
module turns them into SARIF (:mod:`bibkit.reports.sarif`) or GitHub annotations
(:mod:`bibkit.reports.github`). The formats know nothing about the rules, as in ruff: a new
command gets both with ``render_diagnostics(fmt, diagnostics)``.
"""

from __future__ import annotations

from typing import Iterable, Mapping

from bibkit.infra.diagnostics import Diagnostic

DIAGNOSTIC_FORMATS = ("sarif", "github")


def render_diagnostics(fmt: str, diagnostics: Iterable[Diagnostic],
                       descriptions: Mapping[str, str] | None = None) -> str:
    """The diagnostics as ``sarif`` or ``github`` text; ``descriptions`` names codes missing from CODES."""
    if fmt == "sarif":
        from bibkit.reports import sarif

        return sarif.render(diagnostics, descriptions)
    if fmt == "github":
        from bibkit.reports import github

        return github.render(diagnostics)
    raise ValueError(f"unknown diagnostics format {fmt!r} (expected one of {', '.join(DIAGNOSTIC_FORMATS)})")
