"""What every full-text extractor shares: the :class:`Extracted` pages it returns and the :class:`Unreadable` it raises."""

from __future__ import annotations

from dataclasses import dataclass


class Unreadable(Exception):
    """A full text exists (or is listed) but cannot be read; ``str()`` says why in a few words.

    ``transient`` marks a failure that may not recur (a time limit, a crash): it is not cached.
    """

    def __init__(self, reason: str, *, transient: bool = False) -> None:
        super().__init__(reason)
        self.transient = transient


@dataclass
class Extracted:
    """What an extractor returns: the text of each page, and the file's own page labels if it has any."""

    pages: list[str]
    labels: list[str] | None = None
