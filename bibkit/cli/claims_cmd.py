"""``bibkit claims``: work on the claims file; ``claims extract`` drafts one from a manuscript."""

from __future__ import annotations

import click

from bibkit.cli.options import bib_option, emit, load, output_option
from bibkit.errors import BibkitError
from bibkit.scan import claims_yaml


@click.group("claims")
def command() -> None:
    """Work with the claims file (claims.yaml)."""


@command.command("extract")
@click.argument("file", type=click.Path(dir_okay=False))
@bib_option
@output_option
def extract(file, bib, output) -> None:
    """Draft a claims file from a manuscript's own sentences.

    Every cited sentence becomes a claim (id, text, section, anchor) linked to the keys it cites,
    with their locators, unverified; sentences that may need a citation become claims without
    sources. Edit the result, then check it with 'bibkit check'.

    \b
    Example:
      bibkit claims extract article.md -o claims.yaml
    """
    bibliography = None
    try:  # the bibliography names the authors of "@key says" citations; without one, the bare key
        bibliography = load(bib, None, no_claims=True).bibliography
    except BibkitError:
        if bib:
            raise
    emit(output, claims_yaml(file, output, bibliography), "claims skeleton")
