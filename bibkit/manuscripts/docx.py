"""Read Word (.docx) manuscripts: paragraphs, headings, citation fields, hyperlinks, footnotes and endnotes.

python-docx opens the package (relationships, styles, parts); the body is walked as raw OOXML because
fields, notes and tracked changes are below what python-docx models. Fields are followed the way
Word writes them: ``fldChar begin`` / ``instrText`` (often split over many runs) / ``separate`` /
result runs / ``end``, nested fields included, and ``fldSimple``. Citation fields (Zotero, Mendeley,
EndNote, Word's ``CITATION``) become marks over their rendered text; the rendered bibliography
(``ZOTERO_BIBL``, ``CSL_BIBLIOGRAPHY``, ``EN.REFLIST``, ``BIBLIOGRAPHY``) is not prose. A footnote or
endnote cites what its citation fields cite, or else the entry its text is a reference to. Pandoc
citations left as text (``pandoc essay.md -o essay.docx`` without ``--citeproc``) are read as in Markdown.

Locations: paragraphs are numbered from 1 in document order, counting every paragraph with text
(table cells included, empty paragraphs not); pages are counted from explicit page breaks.
"""

from __future__ import annotations

import re
import zipfile

from lxml import etree

from bibkit.infra.errors import BibkitError
from bibkit.manuscripts.build import CiteItem, Mark, Paragraph, pandoc_text_marks
from bibkit.manuscripts.fields import (FieldError, csl_citation, endnote_citation, hyperlink_target, kind_of,
                                       mendeley_v3, word_citation, word_sources)
from bibkit.manuscripts.works import CitedWork, doi_in_text, doi_of_url, normalise_doi

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_W = "{%s}" % W

# Bounds against zip bombs: no XML part is read past this size, nor the package past the total.
MAX_PART_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 256 * 1024 * 1024
_HEADING_NAME = re.compile(r"^(?:heading \d|title|subtitle)$", re.I)
_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)\]]")
_LOCATOR_IN_NOTE = re.compile(r"(?:,|\s)\s*(pp?\.|at)\s*([0-9ivxlcdm]+(?:\s*[-–]\s*[0-9ivxlcdm]+)?)\.?\s*$", re.I)
# pandoc's styles for code (a block, a span): text in them is never a citation.
_CODE_STYLES = frozenset({"SourceCode", "VerbatimChar"})
_IBID = re.compile(r"^\s*(?:ibid|ibidem|id)\b\.?", re.I)
# A note that reads like a reference or points to one is not prose to check: "(1999)", "pp. 4", a URL, "See".
_REFERENCE_LIKE = re.compile(r"\(\s*(?:1[5-9]|20)\d\d[a-z]?\s*\)|\bpp?\.\s*\d|\bdoi\b|https?://|www\.|"
                             r"^\s*(?:ibid|ibidem|id\.|see|cf\.|compare|quoted in|cited in)\b", re.I)


