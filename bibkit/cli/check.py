"""``bibkit check``: validate the bibliography and claims, print located diagnostics."""

from __future__ import annotations

import json

import click

from bibkit.bib.bibtex import paused_gc
from bibkit.checks import run_checks, start_bib_findings
from bibkit.cli.options import (bib_option, claims_option, config, emit, format_option, load, output_option,
                                pick_format, use_colour)
from bibkit.infra.diagnostics import Diagnostics, Severity, check_code_patterns, code_selected, select_codes, printable
from bibkit.infra.errors import BibkitError
from bibkit.reports.findings import DIAGNOSTIC_FORMATS, render_diagnostics

FORMATS = ["text", "json", *DIAGNOSTIC_FORMATS]

FAIL_LEVELS = {"error": 2, "warning": 1, "info": 0, "never": 99}
COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def render_text(diags: Diagnostics, entries: int, claims: int, colour: bool, quiet: bool = False) -> str:
    """Compiler-style lines, then a summary line."""
    lines = []
    for d in diags:
        if quiet and d.severity is Severity.INFO:
            continue
        label = f"{d.severity.value} {d.code}"
        if colour:
            label = click.style(label, fg=COLOURS[d.severity], bold=d.severity is Severity.ERROR)
        lines.append(f"{printable(d.location())}: {label} {printable(d.message)}")
    counts = ", ".join(f"{diags.count(s)} {s.value}{'s' if s is not Severity.INFO and diags.count(s) != 1 else ''}"
                       for s in Severity)
    lines.append(f"{entries} entries, {claims} claims: {counts}")
    return "\n".join(lines) + "\n"


def render_json(diags: Diagnostics, entries: int, claims: int) -> str:
    """The JSON shape of docs/formats.md, "JSON shapes"."""
    doc = {
        "format": 1,
        "diagnostics": [d.to_dict() for d in diags],
        "summary": {
            "entries": entries,
            "claims": claims,
            "errors": diags.count(Severity.ERROR),
            "warnings": diags.count(Severity.WARNING),
            "infos": diags.count(Severity.INFO),
        },
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def gate_failed(diags: Diagnostics, fail_on: str) -> bool:
    """True when a diagnostic at or above the ``--fail-on`` level exists."""
    level = FAIL_LEVELS[fail_on]
    return any(d.severity.rank >= level for d in diags)


@click.command("check")
@bib_option
@claims_option
@format_option(FORMATS, "text")
@output_option
@click.option("--fail-on", type=click.Choice(list(FAIL_LEVELS)), default=None,
              help="Exit 1 when a diagnostic of this severity or worse is found. "
                   "[default: error, or [check] fail_on]")
@click.option("--select", "select", multiple=True, metavar="CODE",
              help="Report only these codes or code prefixes (B016, B0, C; repeatable or comma-separated). "
                   "Replaces [check] select.")
@click.option("--ignore", "ignore", multiple=True, metavar="CODE",
              help="Leave out these codes or prefixes (repeatable or comma-separated); added to [check] ignore. "
                   "The more specific of a matching select and ignore wins.")
@click.option("-q", "--quiet", is_flag=True, help="Leave info diagnostics out of the text and github output.")
@click.option("--suggest/--no-suggest", "suggest", default=None,
              help="Also report (V008, info) each link without a quote, or whose quote is not found, whose source's "
                   "full text has a passage that likely backs the claim, as 'bibkit verify --suggest' finds it. "
                   "[default: off, or [check] suggest]")
@paused_gc()  # the rules make a few short-lived objects per field: no cycles for the collector to find
def command(bib, claims, fmt, output, fail_on, select, ignore, quiet, suggest) -> None:
    """Validate the bibliography and the claims; print located diagnostics.

    \b
    Exit codes: 0 clean (below --fail-on), 1 findings, 2 usage or unreadable input.
    Examples:
      bibkit check --fail-on warning --format json -o check.json
      bibkit check --format sarif -o bibkit.sarif    for GitHub code scanning
      bibkit check --format github                   annotations in a GitHub Actions log
      bibkit check --select B --ignore B017
    """
    section = config().section("check")
    where = f"{config().path}: [check]"
    fail_on = fail_on or section.get("fail_on") or "error"
    if fail_on not in FAIL_LEVELS:
        raise BibkitError(f"{where} fail_on must be one of {', '.join(FAIL_LEVELS)}")
    chosen = check_code_patterns(select, "--select") if select else check_code_patterns(
        section.get("select", []), f"{where} select")
    dropped = check_code_patterns(section.get("ignore", []), f"{where} ignore") + check_code_patterns(ignore, "--ignore")
    # the bibliography's rules run beside the reading of the claims file (a forked child, on a cold cache)
    project = load(bib, claims, after_bibliography=start_bib_findings)
    # A "did you mean" costs a search of all keys: only worth it when C008 is shown.
    if suggest is None:
        suggest = section.get("suggest", False)
        if not isinstance(suggest, bool):
            raise BibkitError(f"{where} suggest must be true or false")
    suggest = suggest and code_selected("V008", chosen, dropped)
    diags = select_codes(run_checks(project, hints=code_selected("C008", chosen, dropped), suggest=suggest),
                         chosen, dropped)
    entries = sum(1 for _ in project.bibliography.all_entries())
    n_claims = len(project.claims.claims) if project.claims else 0
    fmt = pick_format(fmt, FORMATS, "text", "check")
    if fmt == "json":
        text = render_json(diags, entries, n_claims)
    elif fmt in DIAGNOSTIC_FORMATS:
        shown = [d for d in diags if not (quiet and fmt == "github" and d.severity is Severity.INFO)]
        text = render_diagnostics(fmt, shown)
    else:
        text = render_text(diags, entries, n_claims, colour=use_colour() and output is None, quiet=quiet)
    emit(output, text, f"{fmt} diagnostics")
    if gate_failed(diags, fail_on):
        raise SystemExit(1)
