"""``bibkit claims``: work on the claims file; ``claims extract`` drafts one from a manuscript."""

from __future__ import annotations

import click

from bibkit.cli.options import add_inputs, emit, output_option
from bibkit.scan import claims_yaml


@click.group("claims")
def command() -> None:
    """Work with the claims file (claims.yaml)."""


@command.command("extract")
@click.argument("file", type=click.Path(dir_okay=False))
@output_option
def extract(file, output) -> None:
    """Draft a claims file from a manuscript's own sentences.

    Every cited sentence becomes a claim (id, text, section, anchor) linked to the keys it cites,
    with their locators, unverified; sentences that may need a citation become claims without
    sources. Edit the result, then check it with 'bibkit check'.

    \b
    Example:
      bibkit claims extract article.md -o claims.yaml
    """
    add_inputs(file)
    emit(output, claims_yaml(file, output), "claims skeleton")
