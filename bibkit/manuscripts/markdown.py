"""Markdown manuscripts with pandoc citations (``[@key, p. 4]``, ``@key``), read into citations and sentences.

The reader works on a masked copy of the text of the same length: front matter, code, URLs, HTML,
comments and citation markup become spaces, newlines kept, so every offset keeps its line and column.
"""

from __future__ import annotations

import functools
import re
from typing import Iterable, Iterator

from bibkit.manuscripts.base import (BRACED_KEY, KEY, Citation, Manuscript, blank_out, delimited_spans, sentences_of,
                                     split_locator)
from bibkit.model import SourceText


_KEY_IN_ITEM = re.compile(rf"(?:(?<=[\s\[])|^)(?P<minus>-?)@(?P<key>{BRACED_KEY}|{KEY})")
_BRACKET = re.compile(r"(?<!\])\[(?P<body>[^\[\]]*@[^\[\]]*)\](?![(\[])")
# As pandoc reads it: an "@" not right after a letter, digit, "." or backslash (where pandoc ends a word), so "]@a",
# "@@a" and "_@a" cite; a "[locator]" after spaces or tabs and at most one line break.
_IN_TEXT = re.compile(rf"(?<![^\W_])(?<![.\\])@(?P<key>{BRACED_KEY}|{KEY})"
                      r"(?P<loc>[ \t]*\n?[ \t]*\[(?P<locbody>[^\[\]@]*)\](?![(\[]))?")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:\s+|$)")
# pandoc's Markdown ends an ATX heading's text before a trailing run of "#", space or not ("# C#" reads "C").
_ATX_CLOSE = re.compile(r"#+\s*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)\s*$")
_HR = re.compile(r"^ {0,3}([-*_])(?:\s*\1){2,}\s*$")
_LIST = re.compile(r"^(\s*)([-*+]|\d+[.)])\s+")
# pandoc's numbered example, "(@)" or "(@label)", opening a block: a list marker, not a citation.
_EXAMPLE = re.compile(r"^ {0,3}\(@[A-Za-z0-9_-]*\)(?=[ \t]|$)")
_QUOTE = re.compile(r"^(\s*>\s?)+")
_BACKTICKS = re.compile(r"(?<!`)(`+)(?!`)")


# An autolink holds no "<" (CommonMark), which also keeps an unclosed "<http:" from reading to the end.
_URL = re.compile(r"<(?:https?|ftp|mailto):[^<>\s]*>|(?<!@)(?<!@\{)\b(?:https?|ftp)://[^\s<>\"')\]]*[^\s<>\"')\].,;:!?]|\bwww\.[^\s<>\"')\]]+[\w/]")
_EMAIL = re.compile(r"<?[\w.+-]+@[\w-]+(?:\.[\w-]+)+>?")


# The same, starting only where a run of address characters starts: see _email_spans.
_EMAIL_AT_RUN = re.compile(r"(?:<|(?<![\w.+-]))[\w.+-]+@[\w-]+(?:\.[\w-]+)+>?")
_LINK_TARGET = re.compile(r"\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)")
_LINK_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s+\S.*$", re.MULTILINE)
_HTML_OPEN = re.compile(r"<!--|</?[A-Za-z]")
_HTML_TAG = re.compile(r"</?[A-Za-z][^<>]*>")


def _html_spans(text: str) -> list[tuple[int, int]]:
    """HTML comments and tags, left to right, in linear time (an unclosed ``<!--`` is not a comment)."""
    return delimited_spans(text, _HTML_OPEN, lambda m: ("-->" if m.group(0) == "<!--" else None),
                            lambda m: _HTML_TAG.match(text, m.start()))


