"""Options and plumbing shared by the commands: project paths, output, formats, colour."""

from __future__ import annotations

import gc
import os
import sys
from typing import Callable, Sequence

import click

from bibkit.config import Config, find_config
from bibkit.output import is_stdout, write_output
from bibkit.bibtex import paused_gc
from bibkit.project import Project, load_project


def bib_option(f: Callable) -> Callable:
    """``--bib PATH`` (repeatable), with ``--no-cache`` alongside: every command that reads a bibliography has both."""
    f = no_cache_option(f)
    return click.option("--bib", "bib", multiple=True, type=click.Path(dir_okay=False),
                        help="BibTeX/BibLaTeX file (repeatable). Default: references.bib or the config.")(f)


def _set_no_cache(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    if value:
        ctx.find_root().meta["bibkit.no_cache"] = True
    return value


def no_cache_option(f: Callable) -> Callable:
    """``--no-cache``: parse every file again and leave the parse cache alone."""
    return click.option("--no-cache", is_flag=True, expose_value=False, callback=_set_no_cache, is_eager=True,
                        help="Do not read or write the parse cache (BIBKIT_CACHE_DIR).")(f)


def cache_enabled() -> bool:
    """False when ``--no-cache`` was given or ``BIBKIT_NO_CACHE`` is set."""
    if os.environ.get("BIBKIT_NO_CACHE"):
        return False
    ctx = click.get_current_context(silent=True)
    return not (ctx is not None and ctx.find_root().meta.get("bibkit.no_cache"))


def claims_option(f: Callable) -> Callable:
    """``--claims PATH``."""
    return click.option("--claims", "claims", type=click.Path(dir_okay=False),
                        help="Claims file. Default: claims.yaml or the config.")(f)


def output_option(f: Callable) -> Callable:
    """``-o/--output PATH``."""
    return click.option("-o", "--output", "output", type=click.Path(dir_okay=False, allow_dash=True),
                        help="Write here instead of stdout ('-' is stdout). Written whole or not at all.")(f)


def format_option(choices: Sequence[str], default: str) -> Callable:
    """``--format`` with the given choices; its default may come from the config."""
    return click.option("--format", "fmt", type=click.Choice(list(choices)), default=None,
                        help=f"Output format [default: {default}, or 'format' in the config].")


def config() -> Config:
    """The project config for the current directory (read once per process)."""
    ctx = click.get_current_context()
    root = ctx.find_root()
    if root.obj is None:
        root.obj = find_config()
    return root.obj


def pick_format(value: str | None, choices: Sequence[str], default: str, command: str) -> str:
    """An explicit ``--format``, else the config's (per command, then global, if valid here), else ``default``."""
    if value:
        return value
    cfg = config()
    for candidate in (cfg.section(command).get("format"), cfg.format):
        if isinstance(candidate, str) and candidate in choices:
            return candidate
    return default


def load(bib: Sequence[str], claims: str | None, *, need_claims: bool = False, no_claims: bool = False) -> Project:
    """Load the project with the CLI's paths over the config's."""
    with paused_gc():
        project = load_project(list(bib) or None, claims, config=config(), need_claims=need_claims,
                               no_claims=no_claims, use_cache=cache_enabled())
        # The project lives until exit: freezing it keeps the collector from walking it again and again.
        gc.freeze()
    return project


def use_colour(to_stdout: bool = True) -> bool:
    """Colour only on a terminal and only when NO_COLOR is unset."""
    if os.environ.get("NO_COLOR"):
        return False
    stream = sys.stdout if to_stdout else sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)())


def emit(output: str | None, text: str, what: str) -> None:
    """Write a report to ``-o`` (or stdout) and say where a file went, like coverage.py."""
    write_output(output, text)
    if not is_stdout(output):
        click.echo(f"Wrote {what} to {output}", err=True)
