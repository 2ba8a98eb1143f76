"""BibTeX entries to CSL-JSON items, read exactly as pandoc reads a ``.bib`` file (``-f biblatex -t csljson``).

pandoc is the reference for field mapping, names, LaTeX decoding and title case, so we let it do
the reading and only decide where it is debatable: ``publisher``-like fields stay whole (see
:data:`bibkit.formatting.pandoc_engine.PROTECTED_LIST_FIELDS`). Crossrefs resolve against the
bibliography passed in. With a cache, each entry's item is kept under a key made of exactly what it
depends on (:mod:`bibkit.csl_cache`): a second run gives pandoc only the entries it has not seen.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Sequence

from bibkit.errors import BibkitError
from bibkit.model import Bibliography, Entry

if TYPE_CHECKING:
    from bibkit.formatting.cache import RenderCache

#: One entry's conversion: its item as JSON text (None when it is left out) and the warnings it brings,
#: as (key of the entry concerned, message): a tuple[str | None, tuple[tuple[str, str], ...]].
Result = tuple


def bibliography_to_csl(entries: Sequence[Entry], bibliography: Bibliography | None = None,
                        warnings: list[tuple[Entry, str]] | None = None,
                        cache: RenderCache | None = None) -> list[dict]:
    """CSL-JSON items for entries, in order; an entry pandoc cannot read is left out.

    Each left-out entry is added to ``warnings`` as (entry, reason) when a list is given. Entries
    inherit from their crossref parents in ``bibliography`` (read but not returned); a crossref
    cycle is broken (:mod:`bibkit.crossref`). With an enabled ``cache``, only entries not converted
    before go to pandoc (:mod:`bibkit.csl_cache`).
    """
    return [json.loads(text) for text in csl_texts(entries, bibliography, warnings, cache)]


def csl_texts(entries: Sequence[Entry], bibliography: Bibliography | None = None,
              warnings: list[tuple[Entry, str]] | None = None, cache: RenderCache | None = None) -> list[str]:
    """As :func:`bibliography_to_csl`, each item as JSON text: :func:`array_element`.

    Warnings come in the order of the entries they concern, whether or not the items were cached.
    """
    entries = list(entries)
    if bibliography is None:
        bibliography = Bibliography(entries={e.key: e for e in entries})
    if cache is not None and cache.enabled:
        results = _cached_results(entries, bibliography, cache)
    else:
        results = _convert_entries(entries, bibliography)
    return _assemble(entries, bibliography, results, warnings if warnings is not None else [])


def _cached_results(entries: list[Entry], bibliography: Bibliography, cache: RenderCache) -> dict[str, Result]:
    """Each entry's result: from the cache when its key is there, else converted now and stored."""
    from bibkit.crossref import Crossrefs
    from bibkit.csl_cache import CslStore, base_key, entry_key

    graph = Crossrefs(bibliography)
    base = base_key()
    keys = {e.key: entry_key(e, graph, bibliography, base) for e in entries}
    store = CslStore(cache, bibliography)
    results = {}
    for key, entry_hash in keys.items():
        found = store.get(entry_hash)
        if found is not None:
            results[key] = found
    misses = [e for e in entries if e.key not in results]
    if misses:
        fresh = _convert_entries(misses, bibliography)
        results.update(fresh)
        store.save({keys[k]: fresh[k] for k in fresh}, keys.values())
    return results


