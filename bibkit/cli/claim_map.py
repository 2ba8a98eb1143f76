"""``bibkit claim-map``: which claims have sources, in six formats, with a coverage gate for CI."""

from __future__ import annotations

import os
import shutil
import sys

import click

from bibkit.bib.bibtex import paused_gc
from bibkit.claims.claimmap import METRICS, STATUSES, analyse, display_percent, gate
from bibkit.cli.options import (add_inputs, bib_option, cache_enabled, claims_option, config, echo_diagnostics, emit,
                                format_option, load, output_option, pick_format, suggest_count, suggest_option,
                                use_colour)
from bibkit.evidence.verify import Verifier, link_suggestions, quote_checks
from bibkit.infra.errors import BibkitError
from bibkit.manuscripts.scan import claims_from_manuscript
from bibkit.reports import FORMATS, ReportOptions, render

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
              help="Exit 1 when the --metric percentage, as displayed (one decimal), is below PCT (0-100). "
                   "Default: [claim-map] fail_under.")
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
              help="Also take claims from this Markdown, LaTeX, Word (.docx) or HTML manuscript (repeatable): cited sentences "
                   "become claims linked to their citations, flagged uncited sentences unsourced claims; "
                   "a claims-file claim whose anchor lies in a sentence wins.")
@click.option("--diff", "diff_ref", default=None, metavar="REF",
              help="Only the claims added or changed since git revision REF (e.g. origin/main): the files "
                   "are read at REF with git; the numbers and --fail-under are over those claims.")
@click.option("--summary", is_flag=True,
              help="With --format markdown: a short pull-request comment (numbers, gate, the claims to look "
                   "at), always under 65,000 characters.")
@click.option("--orphans/--no-orphans", default=None,
              help="List the sources no claim links to. [default: on, or [claim-map] orphans]")
@suggest_option
@paused_gc()  # the map and its report are hundreds of thousands of acyclic objects on a big project
def command(bib, claims, fmt, output, fail_under, metric, statuses, tags, sources, style, title,
            manuscripts, diff_ref, summary, orphans, suggest) -> None:
    """Map claims to their sources: statuses, coverage, the source index and orphan sources.

    \b
    Statuses, worst first: broken (a linked key is not in the bibliography),
    unsourced (no links, or only rejected ones), contested (a source contradicts it), retracted
    (its only supporting sources are retracted, as the last `bibkit lookup` found), supported,
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
      bibkit claim-map --diff origin/main --fail-under 100    every claim a PR adds has a source
      bibkit claim-map --diff origin/main --format markdown --summary -o comment.md
      bibkit claim-map --format json --suggest    passages for unquoted links ("suggestions")
    """
    cfg = config()
    fmt = pick_format(fmt, FORMATS, "text", "claim-map")
    if summary and fmt != "markdown":
        raise click.UsageError("--summary is a Markdown pull-request comment: add --format markdown")
    cfg_fail_under, cfg_metric = _config_gate(cfg.section("claim-map"), cfg.path)
    fail_under = fail_under if fail_under is not None else cfg_fail_under
    metric = metric or cfg_metric or "backed"
    section = cfg.section("claim-map")
    orphans = section.get("orphans", True) if orphans is None else orphans

    add_inputs(*manuscripts, style if style and style.endswith(".csl") else None)
    project = load(bib, claims, need_claims=not manuscripts)
    echo_diagnostics(project.diagnostics)
    claim_set = project.claims
    if manuscripts:
        claim_set = claims_from_manuscript(list(manuscripts), claim_set, project.bibliography,
                                           cfg.needs_citation_threshold)
    assert claim_set is not None  # need_claims unless a manuscript is given
    linked = {link.key for claim in claim_set.claims for link in claim.links}
    for key in sources:
        if key not in project.bibliography and key not in linked:
            raise click.BadParameter(f"{key!r} is not in the bibliography and no claim links to it",
                                     param_hint="'--source'")
    from bibkit.evidence.lookup.cached import cached_results, source_flags, source_notices

    looked_up = cached_results(project)  # what the last `bibkit lookup` found, from its cache (never online)
    flags, notices = source_flags(looked_up), source_notices(looked_up)
    claim_diff = None
    if diff_ref is not None:
        from bibkit.review.diff import changed_map, diff_claims, load_base

        base_bib, base_claims = load_base(diff_ref, project.bib_paths, claim_set.path, list(manuscripts))
        claim_diff = diff_claims(diff_ref, base_claims, base_bib, claim_set.claims, project.bibliography, flags)
        claim_map = changed_map(project.bibliography, claim_set.claims, claim_diff, statuses=statuses, tags=tags,
                                sources=sources, source_flags=flags, source_notices=notices)
    else:
        claim_map = analyse(project.bibliography, claim_set.claims, statuses=statuses, tags=tags, sources=sources,
                            source_flags=flags, source_notices=notices)

    if suggest and fmt != "json":
        raise click.UsageError("--suggest adds passages to the JSON claim map: add --format json")
    suggest = suggest_count(suggest, "claim-map") if fmt == "json" else 0  # [claim-map] suggest: JSON only
    verifier = Verifier(project, use_cache=cache_enabled())
    checks = quote_checks(project, use_cache=cache_enabled(), verifier=verifier)
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
        quote_checks=checks,
        suggestions=link_suggestions(project, suggest, checks, verifier=verifier) if suggest else None,
    )
    if summary:
        from bibkit.reports.summary import markdown_summary

        text = markdown_summary(claim_map, options, claim_diff)
    elif claim_diff is not None:
        text = render_with_changes(fmt, claim_map, options, claim_diff)
    else:
        text = render(fmt, claim_map, options)
    emit(output, text, WHAT[fmt])

    if fail_under is not None and claim_map.numbers.claims == 0 and claim_diff is not None and not (statuses or tags or sources):
        # diff-cover's rule: a change that touches no claim has nothing to gate
        click.echo(f"No claims changed since {diff_ref}; nothing to gate", err=True)
        return
    if fail_under is not None and claim_map.numbers.claims == 0:
        what = "no claim matches the filters" if claim_map.filtered else "the project has no claims"
        click.echo(f"No claims to measure: {what}; the fail-under={fail_under:g} gate fails", err=True)
        raise SystemExit(1)
    if fail_under is not None and not gate(claim_map.numbers, fail_under, metric):
        shown = display_percent(claim_map.numbers.percent(metric))
        which = f" of the claims changed since {diff_ref}" if diff_ref is not None else ""
        click.echo(f"Coverage failure: {metric} total{which} of {shown} is less than fail-under={fail_under:g}",
                   err=True)
        raise SystemExit(1)


def render_with_changes(fmt: str, claim_map, options: ReportOptions, claim_diff) -> str:
    """The report of the changed claims, with what changed: a section (text, Markdown) or a "diff" block (JSON)."""
    from bibkit.reports import summary

    if fmt == "json":
        import json

        from bibkit.reports.jsonreport import as_dict

        doc = as_dict(claim_map, options)
        doc["diff"] = claim_diff.to_dict()
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    text = render(fmt, claim_map, options)
    if fmt == "text":
        return text + summary.changes_text(claim_map, claim_diff)
    if fmt == "markdown":
        return text + summary.changes_markdown(claim_map, claim_diff)
    return text
