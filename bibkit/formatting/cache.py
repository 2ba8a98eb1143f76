"""The render cache: JSON files under ``BIBKIT_CACHE_DIR`` (default: the user cache dir), keyed by content hashes."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from bibkit import __version__


def cache_dir() -> Path:
    """Where rendered entries are kept: ``$BIBKIT_CACHE_DIR/render`` or the platform's user cache dir."""
    base = os.environ.get("BIBKIT_CACHE_DIR")
    if not base:
        import platformdirs

        base = platformdirs.user_cache_dir("bibkit")
    return Path(base) / "render"


def make_key(*parts: str) -> str:
    """A stable key from strings (the bibkit version is always part of it)."""
    h = hashlib.sha256(__version__.encode())
    for p in parts:
        h.update(b"\0")
        h.update(p.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


class RenderCache:
    """A tiny content-addressed store; ``enabled=False`` makes it a no-op (``--no-cache``)."""

    def __init__(self, enabled: bool = True, directory: Path | None = None) -> None:
        self.enabled = enabled
        self.directory = directory or cache_dir()
        self.hits = 0
        self.misses = 0

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> Any | None:
        """The stored value, or None."""
        if not self.enabled:
            return None
        try:
            with open(self._path(key), encoding="utf-8") as fh:
                value = json.load(fh)
        except (OSError, ValueError):
            self.misses += 1
            return None
        self.hits += 1
        return value

    def put(self, key: str, value: Any) -> None:
        """Store a value; a cache that cannot be written is silently skipped (it is only a cache)."""
        if not self.enabled:
            return
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump(value, fh, ensure_ascii=False)
            os.replace(tmp, path)
        except OSError:
            pass