def _convert_entries(entries: list[Entry], bibliography: Bibliography) -> dict[str, Result]:
    """Each entry's result (item as JSON text or None, and the warnings it brings), converted by pandoc."""
    from bibkit.crossref import Crossrefs
    from bibkit.formatting import with_crossrefs
    from bibkit.formatting.pandoc_engine import entry_to_biblatex

    wanted, parents = with_crossrefs(entries, bibliography)
    wanted_keys = {e.key for e in wanted}
    texts: dict[str, str] = {}
    readable: list[Entry] = []
    refused: dict[str, str] = {}
    for e in [*wanted, *parents]:
        try:
            texts[e.key] = entry_to_biblatex(e, bibliography.macros)
            readable.append(e)
        except ValueError as exc:
            if e.key in wanted_keys:
                refused[e.key] = f"cannot convert {e.key} to CSL: {exc}; left out"
    failed: list[tuple[Entry, str]] = []
    by_id = {item["id"]: item for item in _convert(readable, texts, failed)}
    for e, message in failed:
        refused.setdefault(e.key, message)
    graph = Crossrefs(bibliography)
    results: dict[str, Result] = {}
    for e in wanted:
        item = by_id.get(e.key)
        notes = [(e.key, refused[e.key])] if e.key in refused else []
        if item is None and not notes and e.key in texts:
            notes.append((e.key, f"cannot convert {e.key} to CSL: pandoc returned no item for it; left out"))
        notes += [(a.key, refused[a.key]) for a in graph.ancestors(e) if a.key in refused and a.key not in wanted_keys]
        text = array_element(item) if item is not None else None
        results[e.key] = (text, tuple(notes))
    return results


def array_element(item: dict) -> str:
    """An item as it stands in ``json.dumps(items, indent=2, ensure_ascii=False)``: indented two spaces, so that
    ``"[\\n" + ",\\n".join(elements) + "\\n]"`` is that dump, byte for byte (JSON text has no raw newline in
    a string, so every newline is layout)."""
    return "  " + json.dumps(item, indent=2, ensure_ascii=False).replace("\n", "\n  ")


def _assemble(entries: list[Entry], bibliography: Bibliography, results: dict[str, Result],
              warnings: list[tuple[Entry, str]]) -> list[str]:
    """The items in the entries' order; their warnings added once each, to ``warnings``."""
    by_key = {e.key: e for e in entries}
    seen: set[tuple[str, str]] = set()
    out = []
    for e in entries:
        text, notes = results[e.key]
        if text is not None:
            out.append(text)
        for note in notes:
            if note not in seen:
                seen.add(note)
                warnings.append((by_key.get(note[0]) or bibliography.entries.get(note[0]) or e, note[1]))
    return out


def _convert(entries: list[Entry], texts: dict[str, str], warnings: list[tuple[Entry, str]]) -> list[dict]:
    """pandoc's CSL items for the entries; an entry pandoc rejects is left out with a warning.

    pandoc names the line it failed on: that entry is dropped and the rest run again. When it
    names none, the batch is halved until the entry that fails is found.
    """
    from bibkit.formatting.pandoc_engine import _PandocFailed, _run

    entries = list(entries)
    while entries:
        try:
            return json.loads(_run(["-f", "biblatex", "-t", "csljson"], "\n".join(texts[e.key] for e in entries)))
        except _PandocFailed as exc:
            message = " ".join(str(exc).split())[:200]
            m = re.search(r"line (\d+)", message)
            if m is None:
                if len(entries) == 1:
                    warnings.append((entries[0], f"cannot convert {entries[0].key} to CSL: pandoc could not read "
                                                 f"it ({message[:120] or 'no message'}); left out"))
                    return []
                half = len(entries) // 2
                return _convert(entries[:half], texts, warnings) + _convert(entries[half:], texts, warnings)
            starts, line = [], 1
            for e in entries:
                starts.append(line)
                line += texts[e.key].count("\n") + 1
            bad = entries.pop(max(i for i, s in enumerate(starts) if s <= int(m.group(1))))
            warnings.append((bad, f"cannot convert {bad.key} to CSL: pandoc could not read it ({message[:120]}); "
                                  "left out"))
    return []


def entry_to_csl(entry: Entry, bibliography: Bibliography | None = None) -> dict:
    """One entry as a CSL-JSON item; raises BibkitError when the entry cannot be read."""
    items = bibliography_to_csl([entry], bibliography)
    if not items:
        raise BibkitError(f"{entry.file}:{entry.line}: entry {entry.key} cannot be converted to CSL-JSON")
    return items[0]
