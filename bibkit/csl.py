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


def bibliography_to_csl(entries: Sequence[Entry], bibliography: Bibliography | None = None,
                        warnings: list[tuple[Entry, str]] | None = None) -> list[dict]:
    """CSL-JSON items for entries, in order; an entry pandoc cannot read is left out.

    Each left-out entry is added to ``warnings`` as (entry, reason) when a list is given. Entries
    inherit from their crossref parents in ``bibliography`` (read but not returned); a crossref
    cycle is broken (:mod:`bibkit.crossref`).
    """
    from bibkit.formatting import with_crossrefs
    from bibkit.formatting.pandoc_engine import entry_to_biblatex

    warnings = warnings if warnings is not None else []
    macros = bibliography.macros if bibliography else {}
    wanted, parents = with_crossrefs(entries, bibliography)
    wanted_keys = {e.key for e in wanted}
    texts: dict[str, str] = {}
    readable: list[Entry] = []
    for e in [*wanted, *parents]:
        try:
            texts[e.key] = entry_to_biblatex(e, macros)
            readable.append(e)
        except ValueError as exc:
            if e.key in wanted_keys:
                warnings.append((e, f"cannot convert {e.key} to CSL: {exc}; left out"))
    items = _convert(readable, texts, warnings)
    by_id = {item["id"]: item for item in items}
    out = []
    for e in wanted:
        if e.key in by_id:
            out.append(by_id[e.key])
        elif e.key in texts and all(w[0].key != e.key for w in warnings):
            warnings.append((e, f"cannot convert {e.key} to CSL: pandoc returned no item for it; left out"))
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
