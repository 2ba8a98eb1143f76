"""CSL-JSON export: pandoc's ``-f bibtex -t csljson`` mapping, through :mod:`bibkit.csl` (shared with the reading list)."""

from __future__ import annotations

import json

from bibkit.errors import BibkitError
from bibkit.model import Bibliography, Entry
from bibkit.progress import ProgressFn


def csl_items(entries: list[Entry], bibliography: Bibliography | None = None,
              warnings: list[tuple[Entry, str]] | None = None, progress: ProgressFn | None = None) -> list[dict]:
    """The CSL items of the entries (field mapping, names, LaTeX decoding and dates as pandoc does them).

    An entry pandoc cannot read is left out and added to ``warnings`` as (entry, reason), so one odd
    entry never costs the rest; with no ``warnings`` list given it is an error naming file and line.
    ``progress`` hears of the conversion (:func:`bibkit.csl.bibliography_to_csl`).
    """
    from bibkit.csl import bibliography_to_csl

    collected: list[tuple[Entry, str]] = []
    items = bibliography_to_csl(entries, bibliography, collected, progress)
    if warnings is not None:
        warnings.extend(collected)
    elif collected:
        where = ", ".join(f"{e.key} ({e.file}:{e.line})" for e, _ in collected[:5])
        raise BibkitError(f"cannot convert to CSL: {where}{' ...' if len(collected) > 5 else ''}; "
                          "run 'bibkit check' to see why")
    return items


def export(entries: list[Entry], bibliography: Bibliography | None = None,
           warnings: list[tuple[Entry, str]] | None = None, progress: ProgressFn | None = None) -> str:
    """Entries as a CSL-JSON array, pretty-printed like pandoc's."""
    return json.dumps(csl_items(entries, bibliography, warnings, progress), indent=2, ensure_ascii=False) + "\n"
