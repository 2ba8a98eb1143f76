"""The ``bibkit`` command line: thin click commands over the library.

Each command lives in its own module here and is registered below.
"""

from __future__ import annotations

import sys

import click

from bibkit import __version__
from bibkit.cli.usage import one_line_usage_errors
from bibkit.errors import BibkitError


class UserError(click.ClickException):
    """A user error shown as one line, exit code 2."""

    exit_code = 2

    def show(self, file=None) -> None:  # noqa: D102 - one line, no "Error:" noise twice
        click.echo(f"bibkit: error: {self.format_message()}", err=True)


class BibkitGroup(click.Group):
    """A group that turns :class:`BibkitError` and click usage errors from any command into one line and exit 2."""

    def make_context(self, *args, **kwargs) -> click.Context:  # noqa: D102 - `bibkit --bad-option`
        with one_line_usage_errors():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: click.Context):
        try:
            with one_line_usage_errors():
                return super().invoke(ctx)
        except BibkitError as exc:
            raise UserError(str(exc)) from None


EPILOG = """\b
Examples:
  bibkit check                      validate references.bib and claims.yaml
  bibkit claim-map --fail-under 80  which claims have sources; exit 1 below 80%
  bibkit reading-list --style apa   an annotated reading list in APA
  bibkit export --to csl-json       citations for pandoc, Zotero, ...
"""


@click.group(cls=BibkitGroup, epilog=EPILOG,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="bibkit")
def cli() -> None:
    """bibkit: an annotated bibliography whose sources link to the claims they back.

    Works in the current directory: references.bib, claims.yaml, and defaults from
    bibkit.toml or [tool.bibkit] in pyproject.toml.
    """


# One line per command module; each module defines ``command``.
COMMANDS = [
    "bibkit.cli.check",
    "bibkit.cli.claim_map",
    "bibkit.cli.init",
    "bibkit.cli.scan",
    "bibkit.cli.claims_cmd",
    "bibkit.cli.fmt",
    "bibkit.cli.import_",
    "bibkit.cli.export",
    "bibkit.cli.reading_list",
]


def _register() -> None:
    import importlib

    for name in COMMANDS:
        cli.add_command(importlib.import_module(name).command)


_register()


def main() -> None:
    """Console-script entry point."""
    try:
        cli(prog_name="bibkit")
    except BrokenPipeError:  # e.g. `bibkit check | head`
        sys.stderr.close()
        sys.exit(1)
