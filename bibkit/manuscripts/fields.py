"""Word field codes that cite: Zotero, Mendeley, EndNote, Word's own ``CITATION``, ``HYPERLINK``.

Each citation field is turned into :class:`~bibkit.manuscripts.build.CiteItem` objects whose works
carry CSL-JSON (EndNote's XML and Word's ``b:Source`` records are converted to CSL), so matching and
``import --from-manuscript`` have one form to deal with. A field that cannot be read raises
:class:`FieldError` with a short reason; the reader turns it into a located warning.
"""

from __future__ import annotations

import base64
import binascii
import json
import re

from lxml import etree

from bibkit.manuscripts.build import CiteItem
from bibkit.manuscripts.works import CitedWork, csl_work, normalise_doi

B_NS = "http://schemas.openxmlformats.org/officeDocument/2006/bibliography"
_SAFE = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)

# CSL locator labels (CSL 1.0.2 "locator" terms) to the abbreviations bibkit writes (``p. 33``).
LABELS = {
    "page": ("p.", "pp."), "book": ("bk.", "bks."), "chapter": ("chap.", "chaps."), "column": ("col.", "cols."),
    "figure": ("fig.", "figs."), "folio": ("fol.", "fols."), "number": ("no.", "nos."), "line": ("l.", "ll."),
    "note": ("n.", "nn."), "opus": ("op.", "opp."), "paragraph": ("para.", "paras."), "part": ("pt.", "pts."),
    "section": ("sec.", "secs."), "sub verbo": ("s.v.", "s.vv."), "verse": ("v.", "vv."),
    "volume": ("vol.", "vols."), "appendix": ("app.", "apps."), "table": ("tbl.", "tbls."),
}


class FieldError(ValueError):
    """A citation field whose data cannot be read (broken JSON, XML or base64)."""


def locator(value: object, label: object = None) -> str | None:
    """A CSL locator and label as bibkit writes it: ``("12-14", "page")`` -> ``pp. 12-14``."""
    text = " ".join(str(value).split()) if value not in (None, "") else ""
    if not text:
        return None
    name = str(label or "page").strip().lower()
    forms = LABELS.get(name, (name + ".", name + "."))
    plural = bool(re.search(r"[-–—,&]|\band\b", text))
    return f"{forms[1] if plural else forms[0]} {text.replace('–', '-')}"


def kind_of(instr: str) -> str | None:
    """What a field code is: ``csl`` (Zotero/Mendeley), ``endnote``, ``word``, ``hyperlink``, ``bibliography`` or None."""
    code = instr.strip()
    upper = code.upper()
    if upper.startswith("ADDIN"):
        rest = code[5:].lstrip()
        rest_upper = rest.upper()
        if rest_upper.startswith(("ZOTERO_ITEM", "CSL_CITATION")):
            return "csl"
        if rest_upper.startswith(("ZOTERO_BIBL", "MENDELEY BIBLIOGRAPHY", "CSL_BIBLIOGRAPHY", "EN.REFLIST")):
            return "bibliography"
        if rest_upper.startswith("EN.CITE.DATA"):
            return "endnote-data"
        if rest_upper.startswith("EN.CITE"):
            return "endnote"
        return None
    word = upper.split(None, 1)[0] if upper.split() else ""
    return {"CITATION": "word", "HYPERLINK": "hyperlink", "BIBLIOGRAPHY": "bibliography"}.get(word)


def csl_citation(instr: str) -> list[CiteItem]:
    """Items of a Zotero (``ADDIN ZOTERO_ITEM CSL_CITATION {...}``) or Mendeley (``ADDIN CSL_CITATION {...}``) field."""
    via = "zotero" if "ZOTERO_ITEM" in instr.upper()[:40] else "mendeley"
    start, end = instr.find("{"), instr.rfind("}")
    if start < 0:
        raise FieldError(f"{via.title()} citation field has no JSON")
    try:
        data = json.loads(instr[start:end + 1] if end > start else instr[start:])
    except json.JSONDecodeError as exc:
        raise FieldError(f"{via.title()} citation field has broken JSON ({exc.msg} at character {exc.pos})") from None
    return csl_items(data, via)


def csl_items(data: object, via: str) -> list[CiteItem]:
    """The ``citationItems`` of a CSL citation object as cite items."""
    if not isinstance(data, dict) or not isinstance(data.get("citationItems"), list):
        raise FieldError(f"{via.title()} citation field has no citationItems list")
    items: list[CiteItem] = []
    for raw in data["citationItems"]:
        if not isinstance(raw, dict):
            continue
        uris = raw.get("uris") or raw.get("uri") or []
        uris = tuple(str(u) for u in uris) if isinstance(uris, list) else (str(uris),)
        item_data = raw.get("itemData")
        if isinstance(item_data, dict):
            work = csl_work(item_data, via, uris)
        else:
            work = CitedWork(via, text=" ".join(uris) or None, uris=uris)
        mode = "normal"
        if raw.get("suppress-author"):
            mode = "suppress-author"
        elif raw.get("author-only"):
            mode = "author-only"
        items.append(CiteItem(work, locator(raw.get("locator"), raw.get("label")),
                              _str(raw.get("prefix")), _str(raw.get("suffix")), mode))
    return items


