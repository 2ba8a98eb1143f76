"""BibTeX entries to CSL-JSON items, read exactly as pandoc reads a ``.bib`` file (``-f biblatex -t csljson``).

pandoc is the reference for field mapping, names, LaTeX decoding and title case, so we let it do
the reading and only decide where it is debatable: ``publisher``-like fields stay whole (see
:data:`bibkit.formatting.pandoc_engine.PROTECTED_LIST_FIELDS`). Crossrefs resolve against the
bibliography passed in.
"""

from __future__ import annotations

import json
import re
from typing import Sequence

from bibkit.errors import BibkitError
from bibkit.model import Bibliography, Entry
from bibkit.progress import ProgressFn, batch_size, split, track


#: A watched conversion runs pandoc on batches of at least BATCH_LEAST entries (about a second of
#: pandoc each) and at most BATCH_STEPS batches, so a bar moves about once a second. Each extra run
#: costs pandoc's biblatex reader 0.1-0.17 s of set-up (5,000 entries: 5 batches, 4.5 s -> 5.2 s of
#: pandoc), so unwatched conversions keep one run.
BATCH_LEAST = 1000
BATCH_STEPS = 20


def bibliography_to_csl(entries: Sequence[Entry], bibliography: Bibliography | None = None,
                        warnings: list[tuple[Entry, str]] | None = None,
                        progress: ProgressFn | None = None) -> list[dict]:
    """CSL-JSON items for entries, in order; an entry pandoc cannot read is left out.

    Each left-out entry is added to ``warnings`` as (entry, reason) when a list is given. Entries
    inherit from their crossref parents in ``bibliography`` (read but not returned); a crossref
    cycle is broken (:mod:`bibkit.crossref`). ``progress`` is told of each entry prepared and each
    pandoc batch done; with it, pandoc runs on batches (see :data:`BATCH_LEAST`), the same items.
    """
    from bibkit.formatting import with_crossrefs

    warnings = warnings if warnings is not None else []
    macros = bibliography.macros if bibliography else {}
    wanted, parents = with_crossrefs(entries, bibliography)
    preparing, converting = split(progress, 1, 5)  # pandoc takes about five times as long as the texts
    texts, readable = _biblatex_texts([*wanted, *parents], macros, {e.key for e in wanted}, warnings, preparing)
    by_id: dict[str, dict] = {}
    done = 0
    for batch in _families(readable, batch_size(len(readable), progress, least=BATCH_LEAST, steps=BATCH_STEPS)):
        by_id.update((item["id"], item) for item in _convert(batch, texts, warnings))
        done += len(batch)
        if converting is not None:
            converting(done, len(readable))
    out = []
    for e in wanted:
        if e.key in by_id:
            out.append(by_id[e.key])
        elif e.key in texts and all(w[0].key != e.key for w in warnings):
            warnings.append((e, f"cannot convert {e.key} to CSL: pandoc returned no item for it; left out"))
    return out


def _biblatex_texts(entries: list[Entry], macros: dict[str, str], wanted_keys: set[str],
                    warnings: list[tuple[Entry, str]],
                    progress: ProgressFn | None) -> tuple[dict[str, str], list[Entry]]:
    """Each entry's BibLaTeX source for pandoc by key, and the entries that have one, in order.

    An entry it cannot write is left out, with a warning when it is one of ``wanted_keys``.
    """
    from bibkit.formatting.pandoc_engine import entry_to_biblatex

    texts: dict[str, str] = {}
    readable: list[Entry] = []
    for e in track(entries, progress):
        try:
            texts[e.key] = entry_to_biblatex(e, macros)
            readable.append(e)
        except ValueError as exc:
            if e.key in wanted_keys:
                warnings.append((e, f"cannot convert {e.key} to CSL: {exc}; left out"))
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
        for name in [e.get("crossref") or "", *(e.get("xdata") or "").split(",")]:
            j = position.get(name.strip().lower())
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
