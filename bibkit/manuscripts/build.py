"""Turn a reader's paragraphs and citation marks into a :class:`~bibkit.manuscripts.base.Manuscript`.

The Word and HTML readers only say what the document holds: paragraphs of text (headings marked),
where each stands (paragraph number and page, or line and column in the HTML source), and marks
over the text that cite works. This module matches the works to bibliography keys and hands the
text to the same sentence splitter the Markdown and LaTeX readers use, with the rendered citations
("(Smil, 1999)", a footnote number) blanked out of the prose just as ``[@smil1999]`` is in Markdown,
so the same text flags the same sentences whatever format it comes in.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from bibkit.manuscripts.base import Citation, Manuscript, sentences_of
from bibkit.manuscripts.markdown import pandoc_citations_in_text
from bibkit.manuscripts.works import CitedWork, WorkIndex
from bibkit.model import Bibliography, SourceText


@dataclass
class CiteItem:
    """One work cited by a mark, with its locator, notes and mode."""

    work: CitedWork
    locator: str | None = None
    prefix: str | None = None
    suffix: str | None = None
    mode: str = "normal"


@dataclass
class Mark:
    """A stretch ``[start, end)`` of a paragraph that cites works; ``hide`` blanks it from the prose."""

    start: int
    end: int
    items: list[CiteItem]
    hide: bool = True
    optional: bool = False  # a hyperlink: a citation only when it matches an entry or is a DOI link
    hide_spans: list[tuple[int, int]] | None = None  # pandoc's text: only these stretches are left out of the prose


@dataclass
class Paragraph:
    """One block of text as a reader found it, with where it stands in the document."""

    text: str
    heading: bool = False
    number: int = 0  # Word: the paragraph's number; HTML: unused
    page: int | None = None
    skip: bool = False  # a bibliography list produced by the citation software: not prose
    page_breaks: list[int] = field(default_factory=list)  # Word: offsets where an explicit page break stands
    note_items: list | None = None  # Word: a footnote's paragraph (read as prose unless these items name a source)
    marks: list[Mark] = field(default_factory=list)
    # HTML: (offset in text, source line, source column, source chunk) for each piece of text.
    positions: list[tuple[int, int, int, str]] = field(default_factory=list)


@dataclass(slots=True)
class DocumentCitation(Citation):
    """A citation in a Word or HTML document: the work it names, how it was matched, and its paragraph and page."""

    via: str = ""
    matched_by: str | None = None
    work: CitedWork | None = None
    paragraph: int | None = None
    page: int | None = None

    def to_dict(self) -> dict:
        """docs/formats.md, "JSON shapes" plus ``paragraph``/``page`` (Word), ``via`` and, unmatched, the ``work``."""
        data = Citation.to_dict(self)
        if self.paragraph is not None:
            data["paragraph"] = self.paragraph
        if self.page is not None:
            data["page"] = self.page
        data["via"] = self.via
        if self.matched_by:
            data["matched_by"] = self.matched_by
        elif self.work is not None and self.work.via != "pandoc":
            data["work"] = self.work.describe()
        return data

    def describe(self) -> str:
        """What the document says the cited work is, for messages about a missing key."""
        return self.work.label() if self.work is not None else ""


class LocatedText(SourceText):
    """The document's text with offsets mapped to paragraph numbers (Word) or source lines (HTML)."""

    __slots__ = ("_bases", "_paragraphs", "_by_line")

    def __init__(self, path: str, text: str, bases: list[int], paragraphs: list[Paragraph], by_line: bool) -> None:
        super().__init__(path, text)
        self._bases = bases
        self._paragraphs = paragraphs
        self._by_line = by_line

    def _locate(self, offset: int) -> tuple[int, int]:
        i = max(0, bisect.bisect_right(self._bases, offset) - 1)
        para = self._paragraphs[i]
        local = offset - self._bases[i]
        if not self._by_line or not para.positions:
            return para.number, local + 1
        j = max(0, bisect.bisect_right(para.positions, (local, float("inf"))) - 1)
        start, line, column, chunk = para.positions[j]
        delta = min(local - start, len(chunk))
        before = chunk[:delta]
        newlines = before.count("\n")
        if newlines:
            return line + newlines, delta - before.rfind("\n")
        return line, column + delta

    @property
    def paragraphs(self) -> list[Paragraph]:
        """The paragraphs as read (body first, then any footnotes of prose), in text order."""
        return self._paragraphs

    def line_of(self, offset: int) -> int:
        """The paragraph number (Word) or source line (HTML) of an offset."""
        return self._locate(offset)[0]

    def column_of(self, offset: int) -> int:
        """The character in the paragraph (Word) or source column (HTML) of an offset."""
        return self._locate(offset)[1]

    def page_of(self, offset: int) -> int | None:
        """The page (counted from explicit page breaks) an offset is on, if the document has any."""
        if not self._paragraphs:
            return None
        i = max(0, bisect.bisect_right(self._bases, offset) - 1)
        para = self._paragraphs[i]
        if para.page is None:
            return None
        return para.page + bisect.bisect_right(para.page_breaks, offset - self._bases[i])

    def paragraph_of(self, offset: int) -> int:
        """The paragraph number of an offset."""
        i = max(0, bisect.bisect_right(self._bases, offset) - 1)
        return self._paragraphs[i].number if self._paragraphs else 0


