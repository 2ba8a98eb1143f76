"""``bibkit fmt``: rewrite bibliography files in the canonical layout, or ``--check`` them."""

from __future__ import annotations

import contextlib
import os

import click

from bibkit.bib.fmt import FmtOptions, format_file, unified_diff, write_formatted
from bibkit.cli.options import Progress, config, use_colour
from bibkit.infra.errors import BibkitError
from bibkit.infra.output import update_lock
from bibkit.infra.progress import ProgressFn, split


def _colour_diff(diff: str) -> str:
    """Red and green lines for a terminal."""
    out = []
    for line in diff.splitlines(keepends=True):
        if line.startswith("+") and not line.startswith("+++"):
            line = click.style(line, fg="green")
        elif line.startswith("-") and not line.startswith("---"):
            line = click.style(line, fg="red")
        out.append(line)
    return "".join(out)


@click.command("fmt")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--check", is_flag=True,
              help="Write nothing; print a unified diff and exit 1 if a file would change.")
def command(files, check) -> None:
    """Rewrite BibTeX files in one canonical, lossless layout.

    FILES default to the project's bibliography (references.bib or 'bib' in the config).
    Layout options come from the [fmt] table of bibkit.toml (indent, align, trailing_comma,
    sort_fields, month_macros, page_dashes, order).

    A file in which no entry is read and that does not look like BibTeX is refused (exit 2);
    a comma missing between two fields is added with a warning naming the entry.

    \b
    Exit codes: 0 formatted (or, with --check, nothing would change), 1 --check found
    a file that would change, 2 unreadable input or bad config.
    Examples:
      bibkit fmt                   format references.bib in place
      bibkit fmt --check refs.bib  a diff, and exit 1, if refs.bib is not formatted
    """
    cfg = config()
    options = FmtOptions.from_config(cfg.section("fmt"), cfg.path or "bibkit.toml")
    paths = list(files) or [cfg.resolve(p) for p in cfg.bib]
    would_change = 0
    colour = use_colour()
    with Progress("Checking" if check else "Formatting") as bar:
        for path, progress in zip(paths, _per_file(bar.callback, paths)):
            would_change += _format_one(path, options, check, colour, bar, progress)
    if check:
        click.echo(f"{would_change} of {len(paths)} file{'s' if len(paths) != 1 else ''} would change", err=True)
        if would_change:
            raise SystemExit(1)


def _per_file(progress: ProgressFn | None, paths: list[str]) -> list[ProgressFn | None]:
    """One share of the bar per file, as large as the file (nothing is looked at when nobody watches)."""
    if progress is None:
        return [None] * len(paths)
    return split(progress, *(_size(p) for p in paths))


def _size(path: str) -> int:
    """A file's share of the bar: its size in bytes, at least 1; 0 when it cannot be read (its error comes later)."""
    try:
        return max(1, os.path.getsize(path))
    except OSError:
        return 0


def _format_one(path: str, options: FmtOptions, check: bool, colour: bool, bar: Progress,
                progress: ProgressFn | None) -> int:
    """Format (or, with ``check``, diff) one file; 1 when it would change. The bar is cleared before any output."""
    if not check and os.path.exists(path) and not os.path.isfile(path):
        raise BibkitError(f"{path}: not a regular file (a pipe or device): fmt cannot rewrite it; "
                          "'bibkit fmt --check' reads it once and prints the diff")
    formatting, diffing = split(progress, 3, 2) if check else (progress, None)
    # The update lock spans read, format and write: a concurrent import waits instead of being lost.
    with contextlib.nullcontext() if check else update_lock(path):
        result = format_file(path, options, formatting)
        bar.close()
        for d in result.diagnostics:
            click.echo(str(d), err=True)
        if not result.changed:
            if not check:
                click.echo(f"{path}: already formatted", err=True)
            return 0
        if check:
            diff = unified_diff(result.before, result.after, path, diffing)
            if not diff:  # only the encoding or the byte-order mark differs
                diff = f"{path}: would be re-encoded as UTF-8\n"
            bar.close()
            click.echo(_colour_diff(diff) if colour else diff, nl=False)
        else:
            write_formatted(result)
            click.echo(f"Formatted {path}", err=True)
    return 1
