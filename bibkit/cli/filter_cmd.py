"""``bibkit filter``: where the pandoc/Quarto Lua filter is, a defaults file for it, the Quarto extension."""

from __future__ import annotations

import click

from bibkit.filters import defaults_file, filter_path, install_quarto_extension


@click.command("filter")
@click.option("--path", "show_path", is_flag=True, help="Print the path of the Lua filter (bibkit.lua).")
@click.option("--defaults", "show_defaults", is_flag=True,
              help="Print a pandoc defaults file that runs the filter, then citeproc, for a reviewer's draft.")
@click.option("--quarto", "quarto_dir", metavar="DIR", type=click.Path(file_okay=False),
              help="Copy the Quarto extension into DIR/_extensions/bibkit.")
def command(show_path, show_defaults, quarto_dir) -> None:
    """The Lua filter that shows the claim map in pandoc and Quarto output.

    \b
    It reads claim-map.json (bibkit claim-map --format json -o claim-map.json) and, with the
    document metadata bibkit-draft: true, marks every claim in the text with its status;
    bibkit-fail-under: 80 stops the render below 80% coverage.
    Examples:
      pandoc article.md -L "$(bibkit filter --path)" -M bibkit-draft=true -o draft.html
      bibkit filter --defaults > bibkit-draft.yaml
      bibkit filter --quarto .          then: filters: [bibkit] in _quarto.yml
    """
    if not (show_path or show_defaults or quarto_dir):
        show_path = True
    if show_path:
        click.echo(str(filter_path()))
    if show_defaults:
        click.echo(defaults_file(), nl=False)
    if quarto_dir:
        target = install_quarto_extension(quarto_dir)
        click.echo(f"Quarto extension in {target}", err=True)
