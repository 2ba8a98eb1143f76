"""Checks of the bibliography alone (B0xx, R002).

Required fields, duplicates, field formats, crossrefs, BibTeX/BibLaTeX twins, what pandoc can read.

Their findings depend only on the .bib files, so :func:`bibkit.checks.run_checks` caches them with the parse.
"""

from __future__ import annotations

import functools
import operator
import re
from typing import Iterator
from urllib.parse import urlsplit

from bibkit.bib.identity import DOI_PREFIX, first_author_family, normalise_doi, normalise_title, plain
from bibkit.bib.keypattern import key_problem
from bibkit.checks.common import entry_diagnostic, field_diagnostic
from bibkit.infra.diagnostics import Diagnostic, Severity
from bibkit.model import Entry
from bibkit.project import Project


# Field groups: any one name of a group satisfies it (BibTeX and BibLaTeX spellings are both accepted).
_ALIASES = {
    "journal": ("journal", "journaltitle"),
    "year": ("year", "date"),
    "address": ("address", "location"),
    "school": ("school", "institution"),
    "institution": ("institution", "school"),
    "author": ("author",),
    "editor": ("editor",),
}


def _g(*names: str) -> tuple[str, ...]:
    out: list[str] = []
    for n in names:
        out.extend(_ALIASES.get(n, (n,)))
    return tuple(dict.fromkeys(out))


# Required fields per entry type, from the BibTeX documentation (btxdoc) and the biblatex manual §2.1.
REQUIRED: dict[str, list[tuple[str, ...]]] = {
    "article": [_g("author"), _g("title"), _g("journal"), _g("year")],
    "book": [_g("author", "editor"), _g("title"), _g("publisher"), _g("year")],
    "booklet": [_g("title")],
    "inbook": [_g("author", "editor"), _g("title"), _g("chapter", "pages"), _g("publisher"), _g("year")],
    "incollection": [_g("author"), _g("title"), _g("booktitle"), _g("publisher"), _g("year")],
    "inproceedings": [_g("author"), _g("title"), _g("booktitle"), _g("year")],
    "conference": [_g("author"), _g("title"), _g("booktitle"), _g("year")],
    "manual": [_g("title")],
    "mastersthesis": [_g("author"), _g("title"), _g("school"), _g("year")],
    "phdthesis": [_g("author"), _g("title"), _g("school"), _g("year")],
    "misc": [],
    "proceedings": [_g("title"), _g("year")],
    "techreport": [_g("author"), _g("title"), _g("institution"), _g("year")],
    "unpublished": [_g("author"), _g("title"), _g("note")],
    # BibLaTeX types
    "mvbook": [_g("author", "editor"), _g("title"), _g("year")],
    "bookinbook": [_g("author"), _g("title"), _g("year")],
    "suppbook": [_g("author"), _g("title"), _g("year")],
    "collection": [_g("editor"), _g("title"), _g("year")],
    "mvcollection": [_g("editor"), _g("title"), _g("year")],
    "suppcollection": [_g("author"), _g("title"), _g("year")],
    "dataset": [_g("author", "editor"), _g("title"), _g("year")],
    "online": [_g("author", "editor"), _g("title"), _g("year"), _g("url", "doi", "eprint")],
    "electronic": [_g("title"), _g("url", "doi")],
    "www": [_g("title"), _g("url", "doi")],
    "patent": [_g("author"), _g("title"), _g("number"), _g("year")],
    "periodical": [_g("editor"), _g("title"), _g("year")],
    "suppperiodical": [_g("author"), _g("title"), _g("journal"), _g("year")],
    "mvproceedings": [_g("title"), _g("year")],
    "reference": [_g("editor"), _g("title"), _g("year")],
    "mvreference": [_g("editor"), _g("title"), _g("year")],
    "inreference": [_g("author"), _g("title"), _g("booktitle"), _g("year")],
    "report": [_g("author"), _g("title"), _g("type"), _g("institution"), _g("year")],
    "software": [_g("author", "editor"), _g("title"), _g("year")],
    "thesis": [_g("author"), _g("title"), _g("type"), _g("institution"), _g("year")],
    "set": [_g("entryset")],
    "xdata": [],
    "artwork": [], "audio": [], "bibnote": [], "commentary": [], "image": [], "jurisdiction": [],
    "legislation": [], "legal": [], "letter": [], "movie": [], "music": [], "performance": [],
    "review": [], "standard": [], "video": [], "customa": [], "customb": [], "customc": [],
    "customd": [], "custome": [], "customf": [],
}


MONTHS = {
    m: i + 1 for i, names in enumerate([
        ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
        ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
        ("october", "oct"), ("november", "nov"), ("december", "dec"),
    ]) for m in names
}


