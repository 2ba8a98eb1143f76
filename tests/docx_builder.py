"""Build .docx test documents with python-docx plus raw OOXML: citation fields as Zotero, Mendeley,
EndNote and Word write them, footnotes, hyperlinks, Word sources (customXml b:Sources)."""

from __future__ import annotations

import base64
import io
import json
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
CSL_SCHEMA = "https://github.com/citation-style-language/schema/raw/master/csl-citation.json"


def zotero_code(items: list[dict], shown: str, citation_id: str = "aB3dE5fG") -> str:
    """The field code Zotero's Word plugin writes (same key order and separators as Zotero 6/7)."""
    data = {"citationID": citation_id,
            "properties": {"formattedCitation": shown, "plainCitation": shown, "noteIndex": 0},
            "citationItems": items, "schema": CSL_SCHEMA}
    return " ADDIN ZOTERO_ITEM CSL_CITATION " + json.dumps(data, ensure_ascii=False, separators=(",", ":")) + " "


def mendeley_code(items: list[dict], shown: str) -> str:
    """The field code Mendeley Desktop writes."""
    data = {"citationItems": items,
            "mendeley": {"formattedCitation": shown, "plainTextFormattedCitation": shown,
                         "previouslyFormattedCitation": shown},
            "properties": {"noteIndex": 0}, "schema": CSL_SCHEMA}
    return "ADDIN CSL_CITATION " + json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def field(code: str, shown: str, pieces: int = 1, data: str | None = None) -> str:
    """A complex field: begin / instrText in ``pieces`` runs (split mid-code, as Word does) / separate / result / end."""
    size = max(1, -(-len(code) // pieces))
    begin = (f'<w:r {W}><w:fldChar w:fldCharType="begin"><w:fldData xml:space="preserve">{data}</w:fldData>'
             f'</w:fldChar></w:r>' if data else f'<w:r {W}><w:fldChar w:fldCharType="begin"/></w:r>')
    runs = [begin]
    for i in range(0, len(code), size):
        runs.append(f'<w:r {W}><w:rPr><w:noProof/></w:rPr><w:instrText xml:space="preserve">{escape(code[i:i + size])}'
                    f'</w:instrText></w:r>')
    runs.append(f'<w:r {W}><w:fldChar w:fldCharType="separate"/></w:r>')
    runs.append(f'<w:r {W}><w:rPr><w:noProof/></w:rPr><w:t xml:space="preserve">{escape(shown)}</w:t></w:r>')
    runs.append(f'<w:r {W}><w:fldChar w:fldCharType="end"/></w:r>')
    return "".join(runs)


def simple_field(code: str, shown: str) -> str:
    """A ``w:fldSimple`` field."""
    return f'<w:fldSimple {W} w:instr={quoteattr(code)}><w:r><w:t xml:space="preserve">{escape(shown)}</w:t></w:r></w:fldSimple>'


def text(value: str) -> str:
    """A plain run."""
    return f'<w:r {W}><w:t xml:space="preserve">{escape(value)}</w:t></w:r>'


def footnote_ref(n: int) -> str:
    """A footnote reference mark."""
    return f'<w:r {W}><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr><w:footnoteReference w:id="{n}"/></w:r>'


def endnote_ref(n: int) -> str:
    """An endnote reference mark."""
    return f'<w:r {W}><w:endnoteReference w:id="{n}"/></w:r>'


def page_break() -> str:
    """An explicit page break run."""
    return f'<w:r {W}><w:br w:type="page"/></w:r>'


def deleted(value: str) -> str:
    """A tracked deletion (not part of the text)."""
    return f'<w:del {W} w:id="91" w:author="R" w:date="2026-01-01T00:00:00Z"><w:r><w:delText>{escape(value)}</w:delText></w:r></w:del>'


def endnote_xml(author: str, year: str, title: str, journal: str, doi: str, pages: str = "") -> str:
    """An EndNote ``<EndNote><Cite>...`` record as EndNote's Cite While You Write writes it."""
    style = '<style face="normal" font="default" size="100%">{}</style>'
    return ("<EndNote><Cite><Author>" + escape(author.split(",")[0]) + "</Author><Year>" + year + "</Year>"
            "<RecNum>17</RecNum>" + (f"<Pages>{pages}</Pages>" if pages else "")
            + "<DisplayText>(" + escape(author.split(",")[0]) + ", " + year + ")</DisplayText><record><rec-number>17</rec-number>"
            '<ref-type name="Journal Article">17</ref-type><contributors><authors><author>'
            + style.format(escape(author)) + "</author></authors></contributors><titles><title>"
            + style.format(escape(title)) + "</title><secondary-title>" + escape(journal) + "</secondary-title></titles>"
            "<dates><year>" + year + "</year></dates><electronic-resource-num>" + escape(doi)
            + "</electronic-resource-num></record></Cite></EndNote>")


def endnote_field(xml: str, shown: str) -> str:
    """EndNote's nested form: EN.CITE wrapping EN.CITE.DATA, the record base64-encoded in ``w:fldData``."""
    data = base64.b64encode(xml.encode("utf-8")).decode("ascii")
    inner = (f'<w:r {W}><w:fldChar w:fldCharType="begin"><w:fldData xml:space="preserve">{data}</w:fldData></w:fldChar></w:r>'
             f'<w:r {W}><w:instrText xml:space="preserve"> ADDIN EN.CITE.DATA </w:instrText></w:r>'
             f'<w:r {W}><w:fldChar w:fldCharType="end"/></w:r>')
    return (f'<w:r {W}><w:fldChar w:fldCharType="begin"/></w:r>'
            f'<w:r {W}><w:instrText xml:space="preserve"> ADDIN EN.CITE </w:instrText></w:r>' + inner
            + f'<w:r {W}><w:fldChar w:fldCharType="separate"/></w:r>'
            f'<w:r {W}><w:t>{escape(shown)}</w:t></w:r><w:r {W}><w:fldChar w:fldCharType="end"/></w:r>')


class DocxBuilder:
    """A document built paragraph by paragraph from raw run XML."""

    def __init__(self) -> None:
        self.document = docx.Document()
        self.footnotes: dict[int, str] = {}
        self.endnotes: dict[int, str] = {}
        self.sources_xml: str | None = None
        self.footnote_links: dict[str, str] = {}  # relationship id -> URL in the footnotes part

    def footnote_link(self, url: str, label: str) -> str:
        """A hyperlink run for use inside a footnote (its relationship lives in the footnotes part)."""
        rid = f"rIdFn{len(self.footnote_links) + 1}"
        self.footnote_links[rid] = url
        return f'<w:hyperlink {W} {R} r:id="{rid}"><w:r><w:t>{escape(label)}</w:t></w:r></w:hyperlink>'

    def heading(self, value: str, level: int = 1) -> None:
        """A heading in Word's built-in heading style."""
        self.document.add_heading(value, level=level)

    def para(self, *runs: str, style: str | None = None) -> None:
        """A paragraph made of raw runs (strings without '<' are plain text)."""
        p = self.document.add_paragraph(style=style)
        for run in runs:
            xml = run if run.startswith("<") else text(run)
            wrapped = parse_xml(f"<w:wrap {W} {R}>{xml}</w:wrap>")
            for child in list(wrapped):
                p._p.append(child)

    def link(self, url: str, label: str) -> str:
        """A hyperlink run to an external URL (relationship added to the document part)."""
        rid = self.document.part.relate_to(url, RT.HYPERLINK, is_external=True)
        return f'<w:hyperlink {W} {R} r:id="{rid}"><w:r><w:rPr><w:rStyle w:val="Hyperlink"/></w:rPr><w:t>{escape(label)}</w:t></w:r></w:hyperlink>'

    def footnote(self, n: int, *runs: str) -> str:
        """Define footnote ``n`` (its runs) and return its reference mark."""
        self.footnotes[n] = "".join(r if r.startswith("<") else text(r) for r in runs)
        return footnote_ref(n)

    def endnote(self, n: int, *runs: str) -> str:
        """Define endnote ``n`` and return its reference mark."""
        self.endnotes[n] = "".join(r if r.startswith("<") else text(r) for r in runs)
        return endnote_ref(n)

    def save(self, path: Path) -> Path:
        """Write the .docx, adding the notes and sources parts python-docx cannot make."""
        buf = io.BytesIO()
        self.document.save(buf)
        src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
        out = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED)
        extra_parts: dict[str, str] = {}
        rels_extra: list[str] = []
        types_extra: list[str] = []
        for kind, notes in (("footnote", self.footnotes), ("endnote", self.endnotes)):
            if not notes:
                continue
            body = "".join(f'<w:{kind} w:id="{n}"><w:p><w:pPr><w:pStyle w:val="{kind.title()}Text"/></w:pPr>'
                           f'<w:r><w:{kind}Ref/></w:r>{runs}</w:p></w:{kind}>' for n, runs in notes.items())
            sep = (f'<w:{kind} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{kind}>'
                   f'<w:{kind} w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:{kind}>')
            extra_parts[f"word/{kind}s.xml"] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                                                f'<w:{kind}s {W} {R}>{sep}{body}</w:{kind}s>')
            rels_extra.append(f'<Relationship Id="rIdX{kind}" Type="http://schemas.openxmlformats.org/officeDocument/'
                              f'2006/relationships/{kind}s" Target="{kind}s.xml"/>')
            types_extra.append(f'<Override PartName="/word/{kind}s.xml" ContentType="application/vnd.openxmlformats-'
                               f'officedocument.wordprocessingml.{kind}s+xml"/>')
        if self.sources_xml:
            extra_parts["customXml/item9.xml"] = self.sources_xml
            rels_extra.append('<Relationship Id="rIdXsrc" Type="http://schemas.openxmlformats.org/officeDocument/'
                              '2006/relationships/customXml" Target="../customXml/item9.xml"/>')
        if self.footnote_links:
            rels = "".join(f'<Relationship Id="{rid}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                           f'relationships/hyperlink" Target={quoteattr(url)} TargetMode="External"/>'
                           for rid, url in self.footnote_links.items())
            extra_parts["word/_rels/footnotes.xml.rels"] = (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.'
                f'openxmlformats.org/package/2006/relationships">{rels}</Relationships>')
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "word/_rels/document.xml.rels" and rels_extra:
                data = data.replace(b"</Relationships>", "".join(rels_extra).encode() + b"</Relationships>")
            if info.filename == "[Content_Types].xml" and types_extra:
                data = data.replace(b"</Types>", "".join(types_extra).encode() + b"</Types>")
            out.writestr(info, data)
        for name, xml in extra_parts.items():
            out.writestr(name, xml.encode("utf-8"))
        out.close()
        return path


