"""Click usage errors as one line on stderr (``bibkit: error: ...``), exit code 2.

Click prints a usage error as four lines (usage, a "Try --help" hint, a blank line, "Error: ...").
bibkit promises one line for every user error, so :func:`one_line_usage_errors` turns any
:class:`click.UsageError` raised while parsing or running a command into :class:`OneLineUsageError`,
which keeps click's message and exit code and names the command and its ``--help``.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import click


class OneLineUsageError(click.UsageError):
    """A usage error shown as ``bibkit: error: <subcommand>: <message> (see '<command> --help')``."""

    def __init__(self, message: str, command_path: str | None = None) -> None:
        super().__init__(message)
        self.command_path = command_path

    def show(self, file=None) -> None:  # noqa: D102 - click's hook for printing the error
        sub = self.command_path.split(" ", 1)[1] if self.command_path and " " in self.command_path else ""
        where = f"{sub}: " if sub else ""
        hint = f" (see '{self.command_path} --help')" if self.command_path else ""
        message = " ".join(self.format_message().split())  # click wraps some messages over lines
        click.echo(f"bibkit: error: {where}{message}{hint}", err=True, file=file)


@contextmanager
def one_line_usage_errors() -> Iterator[None]:
    """Re-raise click usage errors from the block as :class:`OneLineUsageError` (already converted ones pass)."""
    try:
        yield
    except OneLineUsageError:
        raise
    except click.UsageError as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # `bibkit` alone: the help text is what was asked for
            raise
        raise _converted(exc) from None


def _converted(exc: click.UsageError) -> OneLineUsageError:
    """The same message and exit code, with the command it concerns."""
    path = exc.ctx.command_path if exc.ctx is not None else None
    return OneLineUsageError(exc.format_message(), path)
