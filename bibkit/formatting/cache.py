"""The render cache: rendered entries kept as checksummed records of the parse cache (:mod:`bibkit.infra.cache`)."""

from __future__ import annotations

import hashlib
import marshal
import os
import zlib
from pathlib import Path
from typing import Any

from bibkit import __version__
from bibkit.infra.cache import cache_dir, read_record, record_path, write_record


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
        #: keys read whole (checksum verified) by this cache
        self.seen: set[str] = set()

    def get(self, key: str) -> Any | None:
        """The stored value, or None."""
        if not self.enabled:
            return None
        value = read_record("render", key, self.directory)
        if value is None:
            self.misses += 1
        else:
            self.hits += 1
            self.seen.add(key)
        return value

    def touch(self, key: str) -> bool:
        """True when a sound record is stored under ``key`` (marked recently used); it is read and checked
        unless this cache read it already."""
        if not self.enabled:
            return False
        if key not in self.seen:
            return self.get(key) is not None
        try:
            os.utime(record_path("render", key, self.directory or cache_dir()))
        except OSError:
            return False
        return True

    def forget(self, key: str) -> None:
        """Remove the record under ``key`` (a damaged one, so that it is written again)."""
        if self.enabled:
            try:
                os.remove(record_path("render", key, self.directory or cache_dir()))
            except OSError:
                pass

    def put(self, key: str, value: Any) -> None:
        """Store a value; a cache that cannot be written is skipped (it is only a cache)."""
        if self.enabled:
            write_record("render", key, value, self.directory)


#: Shards a large mapping is split into by :func:`put_sharded` (by a hash of each key).
SHARDS = 64


def shard_count(items: int) -> int:
    """Shards for a mapping of ``items`` keys: about 50 keys a shard, at most :data:`SHARDS`."""
    return max(1, min(SHARDS, items // 50))


def shard_of(key: str, shards: int = SHARDS) -> int:
    """The shard ``key`` belongs to: stable across runs and machines (not Python's salted ``hash``)."""
    return zlib.crc32(key.encode("utf-8", "surrogatepass")) % shards


def put_sharded(cache: RenderCache, kind: str, parts: dict[str, dict[str, Any]], shards: int | None = None) -> list[str]:
    """Store mappings that share their keys (``parts``: name -> {key: value}) as ``shards`` records
    (default :func:`shard_count` of the first mapping), each
    holding every part's values of the keys of one shard, keyed by its content; a record already in the
    cache is not written again (an edit of one entry rewrites one shard). Returns the records' keys."""
    if shards is None:
        shards = shard_count(len(next(iter(parts.values()), {})))
    split: list[dict[str, dict[str, Any]]] = [{name: {} for name in parts} for _ in range(shards)]
    for name, mapping in parts.items():
        for key in sorted(mapping):  # the same content gives the same record, whatever order it came in
            split[shard_of(key, shards)][name][key] = mapping[key]
    keys = []
    for content in split:
        # marshal version 2 writes no back-references, which follow object identity, not content
        key = make_key(f"shard/{kind}", hashlib.sha256(marshal.dumps(content, 2)).hexdigest())
        if not cache.touch(key):
            cache.put(key, content)
        keys.append(key)
    return keys


def get_sharded(cache: RenderCache, keys: list[str]) -> dict[str, dict[str, Any]] | None:
    """The mappings :func:`put_sharded` stored under ``keys``, joined; None when a record is missing or damaged."""
    out: dict[str, dict[str, Any]] = {}
    for key in keys:
        content = cache.get(key)
        if not isinstance(content, dict) or not all(isinstance(m, dict) for m in content.values()):
            cache.forget(key)  # missing, damaged or foreign: written again by the next put_sharded
            return None
        for name, mapping in content.items():
            out.setdefault(name, {}).update(mapping)
    return out