def word_sources_xml(sources: list[dict]) -> str:
    """Word's source list (customXml ``b:Sources``) from dicts with tag, type, title, year, authors, journal, doi."""
    b = "http://schemas.openxmlformats.org/officeDocument/2006/bibliography"
    items = []
    for s in sources:
        people = "".join(f"<b:Person><b:Last>{escape(last)}</b:Last><b:First>{escape(first)}</b:First></b:Person>"
                         for last, first in s["authors"])
        items.append(f"<b:Source><b:Tag>{s['tag']}</b:Tag><b:SourceType>{s.get('type', 'JournalArticle')}</b:SourceType>"
                     f"<b:Author><b:Author><b:NameList>{people}</b:NameList></b:Author></b:Author>"
                     f"<b:Title>{escape(s['title'])}</b:Title><b:Year>{s['year']}</b:Year>"
                     f"<b:JournalName>{escape(s.get('journal', ''))}</b:JournalName>"
                     + (f"<b:DOI>{escape(s['doi'])}</b:DOI>" if s.get("doi") else "") + "</b:Source>")
    return (f'<?xml version="1.0" standalone="yes"?><b:Sources SelectedStyle="\\APASixthEditionOfficeOnline.xsl" '
            f'StyleName="APA" Version="6" xmlns:b="{b}" xmlns="{b}">{"".join(items)}</b:Sources>')
