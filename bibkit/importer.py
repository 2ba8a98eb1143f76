"""``bibkit import``: read RIS, CSL-JSON, CSL-YAML or BibTeX, skip (or merge) duplicates, append the rest.

Flow: read each file into :class:`Record` objects (BibTeX type, incoming id, BibTeX-ready fields) ->
:func:`plan` decides per record (add / skip / merge) against the target bibliography -> :func:`apply`
returns the new file text: new entries appended at the end, merged entries rewritten in place,
every other byte left as it was.

Duplicates: the same DOI (normalised: no ``https://doi.org/`` or ``doi:``, lower case), else the same
normalised title, year and first author's family name (:mod:`bibkit.checks`).

Keys: the incoming id when it is free and valid (letters, digits and ``_:.-+/``); otherwise the key
pattern (default ``{author}{year}{title}``: first author's family name, year, first word of the
title that is not a stop word, all lower-case ASCII: ``smil1999china``), with ``a``, ``b``... on
collision.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from dataclasses import dataclass, field

import yaml

from bibkit.bibtex import MONTH_MACROS, parse_text, read_bib_file
from bibkit.checks import first_author_family, normalise_doi, normalise_title
from bibkit.diagnostics import Diagnostics
from bibkit.errors import BibkitError
from bibkit.export.bibtex import write_entry
from bibkit.export.text import month_macro, month_number, name_to_bibtex, text_to_bibtex
from bibkit.files import decode_utf8, read_bytes
from bibkit.fmt import FmtOptions, format_entry
from bibkit.model import BibFile, Entry, Field, ValuePart
from bibkit.names import Name

FORMATS = ("ris", "csl-json", "csl-yaml", "bibtex")
DEFAULT_KEY_PATTERN = "{author}{year}{title}"
STOP_WORDS = frozenset("a an the on of in and for to at by from with is are der die das le la les el los un une".split())
_VALID_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_:.\-+/]*$")


@dataclass
class Record:
    """One incoming source, already in BibTeX terms."""

    type: str
    key: str | None
    fields: list[tuple[str, str]]
    origin: str
    ignored: list[str] = field(default_factory=list)

    def get(self, name: str) -> str | None:
        """The first value of a field."""
        for n, v in self.fields:
            if n == name:
                return v
        return None


@dataclass
class Decision:
    """What import does with one record."""

    record: Record
    action: str  # "add" | "skip" | "merge"
    key: str
    reason: str = ""
    changed_fields: list[str] = field(default_factory=list)


# -- reading ---------------------------------------------------------------

def guess_format(text: str, path: str) -> str:
    """The format of a file from its content (then its extension)."""
    head = text.lstrip("\ufeff \t\r\n")
    if re.match(r"TY {1,2}- ", head) or re.search(r"(?m)^TY {1,2}- ", head[:2000]):
        return "ris"
    if head.startswith(("[", "{")):
        return "csl-json"
    if re.search(r"@[A-Za-z]+\s*[{(]", head):
        return "bibtex"
    if head.startswith(("---", "references:", "- id:")) or re.search(r"(?m)^\s*-?\s*id:", head[:2000]):
        return "csl-yaml"
    ext = os.path.splitext(path)[1].lower()
    by_ext = {".ris": "ris", ".json": "csl-json", ".yaml": "csl-yaml", ".yml": "csl-yaml", ".bib": "bibtex"}
    if ext in by_ext:
        return by_ext[ext]
    raise BibkitError(f"{path}: cannot tell the format; give --from ris|csl-json|csl-yaml|bibtex")


def read_file(path: str, fmt: str | None = None) -> tuple[list[Record], str]:
    """Read one import file; returns its records and the format used."""
    text = decode_utf8(read_bytes(path, "file to import"), path)
    fmt = fmt or guess_format(text, path)
    reader = {"ris": read_ris, "csl-json": read_csl_json, "csl-yaml": read_csl_yaml, "bibtex": read_bibtex}[fmt]
    return reader(text, path), fmt


RIS_TYPES = {
    "JOUR": "article", "EJOUR": "article", "MGZN": "article", "NEWS": "article", "JFULL": "article",
    "BOOK": "book", "EBOOK": "book", "EDBOOK": "book", "CHAP": "incollection", "ECHAP": "incollection",
    "CPAPER": "inproceedings", "CONF": "inproceedings", "THES": "phdthesis", "RPRT": "techreport",
    "UNPB": "unpublished", "MANSCPT": "unpublished", "ELEC": "online", "WEB": "online", "BLOG": "online",
    "PAMP": "booklet", "PAT": "patent", "DATA": "dataset", "COMP": "software", "GEN": "misc",
}
_RIS_LINE = re.compile(r"^([A-Z][A-Z0-9]) {1,2}-(?: (.*))?$")


def read_ris(text: str, path: str) -> list[Record]:
    """RIS records (``TY`` to ``ER``); a tag line outside a record is an error naming the line."""
    records: list[Record] = []
    tags: list[tuple[str, str]] = []
    start = 0
    in_record = False
    for lineno, line in enumerate(text.splitlines(), start=1):
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
                continue
            tags.append((tag, value))
        elif line.strip() and tags:
            tags[-1] = (tags[-1][0], f"{tags[-1][1]} {line.strip()}")
    if in_record:
        raise BibkitError(f"{path}:{start}: RIS record is not closed with 'ER  - '")
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
    put("title", _esc(first("TI", "T1")), "TI", "T1")
    container = first("T2", "JO", "JF", "BT", "JA")
    put("journal" if etype == "article" else "booktitle", _esc(container), "T2", "JO", "JF", "BT", "JA")
    put("series", _esc(first("T3")), "T3")
    year, month, day = _ris_date(first("PY", "Y1"), first("DA"))
    used.update(("PY", "Y1", "DA"))
    put("year", year)
    if month:
        put("month", month_macro(month))
    put("volume", _esc(first("VL")), "VL")
    put("number", _esc(first("IS")), "IS")
    sp, ep = first("SP"), first("EP")
    used.update(("SP", "EP"))
    if sp and "-" in sp and not ep:
        sp, ep = re.split(r"\s*-+\s*", sp, maxsplit=1)
    put("pages", _esc(f"{sp}--{ep}" if sp and ep else sp or ep))
    put("edition", _esc(first("ET")), "ET")
    if etype == "phdthesis" and re.search(r"master", first("M3") or "", re.IGNORECASE):
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
    put("type", _esc(first("M3")) if etype not in ("phdthesis", "mastersthesis") else None, "M3")
    put("abstract", _esc(first("AB", "N2")), "AB", "N2")
    keywords = values.get("KW", [])
    put("keywords", ", ".join(_esc(k) for k in keywords), "KW")
    notes = values.get("N1", [])
    put("note", _esc(" ".join(notes)) if notes else None, "N1")
    put("annote", _esc(" ".join(values.get("RN", []))) or None, "RN")
    put("language", _esc(first("LA")), "LA")
    used.add("ID")
    ignored = sorted(t for t in values if t not in used)
    return Record(etype, first("ID"), f, origin, ignored)


def _esc(value: str | None) -> str | None:
    return text_to_bibtex(value) if value else None


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
        if parts[0].strip()[:4].isdigit():
            year = year or parts[0].strip()[:4]
        if len(parts) > 1 and parts[1].strip().isdigit() and 1 <= int(parts[1]) <= 12:
            month = month or int(parts[1])
        if len(parts) > 2 and parts[2].strip().isdigit():
            day = day or int(parts[2])
    return year, month, day


CSL_TYPES = {
    "article-journal": "article", "article-magazine": "article", "article-newspaper": "article",
    "article": "article", "review": "article", "book": "book", "chapter": "incollection",
    "paper-conference": "inproceedings", "thesis": "phdthesis", "report": "techreport",
    "manuscript": "unpublished", "webpage": "online", "post-weblog": "online", "post": "online",
    "dataset": "dataset", "software": "software", "patent": "patent", "pamphlet": "booklet",
    "entry-encyclopedia": "incollection", "entry-dictionary": "incollection", "entry": "incollection",
}
_CSL_SIMPLE = [("volume", "volume"), ("edition", "edition"), ("collection-title", "series"),
               ("publisher-place", "address"), ("abstract", "abstract"), ("note", "note"),
               ("annote", "annote"), ("language", "language"), ("title-short", "shorttitle")]


def read_csl_json(text: str, path: str) -> list[Record]:
    """CSL-JSON: a list of items (or one item, or ``{"items": [...]}``)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BibkitError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    if isinstance(data, dict):
        data = data.get("items", data.get("references", [data]))
    return read_csl_items(data, path)