def _str(value: object) -> str | None:
    text = " ".join(str(value).split()) if value not in (None, "") else ""
    return text or None


# -- Word's own citations ------------------------------------------------------

_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|(\S+)')


def word_citation(instr: str, sources: dict[str, dict]) -> list[CiteItem]:
    """Items of ``CITATION Tag \\l 1033 \\p 45 \\m Tag2``; switches apply to the source named just before them."""
    tokens = [m.group(1) if m.group(1) is not None else m.group(2) for m in _TOKEN.finditer(instr.strip())][1:]
    items: list[CiteItem] = []
    i = 0
    current: dict | None = None

    def start(tag: str) -> dict:
        entry = {"tag": tag, "page": None, "prefix": None, "suffix": None, "volume": None, "mode": "normal"}
        items_raw.append(entry)
        return entry

    items_raw: list[dict] = []
    while i < len(tokens):
        tok = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if tok.startswith("\\") and len(tok) == 2:
            sw = tok[1].lower()
            if sw == "m" and nxt:
                current = start(nxt)
                i += 2
                continue
            if sw in ("p", "f", "s", "v", "l") and nxt is not None:
                if current is not None:
                    key = {"p": "page", "f": "prefix", "s": "suffix", "v": "volume", "l": None}[sw]
                    if key:
                        current[key] = nxt
                i += 2
                continue
            if sw == "n" and current is not None:
                current["mode"] = "suppress-author"
            i += 1
            continue
        if current is None:
            current = start(tok)
        i += 1
    if not items_raw:
        raise FieldError("Word CITATION field names no source")
    for raw in items_raw:
        item = sources.get(raw["tag"])
        work = csl_work(item, "word") if item else CitedWork("word", text=f"Word source {raw['tag']}")
        work.citekey = work.citekey or raw["tag"]
        loc = locator(raw["page"], "page") if raw["page"] else (locator(raw["volume"], "volume") if raw["volume"] else None)
        items.append(CiteItem(work, loc, raw["prefix"], raw["suffix"], raw["mode"]))
    return items


_WORD_TYPES = {"JournalArticle": "article-journal", "Book": "book", "BookSection": "chapter",
               "ArticleInAPeriodical": "article-magazine", "ConferenceProceedings": "paper-conference",
               "Report": "report", "InternetSite": "webpage", "DocumentFromInternetSite": "webpage",
               "ElectronicSource": "document", "Patent": "patent", "Case": "legal_case", "Film": "motion_picture",
               "Interview": "interview", "Misc": "document"}


def word_sources(xml: bytes) -> dict[str, dict]:
    """Word's source list (``customXml`` ``b:Sources``) as CSL items by tag."""
    try:
        root = etree.fromstring(xml, _SAFE)
    except etree.XMLSyntaxError:
        return {}
    if root is None or etree.QName(root).localname != "Sources" or etree.QName(root).namespace != B_NS:
        return {}
    out: dict[str, dict] = {}
    b = "{%s}" % B_NS
    for src in root.iter(b + "Source"):
        def text(name: str) -> str:
            el = src.find(b + name)
            return " ".join("".join(el.itertext()).split()) if el is not None else ""

        tag = text("Tag")
        if not tag:
            continue
        item: dict = {"type": _WORD_TYPES.get(text("SourceType"), "document"), "title": text("Title")}
        authors = []
        for person in src.iterfind(f"{b}Author/{b}Author/{b}NameList/{b}Person"):
            last = "".join(person.findtext(b + "Last") or "").strip()
            given = " ".join(x for x in ((person.findtext(b + "First") or "").strip(),
                                         (person.findtext(b + "Middle") or "").strip()) if x)
            if last:
                authors.append({"family": last, "given": given} if given else {"family": last})
        corporate = src.findtext(f"{b}Author/{b}Author/{b}Corporate")
        if not authors and corporate:
            authors.append({"literal": corporate.strip()})
        if authors:
            item["author"] = authors
        year = text("Year")
        if year:
            item["issued"] = {"raw": year}
            m = re.match(r"^\d{4}$", year)
            if m:
                item["issued"] = {"date-parts": [[year]]}
        for name, csl_name in (("JournalName", "container-title"), ("BookTitle", "container-title"),
                               ("Volume", "volume"), ("Issue", "issue"), ("Pages", "page"),
                               ("Publisher", "publisher"), ("City", "publisher-place"), ("URL", "URL"),
                               ("Edition", "edition")):
            value = text(name)
            if value and csl_name not in item:
                item[csl_name] = value
        doi = text("DOI") or ""
        if doi:
            item["DOI"] = doi
        number = text("StandardNumber")
        if number and normalise_doi(number):
            item.setdefault("DOI", number)
        out[tag] = item
    return out


