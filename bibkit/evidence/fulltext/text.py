"""Plain text and Markdown full texts; a form feed (as ``pdftotext`` writes) starts a new page.

Markdown keeps its words and loses what a reader does not see: link targets, image sources,
reference definitions and HTML comments (emphasis marks and the like vanish in matching anyway).
"""

from __future__ import annotations

import os
import re

from bibkit.evidence.fulltext.base import Extracted, Unreadable

KIND = "text"
VERSION = 3


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with a BOM, else CP1252 as most legacy text is."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


# No part of a link may contain "[" (nor the target an unbalanced paren): every attempt to match then stops at
# the next "[", so 200 KB of "[" or of "[a](" is read in linear time (the patterns that allowed them backtracked
# for minutes). A target may hold one level of balanced parentheses, as Wikipedia addresses do.
_LINK = re.compile(r"!?\[([^\[\]\n]*)\](?:\((?:[^()\[\]\n]|\([^()\[\]\n]*\))*\)|\[[^\[\]\n]*\])")
_DEFINITION = re.compile(r"^ {0,3}\[[^\]\n]+\]:[ \t]+\S.*$", re.M)


def without_comments(text: str) -> str:
    """``text`` without HTML comments, found left to right with ``str.find`` (an unclosed ``<!--`` stays text)."""
    out: list[str] = []
    pos = 0
    while True:
        start = text.find("<!--", pos)
        if start < 0:
            break
        end = text.find("-->", start + 4)
        if end < 0:
            break
        out.append(text[pos:start])
        pos = end + 3
    out.append(text[pos:])
    return "".join(out)


def markdown_text(text: str) -> str:
    """The words of Markdown as a reader sees them: ``[text](url)`` is ``text``; comments and definitions go."""
    text = without_comments(text)
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