YEAR_WORDS = {"forthcoming", "in press", "inpress", "to appear", "submitted", "n.d.", "nd", "unpublished"}
_YEAR = re.compile(r"^\s*\d{4}[a-z]?\s*(?:(?:-{1,2}|–|/)\s*\d{2,4})?\s*$")
_DATE = re.compile(r"^\d{4}(?:-(?:0[1-9]|1[0-2]|2[1-4])(?:-(?:0[1-9]|[12]\d|3[01]))?)?(?:T[\d:]+Z?)?[~?%]?$|^\.\.$|^$")
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_PAGE_TOKEN = re.compile(r"^[A-Za-z]{0,3}\d+[A-Za-z]?$|^[ivxlcdmIVXLCDM]+$")
_PAGE_SPLIT = re.compile(r"\s*(?:--|-|–|—)\s*")


def check_required_fields(project: Project) -> Iterator[Diagnostic]:
    """B003: each entry has the fields its type requires; B017: the type is known."""
    for entry in project.bibliography.all_entries():
        required = REQUIRED.get(entry.type)
        if required is None:
            from bibkit.bib.entrytypes import canonical_type

            known = canonical_type(entry.type)
            hint = f" (read as @{known}, as Better BibTeX and JabRef read it)" if known else " (read as @misc)"
            yield entry_diagnostic(entry, Severity.WARNING, "B017", f"unknown entry type @{entry.type_raw} for {entry.key}{hint}")
            continue
        if entry.get("crossref") or entry.broken:
            continue  # inherited from the crossref target; a broken entry already has its error
        get = entry.get
        for group in required:
            for name in group:
                if get(name):
                    break
            else:
                name = " or ".join(group)
                yield entry_diagnostic(entry, Severity.ERROR, "B003", f"{entry.type} {entry.key} lacks required field {name}")


def check_duplicate_entries(project: Project) -> Iterator[Diagnostic]:
    """B008: two entries with the same DOI, or the same title, year and first author."""
    # Keys are flat strings ("d" + DOI, "t" + title NUL year NUL author): a tuple per entry costs
    # tens of megabytes on a 100k-entry file.
    # The first author is looked at only when two entries share title and year: most never do.
    seen_doi: dict[str, Entry] = {}
    seen_title: dict[str, Entry | dict[str, Entry]] = {}  # title NUL year -> its first entry, or author -> first entry
    for entry in project.bibliography:
        doi = entry.get("doi")
        if doi:
            k = normalise_doi(doi)
            first = seen_doi.get(k)
            if first is not None and first is not entry:
                yield entry_diagnostic(entry, Severity.WARNING, "B008",
                          f"{entry.key} duplicates {first.key} (line {first.line}): same DOI")
                continue
            seen_doi.setdefault(k, entry)
        title = entry.get("title")
        if not title:
            continue
        k = normalise_title(title) + "\0" + (entry.get("year") or entry.get("date") or "")[:4]
        found = seen_title.get(k)
        if found is None:
            seen_title[k] = entry
            continue
        if not isinstance(found, dict):
            found = seen_title[k] = {first_author_family(found): found}
        first = found.get(first_author_family(entry))
        if first is not None and first is not entry:
            yield entry_diagnostic(entry, Severity.WARNING, "B008",
                      f"{entry.key} duplicates {first.key} (line {first.line}): same title, year and first author")
            continue
        found.setdefault(first_author_family(entry), entry)


def check_field_formats(project: Project) -> Iterator[Diagnostic]:
    """B009-B015: year/date, month, pages, DOI, ISBN, ISSN and URL are well formed."""
    checks = _FORMAT_CHECKS
    for entry in project.bibliography.all_entries():
        for spelling, value, offset in entry.named(_FORMAT_NAMES):
            if not value.strip():
                continue
            name = spelling.lower()
            problem = checks[name](value)
            if problem:
                code, severity, message = problem
                yield field_diagnostic(entry, offset, severity, code, f"{entry.key}: {name} {message}")


def check_crossrefs(project: Project) -> Iterator[Diagnostic]:
    """B016: ``crossref`` names an entry that exists."""
    entries = project.bibliography.entries
    lower = {k.lower() for k in entries}
    for entry in project.bibliography.all_entries():
        fld = entry.field("crossref")
        if fld is not None and fld.value.strip() and fld.value.strip().lower() not in lower:
            yield field_diagnostic(entry, fld.offset, Severity.ERROR, "B016",
                            f"{entry.key}: crossref to missing key {fld.value.strip()}")


