"""Plain text and Markdown full texts; a form feed (as ``pdftotext`` writes) starts a new page.

Markdown keeps its words and loses what a reader does not see: link targets, image sources,
reference definitions and HTML comments (emphasis marks and the like vanish in matching anyway).
"""

from __future__ import annotations

import os
import re

from bibkit.evidence.fulltext import Extracted, Unreadable

KIND = "text"
VERSION = 2


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with a BOM, else CP1252 as most legacy text is."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


_COMMENT = re.compile(r"<!--.*?-->", re.S)
_LINK = re.compile(r"!?\[([^\]\n]*)\](?:\([^)\n]*\)|\[[^\]\n]*\])")
_DEFINITION = re.compile(r"^ {0,3}\[[^\]\n]+\]:[ \t]+\S.*$", re.M)


def markdown_text(text: str) -> str:
    """The words of Markdown as a reader sees them: ``[text](url)`` is ``text``; comments and definitions go."""
    text = _COMMENT.sub("", text)
    text = _DEFINITION.sub("", text)
    return _LINK.sub(r"\1", text)


def extract(data: bytes, path: str) -> Extracted:
    """The text's pages (split at form feeds)."""
    if b"\0" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise Unreadable("binary data, not text")
    text = decode(data)
    if os.path.splitext(path)[1].lower() in (".md", ".markdown"):
        text = markdown_text(text)
    pages = text.split("\f")
    if len(pages) > 1 and not pages[-1].strip():
        pages.pop()
    if not any(p.strip() for p in pages):
        raise Unreadable("no text (only white space)")
    return Extracted(pages)
