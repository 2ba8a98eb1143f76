"""The render cache: rendered entries kept as checksummed records of the parse cache (:mod:`bibkit.infra.cache`)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from bibkit import __version__
from bibkit.infra.cache import read_record, write_record


def make_key(*parts: str) -> str:
    """A stable key from strings (the bibkit version is always part of it)."""
    h = hashlib.sha256(__version__.encode())
    for p in parts:
        h.update(b"\0")
        h.update(p.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


class RenderCache:
    """A content-addressed store of renderings; ``enabled=False`` makes it a no-op (``--no-cache``).

    Records live beside the parse cache (``BIBKIT_CACHE_DIR``, or ``directory``) and share its
    safeguards: checksummed, written atomically, ignored when damaged, pruned when too big.
    """

    def __init__(self, enabled: bool = True, directory: Path | str | None = None) -> None:
        self.enabled = enabled
        self.directory = str(directory) if directory else None
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> Any | None:
        """The stored value, or None."""
        if not self.enabled:
            return None
        value = read_record("render", key, self.directory)
        if value is None:
            self.misses += 1
        else:
            self.hits += 1
        return value

    def put(self, key: str, value: Any) -> None:
        """Store a value; a cache that cannot be written is skipped (it is only a cache)."""
        if self.enabled:
            write_record("render", key, value, self.directory)