@dataclass
class DocumentManuscript(Manuscript):
    """A Word or HTML manuscript: like Markdown's, plus paragraph and page for each location."""

    warnings: list = field(default_factory=list)  # located diagnostics about unreadable citations

    def location(self, offset: int) -> dict:
        """``paragraph`` (and ``page``) for a Word document's offset; nothing for HTML (its lines are real)."""
        if self.kind != "docx":
            return {}
        data: dict = {"paragraph": self.source.paragraph_of(offset)}
        page = self.source.page_of(offset)
        if page is not None:
            data["page"] = page
        return data


_REF_HEADING = re.compile(r"^\s*(?:\d+[.)]?\s*)?(?:references?|sources?|bibliography|works cited|literature(?: cited)?|"
                          r"notes|footnotes|endnotes|further reading|reference list|citations)\s*:?\s*$", re.I)


def skip_reference_sections(paragraphs: list[Paragraph]) -> None:
    """Paragraphs under a References/Sources/Bibliography/Notes heading are a source list: not prose, no citations.

    A paragraph that says only "References" (or "Sources", "Bibliography"...) counts as such a heading
    even when it is not in a heading style, as in many Word documents.
    """
    skipping = False
    for para in paragraphs:
        is_ref_heading = bool(_REF_HEADING.match(" ".join(para.text.split())))
        if para.heading or is_ref_heading:
            para.heading = para.heading or is_ref_heading
            skipping = is_ref_heading
            continue
        if skipping:
            para.skip = True
            para.marks = []


