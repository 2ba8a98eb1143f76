"""Planning an import: which records are duplicates of which entries, and which keys the new ones get.

Duplicates: the same DOI (normalised: no ``https://doi.org/`` or ``doi:``, lower case), else the same
normalised title, year and first author's family name (:mod:`bibkit.bib.identity`).

Keys: the incoming key when it is free, pandoc and LaTeX can cite it (letters, digits and single inner
``_:.-+/``) and it is not an id a reference manager made up (Zotero's item URIs and ``12345/ABCD2345``,
Mendeley's ``ITEM-2``, bare numbers: such an id is kept in ``importid``, where a later import of the
same record finds it); otherwise the key
pattern (default ``{author}{year}{title}``: first author's family name, year, first word of the
title that is not a stop word, all lower-case ASCII: ``smil1999china``), with ``a``, ``b``... ``z``,
``aa``, ``ab``... on collision (never running out).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from bibkit.bib.bibtex import parse_text
from bibkit.bib.crossref import Crossrefs, inherit
from bibkit.bib.identity import first_author_family, normalise_doi, normalise_title, plain
from bibkit.bib.keypattern import generated_id, key_problem
from bibkit.bib.latex import to_unicode
from bibkit.bib.lexer import MONTH_MACROS
from bibkit.bib.names import parse_names
from bibkit.infra.diagnostics import Diagnostics
from bibkit.infra.errors import BibkitError
from bibkit.infra.progress import ProgressFn, split, track
from bibkit.interchange.export.biblatex import entry_fields
from bibkit.interchange.export.bibtex import write_entry
from bibkit.interchange.export.text import month_number
from bibkit.interchange.export.text import text_to_bibtex as export_text
from bibkit.interchange.importer.records import Decision, Record
from bibkit.model import Bibliography, Entry

DEFAULT_KEY_PATTERN = "{author}{year}{title}"
ID_FIELD = "importid"  # where a record's id that could not be its key is kept
STOP_WORDS = frozenset("a an the on of in and for to at by from with is are der die das le la les el los un une".split())
# Crossref's pattern for the DOIs it has registered ("^10.\d{4,9}/[-._;()/:A-Z0-9]+$", any case).
_CROSSREF_DOI = re.compile(r"^10\.\d{4,9}/[-._;()/:a-z0-9]+$", re.IGNORECASE)
_VALID_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_:.\-+/]*$")


def record_entry(record: Record, key: str = "import") -> Entry:
    """A record as a parsed :class:`Entry` (for the duplicate checks)."""
    text = write_entry(record.type, key, record.fields)
    bibfile = parse_text(text, record.origin, Diagnostics(), dict(MONTH_MACROS))
    entries = bibfile.entries
    if not entries or entries[0].broken:
        raise BibkitError(f"{record.origin}: record cannot be written as BibTeX")
    return entries[0]


def as_biblatex(record: Record) -> Record:
    """The record in BibLaTeX terms (``journaltitle``, ``date``, ``location``, ``@thesis``...), never both spellings."""
    etype, fields = entry_fields(record_entry(record, "import"))
    names = {n for n, _ in fields}
    if "date" in names:  # a full date from the reader: year and month are in it
        fields = [(n, v) for n, v in fields if n not in ("year", "month")]
    return Record(etype, record.key, fields, record.origin, record.ignored, record.id_only)


def _year(entry: Entry) -> str:
    """The first four-digit run of ``year`` (or ``date``): ``January 1978`` is 1978."""
    year = (entry.get("year") or entry.get("date") or "").strip()
    m = re.search(r"(?<!\d)\d{4}(?!\d)", year)
    return m.group(0) if m else year[:4]


def valid_doi(doi: str | None) -> str | None:
    """The DOI normalised (no URL prefix, lower case, TeX escapes undone) when it matches Crossref's pattern."""
    if not doi or not doi.strip():
        return None
    value = normalise_doi(doi.replace("\\_", "_").replace("{", "").replace("}", ""))
    return value if _CROSSREF_DOI.match(value) else None


def _first_family(entry: Entry) -> str:
    """The last word of the first author's (else editor's) family name, LaTeX decoded and reduced
    (``H{\\aa}kansson`` = ``Håkansson``)."""
    names = parse_names(entry.get("author") or entry.get("editor") or "")
    if not names:
        return ""
    words = (names[0].family or names[0].literal).split()
    return plain(words[-1]) if words else ""  # the last word: "Vázques de Parga" and "Parga" agree


def identity(entry: Entry) -> tuple[str | None, tuple[str, str, str] | None]:
    """The normalised DOI (only a valid one: two papers sharing a malformed DOI are not the same paper)
    and the (title, year, first author family) triple of an entry, LaTeX decoded."""
    raw = entry.get("title") or ""
    title = normalise_title(to_unicode(raw) if "\\" in raw or "{" in raw else raw)
    triple = (title, _year(entry), _first_family(entry)) if title else None
    return valid_doi(entry.get("doi")), triple


def same_key(key: str, entry: Entry, other: Entry) -> bool:
    """``key`` is ``other``'s (any case), the first author agrees and so does the year when both have one:
    an entry coming back from an export (whose year the other format may not have kept)."""
    return key.lower() == other.key.lower() and _same_author_year(entry, other)


