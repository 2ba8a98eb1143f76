"""``bibkit init``: start a new project in the current directory without overwriting anything."""

from __future__ import annotations

import os

import click

from bibkit.claims.writer import PLACEHOLDER_TITLE
from bibkit.infra.output import atomic_write
from bibkit.schema import CLAIMS_MODELINE, CLAIMS_SCHEMA_FILE, schema_text

CLAIMS_TEMPLATE = CLAIMS_MODELINE + f"""
# claims.yaml: the statements your text makes and the sources behind them.
# The format is described in bibkit's docs/formats.md. Run `bibkit claim-map` to see the map.
version: 1
document:
  title: {PLACEHOLDER_TITLE}
  # path: article.md          # lets `bibkit check` verify each claim's anchor
# To start, remove the "# " in front of each line of the example claim below and edit it.
# A source is linked by its key in references.bib, for example:
#   sources:
#     - key: smith2020
#       locator: p. 12
#       stance: supports      # supports | contradicts | qualifies | mentions
#       verified: false       # 'bibkit review' records who checked the page, and when
claims:
# - id: first-claim           # letters, digits, '-', '_', '.'
#   text: The thing the text asserts, in one sentence.
#   tags: [topic]
#   sources: []               # the keys behind it, as shown above
"""

BIB_TEMPLATE = """\
% references.bib: your sources. Add `annote = {...}` for notes and `keywords = {...}` for tags.
"""

CONFIG_TEMPLATE = """\
# bibkit.toml: defaults for every bibkit command run in this folder.
bib = "references.bib"
claims = "claims.yaml"
# style = "apa"             # reading-list style: a CSL name or .csl path, or plain/unsrt/alpha
# manuscript = "article.md"
"""

FILES = {"references.bib": BIB_TEMPLATE, "claims.yaml": CLAIMS_TEMPLATE, "bibkit.toml": CONFIG_TEMPLATE}


@click.command("init")
def command() -> None:
    """Create references.bib, claims.yaml (with its JSON Schema, for editors) and bibkit.toml here; existing files are left alone."""
    for name, content in {**FILES, CLAIMS_SCHEMA_FILE: schema_text("claims")}.items():
        if os.path.exists(name):
            click.echo(f"kept {name} (already exists)")
            continue
        atomic_write(name, content.encode("utf-8"))
        click.echo(f"created {name}")
