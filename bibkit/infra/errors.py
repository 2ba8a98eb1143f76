"""The one exception type for user errors (bad input, bad options): the CLI prints it and exits 2."""


class BibkitError(Exception):
    """A user-facing error: its message is one line, shown without a traceback."""
