"""The CSL conversion cache: each entry's CSL item kept under a key made of exactly what the item depends on.

An entry's item (:mod:`bibkit.formatting.csl`) depends on its source text, the ``@string`` macros it uses (their
names, values as read and final values), the crossref and xdata ancestors it inherits from (the
same, for each), the links of each that survive cycle-breaking, the pandoc that converts it and
bibkit's own code. :func:`entry_key` hashes all of that; nothing else goes into an item.

The items of one bibliography live in one record of the render cache (:class:`RenderCache`,
``BIBKIT_CACHE_DIR``), so a warm run reads one file: checksummed, written atomically, ignored when
damaged, pruned with the rest of the cache. An entry whose key changed is simply not found and is
converted again; the others are not.
"""

from __future__ import annotations

import hashlib
import os
from typing import Iterable

from bibkit import __version__
from bibkit.bib.crossref import Crossrefs
from bibkit.formatting.cache import RenderCache, make_key
from bibkit.model import Bibliography, Entry

#: Bump when the conversion's output changes for the same input (part of every key).
CONVERTER = 1
#: One entry's conversion: its item as JSON text (None when it is left out) and the warnings it brings,
#: as (key of the entry concerned, message): a tuple[str | None, tuple[tuple[str, str], ...]].
Result = tuple
#: Modules whose code shapes an item (with those of :func:`bibkit.infra.cache.code_fingerprint`).
CODE = ("formatting/csl.py", "formatting/csl_cache.py", "bib/crossref.py", "bib/entrytypes.py", "formatting/__init__.py",
        "formatting/biblatex_input.py", "formatting/citeproc.py", "formatting/pandoc_run.py")
#: Items kept per record; beyond it only the last run's are kept.
MAX_ITEMS = 50_000


def base_key() -> bytes:
    """What every item depends on: converter, bibkit version and code, and the pandoc that would run."""
    from bibkit.infra.cache import code_fingerprint
    from bibkit.formatting.pandoc_run import pandoc_fingerprint

    return repr((CONVERTER, __version__, code_fingerprint(CODE), pandoc_fingerprint())).encode()


def entry_material(entry: Entry, graph: Crossrefs, bibliography: Bibliography) -> tuple[str, str]:
    """What the conversion reads of one entry, as (what it takes from elsewhere, its own text).

    Its own text is its source text for an entry as read (the bibliography's own object), and its
    type, key and every field in full for any other (an entry built or changed in memory).
    Elsewhere: the macros it uses (values as read and final values) and the links that survive
    cycle-breaking.
    """
    names, values_read = entry.macro_refs()
    finals = tuple(bibliography.macros.get(name) for name in names)
    links = _links(entry, graph)
    if bibliography.entries.get(entry.key) is entry and entry.source is not None:
        body = entry.source.text[entry.start:entry.end]
    else:
        body = repr([(f.name, [(p.kind, p.text) for p in f.parts], f.value) for f in entry.fields])
    return repr((entry.type, entry.key, entry.broken, names, values_read, finals, links, len(body))), body


def _links(entry: Entry, graph: Crossrefs) -> tuple:
    """The keys of the crossref parent and xdata parents the entry reads (none for most entries)."""
    if "crossref" not in entry and "xdata" not in entry:
        return None, ()
    parent = graph.parent(entry)
    return parent.key if parent else None, tuple(p.key for p in graph.xdata_parents(entry))


def entry_key(entry: Entry, graph: Crossrefs, bibliography: Bibliography, base: bytes) -> str:
    """The cache key of an entry's item: ``base`` and the material of the entry and of every ancestor."""
    h = hashlib.sha256(base)
    nodes = [entry, *graph.ancestors(entry)] if _links(entry, graph) != (None, ()) else [entry]
    for node in nodes:
        about, body = entry_material(node, graph, bibliography)
        h.update(b"\0" + about.encode("utf-8", "surrogatepass") + b"\0" + body.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def record_key(bibliography: Bibliography) -> str:
    """The record that holds a bibliography's items: one per set of files (by absolute path)."""
    return make_key("csl-items", *sorted(os.path.abspath(f.path) for f in bibliography.files))


def _valid(result: object) -> bool:
    """True for a well-formed :data:`Result` (a record from another version or a damaged one is not)."""
    if not (isinstance(result, tuple) and len(result) == 2):
        return False
    text, notes = result
    return (text is None or isinstance(text, str)) and isinstance(notes, tuple) and all(
        isinstance(n, tuple) and len(n) == 2 and all(isinstance(s, str) for s in n) for n in notes)


class CslStore:
    """The stored items of one bibliography, read once; :meth:`save` adds the new ones."""

    def __init__(self, cache: RenderCache, bibliography: Bibliography) -> None:
        self.cache = cache
        self.key = record_key(bibliography)
        stored = cache.get(self.key)
        self.items: dict[str, Result] = stored if isinstance(stored, dict) else {}

    def get(self, key: str) -> Result | None:
        """The stored result for an entry key, or None."""
        result = self.items.get(key)
        return result if result is not None and _valid(result) else None

    def save(self, fresh: dict[str, Result], used: Iterable[str]) -> None:
        """Store ``fresh`` with what is stored already (only the entries of this run when that grows too big)."""
        items = {**self.items, **fresh}
        if len(items) > MAX_ITEMS:
            used = set(used)
            items = {k: v for k, v in items.items() if k in used}
        self.cache.put(self.key, items)
