"""Manuscripts: the writing that cites the sources, one module per format behind one :class:`Manuscript`.

``markdown`` (pandoc citations), ``latex``, ``docx`` (Word, with Zotero, Mendeley, EndNote and Word
citation fields: ``fields``) and ``html``; ``base`` holds the shared model and sentence splitting,
``build``/``works``/``links`` turn paragraphs and cited works into a Manuscript, ``scan`` and
``needs_citation`` find citations and the sentences that need one. A new format is one module here
and one branch in :func:`read_manuscript`.

Here: :func:`read_manuscript` (any format, by suffix), ``read_document(path, kind, bibliography)`` for
Word and HTML, ``document_source(path)`` (the text a claim's ``anchor`` is looked up in) and the
import of a Word document's embedded sources. Word and HTML citations name works rather than keys,
so reading them takes the bibliography to match against, and reading embedded CSL items uses the
importer's reader: manuscripts may import :mod:`bibkit.interchange` and every layer below it.
"""

from __future__ import annotations

import os

from bibkit.infra.diagnostics import Diagnostic, Diagnostics, Severity
from bibkit.infra.errors import BibkitError
from bibkit.infra.files import decode_utf8, read_bytes
from bibkit.manuscripts.base import Manuscript
from bibkit.manuscripts.latex import LATEX_SUFFIXES, parse_latex
from bibkit.manuscripts.markdown import parse_markdown
from bibkit.model import Bibliography, SourceText

DOCX_SUFFIXES = (".docx",)
HTML_SUFFIXES = (".html", ".htm", ".xhtml")


def read_manuscript(path: str, kind: str | None = None, bibliography=None) -> Manuscript:
    """Read a Markdown, LaTeX, Word or HTML file (by suffix unless ``kind`` is given); unreadable files raise BibkitError.

    Word and HTML citations name works, not keys: they are matched against ``bibliography``.
    """
    doc_kind = kind if kind in ("docx", "html") else (None if kind else document_kind(path))
    if doc_kind:
        return read_document(path, doc_kind, bibliography)
    text = decode_utf8(read_bytes(path, "manuscript"), path)
    manuscript = parse_manuscript(text, path, kind or guess_kind(path))
    if bibliography is not None:
        from bibkit.manuscripts.link_citations import add_link_citations

        add_link_citations(manuscript, bibliography)  # a link to a source's URL or DOI cites it
    return manuscript


def guess_kind(path: str) -> str:
    """``latex`` for .tex/.ltx/.latex files, otherwise ``markdown``."""
    return "latex" if os.path.splitext(path)[1].lower() in LATEX_SUFFIXES else "markdown"


def parse_manuscript(text: str, path: str = "<text>", kind: str = "markdown") -> Manuscript:
    """Parse manuscript text of the given kind (``markdown`` or ``latex``)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if kind == "latex":
        return parse_latex(text, path)
    if kind == "markdown":
        return parse_markdown(text, path)
    raise BibkitError(f"{path}: unknown manuscript kind {kind!r} (expected markdown or latex)")


def document_kind(path: str) -> str | None:
    """``docx`` or ``html`` for those files (by suffix), else None."""
    ext = os.path.splitext(path)[1].lower()
    if ext in DOCX_SUFFIXES:
        return "docx"
    if ext in HTML_SUFFIXES:
        return "html"
    return None


def read_document(path: str, kind: str, bibliography: Bibliography | None = None):
    """Read a .docx or HTML manuscript; unreadable files raise :class:`~bibkit.infra.errors.BibkitError`."""
    from bibkit.manuscripts.build import build_manuscript

    if kind == "docx":
        from bibkit.manuscripts.docx import read_docx

        paragraphs, title, warnings = read_docx(path)
    else:
        from bibkit.manuscripts.html import read_html

        paragraphs, title, warnings = read_html(path)
    manuscript = build_manuscript(path, kind, paragraphs, bibliography, title)
    manuscript.warnings = [Diagnostic(path, line, 0, Severity.WARNING, "M003", message)
                           for line, message in warnings]
    return manuscript


def document_source(path: str) -> SourceText:
    """The text of any manuscript as a reader sees it, for anchor checks.

    Word and HTML: one paragraph a line, with ``line_of`` giving the paragraph number (Word) or the
    line in the HTML file; other files: the file's text.
    """
    kind = document_kind(path)
    if kind is None:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return SourceText(path, fh.read())
    return read_document(path, kind).source


def embedded_works(path: str) -> list:
    """The distinct works a Word document's citation fields carry as data (Zotero, Mendeley, EndNote, Word), in order.

    The same item cited many times is one work: same item URI, else same citekey, else same DOI,
    else the same data.
    """
    from bibkit.infra.errors import BibkitError
    from bibkit.manuscripts.docx import read_docx

    if document_kind(path) != "docx":
        raise BibkitError(f"{path}: --from-manuscript reads Word .docx files (Zotero, Mendeley, EndNote or Word "
                          "citations carry their sources there); other manuscripts name sources without their data")
    paragraphs, _title, _warnings = read_docx(path)
    seen: set[str] = set()
    works = []
    for para in paragraphs:
        for mark in para.marks:
            for item in mark.items:
                work = item.work
                if not work.csl:
                    continue
                idents = [f"uri:{u}" for u in work.uris if "ITEM-" not in u]
                if work.citekey:
                    idents.append(f"key:{work.citekey}")
                if work.doi:
                    idents.append(f"doi:{work.doi}")
                idents.append("data:" + repr(sorted((k, repr(v)) for k, v in work.csl.items() if k != "id")))
                if any(i in seen for i in idents):
                    seen.update(idents)
                    continue
                seen.update(idents)
                works.append(work)
    return works


def import_from_manuscripts(manuscripts: list[str], into: str, files: list[str] | None = None, fmt: str | None = None,
                            *, merge: bool = False, overwrite: bool = False, key_pattern: str | None = None,
                            fmt_options=None):
    """Plan the import of Word documents' embedded sources (and any import FILES) into ``into``; nothing is written.

    Uses the same reading of CSL-JSON, de-duplication, key making and append-only writing as ``bibkit import``.
    """
    from bibkit.interchange.importer import (DEFAULT_KEY_PATTERN, ImportResult, apply, as_biblatex, is_biblatex,
                                             load_target, plan, read_csl_items, read_file)
    from bibkit.manuscripts.works import csl_for_import

    records = []
    for path in files or []:
        records.extend(read_file(path, fmt)[0])
    for path in manuscripts:
        works = embedded_works(path)
        for n, work in enumerate(works, start=1):
            record = read_csl_items([csl_for_import(work)], path)[0]
            record.origin = f"{path} ({work.via} item {n})"
            records.append(record)
    diags = Diagnostics()
    original, entries, encoding, bom = load_target(into, diags)
    if is_biblatex(entries):  # write what the bibliography's own entries use: journaltitle, date, location
        records = [as_biblatex(r) for r in records]
    decisions = plan(records, entries, merge=merge, overwrite=overwrite, key_pattern=key_pattern or DEFAULT_KEY_PATTERN)
    return ImportResult(into, decisions, apply(original, entries, decisions, fmt_options), original, encoding, bom,
                        diags)