def _mask_markdown(text: str) -> tuple[list[str], list[bool], str | None]:
    """Mask front matter, code blocks and spans, HTML, URLs and e-mail addresses; return heading-line flags too."""
    chars = list(text)
    lines = text.split("\n")
    offsets = []
    pos = 0
    for ln in lines:
        offsets.append(pos)
        pos += len(ln) + 1
    title = None
    first = 0
    if lines and lines[0].strip() == "---":
        for j in range(1, len(lines)):
            if lines[j].strip() in ("---", "..."):
                for k in range(0, j + 1):
                    blank_out(chars, offsets[k], offsets[k] + len(lines[k]))
                    m = re.match(r"^title:\s*(.+?)\s*$", lines[k])
                    if m:
                        title = m.group(1).strip("\"'")
                first = j + 1
                break
    fence: str | None = None
    prev_blank, prev_list, in_indented = True, False, False
    for j in range(first, len(lines)):
        ln = lines[j]
        if fence is not None:
            blank_out(chars, offsets[j], offsets[j] + len(ln))
            if ln.strip().startswith(fence) and set(ln.strip()) == {fence[0]} and len(ln.strip()) >= len(fence):
                fence = None
            prev_blank = fence is None  # after a closing fence a block starts, as after a blank line (pandoc)
            continue
        m = _FENCE.match(ln)
        if m:
            fence = m.group(1)
            blank_out(chars, offsets[j], offsets[j] + len(ln))
            continue
        if not ln.strip():
            prev_blank = True
            continue
        indented = ln.startswith("    ") or ln.startswith("\t")
        if indented and (in_indented or (prev_blank and not prev_list)):
            in_indented = True
            blank_out(chars, offsets[j], offsets[j] + len(ln))
            prev_blank = True  # an unindented line after indented code starts a block: "(@)" there is an example
            continue
        in_indented = False
        if not indented:
            example = _EXAMPLE.match(ln) if prev_blank or prev_list else None
            if example:
                blank_out(chars, offsets[j], offsets[j] + example.end())
            prev_list = bool(_LIST.match(ln) or example) or (prev_list and not prev_blank)
        prev_blank = False
    masked = "".join(chars)
    # Code spans: a run of n backticks up to the next run of exactly n. Searching on from a span's
    # end sees only text the span did not touch, so the text is joined once, after the loop; and a
    # run length with no closer left is not searched for again (each search would read to the end).
    i = 0
    unclosed: set[int] = set()
    while True:
        m = _BACKTICKS.search(masked, i)
        if not m:
            break
        run = m.group(1)
        close = None
        if len(run) not in unclosed:
            close = re.compile(r"(?<!`)" + run + r"(?!`)").search(masked, m.end())
            if not close:
                unclosed.add(len(run))
        if not close:
            i = m.end()
            continue
        blank_out(chars, m.start(), close.end())
        i = close.end()
    masked = "".join(chars)
    for s, e in _html_spans(masked):
        blank_out(chars, s, e)
    masked = "".join(chars)
    for rx in (_LINK_DEF, _LINK_TARGET, _URL):
        for m in rx.finditer(masked):
            if rx is _LINK_TARGET:  # keep "](" and ")" so a link's text is never read as a citation
                blank_out(chars, m.start() + 2, m.end() - 1)
            else:
                blank_out(chars, m.start(), m.end())
        masked = "".join(chars)
    for s, e in _email_spans(masked):
        blank_out(chars, s, e)
    return chars, [], title


def _email_spans(text: str) -> Iterator[tuple[int, int]]:
    """What ``_EMAIL.finditer`` finds, in linear time.

    A plain search would try every offset of a long run of letters, each time reading to the run's
    end (a 100 KB word took 30 s). If an address starts inside a run, one starts at the run's first
    character too, so only run starts (and the offset right after the previous match) are tried.
    """
    pos = 0
    while True:
        m = _EMAIL.match(text, pos) or _EMAIL_AT_RUN.search(text, pos + 1)
        if m is None:
            return
        yield m.span()
        pos = m.end()  # never an empty match: both patterns need an "@"


def _markdown_citations(masked: str, source: SourceText
                        ) -> tuple[list[Citation], list[tuple[int, int]], list[tuple[int, int]]]:
    """Pandoc citations in masked Markdown, the spans of their markup to leave out of sentences, and the
    spans of author-in-text keys (``@smil1999``: kept in the sentence, left out of its anchor)."""
    cites: list[Citation] = []
    spans: list[tuple[int, int]] = []
    keys: list[tuple[int, int]] = []
    taken = [False] * len(masked)
    for m in _BRACKET.finditer(masked):
        body_start = m.start("body")
        items = []
        pos = 0
        body = m.group("body")
        ok = True
        for part in body.split(";"):
            km = _KEY_IN_ITEM.search(part)
            if km is None:
                ok = False
                break
            items.append((part, pos, km))
            pos += len(part) + 1
        if not ok or not items:
            continue
        for part, ppos, km in items:
            key = km.group("key")
            key = key[1:-1] if key.startswith("{") else key
            prefix = part[:km.start()].strip() or None
            locator, suffix = split_locator(part[km.end():])
            off = body_start + ppos + km.start() + len(km.group("minus"))
            cites.append(Citation(key, source.line_of(off), source.column_of(off), off, locator, prefix, suffix,
                                  "suppress-author" if km.group("minus") else "normal"))
        spans.append((m.start(), m.end()))
        for k in range(m.start(), m.end()):
            taken[k] = True
    for m in _IN_TEXT.finditer(masked):
        if taken[m.start()]:
            continue
        key = m.group("key")
        key = key[1:-1] if key.startswith("{") else key
        locator, suffix = split_locator(m.group("locbody")) if m.group("loc") else (None, None)
        start = m.start()
        minus = start > 0 and masked[start - 1] == "-" and (start < 2 or not masked[start - 2].isalnum())
        cites.append(Citation(key, source.line_of(start), source.column_of(start), start, locator,
                              None, suffix, "suppress-author" if minus else "in-text"))
        keys.append((m.start(), m.end("key")))
        if m.group("loc"):
            spans.append((m.start("loc"), m.end("loc")))
    cites.sort(key=lambda c: c.offset)
    spans.sort()
    return cites, spans, keys


