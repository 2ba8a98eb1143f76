"""``bibkit export``: the bibliography, or the part a paper uses, as BibTeX, BibLaTeX, CSL-JSON/YAML or RIS."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from bibkit.cli.options import (Progress, bib_option, cache_enabled, claims_option, config, echo_diagnostics, emit,
                                load, manuscript_keys, output_option, warn_if_empty)
from bibkit.formatting.selection import select_entries
from bibkit.interchange.export import FORMATS, export_entries

if TYPE_CHECKING:
    from bibkit.formatting.cache import RenderCache


@click.command("export")
@bib_option
@claims_option
@click.option("--to", "to", type=click.Choice(list(FORMATS)), required=True, help="Output format.")
@output_option
@click.option("--keys", multiple=True, help="Only these keys (comma-separated, repeatable).")
@click.option("--tag", "tags", multiple=True, help="Only entries with this keyword (repeatable: any of them).")
@click.option("--cited-only", is_flag=True,
              help="Only the sources the paper uses: those its claims link to and those the configured "
                   "manuscript cites.")
@click.option("--claim", "claim_ids", multiple=True, help="Only the sources this claim links to (repeatable).")
@click.option("--resolve-crossrefs", is_flag=True,
              help="BibTeX/BibLaTeX: write what an entry inherits through crossref into the entry and drop the "
                   "crossref, instead of adding the parent entries (the default, as bibtex does).")
def command(bib, claims, to, output, keys, tags, cited_only, claim_ids, resolve_crossrefs) -> None:
    """Write the bibliography (or a selection) for another tool.

    Filters combine: an entry is written when it passes every filter given. Entries keep what
    they inherit through crossref: a BibTeX or BibLaTeX selection includes the parents it needs
    (or, with --resolve-crossrefs, the inherited fields); CSL and RIS always resolve them.
    A @set is written as its members. An entry the CSL engine cannot read is skipped with a warning.

    \b
    Examples:
      bibkit export --to csl-json --cited-only -o paper.json   for pandoc --citeproc
      bibkit export --to ris --tag famine -o famine.ris        for Zotero or EndNote
      bibkit export --to biblatex -o biblatex.bib
    """
    need = bool(claim_ids) or (cited_only and not config().manuscript)  # a manuscript alone says what is cited
    project = load(bib, claims, need_claims=need, no_claims=not (cited_only or claim_ids))
    echo_diagnostics(project.diagnostics)
    cited = manuscript_keys(project) if cited_only else None
    entries = select_entries(project, keys, tags, cited_only, claim_ids, cited_keys=cited)
    warn_if_empty(len(entries), project, cited_only, cited, _filters(keys, tags, cited_only, claim_ids))
    warnings: list = []
    with Progress("Exporting") as bar:
        text = export_entries(entries, to, project.bibliography, warnings=warnings,
                              crossrefs="resolve" if resolve_crossrefs else "include", cache=_csl_cache(to),
                              progress=bar.callback)
    for entry, message in warnings:
        click.echo(f"{entry.file}:{entry.line}:{entry.column}: warning R001 {message}", err=True)
    n = len(entries) - sum(1 for _, message in warnings if message.endswith("left out"))
    emit(output, text, f"{n} entr{'y' if n == 1 else 'ies'} as {FORMATS[to][1]}")


def _filters(keys, tags, cited_only, claim_ids) -> list[str]:
    """The selection options given, as the warning about an empty selection names them."""
    return [name for name, given in (("--keys", keys), ("--tag", tags), ("--cited-only", cited_only),
                                     ("--claim", claim_ids)) if given]


def _csl_cache(to: str) -> RenderCache | None:
    """The render cache for a CSL export (each entry's item kept), None for formats that need no cache."""
    if not to.startswith("csl-"):
        return None
    from bibkit.formatting.cache import RenderCache

    return RenderCache(enabled=cache_enabled())
