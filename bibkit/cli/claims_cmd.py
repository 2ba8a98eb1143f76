"""``bibkit claims``: work on the claims file; ``claims extract`` drafts one from a manuscript."""

from __future__ import annotations

import os

import click

from bibkit.cli.options import bib_option, config, emit, load, output_option
from bibkit.manuscripts import document_kind
from bibkit.scan import claims_yaml


@click.group("claims")
def command() -> None:
    """Work with the claims file (claims.yaml)."""


@command.command("extract")
@click.argument("file", type=click.Path(dir_okay=False))
@bib_option
@output_option
def extract(file, bib, output) -> None:
    """Draft a claims file from a manuscript's own sentences (Markdown, LaTeX, Word .docx or HTML).

    Every cited sentence becomes a claim (id, text, section, anchor) linked to the keys it cites,
    with their locators, unverified; sentences that may need a citation become claims without
    sources. Edit the result, then check it with 'bibkit check'. Citations in a .docx or HTML file
    name works rather than keys: they are matched to the bibliography (--bib, or the project's when
    there is one).

    \b
    Example:
      bibkit claims extract article.md -o claims.yaml
      bibkit claims extract article.docx --bib references.bib -o claims.yaml
    """
    bibliography = None
    if document_kind(file):
        cfg = config()
        if bib or any(os.path.exists(cfg.resolve(p)) for p in cfg.bib):
            bibliography = load(bib, None, no_claims=True).bibliography
    emit(output, claims_yaml(file, output, bibliography), "claims skeleton")
