"""``bibkit schema``: the JSON Schemas bibkit ships, for editors and validators."""

from __future__ import annotations

import click

from bibkit.cli.options import emit, output_option
from bibkit.schema import SCHEMAS, schema_path, schema_text


@click.command("schema")
@click.argument("name", type=click.Choice(sorted(SCHEMAS)))
@click.option("--path", "show_path", is_flag=True, help="Print where the installed schema file is instead of its text.")
@output_option
def command(name, show_path, output) -> None:
    """Print the JSON Schema of a bibkit file (claims: claims.yaml, format version 1).

    \b
    Editors with the YAML language server validate and complete claims.yaml from it when the file
    starts with '# yaml-language-server: $schema=./claims.schema.json' (bibkit init writes both).
    Examples:
      bibkit schema claims -o claims.schema.json    refresh the project's copy
      bibkit schema claims --path                   the installed file
    """
    if show_path:
        click.echo(schema_path(name))
        return
    emit(output, schema_text(name), f"{name} schema")
