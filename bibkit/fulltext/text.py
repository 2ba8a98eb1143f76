"""Plain text and Markdown full texts: read as they are; a form feed (as ``pdftotext`` writes) starts a new page."""

from __future__ import annotations

from bibkit.fulltext import Extracted, Unreadable

KIND = "text"
VERSION = 1


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with a BOM, else CP1252 as most legacy text is."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def extract(data: bytes, path: str) -> Extracted:
    """The text's pages (split at form feeds)."""
    if b"\0" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise Unreadable("binary data, not text")
    text = decode(data)
    pages = text.split("\f")
    if len(pages) > 1 and not pages[-1].strip():
        pages.pop()
    if not any(p.strip() for p in pages):
        raise Unreadable("no text (only white space)")
    return Extracted(pages)
