"""``bibkit claim-map``: which claims have sources, in six formats, with a coverage gate for CI."""

from __future__ import annotations

import os
import shutil
import sys

import click

from bibkit.claimmap import METRICS, STATUSES, analyse, display_percent, gate
from bibkit.cli.options import (bib_option, cache_enabled, claims_option, config, emit, format_option, load, output_option,
                                pick_format, use_colour)
from bibkit.diagnostics import Severity
from bibkit.errors import BibkitError
from bibkit.reports import FORMATS, ReportOptions, render
from bibkit.scan import claims_from_manuscript

WHAT = {"text": "claim map", "markdown": "Markdown claim map", "html": "HTML claim map",
        "json": "JSON claim map", "csv": "CSV claim map", "dot": "DOT claim graph"}


def _config_gate(section: dict, path: str | None) -> tuple[float | None, str | None]:
    """``fail_under`` and ``metric`` from ``[claim-map]`` in the config, checked."""
    where = path or "config"
    fail_under = section.get("fail_under")
    if fail_under is not None:
        if isinstance(fail_under, bool) or not isinstance(fail_under, (int, float)) or not 0 <= fail_under <= 100:
            raise BibkitError(f"{where}: [claim-map] fail_under must be a number from 0 to 100")
        fail_under = float(fail_under)
    metric = section.get("metric")
    if metric is not None and metric not in METRICS:
        raise BibkitError(f"{where}: [claim-map] metric must be one of {', '.join(METRICS)}")
    return fail_under, metric


def _width(to_stdout: bool) -> int:
    """The wrap width: the terminal's (60 to 100 columns) on a TTY, 80 otherwise."""
    if to_stdout and sys.stdout.isatty():
        return max(60, min(100, shutil.get_terminal_size((80, 24)).columns))
    return 80


@click.command("claim-map")
@bib_option
@claims_option
@format_option(FORMATS, "text")
@output_option
@click.option("--fail-under", type=click.FloatRange(0, 100), default=None, metavar="PCT",
              help="Exit 1 when the --metric percentage is below PCT (0-100). Default: [claim-map] fail_under.")
@click.option("--metric", type=click.Choice(METRICS), default=None,
              help="What --fail-under measures: claims a source supports (backed) or whose support "
                   "a person checked (verified). [default: backed]")
@click.option("--status", "statuses", multiple=True, type=click.Choice(STATUSES),
              help="List only claims with this status (repeatable).")
@click.option("--tag", "tags", multiple=True, metavar="TAG", help="List only claims with this tag (repeatable).")
@click.option("--source", "sources", multiple=True, metavar="KEY",
              help="List only claims linked to this bibliography key (repeatable).")
@click.option("--style", default=None, metavar="NAME|PATH",
              help="Cite sources in this style (a CSL name or .csl file, or plain/unsrt/alpha). "
                   "Default: 'style' in the config, else a built-in author-year form.")
@click.option("--title", default=None, help="Report title. Default: the document title in the claims file.")
@click.option("--manuscript", "manuscripts", multiple=True, type=click.Path(dir_okay=False), metavar="FILE",
              help="Also take claims from this Markdown or LaTeX manuscript (repeatable): cited sentences "
                   "become claims linked to their citations, flagged uncited sentences unsourced claims; "
                   "a claims-file claim whose anchor lies in a sentence wins.")
@click.option("--orphans/--no-orphans", default=None,
              help="List the sources no claim links to. [default: on, or [claim-map] orphans]")
def command(bib, claims, fmt, output, fail_under, metric, statuses, tags, sources, style, title,
            manuscripts, orphans) -> None:
    """Map claims to their sources: statuses, coverage, the source index and orphan sources.

    \b
    Statuses, worst first: broken (a linked key is not in the bibliography),
    unsourced (no links), contested (a source contradicts it), supported,
    partial (sources only qualify or mention it).
    Filters narrow the listed claims; the numbers are then over those claims.

    \b
    Exit codes: 0 done (and the gate held), 1 below --fail-under (or no claims to measure),
    2 usage or unreadable input.
    Examples:
      bibkit claim-map
      bibkit claim-map --format html -o claim-map.html
      bibkit claim-map --fail-under 80 --metric verified
      bibkit claim-map --status unsourced --status broken --format markdown
    """
    cfg = config()
    fmt = pick_format(fmt, FORMATS, "text", "claim-map")
    cfg_fail_under, cfg_metric = _config_gate(cfg.section("claim-map"), cfg.path)
    fail_under = fail_under if fail_under is not None else cfg_fail_under
    metric = metric or cfg_metric or "backed"
    section = cfg.section("claim-map")
    orphans = section.get("orphans", True) if orphans is None else orphans

    project = load(bib, claims, need_claims=not manuscripts)
    for d in project.diagnostics:
        if d.severity is not Severity.INFO:
            click.echo(str(d), err=True)
    claim_set = project.claims
    if manuscripts:
        claim_set = claims_from_manuscript(list(manuscripts), claim_set, project.bibliography)
    assert claim_set is not None  # need_claims unless a manuscript is given
    linked = {link.key for claim in claim_set.claims for link in claim.links}
    for key in sources:
        if key not in project.bibliography and key not in linked:
            raise click.BadParameter(f"{key!r} is not in the bibliography and no claim links to it",
                                     param_hint="'--source'")
    claim_map = analyse(project.bibliography, claim_set.claims, statuses=statuses, tags=tags, sources=sources)

    inputs = [os.path.normpath(p) for p in project.bib_paths] + [os.path.normpath(p) for p in
                                                                 [claim_set.path, *manuscripts] if p]
    doc_title = claim_set.document.title
    options = ReportOptions(
        title=title or (f"Claim map: {doc_title}" if doc_title else "Claim map"),
        colour=fmt == "text" and output is None and use_colour(),
        width=_width(output is None),
        inputs=inputs,
        metric=metric,
        fail_under=fail_under,
        style=style or section.get("style") or cfg.style,
        show_orphans=orphans,
        macros=project.bibliography.macros,
        cache=cache_enabled(),
        bib_digests=[f.digest for f in project.bibliography.files] if all(
            f.digest for f in project.bibliography.files) else None,
    )
    emit(output, render(fmt, claim_map, options), WHAT[fmt])

    if fail_under is not None and claim_map.numbers.claims == 0:
        what = "no claim matches the filters" if claim_map.filtered else "the project has no claims"
        click.echo(f"No claims to measure: {what}; the fail-under={fail_under:g} gate fails", err=True)
        raise SystemExit(1)
    if fail_under is not None and not gate(claim_map.numbers, fail_under, metric):
        shown = display_percent(claim_map.numbers.percent(metric))
        click.echo(f"Coverage failure: {metric} total of {shown} is less than fail-under={fail_under:g}", err=True)
        raise SystemExit(1)
