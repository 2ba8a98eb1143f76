"""CSL-JSON export: pandoc's ``-f bibtex -t csljson`` mapping, through :func:`bibkit.csl.entry_to_csl`."""

from __future__ import annotations

import json

from bibkit.errors import BibkitError
from bibkit.model import Entry


def csl_items(entries: list[Entry]) -> list[dict]:
    """The CSL items of the entries (field mapping, names, LaTeX decoding and dates as pandoc does them)."""
    try:
        from bibkit.csl import entry_to_csl
    except ImportError:  # pragma: no cover - only while the tree is being assembled
        raise BibkitError("CSL export is not available in this build (bibkit.csl is missing)") from None
    return [entry_to_csl(e) for e in entries]


def export(entries: list[Entry]) -> str:
    """Entries as a CSL-JSON array, pretty-printed like pandoc's."""
    return json.dumps(csl_items(entries), indent=2, ensure_ascii=False) + "\n"
