"""The RIS reader: ``TY`` ... ``ER`` records (Zotero, EndNote, Mendeley) to :class:`Record` objects."""

from __future__ import annotations

import re

from bibkit.bib.names import Name
from bibkit.infra.errors import BibkitError
from bibkit.infra.progress import ProgressFn
from bibkit.interchange.export.text import month_macro, name_to_bibtex, text_to_bibtex
from bibkit.interchange.importer.records import DEFAULT_THESIS_TYPES, MASTERS, Record
from bibkit.interchange.importer.text import text_to_bibtex as import_text

RIS_TYPES = {
    "JOUR": "article", "EJOUR": "article", "MGZN": "article", "NEWS": "article", "JFULL": "article",
    "BOOK": "book", "EBOOK": "book", "EDBOOK": "book", "CHAP": "incollection", "ECHAP": "incollection",
    "CPAPER": "inproceedings", "CONF": "inproceedings", "THES": "phdthesis", "RPRT": "techreport",
    "UNPB": "unpublished", "MANSCPT": "unpublished", "ELEC": "online", "WEB": "online", "BLOG": "online",
    "PAMP": "booklet", "PAT": "patent", "DATA": "dataset", "COMP": "software", "GEN": "misc",
}
_RIS_LINE = re.compile(r"^([A-Z][A-Z0-9]) {1,2}-(?: (.*))?$")


def read_ris(text: str, path: str, progress: ProgressFn | None = None) -> list[Record]:
    """RIS records (``TY`` to ``ER``); a tag line outside a record is an error naming the line.

    ``progress`` hears of the lines read at the end of each record.
    """
    records: list[Record] = []
    tags: list[tuple[str, str]] = []
    start = 0
    in_record = False
    lines = text.splitlines()
    for lineno, line in enumerate(lines, start=1):
        line = line.rstrip()
        m = _RIS_LINE.match(line)
        if not in_record:
            if not line.strip():
                continue
            if not m or m.group(1) != "TY":
                raise BibkitError(f"{path}:{lineno}: expected 'TY  - ' to start a RIS record, found {line[:40]!r}")
            in_record, start, tags = True, lineno, []
        if m:
            tag, value = m.group(1), (m.group(2) or "").strip()
            if tag == "ER":
                records.append(_ris_record(tags, f"{path}:{start}"))
                in_record = False
                if progress is not None:
                    progress(lineno, len(lines))
                continue
            tags.append((tag, value))
        elif line.strip() and tags:
            tags[-1] = (tags[-1][0], f"{tags[-1][1]} {line.strip()}")
    if in_record:
        raise BibkitError(f"{path}:{start}: RIS record is not closed with 'ER  - '")
    if progress is not None:
        progress(len(lines), len(lines))
    return records


