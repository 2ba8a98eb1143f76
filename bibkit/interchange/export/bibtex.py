"""BibTeX export: classic entry types and fields (BibLaTeX-only spellings mapped back), values as read.

Mapping from BibLaTeX: ``journaltitle`` -> ``journal``, ``location`` -> ``address``, ``date`` ->
``year`` and ``month`` (the date is kept too when it has a day), ``institution`` -> ``school`` for
theses; types ``online``/``electronic``/``www`` -> ``misc``, ``report`` -> ``techreport``,
``thesis`` -> ``phdthesis`` or ``mastersthesis`` (from ``type``), ``collection`` -> ``book``,
``mvbook``/``bookinbook`` -> ``book``/``inbook``, ``dataset``/``software`` -> ``misc``.
Every other field is written unchanged (BibTeX ignores fields its style does not know).
"""

from __future__ import annotations

import re

from bibkit.bib.fmt import FmtOptions, field_rank
from bibkit.infra.progress import ProgressFn, track
from bibkit.interchange.export.text import month_macro, month_number
from bibkit.model import Entry

TYPES = {
    "online": "misc", "electronic": "misc", "www": "misc", "report": "techreport",
    "collection": "book", "mvbook": "book", "mvcollection": "book", "bookinbook": "inbook",
    "mvproceedings": "proceedings", "reference": "book", "inreference": "incollection",
    "dataset": "misc", "software": "misc", "suppbook": "inbook", "suppcollection": "incollection",
}
FIELDS = {"journaltitle": "journal", "location": "address"}
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def entry_fields(entry: Entry) -> tuple[str, list[tuple[str, str]]]:
    """The BibTeX type and (name, value) pairs of an entry."""
    etype = entry.type
    fields = [(f.name.lower(), f.value) for f in entry.fields]
    names = {n for n, _ in fields}
    if etype == "thesis":
        kind = (entry.get("type") or "").lower()
        etype = "mastersthesis" if kind in ("mathesis", "mastersthesis", "master's thesis", "masters thesis") else "phdthesis"
        fields = [(n, v) for n, v in fields if n != "type" or kind not in ("mathesis", "phdthesis", "mastersthesis")]
    etype = TYPES.get(etype, etype)
    out: list[tuple[str, str]] = []
    for name, value in fields:
        if name in FIELDS and FIELDS[name] not in names:
            name = FIELDS[name]
        elif name == "institution" and etype in ("phdthesis", "mastersthesis") and "school" not in names:
            name = "school"
        elif name == "date" and "year" not in names:
            m = _DATE.match(value.strip())
            if m:
                out.append(("year", m.group(1)))
                if m.group(2) and "month" not in names:
                    out.append(("month", m.group(2)))
                if not m.group(3):
                    continue
        out.append((name, value))
    return etype, out


def write_entry(etype: str, key: str, fields: list[tuple[str, str]], indent: int = 2) -> str:
    """One entry in fmt's canonical layout, fields in its order (:func:`bibkit.bib.fmt.field_rank`, the one
    ordering ``fmt``, ``import`` and ``export`` share); month numbers and names become month macros."""
    rank = field_rank(etype, FmtOptions())
    fields = sorted(fields, key=lambda f: rank.get(f[0].lower(), len(rank)))
    width = max((len(n) for n, _ in fields), default=0)
    lines = [f"@{etype}{{{key},"]
    for name, value in fields:
        if name == "month" and month_number(value):
            text = month_macro(month_number(value))
        else:
            text = "{" + value + "}"
        lines.append(f"{' ' * indent}{name.ljust(width)} = {text},")
    lines.append("}")
    return "\n".join(lines)


def export(entries: list[Entry], progress: ProgressFn | None = None) -> str:
    """Entries as BibTeX text; ``progress`` hears of each entry written."""
    blocks = []
    for entry in track(entries, progress):
        etype, fields = entry_fields(entry)
        blocks.append(write_entry(etype, entry.key, fields))
    return "\n\n".join(blocks) + ("\n" if blocks else "")
