"""BibTeX entries to CSL-JSON items, read exactly as pandoc reads a ``.bib`` file (``-f biblatex -t csljson``).

pandoc is the reference for field mapping, names, LaTeX decoding and title case, so we let it do
the reading and only decide where it is debatable: ``publisher``-like fields stay whole (see
:data:`bibkit.formatting.biblatex_input.PROTECTED_LIST_FIELDS`). Crossrefs resolve against the
bibliography passed in. With a cache, each entry's item is kept under a key made of exactly what it
depends on (:mod:`bibkit.formatting.csl_cache`): a second run gives pandoc only the entries it has not seen.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Sequence

from bibkit.bib.crossref import parent_keys
from bibkit.bib.latex import compose_json
from bibkit.formatting.csl_cache import Result
from bibkit.infra.errors import BibkitError
from bibkit.infra.progress import ProgressFn, batch_size, split, track
from bibkit.model import Bibliography, Entry

if TYPE_CHECKING:
    from bibkit.formatting.cache import RenderCache

#: A watched conversion runs pandoc on batches of at least BATCH_LEAST entries (about a second of
#: pandoc each) and at most BATCH_STEPS batches, so a bar moves about once a second. Each extra run
#: costs pandoc's biblatex reader 0.1-0.17 s of set-up (5,000 entries: 5 batches, 4.5 s -> 5.2 s of
#: pandoc), so unwatched conversions keep one run.
BATCH_LEAST = 1000
BATCH_STEPS = 20


def bibliography_to_csl(entries: Sequence[Entry], bibliography: Bibliography | None = None,
                        warnings: list[tuple[Entry, str]] | None = None,
                        cache: RenderCache | None = None, progress: ProgressFn | None = None) -> list[dict]:
    """CSL-JSON items for entries, in order; an entry pandoc cannot read is left out.

    Each left-out entry is added to ``warnings`` as (entry, reason) when a list is given. Entries
    inherit from their crossref parents in ``bibliography`` (read but not returned); a crossref
    cycle is broken (:mod:`bibkit.bib.crossref`). With an enabled ``cache``, only entries not converted
    before go to pandoc (:mod:`bibkit.formatting.csl_cache`). ``progress`` is told of each entry prepared and
    each pandoc batch done; with it, pandoc runs on batches (see :data:`BATCH_LEAST`), the same items.
    """
    return [json.loads(text) for text in csl_texts(entries, bibliography, warnings, cache, progress)]


def csl_texts(entries: Sequence[Entry], bibliography: Bibliography | None = None,
              warnings: list[tuple[Entry, str]] | None = None, cache: RenderCache | None = None,
              progress: ProgressFn | None = None) -> list[str]:
    """As :func:`bibliography_to_csl`, each item as JSON text: :func:`array_element`.

    Warnings come in the order of the entries they concern, whether or not the items were cached.
    ``progress`` hears of the preparation (cache keys, BibLaTeX texts) and of the pandoc batches;
    when the cache holds every item there is nothing to convert and the bar simply completes.
    """
    entries = list(entries)
    if bibliography is None:
        bibliography = Bibliography(entries={e.key: e for e in entries})
    preparing, converting = split(progress, 1, 5)  # pandoc takes about five times as long as the texts
    if cache is not None and cache.enabled:
        results = _cached_results(entries, bibliography, cache, preparing, converting)
    else:
        results = _convert_entries(entries, bibliography, preparing, converting)
    if converting is not None:
        converting(1, 1)  # complete, also when nothing went to pandoc
    return _assemble(entries, bibliography, results, warnings if warnings is not None else [])


def _cached_results(entries: list[Entry], bibliography: Bibliography, cache: RenderCache,
                    preparing: ProgressFn | None = None, converting: ProgressFn | None = None) -> dict[str, Result]:
    """Each entry's result: from the cache when its key is there, else converted now and stored.

    ``preparing`` hears of the keys made, then of the texts of the misses; ``converting`` of their
    pandoc batches (:func:`_convert_entries`).
    """
    from bibkit.bib.crossref import Crossrefs
    from bibkit.formatting.csl_cache import CslStore, base_key, entry_key

    keying, texting = split(preparing, 1, 1)
    graph = Crossrefs(bibliography)
    base = base_key()
    keys = {e.key: entry_key(e, graph, bibliography, base) for e in track(entries, keying)}
    store = CslStore(cache, bibliography)
    results = {}
    for key, entry_hash in keys.items():
        found = store.get(entry_hash)
        if found is not None:
            results[key] = found
    misses = [e for e in entries if e.key not in results]
    if misses:
        fresh = _convert_entries(misses, bibliography, texting, converting)
        results.update(fresh)
        store.save({keys[k]: fresh[k] for k in fresh}, keys.values())
    return results


def _convert_entries(entries: list[Entry], bibliography: Bibliography, preparing: ProgressFn | None = None,
                     converting: ProgressFn | None = None) -> dict[str, Result]:
    """Each entry's result (item as JSON text or None, and the warnings it brings), converted by pandoc.

    ``preparing`` hears of each entry's BibLaTeX text written, ``converting`` of each pandoc batch
    done; with ``converting``, pandoc runs on batches of whole crossref/xdata families
    (:func:`_families`), else in one run.
    """
    from bibkit.bib.crossref import Crossrefs
    from bibkit.formatting import with_crossrefs

    wanted, parents = with_crossrefs(entries, bibliography)
    wanted_keys = {e.key for e in wanted}
    refused: dict[str, str] = {}
    texts, readable = _biblatex_texts([*wanted, *parents], bibliography.macros, wanted_keys, refused, preparing)
    failed: list[tuple[Entry, str]] = []
    by_id: dict[str, dict] = {}
    done = 0
    for batch in _families(readable, batch_size(len(readable), converting, least=BATCH_LEAST, steps=BATCH_STEPS)):
        by_id.update((item["id"], item) for item in _convert(batch, texts, failed))
        done += len(batch)
        if converting is not None:
            converting(done, len(readable))
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


def _biblatex_texts(entries: list[Entry], macros: dict[str, str], wanted_keys: set[str], refused: dict[str, str],
                    progress: ProgressFn | None) -> tuple[dict[str, str], list[Entry]]:
    """Each entry's BibLaTeX source for pandoc by key, and the entries that have one, in order.

    An entry it cannot write is left out; when it is one of ``wanted_keys`` the reason goes into
    ``refused`` by key.
    """
    from bibkit.formatting.biblatex_input import entry_to_biblatex

    texts: dict[str, str] = {}
    readable: list[Entry] = []
    for e in track(entries, progress):
        try:
            texts[e.key] = entry_to_biblatex(e, macros)
            readable.append(e)
        except ValueError as exc:
            if e.key in wanted_keys:
                refused[e.key] = f"cannot convert {e.key} to CSL: {exc}; left out"
    return texts, readable


def _families(entries: list[Entry], size: int) -> list[list[Entry]]:
    """The entries in batches of about ``size``, in their order, each entry with every entry it
    names through crossref or xdata (pandoc resolves those within one run).

    Linked entries form a family that is never cut; families are packed into batches in the order
    of their first member. One batch when ``size`` covers them all.
    """
    if len(entries) <= size:
        return [entries] if entries else []
    position = {e.key.lower(): i for i, e in enumerate(entries)}
    root = list(range(len(entries)))

    def find(i: int) -> int:
        while root[i] != i:
            root[i] = root[root[i]]
            i = root[i]
        return i

    for i, e in enumerate(entries):
        for _, name in parent_keys(e):
            j = position.get(name.lower())
            if j is not None:
                root[find(i)] = find(j)
    families: dict[int, list[int]] = {}
    for i in range(len(entries)):
        families.setdefault(find(i), []).append(i)
    batches: list[list[int]] = [[]]
    for members in families.values():
        if len(batches[-1]) >= size:
            batches.append([])
        batches[-1].extend(members)
    return [[entries[i] for i in sorted(batch)] for batch in batches]


def _convert(entries: list[Entry], texts: dict[str, str], warnings: list[tuple[Entry, str]]) -> list[dict]:
    """pandoc's CSL items for the entries; an entry pandoc rejects is left out with a warning.

    pandoc names the line it failed on: that entry is dropped and the rest run again. When it
    names none, the batch is halved until the entry that fails is found.
    """
    from bibkit.formatting.pandoc_run import PandocFailed, run_pandoc
    from bibkit.formatting.citeproc import entry_at_line

    entries = list(entries)
    while entries:
        try:
            # pandoc writes Na\"{\i}ve as "Naı̈ve"; bibkit composes it ("Naïve") on purpose
            return compose_json(json.loads(run_pandoc(["-f", "biblatex", "-t", "csljson"],
                                                      "\n".join(texts[e.key] for e in entries))))
        except PandocFailed as exc:
            message = " ".join(str(exc).split())[:200]
            m = re.search(r"line (\d+)", message)
            if m is None:
                if len(entries) == 1:
                    warnings.append((entries[0], f"cannot convert {entries[0].key} to CSL: pandoc could not read "
                                                 f"it ({message[:120] or 'no message'}); left out"))
                    return []
                half = len(entries) // 2
                return _convert(entries[:half], texts, warnings) + _convert(entries[half:], texts, warnings)
            bad = entries.pop(entry_at_line(entries, texts, int(m.group(1))))
            warnings.append((bad, f"cannot convert {bad.key} to CSL: pandoc could not read it ({message[:120]}); "
                                  "left out"))
    return []


def entry_to_csl(entry: Entry, bibliography: Bibliography | None = None) -> dict:
    """One entry as a CSL-JSON item; raises BibkitError when the entry cannot be read."""
    items = bibliography_to_csl([entry], bibliography)
    if not items:
        raise BibkitError(f"{entry.file}:{entry.line}: entry {entry.key} cannot be converted to CSL-JSON")
    return items[0]
