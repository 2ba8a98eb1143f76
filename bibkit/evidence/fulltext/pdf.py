"""PDF full texts through pypdfium2 (PDFium, BSD-licensed): text page by page, with the PDF's page labels.

pypdfium2 was chosen over pypdf after measuring both (BENCHMARKS.md, "Full texts"): the same
words on TeX-made and word-processor PDFs, and many times faster. PDFium also opens PDFs
encrypted with an empty user password (the usual "no copying" protection) without extra packages.
"""

from __future__ import annotations

from bibkit.evidence.fulltext.base import Extracted, Unreadable

KIND = "pdf"
VERSION = 2
# A PDF of at least this many pages with fewer characters of text per page than MIN_CHARS is a scan
# (page numbers or a download stamp on top of page images), not a text.
MIN_PAGES, MIN_CHARS = 3, 40
# A dense printed page holds some 6,000 characters; a page with more than this many is refused unread.
MAX_PAGE_CHARS = 200_000


def extract(data: bytes, path: str) -> Extracted:
    """Each page's text and, when the PDF defines them, its page labels."""
    if b"%PDF-" not in data[:1024]:
        head = data[:16].decode("latin-1").strip()
        raise Unreadable(f"not a PDF (it starts with {head[:12]!r})")
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        message = str(exc)
        if "password" in message.lower():
            raise Unreadable("encrypted (needs a password)") from None
        raise Unreadable(f"damaged PDF ({message.split('(PDFium: ')[-1].rstrip(').') or message})") from None
    try:
        pages: list[str] = []
        labels: list[str] = []
        for i in range(len(doc)):
            page = doc[i]
            try:
                textpage = page.get_textpage()
                try:
                    if textpage.count_chars() > MAX_PAGE_CHARS:
                        raise Unreadable(f"page {i + 1} holds {textpage.count_chars():,} characters of text, "
                                         f"more than a page can (limit {MAX_PAGE_CHARS:,}): a crafted file?")
                    pages.append(textpage.get_text_bounded())
                finally:
                    textpage.close()
            finally:
                page.close()
            try:
                labels.append(doc.get_page_label(i) or "")
            except Exception:  # noqa: BLE001 - a broken label tree only loses the labels
                labels.append("")
    finally:
        doc.close()
    if not pages:
        raise Unreadable("the PDF has no pages")
    chars = sum(len("".join(p.split())) for p in pages)
    if not chars:
        raise Unreadable(f"no text layer (scanned or image-only PDF, {len(pages)} page{'s' if len(pages) != 1 else ''})")
    if len(pages) >= MIN_PAGES and chars < MIN_CHARS * len(pages):
        raise Unreadable(f"almost no text layer ({chars} characters of text on {len(pages)} pages: a scan without OCR?)")
    return Extracted(pages, labels if any(labels) else None)