def check_csl_readable(project: Project) -> Iterator[Diagnostic]:
    """R002: pandoc's reader (CSL export, reading lists, claim-map citations) can take the entry."""
    from bibkit.bib.entrytypes import readable
    from bibkit.formatting.biblatex_input import entry_to_biblatex

    macros = project.bibliography.macros
    # a field that is one macro reads as its expansion (or its name, which has no braces, when undefined)
    macro_fields = any(("{" in v or "}" in v) and not _nests_plainly(v) for v in macros.values())
    for entry in project.bibliography:
        if entry.broken:
            continue  # its syntax error is reported already
        if csl_surely_readable(entry, macros, macro_fields):
            continue
        try:
            entry_to_biblatex(readable(entry)[0], macros)
        except ValueError as exc:
            yield entry_diagnostic(entry, Severity.WARNING, "R002",
                      f"{entry.key}: {exc}; CSL export and reading lists leave it out")


_SAFE_KEY = re.compile(r"[\w.:/+-]+")


def csl_surely_readable(entry: Entry, macros: dict[str, str], macro_fields: bool = True) -> bool:
    """True when the CSL engine's reader certainly takes the entry, judged without building its BibLaTeX text.

    ``entry_to_biblatex`` refuses an entry for its type, its key, or a value whose braces do not
    nest as pandoc counts them (a brace after a backslash is not counted). On the safe side: a known
    type, a plain key, no ``\\{`` or ``\\}`` in the entry's text, and every part (and macro expansion) of
    every field that was not read in one balanced piece nesting its braces. Anything else is left
    to ``entry_to_biblatex`` itself; most real entries never need it. ``macro_fields=False`` says
    that no macro expands to braces that do not nest, so fields that are one macro need no look.
    """
    from bibkit.bib.entrytypes import canonical_type

    if canonical_type(entry.type) != entry.type or not _SAFE_KEY.fullmatch(entry.key):
        return False
    text = entry.source.text
    if text.find("\\{", entry.start, entry.end) >= 0 or text.find("\\}", entry.start, entry.end) >= 0:
        return False
    for fld in entry.irregular_fields(macro_fields):
        for part in fld.parts:
            value = macros.get(part.text.lower(), part.text) if part.kind == "macro" else part.text
            if ("{" in value or "}" in value) and not _nests_plainly(value):
                return False
            if (len(value) - len(value.rstrip("\\"))) % 2:  # a final backslash escapes the closing brace
                return False
    return True


@functools.lru_cache(maxsize=4096)
def _nests_plainly(value: str) -> bool:
    """True when the braces of ``value`` nest and none follows a backslash (so every reader counts them alike)."""
    from bibkit.bib.lexer import braces_balanced

    return "\\{" not in value and "\\}" not in value and braces_balanced(value)


def check_journal_pairs(project: Project) -> Iterator[Diagnostic]:
    """B022: a BibTeX field next to its BibLaTeX twin (``journal`` and ``journaltitle``): tools disagree on which wins."""
    for entry in project.bibliography.all_entries():
        for old, new in _TWINS:
            if new not in entry or old not in entry:
                continue
            a, b = entry.field(old), entry.field(new)
            if a is not None and b is not None and a.value.strip() and b.value.strip():
                yield field_diagnostic(entry, a.offset, Severity.WARNING, "B022",
                                f"{entry.key}: both {old} and {new}; BibTeX reads {old}, biber {new} "
                                f"(keep one)")


_TWINS = (("journal", "journaltitle"), ("address", "location"))


def check_citable_keys(project: Project) -> Iterator[Diagnostic]:
    """B024: a key that pandoc cannot cite as ``@key`` or LaTeX as ``\\cite{key}`` (``#``, ``%``, ``~``, a
    space, a URL such as a reference manager's item id), located at the key."""
    for entry in project.bibliography.all_entries():
        problem = key_problem(entry.key) if entry.key else None
        if problem:
            at = entry.source.text.find(entry.key, entry.start, entry.end)
            yield field_diagnostic(entry, at if at >= 0 else entry.start, Severity.WARNING, "B024",
                                   f"key {entry.key!r}: {problem}")


def _check_year(value: str):
    if _YEAR.match(value) or value.strip().lower() in YEAR_WORDS:
        return None
    return "B009", Severity.ERROR, f"{value!r} is not a year (expected four digits, e.g. 1999)"


def _check_date(value: str):
    parts = value.strip().split("/")
    if len(parts) <= 2 and all(_DATE.match(p.strip()) for p in parts) and any(p.strip() for p in parts):
        return None
    return "B009", Severity.ERROR, f"{value!r} is not an ISO 8601 date (YYYY, YYYY-MM, YYYY-MM-DD or a range a/b)"


