"""RIS export: one ``TY ... ER`` record per entry, UTF-8, with the tags Zotero and EndNote read.

Types: article -> JOUR, book/collection/proceedings -> BOOK/EDBOOK/CONF, inbook/incollection ->
CHAP, inproceedings/conference -> CPAPER, phdthesis/mastersthesis/thesis -> THES,
techreport/report -> RPRT, unpublished -> UNPB, online/electronic/www -> ELEC, booklet -> PAMP,
manual -> BOOK, patent -> PAT, dataset -> DATA, software -> COMP, anything else -> GEN.

Tags: ID key; AU authors and A2 editors (``Family, Given, Suffix``); TI title; T2 journal or book
title; T3 series; PY year and DA ``YYYY/MM/DD/``; VL volume; IS number/issue; SP/EP first and last
page; ET edition; PB publisher (or school, institution, organization); CY address/location; SN
ISBN or ISSN; DO DOI; UR URL; AB abstract; KW one per keyword; N1 note; RN the bibkit annotation
(``annote``); LA language; M3 the ``type`` field. LaTeX is decoded to plain Unicode.
"""

from __future__ import annotations

import re

from bibkit.bib.names import parse_names
from bibkit.infra.progress import ProgressFn, split, track
from bibkit.interchange.export.text import (decode_all, latex_to_text, month_number, name_to_ris, split_keywords,
                                            split_pages)
from bibkit.model import Entry

TYPES = {
    "article": "JOUR", "book": "BOOK", "mvbook": "BOOK", "collection": "EDBOOK", "inbook": "CHAP",
    "incollection": "CHAP", "bookinbook": "CHAP", "inproceedings": "CPAPER", "conference": "CPAPER",
    "proceedings": "CONF", "phdthesis": "THES", "mastersthesis": "THES", "thesis": "THES",
    "techreport": "RPRT", "report": "RPRT", "unpublished": "UNPB", "online": "ELEC",
    "electronic": "ELEC", "www": "ELEC", "booklet": "PAMP", "manual": "BOOK", "patent": "PAT",
    "dataset": "DATA", "software": "COMP", "misc": "GEN",
}

_SIMPLE = [("volume", "VL"), ("edition", "ET"), ("series", "T3"), ("language", "LA"),
           ("abstract", "AB"), ("note", "N1"), ("annote", "RN"), ("annotation", "RN")]


def entry_record(entry: Entry, latex_to_text=latex_to_text) -> list[tuple[str, str]]:
    """The (tag, value) lines of one entry, TY first and ER last; ``latex_to_text`` decodes field values."""
    get = entry.get
    lines: list[tuple[str, str]] = [("TY", TYPES.get(entry.type, "GEN")), ("ID", entry.key)]
    for name in parse_names(get("author") or ""):
        lines.append(("AU", name_to_ris(name)))
    for name in parse_names(get("editor") or ""):
        lines.append(("A2", name_to_ris(name)))
    title = _joined(get("title"), get("subtitle"), get("titleaddon"))
    if title:
        lines.append(("TI", latex_to_text(title)))
    container = (_joined(get("journaltitle") or get("journal"), get("journalsubtitle"))
                 or _joined(get("booktitle"), get("booksubtitle"), get("booktitleaddon")))
    if container:
        lines.append(("T2", latex_to_text(container)))
    year, month, day = _date(entry)
    if year:
        lines.append(("PY", year))
        if month:
            lines.append(("DA", f"{year}/{month:02d}/{f'{day:02d}' if day else ''}/"))
    issue = get("number") or get("issue")
    for name, tag in _SIMPLE[:1]:
        if get(name):
            lines.append((tag, latex_to_text(get(name))))
    if issue:
        lines.append(("IS", latex_to_text(issue)))
    if get("pages"):
        first, last = split_pages(latex_to_text(get("pages")))
        lines.append(("SP", first))
        if last:
            lines.append(("EP", last))
    for name, tag in _SIMPLE[1:3]:
        if get(name):
            lines.append((tag, latex_to_text(get(name))))
    publisher = get("publisher") or get("school") or get("institution") or get("organization")
    if publisher:
        lines.append(("PB", latex_to_text(publisher)))
    place = get("address") or get("location")
    if place:
        lines.append(("CY", latex_to_text(place)))
    for name in ("isbn", "issn"):
        if get(name):
            lines.append(("SN", get(name).strip()))
    if get("doi"):
        lines.append(("DO", get("doi").strip()))
    if get("url"):
        lines.append(("UR", get("url").strip()))
    kind = get("type") or {"mastersthesis": "Master's thesis", "phdthesis": "Doctoral dissertation"}.get(entry.type)
    if kind:
        lines.append(("M3", latex_to_text(kind)))
    if get("eid"):
        lines.append(("C7", latex_to_text(get("eid"))))  # the article number, as EndNote and Zotero write it
    if get("eprint"):
        prefix = (get("eprinttype") or get("archiveprefix") or "").strip()
        lines.append(("M1", f"{prefix}:{get('eprint').strip()}" if prefix else get("eprint").strip()))
    for kw in split_keywords(get("keywords") or ""):
        lines.append(("KW", latex_to_text(kw)))
    for name, tag in _SIMPLE[3:]:
        if get(name):
            lines.append((tag, latex_to_text(get(name))))
    lines.append(("ER", ""))
    return lines


def _date(entry: Entry) -> tuple[str, int | None, int | None]:
    """Year, month and day from ``year``/``month`` or ``date``."""
    date = (entry.get("date") or "").strip()
    m = re.match(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", date)
    year = (entry.get("year") or "").strip() or (m.group(1) if m else "")
    month = month_number(entry.get("month")) or (int(m.group(2)) if m and m.group(2) else None)
    day = int(m.group(3)) if m and m.group(3) else None
    return latex_to_text(year), month, day


def _joined(title: str | None, *more: str | None) -> str | None:
    """A title with its subtitle (``Title: Subtitle``) and addon, as pandoc and Zotero join them."""
    if not title:
        return None
    text = title
    for i, part in enumerate(p for p in more if p and p.strip()):
        text += (": " if i == 0 and not re.search(r"[?!:.]\W*$", text) else ". ") + part
    return text


def export(entries: list[Entry], progress: ProgressFn | None = None) -> str:
    """Entries as RIS text (UTF-8, one blank line between records); LaTeX read by pandoc in one run.

    ``progress`` hears of each entry read, the pandoc run(s) and each record written.
    """
    wanted: list[str] = []

    def collect(value: str) -> str:
        wanted.append(value)
        return value

    reading, decoding, writing = split(progress, 1, 2, 1)
    for entry in track(entries, reading):
        entry_record(entry, collect)
    decoded = decode_all(wanted, decoding)
    records = []
    for entry in track(entries, writing):
        records.append("\n".join(f"{tag}  - {value}".rstrip() if tag == "ER" else f"{tag}  - {value}"
                                 for tag, value in entry_record(entry, lambda v: decoded.get(v, v))))
    return "\n\n".join(records) + ("\n" if records else "")