# -- anchors: the text as pandoc renders it -------------------------------------------------------
#
# A claim's ``anchor`` is looked up twice: by ``bibkit check`` in the Markdown file, and by the Lua
# filter (bibkit/filters/.../bibkit.lua, ``rendered``) in pandoc's document, where citations,
# emphasis, code and link markup are gone. Both compare the same rendered form, made by the same
# rules in both languages; change one, change the other (tests/test_lua_filter.py runs both).

_R_LINK = re.compile(r"!?\[([^\[\]]*)\]\((?:[^()]|\([^()]*\))*\)")
_R_NOTE = re.compile(r"\[\^[^\[\]]*\]|\^\[[^\[\]]*\]")
_R_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_R_UNDERSCORES = (re.compile(r"(?<![\w\x80-\U0010ffff])_+"), re.compile(r"_+(?![\w\x80-\U0010ffff])"))
_R_ESCAPE = re.compile(r"\\([^\w\x80-\U0010ffff]|$)")  # a backslash goes; the character it escapes stays
_R_DASH = re.compile(r"-{2,3}")
# _IN_TEXT as the filter's Lua reads it: every character above ASCII is a word character (Lua sees bytes),
# white space is ASCII white space.
_W = r"[\w\x80-\U0010ffff]"
_R_IN_TEXT = re.compile(r"(?<![0-9A-Za-z\x80-\U0010ffff.\\])@"
                        rf"(?:\{{[^{{}} \t\n\v\f\r]+\}}|{_W}(?:{_W}|[:.#$%&+?<>~/-](?={_W}))*)"
                        r"(?:[ \t]*\n?[ \t]*\[[^\[\]@]*\](?![(\[]))?")
_R_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2018": "'", "\u2019": "'",
                           "\u2013": "-", "\u2014": "-", "\u00a0": " "})


def rendered(text: str) -> str:
    """Markdown as a reader of pandoc's output sees it, for comparing anchors: no citations, no markup.

    Quotes are made straight and dashes plain; pandoc citations (``[@a, p. 4]``, ``@a``,
    ``@a [p. 4]``) and notes are left out, emphasis, code and strikeout marks dropped, links and
    images reduced to their text, HTML tags removed; then ``--`` becomes a dash, white space is
    folded and the space before closing punctuation removed. The Lua filter's ``rendered`` does the
    same, step for step (a test compares the two on thousands of strings).
    """
    # Typographic characters first: after this the only characters above ASCII are letters and rare
    # symbols, which both implementations count as word characters (Lua sees their UTF-8 bytes).
    text = text.translate(_R_QUOTES).replace("\u2026", "...")
    text = _R_LINK.sub(lambda m: m.group(1), text)
    text = _R_NOTE.sub("", text)
    text = _BRACKET.sub("", text)
    text = _R_IN_TEXT.sub("", text)
    text = _R_TAG.sub("", text)
    text = _R_ESCAPE.sub(r"\1", text)
    text = re.sub(r"`+", "", re.sub(r"\*+", "", text)).replace("~~", "")
    for underscores in _R_UNDERSCORES:  # emphasis marks: at a word's edge only (snake_case stays)
        text = underscores.sub("", text)
    text = _R_DASH.sub("-", text)
    text = re.sub(r"[ \t\n\v\f\r]+", " ", text).strip(" ")  # Lua's %s: ASCII white space only
    return re.sub(r" ([.,;:!?)])", r"\1", text)


def text_forms(text: str) -> tuple[str, str]:
    """The two forms an anchor is looked for in: ``text`` with its white space folded, and :func:`rendered`."""
    return " ".join(text.split()), rendered(text)


@functools.lru_cache(maxsize=8192)
def _anchor_forms(anchor: str) -> tuple[str, str]:
    """:func:`text_forms` of an anchor, kept: one anchor is tried against many sentences."""
    return text_forms(anchor)


def anchor_in(anchor: str, forms: Iterable[tuple[str, str]]) -> bool:
    """True when ``anchor`` lies in one of the texts given by their :func:`text_forms`: as written (white
    space folded), or both rendered as pandoc renders them."""
    folded, plain = _anchor_forms(anchor)
    return any(folded in text or (plain and plain in shown) for text, shown in forms)


