"""BibLaTeX export: BibLaTeX types and fields (``journaltitle``, ``date``, ``location``...).

Mapping from BibTeX: ``journal`` -> ``journaltitle``, ``address`` -> ``location``, ``year`` and
``month`` -> ``date`` (``YYYY`` or ``YYYY-MM``; a year that is not a number stays in ``year``),
``school`` -> ``institution``; types ``phdthesis``/``mastersthesis`` -> ``thesis`` with
``type = {phdthesis}``/``{mathesis}``, ``techreport`` -> ``report`` with ``type = {techreport}``,
``conference`` -> ``inproceedings``, ``electronic``/``www`` -> ``online``. Other fields unchanged.
"""

from __future__ import annotations

import re

from bibkit.infra.progress import ProgressFn, track
from bibkit.interchange.export.bibtex import write_entry
from bibkit.interchange.export.text import month_number
from bibkit.model import Entry

TYPES = {"conference": "inproceedings", "electronic": "online", "www": "online"}
THESES = {"phdthesis": "phdthesis", "mastersthesis": "mathesis"}
FIELDS = {"journal": "journaltitle", "address": "location", "school": "institution"}


def entry_fields(entry: Entry) -> tuple[str, list[tuple[str, str]]]:
    """The BibLaTeX type and (name, value) pairs of an entry."""
    etype = entry.type
    fields = [(f.name.lower(), f.value) for f in entry.fields]
    names = {n for n, _ in fields}
    extra: list[tuple[str, str]] = []
    if etype in THESES:
        if "type" not in names:
            extra.append(("type", THESES[etype]))
        etype = "thesis"
    elif etype == "techreport":
        if "type" not in names:
            extra.append(("type", "techreport"))
        etype = "report"
    etype = TYPES.get(etype, etype)
    year, month = entry.get("year"), entry.get("month")
    make_date = "date" not in names and year is not None and re.fullmatch(r"\d{4}", year.strip() or "")
    mnum = month_number(month) if month else None
    out: list[tuple[str, str]] = []
    for name, value in fields:
        if name in FIELDS and FIELDS[name] not in names:
            name = FIELDS[name]
        if make_date and name == "year":
            date = year.strip() + (f"-{mnum:02d}" if mnum else "")
            out.append(("date", date))
            continue
        if make_date and name == "month" and (mnum or not month):
            continue
        out.append((name, value))
    return etype, out + extra


def export(entries: list[Entry], progress: ProgressFn | None = None) -> str:
    """Entries as BibLaTeX text; ``progress`` hears of each entry written."""
    blocks = [write_entry(*entry_fields(e)[:1], e.key, entry_fields(e)[1]) for e in track(entries, progress)]
    return "\n\n".join(blocks) + ("\n" if blocks else "")