def _same_author_year(entry: Entry, other: Entry) -> bool:
    """The first authors agree, and so do the years when ``entry`` has one."""
    year, other_year = _year(entry), _year(other)
    return (year == other_year or not year) and _first_family(entry) == _first_family(other)


def make_key(entry: Entry, pattern: str, taken: set[str], tried: dict[str, int] | None = None) -> str:
    """A new key from ``pattern`` (``{author}``, ``{year}``, ``{title}``), suffixed a, b... z, aa, ab... when taken.

    The suffixes never run out (as in JabRef and Better BibTeX). ``tried`` remembers, per base, the
    last suffix found taken, so an import of many records sharing a base does not try them all again.
    """
    words = [w for w in re.findall(r"[^\W_]+", _ascii(_strip_latex(entry.get("title") or "")).lower())]
    first_word = next((w for w in words if w not in STOP_WORDS), words[0] if words else "")
    author = _ascii(first_author_family(entry)) or "anon"
    base = pattern.format(author=author, year=_year(entry) if _year(entry).isdigit() else "nd", title=first_word)
    base = re.sub(r"[^A-Za-z0-9_:.\-+/]", "", base) or "entry"
    if base.lower() not in taken:
        return base
    i = (tried or {}).get(base.lower(), 0)
    while True:
        i += 1
        key = base + _alpha_suffix(i)
        if key.lower() not in taken:
            if tried is not None:
                tried[base.lower()] = i
            return key


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
         key_pattern: str = DEFAULT_KEY_PATTERN, progress: ProgressFn | None = None) -> list[Decision]:
    """Decide for each record: add it (with which key), skip it as a duplicate, or merge it.

    ``progress`` hears of each target entry indexed, then of each record read and decided.
    """
    indexing, reading, deciding = split(progress, len(target), len(records), len(records))
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

    by_id: dict[str, tuple[str, Entry]] = {}  # an ``importid`` (a manager's id kept at import) -> key, entry
    by_key_lower: dict[str, str] = {}
    tried: dict[str, int] = {}  # base key -> last suffix number found taken
    graph = Crossrefs(Bibliography(entries={e.key: e for e in target if e.key}))
    for entry in track(target, indexing):
        if entry.key:
            existing.setdefault(entry.key, entry)
            by_key_lower.setdefault(entry.key.lower(), entry.key)
            index(inherit(entry, graph), entry.key)  # what it inherits is what an export of it carries
            if entry.get(ID_FIELD):
                by_id.setdefault(entry.get(ID_FIELD).strip(), (entry.key, inherit(entry, graph)))
    incoming = [record_entry(r, r.key if usable_key(r) else "import") for r in track(records, reading)]
    # an incoming child inherits from its incoming (else existing) parent, as its identity did when exported
    pool = {e.key: e for e in target if e.key}
    pool.update({e.key: e for e in incoming if e.key != "import"})
    incoming_graph = Crossrefs(Bibliography(entries=pool))
    decisions = []
    for record, entry in zip(track(records, deciding), incoming):
        doi, triple = identity(inherit(entry, incoming_graph) if entry.get("crossref") else entry)
        dup, why = None, ""
        if doi and doi in by_doi:
            dup, why = by_doi[doi], f"same DOI {doi}"
        elif triple and triple in by_triple:
            dup, why = by_triple[triple], "same title, year and first author"
        elif (record.id_only and record.key and _id_value(record.key) in by_id
              and _same_author_year(entry, by_id[_id_value(record.key)][1])):
            # ids such as Mendeley's ITEM-2 are not unique across files: the first author and year must agree too
            dup, why = by_id[_id_value(record.key)][0], f"same {ID_FIELD} {record.key}, year and first author"
        elif record.key and record.key.lower() in by_key_lower and same_key(
                record.key, entry, inherit(existing[by_key_lower[record.key.lower()]], graph)):
            dup, why = by_key_lower[record.key.lower()], "same key, year and first author"
        if dup is not None:
            if merge and dup in existing:
                changed = merge_fields(existing[dup], record, overwrite)
                decisions.append(Decision(record, "merge" if changed else "skip", dup, why, changed))
            else:
                decisions.append(Decision(record, "skip", dup, why))
            continue
        key = record.key if usable_key(record) and record.key.lower() not in taken else None
        if key is None:
            key = make_key(entry, key_pattern, taken, tried)
        index(entry, key)
        if record.id_only and record.key and key != record.key:  # kept, so importing it again finds this entry
            record = replace(record, fields=record.fields + [(ID_FIELD, _id_value(record.key))])
            by_id.setdefault(_id_value(record.key), (key, entry))
        decisions.append(Decision(record, "add", key))
    return decisions


def usable_key(record: Record) -> bool:
    """The record's own key can be the entry's: pandoc and LaTeX can cite it, and it is not an id a
    reference manager made up (``http://zotero.org/users/1/items/AB12CD34``, ``12345/AB12CD34``, ``ITEM-2``)."""
    key = record.key
    if not key or not _VALID_KEY.match(key) or key_problem(key) is not None:
        return False
    return not (record.id_only and generated_id(key))


def _id_value(record_id: str) -> str:
    """A record id as the ``importid`` field holds it (braces it could not keep dropped)."""
    return export_text(record_id.strip(), "url")


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