def read_csl_yaml(text: str, path: str) -> list[Record]:
    """CSL-YAML as pandoc writes it (``references:`` list, optionally between ``---`` lines)."""
    try:
        docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise BibkitError(f"{path}{line}: not valid YAML") from None
    items: list = []
    for doc in docs:
        if isinstance(doc, dict) and "references" in doc:
            items.extend(doc["references"] or [])
        elif isinstance(doc, list):
            items.extend(doc)
        elif isinstance(doc, dict):
            items.append(doc)
    return read_csl_items(items, path)


def read_csl_items(items: object, path: str) -> list[Record]:
    """CSL items (dicts) to records; a non-dict item is an error naming its position."""
    if not isinstance(items, list):
        raise BibkitError(f"{path}: expected a list of CSL items")
    records = []
    for i, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise BibkitError(f"{path}: item {i} is not an object")
        records.append(_csl_record(item, f"{path}#{i}"))
    return records


def _csl_record(item: dict, origin: str) -> Record:
    """One CSL item in BibTeX terms."""
    ctype = str(item.get("type", ""))
    etype = CSL_TYPES.get(ctype, "misc")
    genre = _s(item.get("genre"))
    if etype == "phdthesis" and genre and re.search(r"master|m\.?a\.|m\.?sc", genre, re.IGNORECASE):
        etype = "mastersthesis"
    f: list[tuple[str, str]] = []
    used = {"id", "type", "genre", "citation-key"}

    def put(name: str, value: str | None, *keys: str) -> None:
        used.update(keys)
        if value:
            f.append((name, value))

    for role in ("author", "editor", "translator"):
        names = item.get(role)
        if isinstance(names, list) and names:
            put(role, " and ".join(_csl_name(n) for n in names if isinstance(n, dict)), role)
    put("title", _html_to_bibtex(_s(item.get("title"))), "title")
    container = _html_to_bibtex(_s(item.get("container-title")))
    put("journal" if etype == "article" else "booktitle", container, "container-title")
    issued = _csl_date(item.get("issued"))
    used.add("issued")
    if issued[0]:
        put("year", issued[0])
        if issued[1]:
            put("month", month_macro(issued[1]))
    for key, name in _CSL_SIMPLE:
        put(name, _html_to_bibtex(_s(item.get(key))), key)
    number = _s(item.get("issue")) or _s(item.get("number"))
    put("number", _html_to_bibtex(number), "issue", "number")
    page = _s(item.get("page"))
    put("pages", text_to_bibtex(re.sub(r"\s*[-\u2013]+\s*", "--", page)) if page else None, "page")
    pub = {"phdthesis": "school", "mastersthesis": "school", "techreport": "institution"}.get(etype, "publisher")
    put(pub, _html_to_bibtex(_s(item.get("publisher"))), "publisher")
    if genre and etype not in ("phdthesis", "mastersthesis"):
        put("type", _html_to_bibtex(genre))
    for key, name in (("DOI", "doi"), ("URL", "url"), ("ISBN", "isbn"), ("ISSN", "issn")):
        value = _s(item.get(key))
        put(name, text_to_bibtex(value, name) if value else None, key)
    kw = item.get("keyword")
    if isinstance(kw, list):
        kw = ", ".join(_s(k) for k in kw)
    put("keywords", _html_to_bibtex(_s(kw)), "keyword")
    accessed = _csl_date(item.get("accessed"))
    used.add("accessed")
    if accessed[0]:
        put("urldate", "-".join([accessed[0]] + [f"{x:02d}" for x in accessed[1:] if x]))
    ignored = sorted(k for k in item if k not in used)
    key = _s(item.get("id")) or _s(item.get("citation-key"))
    return Record(etype, key, f, origin, ignored)