def _check_month(value: str):
    v = value.strip().rstrip(".").lower()
    if v.isdigit() and 1 <= int(v) <= 12:
        return None
    if v in MONTHS:
        return None
    pieces = _PAGE_SPLIT.split(v)
    if len(pieces) == 2 and all(p.strip(".") in MONTHS or (p.isdigit() and 1 <= int(p) <= 12) for p in pieces):
        return None
    return "B010", Severity.WARNING, f"{value!r} is not a month (use jan ... dec or 1-12)"


_SIMPLE_PAGES = re.compile(r"([0-9]+)(?:--?([0-9]+))?")


def _check_pages(value: str):
    simple = _SIMPLE_PAGES.fullmatch(value)
    if simple:  # "12" or "12--40": the common case, answered as the general rule below would
        start, end = simple.groups()
        if end is not None and int(end) < int(start) and len(end) >= len(start):
            return "B011", Severity.WARNING, f"{value!r} ends before it starts"
        return None
    for chunk in re.split(r"\s*[,;]\s*", value.strip()):
        chunk = chunk.rstrip("+").strip()
        if re.match(r"^(?:pp?\.|pages?)\s", chunk, re.I):
            return "B011", Severity.WARNING, f"{value!r} should not include 'p.' or 'pp.'"
        bits = _PAGE_SPLIT.split(chunk)
        if len(bits) > 2 or not all(_PAGE_TOKEN.match(b) for b in bits):
            return "B011", Severity.WARNING, f"{value!r} is not a page or page range (e.g. 1619--1620)"
        if len(bits) == 2 and bits[0].isdigit() and bits[1].isdigit():
            start, end = int(bits[0]), int(bits[1])
            if end < start and len(bits[1]) >= len(bits[0]):
                return "B011", Severity.WARNING, f"{value!r} ends before it starts"
    return None


def _check_doi(value: str):
    if _DOI.match(value):  # no prefix, no white space around it: nothing to take off
        return None
    doi = DOI_PREFIX.sub("", value.strip())
    if _DOI.match(doi):
        return None
    return "B012", Severity.ERROR, f"{value!r} is not a DOI (expected 10.<registrant>/<suffix>)"


def isbn_valid(isbn: str) -> bool:
    """True when an ISBN-10 or ISBN-13 (hyphens and spaces allowed) has a correct check digit."""
    digits = re.sub(r"[\s-]", "", isbn).upper()
    if len(digits) == 10 and re.match(r"^\d{9}[\dX]$", digits):
        total = sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(digits))
        return total % 11 == 0
    if len(digits) == 13 and digits.isdigit():
        total = sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(digits))
        return total % 10 == 0
    return False


def _check_isbn(value: str):
    for isbn in re.split(r"\s*[,;]\s*|\s+(?=\d{3}-)", value.strip()):
        if isbn and not isbn_valid(re.sub(r"^ISBN(?:-1[03])?:?\s*", "", isbn, flags=re.I)):
            return "B013", Severity.ERROR, f"{isbn!r} is not a valid ISBN (length or check digit)"
    return None


_ISSN_FORM = re.compile(r"^\d{7}[\dX]$")
_LIST_SPLIT = re.compile(r"\s*[,;]\s*")


def issn_valid(issn: str) -> bool:
    """True when an ISSN has the form NNNN-NNNC and a correct check digit."""
    digits = issn.replace("-", "").strip().upper()
    if not _ISSN_FORM.match(digits):
        return False
    total = sum(map(operator.mul, (8, 7, 6, 5, 4, 3, 2), map(int, digits[:7])))
    check = (11 - total % 11) % 11
    return digits[7] == ("X" if check == 10 else str(check))


def _check_issn(value: str):
    for issn in _LIST_SPLIT.split(value.strip()):
        if issn and not issn_valid(issn):
            return "B014", Severity.ERROR, f"{issn!r} is not a valid ISSN (form NNNN-NNNN with check digit)"
    return None


_PLAIN_URL = re.compile(r"(?:https?|ftp)://[A-Za-z0-9.-]+(?::[0-9]+)?(?:[/?#][!-~]*)?")


def _check_url(value: str):
    if _PLAIN_URL.fullmatch(value):  # a host name and printable ASCII: urlsplit would find scheme and host
        return None
    url = re.sub(r"^\\url\{(.*)\}$", r"\1", value.strip())
    parts = urlsplit(url)
    if parts.scheme in ("http", "https", "ftp") and parts.netloc and " " not in url:
        return None
    return "B015", Severity.WARNING, f"{value!r} is not an absolute http(s) URL"


_FORMAT_CHECKS = {
    "year": _check_year,
    "date": _check_date,
    "month": _check_month,
    "pages": _check_pages,
    "doi": _check_doi,
    "isbn": _check_isbn,
    "issn": _check_issn,
    "url": _check_url,
}


_FORMAT_NAMES = frozenset(_FORMAT_CHECKS)
