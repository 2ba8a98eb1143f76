"""BibTeX entries to CSL-JSON items, read exactly as pandoc reads a ``.bib`` file (``-f biblatex -t csljson``).

pandoc is the reference for field mapping, names, LaTeX decoding and title case, so we let it do
the reading and only decide where it is debatable: ``publisher``-like fields stay whole (see
:data:`bibkit.formatting.pandoc_engine.PROTECTED_LIST_FIELDS`). Crossrefs resolve against the
bibliography passed in.
"""

from __future__ import annotations

import json
from typing import Sequence

from bibkit.errors import BibkitError
from bibkit.model import Bibliography, Entry


def bibliography_to_csl(entries: Sequence[Entry], bibliography: Bibliography | None = None) -> list[dict]:
    """CSL-JSON items for entries, in order; entries pandoc cannot read are left out (see ``entry_to_biblatex``)."""
    from bibkit.formatting.pandoc_engine import _PandocFailed, _run, entry_to_biblatex

    macros = bibliography.macros if bibliography else {}
    wanted = [e for e in entries]
    texts: dict[str, str] = {}
    queue = list(wanted)
    while queue:  # the entries and, transitively, their crossref targets
        e = queue.pop()
        if e.key in texts:
            continue
        try:
            texts[e.key] = entry_to_biblatex(e, macros)
        except ValueError:
            continue
        parent = e.get("crossref")
        if parent and bibliography is not None and parent in bibliography.entries:
            queue.append(bibliography.entries[parent])
    try:
        items = json.loads(_run(["-f", "biblatex", "-t", "csljson"], "\n".join(texts.values())))
    except _PandocFailed as exc:
        raise BibkitError(f"pandoc could not read the entries: {' '.join(str(exc).split())[:200]}") from None
    by_id = {item["id"]: item for item in items}
    return [by_id[e.key] for e in wanted if e.key in by_id]


def entry_to_csl(entry: Entry, bibliography: Bibliography | None = None) -> dict:
    """One entry as a CSL-JSON item; raises BibkitError when the entry cannot be read."""
    items = bibliography_to_csl([entry], bibliography)
    if not items:
        raise BibkitError(f"{entry.file}:{entry.line}: entry {entry.key} cannot be converted to CSL-JSON")
    return items[0]