class DocxReader:
    """Walks one .docx document into :class:`Paragraph` objects; ``warnings`` collects unreadable fields."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.warnings: list[tuple[int, str]] = []  # (paragraph number, message)
        self.document = _open(path)
        part = self.document.part
        self.rels = {rid: rel for rid, rel in part.rels.items()}
        self.heading_styles = _heading_styles(self.document)
        self._warn_entities(self.document.element, "word/document.xml")
        self.sources: dict[str, dict] = {}
        self.notes: dict[tuple[str, str], etree._Element] = {}
        self.note_rels: dict[str, dict] = {}
        self.count = 0  # paragraphs with text so far
        for p in part.package.iter_parts():
            name = str(p.partname)
            if name.startswith("/customXml/item") and name.endswith(".xml") and b"Sources" in p.blob[:2000]:
                self.sources.update(word_sources(_bounded(p.blob, name, path)))
            elif name in ("/word/footnotes.xml", "/word/endnotes.xml"):
                kind = "footnote" if "foot" in name else "endnote"
                try:
                    root = etree.fromstring(_bounded(p.blob, name, path), _parser())
                except etree.XMLSyntaxError as exc:
                    raise BibkitError(f"{path}: {name.lstrip('/')} is not well-formed XML (line {exc.lineno})") from None
                self._warn_entities(root, name.lstrip("/"))
                for note in root.iter(_W + kind):
                    if note.get(_W + "type") in (None, "normal"):
                        self.notes[(kind, note.get(_W + "id") or "")] = note
                self.note_rels[kind] = {rid: rel for rid, rel in p.rels.items()}
        self.page = 1
        self.paragraphs: list[Paragraph] = []
        self._fields: list[dict] = []
        self._bibliography = 0
        self.note_paragraphs: list[Paragraph] = []  # notes of prose, read after the body
        self._note_cache: dict[tuple[str, str], list[tuple[list[CiteItem], bool]]] = {}
        self._last_note_items: list[CiteItem] = []

    # -- document ---------------------------------------------------------

    def read(self) -> tuple[list[Paragraph], str | None]:
        """The body's paragraphs (numbered, with pages) and the document's title."""
        body = self.document.element.body
        for p in body.iter(_W + "p"):
            if _inside_paragraph(p):
                continue  # text boxes: their paragraphs sit inside another paragraph's run
            para = self._paragraph(p, self.rels)
            if para.text.strip():
                self.count += 1
                para.number = self.count
                self.paragraphs.append(para)
        if self.page == 1:
            for para in self.paragraphs:
                para.page = None
        title = (self.document.core_properties.title or "").strip() or None
        return self.paragraphs + self.note_paragraphs, title

    def _paragraph(self, p: etree._Element, rels: dict) -> Paragraph:
        ppr = p.find(_W + "pPr")
        heading = False
        if ppr is not None:
            style = ppr.find(_W + "pStyle")
            if style is not None and style.get(_W + "val") in self.heading_styles:
                heading = True
            outline = ppr.find(_W + "outlineLvl")
            if outline is not None and (outline.get(_W + "val") or "9").isdigit() and int(outline.get(_W + "val")) < 9:
                heading = True
            brk = ppr.find(_W + "pageBreakBefore")
            if brk is not None and brk.get(_W + "val") not in ("0", "false", "off"):
                self.page += 1
        code_block = False
        if ppr is not None:
            style = ppr.find(_W + "pStyle")
            code_block = style is not None and style.get(_W + "val") in _CODE_STYLES
        para = Paragraph("", heading=heading, page=self.page)
        state = {"pieces": [], "pos": 0, "para": para, "bib": False, "rels": rels, "code": []}
        self._inline_children(p, state)
        para.text = "".join(state["pieces"])
        para.skip = state["bib"] or self._bibliography > 0
        if not para.skip and "@" in para.text and not code_block:
            taken = [(m.start, max(m.end, m.start + 1)) for m in para.marks] + state["code"]
            para.marks.extend(pandoc_text_marks(para.text, 0, taken))
        return para

    # -- inline content ---------------------------------------------------

    def _emit(self, state: dict, text: str) -> None:
        if not text or any(f["phase"] == "code" for f in self._fields):
            return
        if self._bibliography:
            state["bib"] = True
        state["pieces"].append(text)
        state["pos"] += len(text)

    def _inline_children(self, el: etree._Element, state: dict) -> None:
        for child in el:
            if not isinstance(child.tag, str):
                continue
            ns, _, local = child.tag[1:].partition("}") if child.tag.startswith("{") else ("", "", child.tag)
            if ns != W:
                continue
            if local == "r":
                self._run(child, state)
            elif local == "hyperlink":
                start = state["pos"]
                self._inline_children(child, state)
                rid = child.get(f"{{{R}}}id")
                rel = state["rels"].get(rid) if rid else None
                if rel is not None and rel.is_external:
                    self._link(state, start, rel.target_ref)
            elif local == "fldSimple":
                self._field_begin(state, child)
                self._fields[-1]["instr"] = child.get(_W + "instr") or ""
                self._field_separate(state)
                self._inline_children(child, state)
                self._field_end(state)
            elif local == "sdt":
                self._sdt(child, state)
            elif local in ("ins", "moveTo", "smartTag", "customXml", "bdo", "dir", "sdtContent"):
                self._inline_children(child, state)
            # del, moveFrom (tracked deletions), pPr, bookmarks, proofErr, math: not text

    def _sdt(self, sdt: etree._Element, state: dict) -> None:
        tag_el = sdt.find(f"{_W}sdtPr/{_W}tag")
        tag = tag_el.get(_W + "val") if tag_el is not None else ""
        content = sdt.find(_W + "sdtContent")
        start = state["pos"]
        if content is not None:
            self._inline_children(content, state)
        if tag and tag.startswith("MENDELEY_CITATION_v3_"):
            try:
                items = mendeley_v3(tag)
            except FieldError as exc:
                self._warn(state, str(exc))
                return
            state["para"].marks.append(Mark(start, state["pos"], items))

    def _run(self, run: etree._Element, state: dict) -> None:
        style = run.find(f"{_W}rPr/{_W}rStyle")
        if style is not None and style.get(_W + "val") in _CODE_STYLES:
            start = state["pos"]
            self._run_content(run, state)
            state["code"].append((start, state["pos"]))
        else:
            self._run_content(run, state)

    def _run_content(self, run: etree._Element, state: dict) -> None:
        for child in run:
            if not isinstance(child.tag, str) or not child.tag.startswith(_W):
                continue
            local = child.tag[len(_W):]
            if local == "t":
                self._emit(state, child.text or "")
            elif local in ("tab", "cr"):
                self._emit(state, " ")
            elif local == "br":
                if child.get(_W + "type") == "page":
                    self.page += 1
                    state["para"].page_breaks.append(state["pos"])
                self._emit(state, " ")
            elif local == "noBreakHyphen":
                self._emit(state, "-")
            elif local == "fldChar":
                kind = child.get(_W + "fldCharType")
                if kind == "begin":
                    self._field_begin(state, child)
                elif kind == "separate":
                    self._field_separate(state)
                elif kind == "end":
                    self._field_end(state)
            elif local == "instrText":
                if self._fields:
                    self._fields[-1]["instr"] += child.text or ""
            elif local in ("footnoteReference", "endnoteReference"):
                self._note_reference(state, "footnote" if local.startswith("foot") else "endnote",
                                     child.get(_W + "id") or "")

    # -- fields -----------------------------------------------------------

    def _field_begin(self, state: dict, el: etree._Element) -> None:
        data = el.find(_W + "fldData")
        blob = data.text if data is not None and data.text else ""
        owner = next((f for f in self._fields if f["phase"] == "code"), None)
        if owner is not None and blob:
            owner["data"].append(blob)
        self._fields.append({"instr": "", "phase": "code", "start": None, "para": None, "data": [blob] if blob else [],
                             "kind": None})

    def _field_separate(self, state: dict) -> None:
        if not self._fields:
            return
        field = self._fields[-1]
        if field["phase"] != "code":
            return
        field["phase"] = "result"
        field["kind"] = kind_of(field["instr"])
        field["start"] = state["pos"]
        field["para"] = state["para"]
        if field["kind"] == "bibliography":
            self._bibliography += 1

    def _field_end(self, state: dict) -> None:
        if not self._fields:
            return
        field = self._fields.pop()
        if field["phase"] == "code":
            field["kind"] = kind_of(field["instr"])
            field["start"], field["para"] = state["pos"], state["para"]
            parent = next((f for f in self._fields if f["phase"] == "code"), None)
            if parent is not None:
                # A field inside another's code: EndNote's EN.CITE.DATA, whose record (base64 in its fldData,
                # already handed to the parent at its begin, or XML in its code) belongs to the EN.CITE around it.
                if field["kind"] == "endnote-data" and "<" in field["instr"]:
                    parent["instr"] += " " + field["instr"][field["instr"].find("<"):]
                return
        elif field["kind"] == "bibliography":
            self._bibliography = max(0, self._bibliography - 1)
            return
        para: Paragraph = field["para"]
        end = state["pos"] if para is state["para"] else len(para.text)
        kind, instr = field["kind"], field["instr"]
        try:
            if kind == "csl":
                para.marks.append(Mark(field["start"], end, csl_citation(instr)))
            elif kind == "endnote":
                para.marks.append(Mark(field["start"], end, endnote_citation(instr, field["data"])))
            elif kind == "word":
                para.marks.append(Mark(field["start"], end, word_citation(instr, self.sources)))
            elif kind == "hyperlink":
                url = hyperlink_target(instr)
                if url:
                    para.marks.append(Mark(field["start"], end, [CiteItem(_link_work(url))], hide=False, optional=True))
        except FieldError as exc:
            self._warn(state, str(exc))

    def _warn(self, state: dict, message: str) -> None:
        self.warnings.append((self.count + 1, message))

    def _link(self, state: dict, start: int, url: str) -> None:
        state["para"].marks.append(Mark(start, state["pos"], [CiteItem(_link_work(url))], hide=False, optional=True))

    # -- notes ------------------------------------------------------------

    def _note_reference(self, state: dict, kind: str, note_id: str) -> None:
        """A footnote or endnote mark: it cites what the note cites."""
        for items, optional in self._note_items(kind, note_id):
            state["para"].marks.append(Mark(state["pos"], state["pos"], items, optional=optional))

    def _note_items(self, kind: str, note_id: str) -> list[tuple[list[CiteItem], bool]]:
        key = (kind, note_id)
        if key in self._note_cache:
            return self._note_cache[key]
        note = self.notes.get(key)
        out: list[tuple[list[CiteItem], bool]] = []
        if note is not None:
            saved = (self._fields, self._bibliography, self.page)
            self._fields, self._bibliography = [], 0
            paragraphs = [self._paragraph(p, self.note_rels.get(kind, {})) for p in note.iter(_W + "p")]
            self._fields, self._bibliography, self.page = saved
            for para in paragraphs:
                for mark in para.marks:
                    out.append((mark.items, mark.optional))
            if not any(not optional for _, optional in out):
                text = " ".join(p.text for p in paragraphs).strip()
                if text:
                    out = [(self._text_reference(text, kind), True)] + out
                    if not _REFERENCE_LIKE.search(text):
                        # A note of prose: its sentences are read too, located at the paragraph of its mark,
                        # unless the build finds that its text or a link in it names a source.
                        for para in paragraphs:
                            if para.text.strip():
                                para.number = self.count + 1
                                para.page, para.page_breaks = None, []
                                para.note_items = [i for items, _ in out for i in items]
                                para.marks = []
                                self.note_paragraphs.append(para)
        self._note_cache[key] = out
        return out

    def _warn_entities(self, root: etree._Element, part: str) -> None:
        """Warn of entity references the XML parser left unexpanded (Word never writes a DOCTYPE: a crafted
        file, e.g. an XXE attempt); their text is not read, and the warning says so instead of saying nothing."""
        entities = list(root.iter(etree.Entity))
        if entities:
            names = ", ".join(sorted({f"&{e.name};" for e in entities})[:3])
            self.warnings.append((_entity_paragraph(entities[0]) if part == "word/document.xml" else 1,
                                  f"{part} uses {len(entities)} XML entit{'y' if len(entities) == 1 else 'ies'} "
                                  f"({names}) from a DOCTYPE Word never writes; not expanded, their text is left out"))

    def _text_reference(self, text: str, kind: str) -> list[CiteItem]:
        """A note whose text may be a reference (or ``Ibid.``): matched later by its DOI, URL or title."""
        loc = None
        m = _LOCATOR_IN_NOTE.search(text)
        if m:
            value = m.group(2).replace("–", "-")
            loc = ("pp. " if "-" in value else "p. ") + value
        if _IBID.match(text) and self._last_note_items:
            items = [CiteItem(i.work, loc or i.locator, None, None, i.mode) for i in self._last_note_items]
            return items
        url = next(iter(_URL_IN_TEXT.findall(text)), None)
        work = CitedWork("footnote" if kind == "footnote" else "endnote-note", doi=doi_in_text(text), url=url, text=text)
        items = [CiteItem(work, loc)]
        self._last_note_items = items
        return items


def _entity_paragraph(entity: etree._Element) -> int:
    """The number (from 1) of the body paragraph an entity reference stands in, 1 when it is elsewhere."""
    node = entity
    while node.getparent() is not None and node.getparent().tag != _W + "body":
        node = node.getparent()
    body = node.getparent()
    if body is None:
        return 1
    return 1 + sum(1 for sibling in node.itersiblings(preceding=True) if sibling.tag == _W + "p")


def _link_work(url: str) -> CitedWork:
    """A hyperlink as a cited work (its DOI when it is a doi.org link)."""
    return CitedWork("hyperlink", doi=doi_of_url(url) or (normalise_doi(url) if url.lower().startswith("doi:") else None),
                     url=url)


def _inside_paragraph(p: etree._Element) -> bool:
    parent = p.getparent()
    while parent is not None:
        if parent.tag == _W + "p":
            return True
        parent = parent.getparent()
    return False


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def _bounded(blob: bytes, name: str, path: str) -> bytes:
    if len(blob) > MAX_PART_BYTES:
        raise BibkitError(f"{path}: {name.lstrip('/')} is larger than {MAX_PART_BYTES // (1024 * 1024)} MiB; not read")
    return blob


def _heading_styles(document) -> set[str]:
    """Ids of paragraph styles that are headings: Heading N, Title, Subtitle, or an outline level, inherited."""
    out: set[str] = set()
    for style in document.styles:
        try:
            if style.type != 1:  # WD_STYLE_TYPE.PARAGRAPH
                continue
        except (ValueError, KeyError):
            continue
        s, depth = style, 0
        while s is not None and depth < 10:
            name = (s.name or "").strip()
            lvl = s.element.find(f"{_W}pPr/{_W}outlineLvl")
            if _HEADING_NAME.match(name) or (lvl is not None and (lvl.get(_W + "val") or "9").isdigit()
                                             and int(lvl.get(_W + "val")) < 9):
                out.add(style.style_id)
                break
            s, depth = s.base_style, depth + 1
    return out


def _open(path: str):
    """The python-docx Document, after checking that the file is a .docx of bounded size."""
    import os

    from bibkit.infra.files import read_bytes

    if os.path.isfile(path) and os.path.getsize(path) > MAX_TOTAL_BYTES:
        raise BibkitError(f"{path}: larger than {MAX_TOTAL_BYTES // (1024 * 1024)} MiB; not read")
    data = read_bytes(path, "manuscript")
    import io

    if not zipfile.is_zipfile(io.BytesIO(data)):
        hint = " (an old binary .doc? save it as .docx)" if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" else ""
        raise BibkitError(f"{path}: not a Word .docx file: not a zip archive{hint}")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
            total = 0
            for info in infos:
                total += info.file_size
                if info.file_size > MAX_PART_BYTES and info.filename.endswith((".xml", ".rels")):
                    raise BibkitError(f"{path}: {info.filename} is {info.file_size // (1024 * 1024)} MiB uncompressed; "
                                      f"refusing to read more than {MAX_PART_BYTES // (1024 * 1024)} MiB of XML")
            if total > MAX_TOTAL_BYTES * 4:
                raise BibkitError(f"{path}: the archive unpacks to {total // (1024 * 1024)} MiB; not read")
    except zipfile.BadZipFile as exc:
        raise BibkitError(f"{path}: not a Word .docx file: broken zip archive ({exc})") from None
    if "[Content_Types].xml" not in names or not any(n.startswith("word/") for n in names):
        raise BibkitError(f"{path}: not a Word .docx file: the archive has no word/document.xml")
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        return docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile, etree.XMLSyntaxError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if isinstance(exc, KeyError):
            reason = f"missing part {reason}"
        raise BibkitError(f"{path}: not a readable Word .docx file ({reason})") from None


def read_docx(path: str) -> tuple[list[Paragraph], str | None, list[tuple[int, str]]]:
    """A .docx file's paragraphs, title and warnings (paragraph number, message) about unreadable fields."""
    reader = DocxReader(path)
    paragraphs, title = reader.read()
    return paragraphs, title, reader.warnings
