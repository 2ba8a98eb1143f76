"""CSL-JSON export: pandoc's ``-f bibtex -t csljson`` mapping, through :mod:`bibkit.csl` (shared with the reading list)."""

from __future__ import annotations

import json

from bibkit.errors import BibkitError
from bibkit.model import Bibliography, Entry


def csl_items(entries: list[Entry], bibliography: Bibliography | None = None) -> list[dict]:
    """The CSL items of the entries (field mapping, names, LaTeX decoding and dates as pandoc does them).

    An entry pandoc cannot read is an error naming its file and line: an export never drops one silently.
    """
    from bibkit.csl import bibliography_to_csl

    items = bibliography_to_csl(entries, bibliography)
    got = {item.get("id") for item in items}
    missing = [e for e in entries if e.key not in got]
    if missing:
        where = ", ".join(f"{e.key} ({e.file}:{e.line})" for e in missing[:5])
        raise BibkitError(f"cannot convert to CSL: {where}{' ...' if len(missing) > 5 else ''}; "
                          "run 'bibkit check' to see why")
    return items


def export(entries: list[Entry], bibliography: Bibliography | None = None) -> str:
    """Entries as a CSL-JSON array, pretty-printed like pandoc's."""
    return json.dumps(csl_items(entries, bibliography), indent=2, ensure_ascii=False) + "\n"