def _s(value: object) -> str:
    """A scalar as a string ('' for None or a container)."""
    if value is None or isinstance(value, (dict, list)):
        return ""
    return str(value).strip()


def _csl_name(name: dict) -> str:
    """A CSL name object as a BibTeX name."""
    if name.get("literal"):
        return name_to_bibtex(Name(literal=_s(name["literal"])))
    particle = " ".join(p for p in (_s(name.get("dropping-particle")), _s(name.get("non-dropping-particle"))) if p)
    family, given = _s(name.get("family")), _s(name.get("given"))
    if not family:
        return name_to_bibtex(Name(literal=given))
    return name_to_bibtex(Name(family=family, given=given, particle=particle, suffix=_s(name.get("suffix"))))


def _csl_date(value: object) -> tuple[str | None, int | None, int | None]:
    """Year, month, day of a CSL date (``date-parts``, ``raw`` or a string)."""
    if isinstance(value, dict):
        parts = value.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            p = parts[0]
            y = str(p[0])
            m = int(p[1]) if len(p) > 1 and str(p[1]).isdigit() and 1 <= int(p[1]) <= 12 else None
            d = int(p[2]) if len(p) > 2 and str(p[2]).isdigit() else None
            return y, m, d
        value = value.get("raw") or value.get("literal")
    if isinstance(value, (str, int)):
        m = re.match(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", str(value))
        if m:
            return m.group(1), int(m.group(2)) if m.group(2) else None, int(m.group(3)) if m.group(3) else None
    return None, None, None


_TAGS = {"i": ("\\emph{", "}"), "em": ("\\emph{", "}"), "b": ("\\textbf{", "}"), "strong": ("\\textbf{", "}"),
         "sup": ("\\textsuperscript{", "}"), "sub": ("\\textsubscript{", "}")}
_TAG_RE = re.compile(r'<(/?)(i|em|b|strong|sup|sub|span)((?:\s+[a-z-]+="[^"]*")*)\s*>')


def _html_to_bibtex(value: str) -> str | None:
    """CSL rich text (``<i>``, ``<b>``, ``<span class="nocase">``...) as BibTeX; other text escaped."""
    if not value:
        return None
    out: list[str] = []
    stack: list[str] = []
    pos = 0
    for m in _TAG_RE.finditer(value):
        out.append(text_to_bibtex(value[pos:m.start()]) if m.start() > pos else "")
        pos = m.end()
        closing, tag, attrs = m.group(1), m.group(2), m.group(3)
        if closing:
            if stack:
                out.append(stack.pop())
            continue
        if tag == "span":
            if 'nocase' in attrs:
                out.append("{")
            elif 'small-caps' in attrs:
                out.append("\\textsc{")
            else:
                out.append("{")
            stack.append("}")
        else:
            out.append(_TAGS[tag][0])
            stack.append(_TAGS[tag][1])
    out.append(text_to_bibtex(value[pos:]) if pos < len(value) else "")
    out.extend(reversed(stack))
    text = "".join(out)
    text = text.replace("&amp;", "\\&").replace("&lt;", "<").replace("&gt;", ">").strip()
    return text or None


def read_bibtex(text: str, path: str) -> list[Record]:
    """BibTeX entries (macros expanded); broken entries are an error naming their line."""
    diags = Diagnostics()
    bibfile = parse_text(text, path, diags, dict(MONTH_MACROS))
    records = []
    for entry in bibfile.entries:
        if entry.broken or not entry.key:
            raise BibkitError(f"{path}:{entry.line}: entry {entry.key or entry.type_raw} cannot be read; "
                              "fix it (bibkit check names the problem) before importing")
        records.append(Record(entry.type, entry.key, [(f.name.lower(), f.value) for f in entry.fields],
                              f"{path}:{entry.line}"))
    return records


# -- planning --------------------------------------------------------------

def record_entry(record: Record, key: str = "import") -> Entry:
    """A record as a parsed :class:`Entry` (for the duplicate checks)."""
    text = write_entry(record.type, key, record.fields)
    bibfile = parse_text(text, record.origin, Diagnostics(), dict(MONTH_MACROS))
    entries = bibfile.entries
    if not entries or entries[0].broken:
        raise BibkitError(f"{record.origin}: record cannot be written as BibTeX")
    return entries[0]


def _year(entry: Entry) -> str:
    year = (entry.get("year") or entry.get("date") or "").strip()
    return year[:4]


def identity(entry: Entry) -> tuple[str | None, tuple[str, str, str] | None]:
    """The normalised DOI and the (title, year, first author family) triple of an entry."""
    doi = entry.get("doi")
    title = normalise_title(entry.get("title") or "")
    triple = (title, _year(entry), first_author_family(entry)) if title else None
    return (normalise_doi(doi) if doi and doi.strip() else None), triple


def make_key(entry: Entry, pattern: str, taken: set[str]) -> str:
    """A new key from ``pattern`` (``{author}``, ``{year}``, ``{title}``), suffixed a, b... when taken."""
    words = [w for w in re.findall(r"[^\W_]+", _ascii(_strip_latex(entry.get("title") or "")).lower())]
    first_word = next((w for w in words if w not in STOP_WORDS), words[0] if words else "")
    author = _ascii(first_author_family(entry)) or "anon"
    base = pattern.format(author=author, year=_year(entry) if _year(entry).isdigit() else "nd", title=first_word)
    base = re.sub(r"[^A-Za-z0-9_:.\-+/]", "", base) or "entry"
    if base.lower() not in taken:
        return base
    for i in range(1, 27 * 27):
        suffix = _alpha_suffix(i)
        if (base + suffix).lower() not in taken:
            return base + suffix
    raise BibkitError(f"cannot find a free key for {base}")  # pragma: no cover


def _alpha_suffix(i: int) -> str:
    """1 -> a, 26 -> z, 27 -> aa..."""
    out = ""
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(ord("a") + r) + out
    return out


def _strip_latex(text: str) -> str:
    return re.sub(r"\\[A-Za-z]+\s*|[{}\\]", "", text)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def plan(records: list[Record], target: list[Entry], *, merge: bool = False, overwrite: bool = False,
         key_pattern: str = DEFAULT_KEY_PATTERN) -> list[Decision]:
    """Decide for each record: add it (with which key), skip it as a duplicate, or merge it."""
    by_doi: dict[str, str] = {}
    by_triple: dict[tuple[str, str, str], str] = {}
    existing: dict[str, Entry] = {}
    taken = set()

    def index(entry: Entry, key: str) -> None:
        doi, triple = identity(entry)
        if doi:
            by_doi.setdefault(doi, key)
        if triple:
            by_triple.setdefault(triple, key)
        taken.add(key.lower())

    for entry in target:
        if entry.key:
            existing.setdefault(entry.key, entry)
            index(entry, entry.key)
    decisions = []
    for record in records:
        entry = record_entry(record)
        doi, triple = identity(entry)
        dup, why = None, ""
        if doi and doi in by_doi:
            dup, why = by_doi[doi], f"same DOI {doi}"
        elif triple and triple in by_triple:
            dup, why = by_triple[triple], "same title, year and first author"
        if dup is not None:
            if merge and dup in existing:
                changed = merge_fields(existing[dup], record, overwrite)
                decisions.append(Decision(record, "merge" if changed else "skip", dup, why, changed))
            else:
                decisions.append(Decision(record, "skip", dup, why))
            continue
        key = record.key if record.key and _VALID_KEY.match(record.key) and record.key.lower() not in taken else None
        if key is None:
            key = make_key(entry, key_pattern, taken)
        index(entry, key)
        decisions.append(Decision(record, "add", key))
    return decisions


def merge_fields(entry: Entry, record: Record, overwrite: bool) -> list[str]:
    """Names of the record's fields that merging would add to (or, with ``overwrite``, change in) ``entry``."""
    changed = []
    for name, value in record.fields:
        if name in changed:
            continue
        current = entry.get(name)
        if current is None or not current.strip():
            changed.append(name)
        elif overwrite and not _same_value(name, current, value):
            changed.append(name)
    return changed


def _same_value(name: str, a: str, b: str) -> bool:
    """True when two spellings of a field mean the same (white space, month names, DOI case and prefix)."""
    if name == "month" and month_number(a) is not None:
        return month_number(a) == month_number(b)
    if name == "doi":
        return normalise_doi(a) == normalise_doi(b)
    return " ".join(a.split()) == " ".join(b.split())


# -- writing ---------------------------------------------------------------

def _part(name: str, value: str) -> list[ValuePart]:
    if name == "month" and month_number(value):
        return [ValuePart("macro", month_macro(month_number(value)))]
    return [ValuePart("brace", value)]


def merged_entry_text(entry: Entry, record: Record, changed: list[str], options: FmtOptions | None = None) -> str:
    """The entry rewritten with the record's values for ``changed`` fields (canonical layout)."""
    values = {}
    for name, value in record.fields:
        values.setdefault(name, value)
    fields: list[Field] = []
    done = set()
    for f in entry.fields:
        lname = f.name.lower()
        if lname in changed and lname not in done:
            done.add(lname)
            fields.append(Field(f.name, _part(lname, values[lname]), values[lname], f.offset, f.comments))
        else:
            fields.append(f)
    for name in changed:
        if name not in done:
            fields.append(Field(name, _part(name, values[name]), values[name], 0))
    copy = Entry(entry.type, entry.key, fields, entry.source, entry.start, entry.end, entry.type_raw,
                 trailing_comments=entry.trailing_comments)
    return format_entry(copy, options or FmtOptions(sort_fields=False))


def apply(original: str, target: list[Entry], decisions: list[Decision]) -> str:
    """The target file's new text: merged entries replaced in place, new entries appended."""
    by_key = {}
    for entry in target:
        by_key.setdefault(entry.key, entry)
    text = original
    merges = sorted((d for d in decisions if d.action == "merge"), key=lambda d: by_key[d.key].start, reverse=True)
    for d in merges:
        entry = by_key[d.key]
        text = text[:entry.start] + merged_entry_text(entry, d.record, d.changed_fields) + text[entry.end:]
    added = [write_entry(d.record.type, d.key, d.record.fields) for d in decisions if d.action == "add"]
    if added:
        if text and not text.endswith("\n"):
            text += "\n"
        if text and not text.endswith("\n\n"):
            text += "\n"
        text += "\n\n".join(added) + "\n"
    return text


@dataclass
class ImportResult:
    """What an import did (or would do)."""

    target: str
    decisions: list[Decision]
    new_text: str
    original: str
    encoding: str = "utf-8"
    bom: bool = False
    diagnostics: Diagnostics = field(default_factory=Diagnostics)  # what reading the target found

    def count(self, action: str) -> int:
        """How many records got this action."""
        return sum(1 for d in self.decisions if d.action == action)


def load_target(path: str, diags: Diagnostics | None = None) -> tuple[str, list[Entry], str, bool]:
    """The target bibliography's text, entries, encoding and BOM (empty when the file does not exist yet)."""
    if not os.path.exists(path):
        return "", [], "utf-8", False
    bibfile: BibFile = read_bib_file(path, diags if diags is not None else Diagnostics())
    return bibfile.source.text, bibfile.entries, bibfile.encoding, bibfile.bom


def import_files(paths: list[str], into: str, fmt: str | None = None, *, merge: bool = False,
                 overwrite: bool = False, key_pattern: str = DEFAULT_KEY_PATTERN) -> ImportResult:
    """Read the files, plan against ``into`` and compute its new text (nothing is written)."""
    records: list[Record] = []
    for path in paths:
        records.extend(read_file(path, fmt)[0])
    diags = Diagnostics()
    original, entries, encoding, bom = load_target(into, diags)
    decisions = plan(records, entries, merge=merge, overwrite=overwrite, key_pattern=key_pattern)
    return ImportResult(into, decisions, apply(original, entries, decisions), original, encoding, bom, diags)


def encode_result(result: ImportResult) -> bytes:
    """The new file's bytes in the target's own encoding (UTF-8 unless it was something else)."""
    try:
        data = result.new_text.encode(result.encoding)
    except UnicodeEncodeError:
        raise BibkitError(f"{result.target}: is {result.encoding.upper()} and the imported text does not fit; "
                          "convert it to UTF-8 first") from None
    return (b"\xef\xbb\xbf" if result.bom else b"") + data


def describe(result: ImportResult) -> list[str]:
    """One line per record, then a summary line."""
    lines = []
    for d in result.decisions:
        title = d.record.get("title") or ""
        title = (title[:60] + "...") if len(title) > 63 else title
        if d.action == "add":
            lines.append(f"add   {d.key}  ({d.record.type}, \u201c{title}\u201d, from {d.record.origin})")
        elif d.action == "merge":
            lines.append(f"merge {d.key}  +{', +'.join(d.changed_fields)}  ({d.reason}, from {d.record.origin})")
        else:
            lines.append(f"skip  {d.record.key or '-'}  duplicate of {d.key} ({d.reason}, from {d.record.origin})")
        if d.record.ignored:
            lines.append(f"      note: fields not imported from {d.record.origin}: {', '.join(d.record.ignored)}")
    lines.append(f"{result.count('add')} to add, {result.count('skip')} duplicate"
                 f"{'s' if result.count('skip') != 1 else ''} skipped, {result.count('merge')} merged "
                 f"into {result.target}")
    return lines
