"""``bibkit reading-list``: an annotated reading list in a CSL or BibTeX style."""

from __future__ import annotations

import os

import click

from bibkit.cli.options import (Progress, add_inputs, bib_option, cache_enabled, claims_option, config,
                                echo_diagnostics, emit, format_option, load, manuscript_keys, output_option,
                                pick_format, warn_if_empty)
from bibkit.claims.claimmap import STATUSES
from bibkit.formatting import FORMATS, RenderCache
from bibkit.formatting.readinglist import GROUP_BY, SORTS, TEMPLATES, build, render

def _split(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


@click.command("reading-list")
@bib_option
@claims_option
@click.option("--style", "style", default=None, metavar="NAME|PATH",
              help="CSL style name (apa, chicago-author-date, modern-language-association, ieee, ...), a .csl file, "
                   "or a pybtex style (plain, unsrt, alpha, unsrtalpha). Default: apa, or 'style' in the config.")
@format_option(FORMATS, "text")
@output_option
@click.option("--title", default="Reading list", show_default=True, help="Heading of the list.")
@click.option("--intro", default=None, help="A paragraph under the title.")
@click.option("--sort", type=click.Choice(SORTS), default="style", show_default=True,
              help="Order: as the style says, or by author, year, title or key.")
@click.option("--group-by", "group_by", type=click.Choice(GROUP_BY), default="none", show_default=True,
              help="Headings: none, each tag (keywords), entry type, year, or claim.")
@click.option("--keys", multiple=True, metavar="KEY[,KEY...]", help="Only these entries (repeatable).")
@click.option("--tag", "tags", multiple=True, help="Only entries with this keyword (repeatable: any of them).")
@click.option("--cited-only", is_flag=True,
              help="Only the sources the paper uses: those its claims link to and those the configured "
                   "manuscript cites.")
@click.option("--claim", "claim_ids", multiple=True, metavar="ID", help="Only sources of this claim (repeatable).")
@click.option("--status", "statuses", multiple=True, type=click.Choice(STATUSES),
              help="Only sources of claims with this status (repeatable).")
@click.option("--annotations/--no-annotations", default=True, show_default=True,
              help="Show each entry's annote under it.")
@click.option("--show-claims", is_flag=True, help="Add a line 'Backs: ...' naming the claims each source supports.")
@click.option("--template-dir", type=click.Path(file_okay=False, exists=True),
              help="Directory whose reading-list.* templates replace the bundled ones, file by file.")
def command(bib, claims, style, fmt, output, title, intro, sort, group_by, keys, tags, cited_only, claim_ids,
            statuses, annotations, show_claims, template_dir) -> None:
    """Format the bibliography as an annotated reading list.

    \b
    Examples:
      bibkit reading-list --style apa
      bibkit reading-list --style chicago-author-date --format html --group-by claim -o list.html
      bibkit reading-list --style plain --format latex --tag famine --show-claims
    """
    cfg = config()
    style = style or cfg.section("reading-list").get("style") or getattr(cfg, "style", None) or "apa"
    fmt = pick_format(fmt, FORMATS, "text", "reading-list")
    add_inputs(style if style.endswith(".csl") else None,
               os.path.join(template_dir, TEMPLATES[fmt]) if template_dir else None)
    project = load(bib, claims)
    echo_diagnostics(project.diagnostics)
    cited = manuscript_keys(project) if cited_only else None
    with Progress("Rendering") as bar:
        rl = build(project, style, fmt, title=title, intro=intro, keys=_split(keys), tags=_split(tags),
                   cited_only=cited_only, claim_ids=_split(claim_ids), statuses=list(statuses), sort=sort,
                   group_by=group_by, annotations=annotations, show_claims=show_claims,
                   cache=RenderCache(enabled=cache_enabled()), progress=bar.callback, cited_keys=cited)
    given = [name for name, value in (("--keys", keys), ("--tag", tags), ("--cited-only", cited_only),
                                      ("--claim", claim_ids), ("--status", statuses)) if value]
    warn_if_empty(sum(len(g.items) for g in rl.groups), project, cited_only, cited, given)
    for entry, message in rl.warnings:
        click.echo(f"{entry.file}:{entry.line}:{entry.column}: warning R001 {message}", err=True)
    emit(output, render(rl, template_dir), f"{fmt} reading list")