def _ris_record(tags: list[tuple[str, str]], origin: str) -> Record:
    """One RIS record in BibTeX terms."""
    ris_type = tags[0][1].upper() if tags else "GEN"
    etype = RIS_TYPES.get(ris_type, "misc")
    values: dict[str, list[str]] = {}
    for tag, value in tags[1:]:
        if value:
            values.setdefault(tag, []).append(value)
    first = lambda *ts: next((values[t][0] for t in ts if t in values), None)  # noqa: E731
    f: list[tuple[str, str]] = []
    used = {"TY"}

    def put(name: str, value: str | None, *from_tags: str) -> None:
        used.update(from_tags)
        if value:
            f.append((name, value))

    authors = values.get("AU", []) + values.get("A1", [])
    put("author", " and ".join(_ris_name(n) for n in authors), "AU", "A1")
    editors = values.get("A2", []) + values.get("ED", [])
    put("editor", " and ".join(_ris_name(n) for n in editors), "A2", "ED")
    put("title", _esc(first("TI", "T1"), True), "TI", "T1")
    container = first("T2", "JO", "JF", "BT", "JA")
    put("journal" if etype == "article" else "booktitle", _esc(container, etype != "article"),
        "T2", "JO", "JF", "BT", "JA")  # journal names unbraced, as pandoc writes them; book titles cased as titles
    put("series", _esc(first("T3"), True), "T3")
    year, month, day = _ris_date(first("PY", "Y1"), first("DA"))
    used.update(("PY", "Y1", "DA"))
    put("year", year)
    if month:
        put("month", month_macro(month))
        if day and year:  # BibTeX has no day: the full date goes beside year and month, as pandoc writes it
            put("date", f"{year}-{month:02d}-{day:02d}")
    put("volume", _esc(first("VL")), "VL")
    put("number", _esc(first("IS")), "IS")
    sp, ep = first("SP"), first("EP")
    used.update(("SP", "EP"))
    if sp and "-" in sp and not ep:
        sp, ep = re.split(r"\s*-+\s*", sp, maxsplit=1)
    put("pages", _esc(f"{sp}--{ep}" if sp and ep else sp or ep))
    put("edition", _esc(first("ET")), "ET")
    if etype == "phdthesis" and MASTERS.search(first("M3") or ""):
        etype = "mastersthesis"
    pub_field = {"phdthesis": "school", "mastersthesis": "school", "techreport": "institution"}.get(etype, "publisher")
    put(pub_field, _esc(first("PB")), "PB")
    put("address", _esc(first("CY", "PP")), "CY", "PP")
    for sn in values.get("SN", []):
        numbers = [n for n in re.split(r"[,;\s]+", sn.strip()) if n]
        is_issn = numbers and all(re.fullmatch(r"\d{4}-?\d{3}[\dXx]", n) for n in numbers)
        put("issn" if is_issn else "isbn", text_to_bibtex(sn, "isbn"), "SN")
    doi = first("DO")
    put("doi", text_to_bibtex(re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", doi, flags=re.IGNORECASE), "doi") if doi else None, "DO")
    put("url", text_to_bibtex(first("UR", "L2") or "", "url") or None, "UR", "L2")
    kind = first("M3")
    thesis_default = etype in ("phdthesis", "mastersthesis") and (kind or "").strip().lower() in DEFAULT_THESIS_TYPES
    put("type", None if thesis_default else _esc(kind), "M3")
    put("eid", _esc(first("C7")), "C7")
    eprint = first("M1")
    if eprint and re.fullmatch(r"(?:arxiv|pubmed|jstor|hdl|googlebooks|pmcid|doi):\S+", eprint, re.IGNORECASE):
        kind, _, ident = eprint.partition(":")
        put("eprint", text_to_bibtex(ident, "eprint"), "M1")
        put("eprinttype", kind.lower())
    put("abstract", _esc(first("AB", "N2")), "AB", "N2")
    keywords = values.get("KW", [])
    put("keywords", ", ".join(_esc(k) for k in keywords), "KW")
    notes = values.get("N1", [])
    put("note", _esc(" ".join(notes)) if notes else None, "N1")
    put("annote", _esc(" ".join(values.get("RN", []))) or None, "RN")
    put("language", _esc(first("LA")), "LA")
    used.add("ID")
    ignored = sorted(t for t in values if t not in used)
    return Record(etype, first("ID"), f, origin, ignored, id_only=True)


def _esc(value: str | None, protect: bool = False) -> str | None:
    """RIS text as a BibTeX value: TeX specials escaped (harmless math kept), capitals protected if asked."""
    return import_text(value, protect) if value else None


def _ris_name(name: str) -> str:
    """``Family, Given[, Suffix]`` to a BibTeX name; a name without a comma is a body (kept whole)."""
    parts = [p.strip() for p in name.split(",")]
    if len(parts) == 1:
        return name_to_bibtex(Name(literal=name.strip()))
    family, given = parts[0], parts[1]
    suffix = parts[2] if len(parts) > 2 else ""
    return name_to_bibtex(Name(family=family, given=given, suffix=suffix))


def _ris_date(py: str | None, da: str | None) -> tuple[str | None, int | None, int | None]:
    """Year, month and day from ``PY`` (``YYYY`` or ``YYYY/MM/DD/``) and ``DA``."""
    year = month = day = None
    for value in (py, da):
        if not value:
            continue
        parts = value.split("/")
        found = re.search(r"(?<!\d)\d{4}(?!\d)", parts[0])
        if found:
            year = year or found.group(0)
        if len(parts) > 1 and parts[1].strip().isdigit() and 1 <= int(parts[1]) <= 12:
            month = month or int(parts[1])
        if len(parts) > 2 and parts[2].strip().isdigit():
            day = day or int(parts[2])
    return year, month, day
