"""The CSL-JSON and CSL-YAML readers (pandoc, Zotero, Word's embedded citations) to :class:`Record` objects.

:func:`read_csl_items` is the public way from CSL items (dicts) to records, and
:func:`csl_items_to_entries` from CSL items to parsed :class:`~bibkit.model.Entry` objects.
"""

from __future__ import annotations

import json
import re

import yaml

from bibkit.bib.names import Name
from bibkit.infra.errors import BibkitError
from bibkit.infra.progress import ProgressFn, track
from bibkit.interchange.export.text import month_macro, name_to_bibtex, text_to_bibtex
from bibkit.interchange.importer.records import DEFAULT_THESIS_TYPES, MASTERS, Record
from bibkit.interchange.importer.text import convert
from bibkit.model import Entry

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
               ("annote", "annote"), ("language", "language"), ("title-short", "shorttitle"),
               ("chapter-number", "chapter")]


def read_csl_json(text: str, path: str, progress: ProgressFn | None = None) -> list[Record]:
    """CSL-JSON: a list of items (or one item, or ``{"items": [...]}``); ``progress`` hears of each item."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BibkitError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    if isinstance(data, dict):
        data = data.get("items", data.get("references", [data]))
    return read_csl_items(data, path, progress)


def read_csl_yaml(text: str, path: str, progress: ProgressFn | None = None) -> list[Record]:
    """CSL-YAML as pandoc writes it (``references:`` list, optionally between ``---`` lines); ``progress`` as above."""
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
    return read_csl_items(items, path, progress)


def read_csl_items(items: object, path: str, progress: ProgressFn | None = None) -> list[Record]:
    """CSL items (dicts) to records; a non-dict item is an error naming its position. ``progress``: per item."""
    if not isinstance(items, list):
        raise BibkitError(f"{path}: expected a list of CSL items")
    records = []
    for i, item in enumerate(track(items, progress), start=1):
        if not isinstance(item, dict):
            raise BibkitError(f"{path}: item {i} is not an object")
        records.append(_csl_record(item, f"{path}#{i}"))
    return records


def _csl_record(item: dict, origin: str) -> Record:
    """One CSL item in BibTeX terms."""
    ctype = str(item.get("type", ""))
    etype = CSL_TYPES.get(ctype, "misc")
    genre = _s(item.get("genre"))
    if etype == "phdthesis" and genre and MASTERS.search(genre):
        etype = "mastersthesis"
    f: list[tuple[str, str]] = []
    used = {"id", "type", "genre", "citation-key", "citationKey"}

    def put(name: str, value: str | None, *keys: str) -> None:
        used.update(keys)
        if value:
            f.append((name, value))

    for role in ("author", "editor", "translator"):
        names = item.get(role)
        if isinstance(names, list) and names:
            put(role, " and ".join(_csl_name(n) for n in names if isinstance(n, dict)), role)
    put("title", _html_to_bibtex(_s(item.get("title")), True), "title")
    # a book's title is cased like a title (braced capitals, as BibTeX styles may change its case);
    # a journal's name is not, as in pandoc's own -f csljson -t biblatex
    container = _html_to_bibtex(_s(item.get("container-title")), etype != "article")
    put("journal" if etype == "article" else "booktitle", container, "container-title")
    issued = _csl_date(item.get("issued"))
    used.add("issued")
    if issued[0]:
        put("year", issued[0])
        if issued[1]:
            put("month", month_macro(issued[1]))
            if issued[2]:  # BibTeX has no day: the full date goes beside year and month, as pandoc writes it
                put("date", f"{issued[0]}-{issued[1]:02d}-{issued[2]:02d}")
    for key, name in _CSL_SIMPLE:
        put(name, _html_to_bibtex(_s(item.get(key))), key)
    number = _s(item.get("issue")) or _s(item.get("number"))
    put("number", _html_to_bibtex(number), "issue", "number")
    page = _s(item.get("page"))
    put("pages", text_to_bibtex(re.sub(r"\s*[-\u2013]+\s*", "--", page)) if page else None, "page")
    pub = {"phdthesis": "school", "mastersthesis": "school", "techreport": "institution"}.get(etype, "publisher")
    put(pub, _html_to_bibtex(_s(item.get("publisher"))), "publisher")
    if genre and not (etype in ("phdthesis", "mastersthesis") and genre.strip().lower() in DEFAULT_THESIS_TYPES):
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
    citekey = _s(item.get("citation-key")) or _s(item.get("citationKey"))
    if citekey:
        return Record(etype, citekey, f, origin, ignored)
    return Record(etype, _s(item.get("id")), f, origin, ignored, id_only=True)


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


def _html_to_bibtex(value: str, protect: bool = False) -> str | None:
    """CSL rich text (``<i>``, ``<b>``, ``<span class="nocase">``...) as BibTeX; other text escaped
    (harmless math kept) and, with ``protect``, words with inner capitals braced."""
    if not value:
        return None
    value = value.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")

    def text_to_bibtex(part: str) -> str:
        return convert(part, protect)

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
    text = "".join(out).strip()
    return text or None


def csl_items_to_entries(items: object, origin: str) -> list[Entry]:
    """CSL items (dicts: pandoc, Zotero, Word's embedded citations) as parsed BibTeX entries.

    Each entry is keyed by the item's ``id`` when that is a valid BibTeX key, else ``item1``,
    ``item2``... in item order; ``origin`` names the source in messages (a path).
    """
    from bibkit.interchange.importer.plan import _VALID_KEY, record_entry

    entries = []
    for i, record in enumerate(read_csl_items(items, origin), start=1):
        key = record.key if record.key and _VALID_KEY.match(record.key) else f"item{i}"
        entries.append(record_entry(record, key))
    return entries