def build_manuscript(path: str, kind: str, paragraphs: list[Paragraph], bibliography: Bibliography | None,
                     title: str | None = None) -> DocumentManuscript:
    """Match every mark's works to keys, then split the paragraphs into sentences with their citations."""
    index = WorkIndex.build(bibliography)
    skip_reference_sections([p for p in paragraphs if p.note_items is None])
    for para in paragraphs:
        if para.note_items is not None and any(index.match(i.work).key or i.work.doi for i in para.note_items):
            para.skip = True  # the note is a reference after all
    pieces: list[str] = []
    bases: list[int] = []
    pos = 0
    for para in paragraphs:
        bases.append(pos)
        pieces.append(para.text.replace("\n", " ").replace("\r", " "))
        pos += len(para.text) + 1
    original = "\n".join(pieces)
    source = LocatedText(path, original, bases, paragraphs, by_line=kind == "html")
    citations: list[Citation] = []
    spans: list[tuple[int, int]] = []
    blocks: list[tuple[int, int, bool]] = []
    for para, base in zip(paragraphs, bases):
        if para.text.strip() and not para.skip:
            blocks.append((base, base + len(para.text), para.heading))
        seen: set[tuple[int, str]] = set()
        for mark in sorted(para.marks, key=lambda m: m.start):
            cites = _mark_citations(mark, base, para, source, index)
            if mark.optional:  # a note's text and its link naming the same entry are one citation
                cites = [c for c in cites if (c.offset, c.key) not in seen]
            seen.update((c.offset, c.key) for c in cites)
            if not cites:
                continue
            citations.extend(cites)
            if mark.hide_spans is not None:
                spans.extend((base + s, base + e) for s, e in mark.hide_spans)
            elif mark.hide and mark.end > mark.start:
                spans.append((base + mark.start, base + mark.end))
    spans.sort()
    chars = list(original)
    for s, e in spans:
        for i in range(s, e):
            chars[i] = " "
    prose = "".join(chars)
    manuscript = DocumentManuscript(path, kind, source, citations, title=title)
    manuscript.sentences = _block_sentences(source, original, prose, blocks, citations, spans)
    if manuscript.title is None:
        manuscript.title = next((s.text for s in manuscript.sentences if s.heading), None)
    return manuscript


def _block_sentences(source: LocatedText, original: str, prose: str, blocks: list[tuple[int, int, bool]],
                     citations: list[Citation], spans: list[tuple[int, int]]) -> list:
    """The shared sentence splitter run block by block (each with only its own citations), sections carried over."""
    citations = sorted(citations, key=lambda c: c.offset)
    offsets = [c.offset for c in citations]
    span_starts = [s for s, _ in spans]
    out = []
    section: str | None = None
    for start, end, heading in blocks:
        lo, hi = bisect.bisect_left(offsets, start), bisect.bisect_left(offsets, end + 1)
        slo, shi = bisect.bisect_left(span_starts, start), bisect.bisect_left(span_starts, end + 1)
        for sentence in sentences_of(source, original, prose, [(start, end, heading)], citations[lo:hi],
                                   spans[slo:shi]):
            if sentence.heading:
                section = sentence.text.rstrip(".:")
            else:
                sentence.section = section
            out.append(sentence)
    return out


def pandoc_text_marks(text: str, start: int = 0, skip: list[tuple[int, int]] = ()) -> list[Mark]:
    """Marks for the pandoc citations (``[@key, p. 4]``, ``@key``) written as text from ``start`` on.

    A .docx or HTML that pandoc made without ``--citeproc`` keeps its citations so; each citation
    is a mark at its ``@`` that leaves its markup out of the prose as the Markdown reader does
    (``@key`` written in the text stays a word). A citation starting inside ``skip`` (stretches
    already read as citations, code) is not one.
    """
    out: list[Mark] = []
    for cite, spans in pandoc_citations_in_text(text[start:]):
        at = start + cite.offset
        if any(s <= at < e for s, e in skip):
            continue
        work = CitedWork("pandoc", citekey=cite.key)
        item = CiteItem(work, cite.locator, cite.prefix, cite.suffix, cite.mode)
        out.append(Mark(at, at, [item], hide_spans=[(start + s, start + e) for s, e in spans]))
    return out


def _mark_citations(mark: Mark, base: int, para: Paragraph, source: LocatedText,
                    index: WorkIndex) -> list[Citation]:
    """The citations one mark makes: one per work, keyed by its match (or a provisional key when missing)."""
    out: list[Citation] = []
    offset = base + mark.start
    for item in mark.items:
        found = index.match(item.work)
        if found.key is None and mark.optional and not item.work.doi:
            continue
        if found.key is None and item.work.via == "pandoc":
            key = item.work.citekey or ""  # the key as the writer typed it, reported as missing
        else:
            key = found.key or index.provisional_key(item.work)
        out.append(DocumentCitation(
            key, source.line_of(offset), source.column_of(offset), offset, item.locator, item.prefix,
            item.suffix, item.mode, None, item.work.via, found.by, item.work,
            para.number if source._by_line is False else None, source.page_of(offset)))
    return out