# -- EndNote -------------------------------------------------------------------

_EN_TYPES = {"journal article": "article-journal", "book": "book", "book section": "chapter",
             "edited book": "book", "thesis": "thesis", "report": "report", "conference proceedings": "paper-conference",
             "conference paper": "paper-conference", "web page": "webpage", "newspaper article": "article-newspaper",
             "magazine article": "article-magazine", "generic": "document"}


def endnote_citation(instr: str, data: list[str]) -> list[CiteItem]:
    """Items of an EndNote field: XML in the field code, or base64 in ``w:fldData`` (``EN.CITE.DATA``)."""
    xml = ""
    start = instr.find("<EndNote")
    if start >= 0:
        xml = instr[start:]
    else:
        for blob in data:
            try:
                decoded = base64.b64decode("".join(blob.split()), validate=False)
            except (binascii.Error, ValueError):
                continue
            text = decoded.decode("utf-8", errors="replace")
            if "<EndNote" in text:
                xml = text[text.find("<EndNote"):]
                break
    if not xml:
        raise FieldError("EndNote citation field carries no EndNote XML")
    try:
        root = etree.fromstring(xml.encode("utf-8"), _SAFE)
    except etree.XMLSyntaxError as exc:
        raise FieldError(f"EndNote citation field has broken XML ({exc})") from None
    if root is None:
        raise FieldError("EndNote citation field has broken XML")
    items: list[CiteItem] = []
    for cite in root.iter("Cite"):
        record = cite.find("record")
        item = _endnote_record(record) if record is not None else {}
        if not item.get("title"):
            author = _txt(cite.find("Author"))
            if author:
                item.setdefault("author", [{"family": author}])
            year = _txt(cite.find("Year"))
            if year:
                item.setdefault("issued", {"date-parts": [[year]]})
        mode = "suppress-author" if cite.get("ExcludeAuth") == "1" else (
            "in-text" if cite.get("AuthorYear") == "1" else "normal")
        work = csl_work(item, "endnote")
        items.append(CiteItem(work, locator(_txt(cite.find("Pages")), "page"), _txt(cite.find("Prefix")) or None,
                              _txt(cite.find("Suffix")) or None, mode))
    if not items:
        raise FieldError("EndNote citation field has no Cite record")
    return items


def _txt(el) -> str:
    return " ".join("".join(el.itertext()).split()) if el is not None else ""


def _endnote_record(record) -> dict:
    """An EndNote XML ``record`` as a CSL item."""
    ref_type = record.find("ref-type")
    item: dict = {"type": _EN_TYPES.get((ref_type.get("name") or "").lower(), "document")
                  if ref_type is not None else "document"}
    authors = []
    for a in record.iterfind("contributors/authors/author"):
        name = _txt(a)
        if "," in name:
            family, given = name.split(",", 1)
            authors.append({"family": family.strip(), "given": given.strip()})
        elif name:
            authors.append({"literal": name})
    if authors:
        item["author"] = authors
    title = _txt(record.find("titles/title"))
    if title:
        item["title"] = title
    container = _txt(record.find("titles/secondary-title")) or _txt(record.find("periodical/full-title"))
    if container:
        item["container-title"] = container
    year = _txt(record.find("dates/year"))
    if year:
        item["issued"] = {"date-parts": [[year]]}
    for tag, name in (("pages", "page"), ("volume", "volume"), ("number", "issue"), ("publisher", "publisher"),
                      ("pub-location", "publisher-place"), ("isbn", "ISBN")):
        value = _txt(record.find(tag))
        if value:
            item[name] = value
    doi = normalise_doi(_txt(record.find("electronic-resource-num")))
    if doi:
        item["DOI"] = doi
    url = _txt(record.find("urls/related-urls/url")) or _txt(record.find("urls/web-urls/url"))
    if url:
        item["URL"] = url
    return item


# -- Mendeley Cite (content controls) -----------------------------------------

def mendeley_v3(tag: str) -> list[CiteItem]:
    """Items of a Mendeley Cite content control (``MENDELEY_CITATION_v3_<base64 JSON>``)."""
    payload = tag[len("MENDELEY_CITATION_v3_"):]
    try:
        data = json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)).decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise FieldError("Mendeley Cite citation has unreadable data") from None
    return csl_items(data, "mendeley")


def hyperlink_target(instr: str) -> str | None:
    """The URL of a ``HYPERLINK "url" \\l anchor`` field (None for a link inside the document)."""
    tokens = [m.group(1) if m.group(1) is not None else m.group(2) for m in _TOKEN.finditer(instr.strip())][1:]
    if tokens and not tokens[0].startswith("\\"):
        return tokens[0]
    return None
