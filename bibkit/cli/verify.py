"""``bibkit verify``: check each quoted link against the source's full text."""

from __future__ import annotations

import click

from bibkit.cli.options import (Progress, bib_option, cache_enabled, claims_option, config, emit, format_option, load,
                                output_option, pick_format, suggest_count, suggest_option, use_colour)
from bibkit.evidence import suggest_vectors
from bibkit.evidence.verify import FAIL_ON, STATUSES, gate_failed, render_json, render_text, verify_links
from bibkit.infra.diagnostics import Severity


@click.command("verify")
@bib_option
@claims_option
@format_option(["text", "json"], "text")
@output_option
@click.option("--claim", "claim_ids", multiple=True, metavar="ID", help="Only this claim (repeatable).")
@click.option("--source", "sources", multiple=True, metavar="KEY", help="Only links to this source (repeatable).")
@click.option("--status", "statuses", multiple=True, type=click.Choice(STATUSES),
              help="Only links with this status (repeatable).")
@click.option("--all", "show_all", is_flag=True, help="Also list found quotes and links without a quote.")
@click.option("--fail-on", type=click.Choice(list(FAIL_ON)), default=None,
              help="Exit 1 when a quote has this status or a worse one [default: not-found].")
@suggest_option
def command(bib, claims, fmt, output, claim_ids, sources, statuses, show_all, fail_on, suggest) -> None:
    """Check every quoted link against the source's full text, page by page.

    Full texts come from each entry's `file` field (JabRef, Zotero/Better BibTeX) or from the
    folder `fulltext` in the config (default: sources/), as <key>.pdf, .txt, .md or .html.

    With --suggest [N] (default 3), links without a quote, or whose quote is not found, get the N
    passages of the source's full text most likely to back the claim, each with its page, a score
    from 0 to 1 and whether it is strong (likely to support the claim); the exit code is unchanged.

    \b
    Statuses: found, found-elsewhere, close, not-found, no-fulltext, unreadable, no-quote.
    Exit codes: 0 gate held, 1 a quote failed --fail-on, 2 usage or unreadable input.
    Example:
      bibkit verify --fail-on close --format json -o verify.json
      bibkit verify --suggest              passages for the links without a quote
    """
    project = load(bib, claims, need_claims=True)
    for d in project.diagnostics:  # a claim that could not be read is not verified: say so
        if d.severity is not Severity.INFO:
            click.echo(str(d), err=True)
    suggest = suggest_count(suggest, "verify")
    if suggest > 0 and not suggest_vectors.enabled():
        click.echo("note: passage suggestions rank by words only; install bibkit[semantic] to also rank them by "
                   "meaning", err=True)
    with Progress("Verifying") as bar:
        checks = verify_links(project, claims=claim_ids, sources=sources, statuses=statuses,
                              include_no_quote=show_all, use_cache=cache_enabled(), progress=bar.callback,
                              suggest=suggest)
    fmt = pick_format(fmt, ["text", "json"], "text", "verify")
    if fmt == "json":
        text = render_json(checks, include_no_quote=show_all or "no-quote" in statuses or suggest > 0)
    else:
        text = render_text(checks, show_all=show_all or bool(statuses), colour=use_colour() and output is None)
    emit(output, text, f"{fmt} verification")
    level = fail_on or config().section("verify").get("fail_on") or "not-found"
    if level not in FAIL_ON:
        raise click.UsageError(f"[verify] fail_on = {level!r} in the config: expected one of {', '.join(FAIL_ON)}")
    if gate_failed(checks, level):
        raise SystemExit(1)