def anchor_found(anchor: str, text: str) -> bool:
    """True when ``anchor`` is in ``text``, as written or as rendered (see :func:`anchor_in`)."""
    return anchor_in(anchor, [text_forms(text)])


def pandoc_citations_in_text(text: str) -> list[tuple[Citation, list[tuple[int, int]]]]:
    """Pandoc citations written out as plain text, each with the spans of its markup to leave out of the prose.

    What pandoc keeps of ``[@knuth1984, pp. 97-98]`` when it writes a .docx or HTML without
    ``--citeproc``: the same text, read here with the Markdown reader's rules (URLs and e-mail
    addresses are not citations). The spans of a bracket go with its first citation only.
    """
    chars = list(text)
    for m in _URL.finditer(text):
        blank_out(chars, m.start(), m.end())
    for s, e in _email_spans("".join(chars)):
        blank_out(chars, s, e)
    masked = "".join(chars)
    citations, spans, _ = _markdown_citations(masked, SourceText("<text>", text))
    out: list[tuple[Citation, list[tuple[int, int]]]] = []
    given: set[tuple[int, int]] = set()
    for cite in citations:
        if cite.mode == "in-text":
            m = _IN_TEXT.match(masked, cite.offset)
            own = [m.span("loc")] if m is not None and m.group("loc") else []
        else:
            own = [(s, e) for s, e in spans if s <= cite.offset < e and (s, e) not in given]
        given.update(own)
        out.append((cite, own))
    return out


def parse_markdown(text: str, path: str = "<text>") -> Manuscript:
    """Read Markdown with pandoc citation syntax."""
    source = SourceText(path, text)
    chars, _, title = _mask_markdown(text)
    masked = "".join(chars)
    citations, cite_spans, key_spans = _markdown_citations(masked, source)
    for s, e in cite_spans:
        blank_out(chars, s, e)
    # Markup that is not prose: emphasis, link brackets, block quote and list markers.
    prose_chars = chars
    prose = "".join(prose_chars)
    for m in re.finditer(r"\*+|(?<!\w)_+|_+(?!\w)|!?\[|\]|\\(?=[^\w\s])", prose):
        blank_out(prose_chars, m.start(), m.end())
    prose = "".join(prose_chars)
    lines = prose.split("\n")
    offsets, pos = [], 0
    for ln in lines:
        offsets.append(pos)
        pos += len(ln) + 1
    blocks: list[tuple[int, int, bool]] = []
    cur: int | None = None
    for j, ln in enumerate(lines):
        start, end = offsets[j], offsets[j] + len(ln)
        qm = _QUOTE.match(ln)
        if qm:
            blank_out(prose_chars, start, start + qm.end())
            ln = " " * qm.end() + ln[qm.end():]
        original_line = text[start:end]
        if not ln.strip():
            if cur is not None:
                blocks.append((cur, start, False))
                cur = None
            continue
        if _HR.match(original_line) and not (cur is not None and _SETEXT.match(original_line)):
            blank_out(prose_chars, start, end)
            if cur is not None:
                blocks.append((cur, start, False))
                cur = None
            continue
        if cur is not None and _SETEXT.match(original_line):
            blocks.append((cur, start, True))
            blank_out(prose_chars, start, end)
            cur = None
            continue
        hm = _ATX.match(ln) if cur is None else None  # pandoc: a "#" line inside a paragraph is no heading
        if hm:
            blank_out(prose_chars, start, start + hm.end())
            closing = _ATX_CLOSE.search(ln, hm.end())
            if closing and text[start + closing.start() - 1] == "\\":  # "\#" is kept, as a "#"
                closing = _ATX_CLOSE.search(ln, closing.start() + 1)
            if closing:
                blank_out(prose_chars, start + closing.start(), end)
            blocks.append((start, end, True))
            continue
        lm = _LIST.match(ln)
        if lm:
            if cur is not None:
                blocks.append((cur, start, False))
            blank_out(prose_chars, start, start + lm.end())
            cur = start
            continue
        if cur is None:
            cur = start
    if cur is not None:
        blocks.append((cur, len(text), False))
    prose = "".join(prose_chars)
    manuscript = Manuscript(path, "markdown", source, citations, title=title)
    # Anchors leave out every citation, author-in-text keys too, and are written as pandoc renders them
    # (no emphasis or link markup), so that `bibkit check` and the Lua filter both find them.
    manuscript.sentences = sentences_of(source, text, prose, blocks, citations, sorted(cite_spans + key_spans))
    for sentence in manuscript.sentences:
        sentence.anchor = rendered(sentence.anchor)
    if manuscript.title is None:
        manuscript.title = next((s.text for s in manuscript.sentences if s.heading), None)
    return manuscript
