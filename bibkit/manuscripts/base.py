"""Read manuscripts: Markdown with pandoc citations and LaTeX, into citations and sentences with lines.

Both readers work on a *masked* copy of the text that has the same length as the original: parts
that are not prose (front matter, code, URLs, comments, citation markup) are replaced by spaces,
newlines kept, so every offset still points at the same line and column of the file.
"""

from __future__ import annotations

import os
import re
from typing import Callable, Iterator
from dataclasses import dataclass, field

from bibkit.infra.errors import BibkitError
from bibkit.infra.files import decode_utf8, read_bytes
from bibkit.model import SourceText

MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd", ".qmd", ".rmd", ".txt", ".pandoc")
LATEX_SUFFIXES = (".tex", ".ltx", ".latex")

# pandoc: a key starts with a letter, digit or _, and may contain internal punctuation :.#$%&-+?<>~/
KEY = r"[\w](?:\w|[:.#$%&+?<>~/-](?=\w))*"
BRACED_KEY = r"\{[^{}\s]+\}"
_KEY_IN_ITEM = re.compile(rf"(?:(?<=[\s\[])|^)(?P<minus>-?)@(?P<key>{BRACED_KEY}|{KEY})")
_BRACKET = re.compile(r"(?<!\])\[(?P<body>[^\[\]]*@[^\[\]]*)\](?![(\[:])")
_IN_TEXT = re.compile(rf"(?<![\w@\]\\])@(?P<key>{BRACED_KEY}|{KEY})(?P<loc>\s?\[(?P<locbody>[^\[\]@]*)\](?![(\[]))?")

LOCATOR_LABELS = (
    "pp", "p", "pages", "page", "chap", "chapter", "chaps", "sec", "section", "sections", "secs", "para",
    "paragraph", "paras", "fig", "figure", "figs", "table", "tables", "tab", "vol", "volume", "vols",
    "n", "nn", "note", "notes", "line", "lines", "l", "ll", "part", "pt", "book", "bk", "col",
    "column", "cols", "verse", "v", "vv", "s.v", "op", "opus", "fol", "folio", "no", "number", "art",
    "article", "app", "appendix",
)
_LOCATOR = re.compile(
    r"^(?P<label>(?:" + "|".join(re.escape(x) for x in sorted(LOCATOR_LABELS, key=len, reverse=True))
    + r")\.?)\s*(?P<value>[\w][\w\s.,:&–—-]*)$", re.IGNORECASE)
_BARE_PAGES = re.compile(r"^(?P<value>[ivxlcdm]+|\d+[a-z]?)(?:\s*(?:-{1,2}|–|—)\s*(?P<end>[ivxlcdm]+|\d+[a-z]?))?(?P<rest>.*)$",
                         re.IGNORECASE)

# Tokens that end with a full stop but do not end a sentence.
ABBREVIATIONS = {
    "p", "pp", "e.g", "i.e", "al", "cf", "vs", "viz", "dr", "mr", "mrs", "ms", "prof", "st", "sr", "jr",
    "no", "nos", "vol", "vols", "chap", "ch", "sec", "fig", "figs", "eq", "eqs", "ed", "eds", "trans",
    "ca", "c", "approx", "est", "op", "cit", "ibid", "gen", "col", "lt", "sgt", "capt", "gov", "sen",
    "rep", "rev", "hon", "mt", "ft", "inc", "ltd", "co", "corp", "dept", "univ", "assn", "jan", "feb",
    "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "n", "nn", "para", "ll",
    "esp", "resp", "repr", "ser", "suppl", "u.s", "u.k", "a.d", "b.c", "a.m", "p.m",
}


@dataclass(slots=True)
class Citation:
    """One cited key where it stands in a manuscript, with its locator (``p. 33``) and notes."""

    key: str
    line: int
    column: int
    offset: int
    locator: str | None = None
    prefix: str | None = None
    suffix: str | None = None
    mode: str = "normal"  # normal | in-text | suppress-author | nocite
    command: str | None = None  # the LaTeX command, e.g. "parencite"

    def to_dict(self) -> dict:
        """The JSON shape of DESIGN.md section 6 (plus column and notes when present)."""
        data: dict = {"key": self.key, "line": self.line, "column": self.column, "locator": self.locator}
        if self.prefix:
            data["prefix"] = self.prefix
        if self.suffix:
            data["suffix"] = self.suffix
        if self.mode != "normal":
            data["mode"] = self.mode
        return data


@dataclass(slots=True)
class Sentence:
    """A sentence of prose: display text, exact source text, first line, and the citations it carries."""

    text: str
    raw: str
    line: int
    column: int
    start: int
    end: int
    heading: bool = False
    section: str | None = None
    citations: list[Citation] = field(default_factory=list)
    anchor: str = ""

    @property
    def question(self) -> bool:
        """True when the sentence ends with a question mark."""
        return self.text.rstrip("\"'”’)]* ").endswith("?")


@dataclass
class Manuscript:
    """A read manuscript: its citations and its sentences in file order."""

    path: str
    kind: str  # "markdown" | "latex"
    source: SourceText
    citations: list[Citation] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)
    nocite_all: bool = False
    title: str | None = None

    @property
    def cited_keys(self) -> list[str]:
        """Distinct cited keys in order of first citation."""
        return list(dict.fromkeys(c.key for c in self.citations))

    def location(self, offset: int) -> dict:
        """Extra location keys for an offset (Word documents add ``paragraph`` and ``page``)."""
        return {}


# -- public entry points -----------------------------------------------------


def read_manuscript(path: str, kind: str | None = None, bibliography=None) -> Manuscript:
    """Read a Markdown, LaTeX, Word or HTML file (by suffix unless ``kind`` is given); unreadable files raise BibkitError.

    Word and HTML citations name works, not keys: they are matched against ``bibliography``.
    """
    from bibkit.manuscripts import document_kind, read_document

    doc_kind = kind if kind in ("docx", "html") else (None if kind else document_kind(path))
    if doc_kind:
        return read_document(path, doc_kind, bibliography)
    text = decode_utf8(read_bytes(path, "manuscript"), path)
    manuscript = parse_manuscript(text, path, kind or guess_kind(path))
    if bibliography is not None:
        from bibkit.manuscripts.links import add_link_citations

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


# -- shared helpers ----------------------------------------------------------


def _delimited_spans(text: str, opener: re.Pattern,
                     closer: Callable[[re.Match], "str | re.Pattern | None"],
                     other: Callable[[re.Match], "re.Match | None"]) -> list[tuple[int, int]]:
    """Spans from each opener to its closer, scanning left to right like one regex would, but linearly.

    ``closer(m)`` gives the text (or pattern) that ends the span opened by ``m``, or None when the
    opener is matched by ``other(m)`` instead (a short form such as an HTML tag). A closer that is not
    found once is never searched again: a later opener of the same kind cannot find it either, so a
    file of ten thousand unclosed ``<!--`` costs one search, not ten thousand.
    """
    spans: list[tuple[int, int]] = []
    missing: set[object] = set()
    i = 0
    while True:
        m = opener.search(text, i)
        if m is None:
            return spans
        close = closer(m)
        key = close.pattern if isinstance(close, re.Pattern) else close
        end = -1
        if close is None:
            found = other(m)
            end = found.end() if found else -1
        elif key not in missing:
            if isinstance(close, str):
                at = text.find(close, m.end())
                end = at + len(close) if at >= 0 else -1
            else:
                cm = close.search(text, m.end())
                end = cm.end() if cm else -1
            if end < 0:
                missing.add(key)
        if end < 0:
            i = m.start() + 1
            continue
        spans.append((m.start(), end))
        i = end


def _brace_pairs(text: str) -> dict[int, int]:
    """For every ``{`` its partner ``}`` offset + 1 (or the text's end when unclosed), in one pass; ``\\x`` skips x."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            stack.append(i)
        elif ch == "}" and stack:
            pairs[stack.pop()] = i + 1
        i += 1
    for at in stack:
        pairs[at] = n
    return pairs


def _blank(chars: list[str], start: int, end: int) -> None:
    """Replace characters in ``[start, end)`` by spaces, keeping newlines."""
    for i in range(start, end):
        if chars[i] != "\n":
            chars[i] = " "


def split_locator(note: str | None) -> tuple[str | None, str | None]:
    """Split a citation's suffix or postnote into (locator, remaining note): ``, pp. 4-5`` -> ``pp. 4-5``."""
    if not note:
        return None, None
    text = re.sub(r"\s+", " ", note.replace("~", " ").replace("\\,", " ")).strip()
    text = text.lstrip(",").strip().replace("--", "-")
    if not text:
        return None, None
    m = _LOCATOR.match(text)
    if m:
        return f"{m.group('label')} {m.group('value').strip()}".replace(" .", "."), None
    m = _BARE_PAGES.match(text)
    if m and (not m.group("rest") or m.group("rest")[0] in ",; ") and (m.group("value")[0].isdigit()):
        rest = (m.group("rest") or "").lstrip(",; ").strip() or None
        if m.group("end"):
            return f"pp. {m.group('value')}-{m.group('end')}", rest
        return f"p. {m.group('value')}", rest
    return None, text


def _clean_display(text: str) -> str:
    """Collapse whitespace and close the gaps left before punctuation by removed citations."""
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([.,;:!?])", r"\1", text)
    text = re.sub(r"([(\[])\s+", r"\1", text)
    text = re.sub(r"\s+([)\]])", r"\1", text)
    text = re.sub(r"\(\s*\)", "", text)
    return re.sub(r"\s{2,}", " ", text).strip()


_BOUNDARY = re.compile(r"[.!?]+[\"'”’)\]*_]*(?=\s|$)")


def _split_block(prose: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` inside one block of prose; abbreviations and initials do not end one."""
    spans: list[tuple[int, int]] = []
    i = start
    while i < end and prose[i].isspace():
        i += 1
    if i >= end:
        return spans
    sent_start = i
    for m in _BOUNDARY.finditer(prose, i, end):
        stop = m.end()
        if stop > end:
            break
        punct = m.group(0)
        nxt = stop
        while nxt < end and prose[nxt].isspace():
            nxt += 1
        if nxt >= end:
            break
        if punct[0] == "." and not punct.startswith(".."):
            # The word before the full stop, read backwards (a search over the whole sentence so far
            # would make a long block without sentence breaks quadratic).
            stop_at = m.start()
            if stop_at > sent_start and prose[stop_at - 1] == "\n":  # as r"(\S+)$" reads "word\n."
                stop_at -= 1
            k = stop_at
            while k > sent_start and not prose[k - 1].isspace():
                k -= 1
            token = prose[k:stop_at]
            token = token.lstrip("([\"'“‘*_").lower()
            if token in ABBREVIATIONS or re.fullmatch(r"[a-z]", token) or re.fullmatch(r"(?:[a-z]\.)+[a-z]", token):
                continue
            if re.fullmatch(r"\d+", token) and prose[nxt].isdigit():
                continue
        nc = prose[nxt]
        if nc.islower() or nc in ",;:)":
            continue
        spans.append((sent_start, stop))
        sent_start = nxt
    spans.append((sent_start, end))
    return spans


def _sentences(source: SourceText, original: str, prose: str, blocks: list[tuple[int, int, bool]],
               citations: list[Citation], cite_spans: list[tuple[int, int]]) -> list[Sentence]:
    """Split blocks into sentences and hand each citation to the sentence it stands in (or just after)."""
    out: list[Sentence] = []
    section: str | None = None
    for bstart, bend, heading in blocks:
        spans = _split_block(prose, bstart, bend)
        if heading:
            spans = [(spans[0][0], spans[-1][1])] if spans else []
        block_sents: list[Sentence] = []
        for k, (s, e) in enumerate(spans):
            e = s + len(prose[s:e].rstrip()) if prose[s:e].strip() else e
            text = _clean_display(prose[s:e])
            if not text or not re.search(r"\w", text):
                continue
            sent = Sentence(text=text, raw=original[s:e], line=source.line_of(s), column=source.column_of(s),
                            start=s, end=e, heading=heading)
            sent.anchor = _anchor(original, s, e, cite_spans)
            if heading:
                section = text.rstrip(".:")
            else:
                sent.section = section
            block_sents.append(sent)
        for idx, sent in enumerate(block_sents):
            limit = block_sents[idx + 1].start if idx + 1 < len(block_sents) else bend
            lower = sent.start if idx else bstart
            sent.citations = [c for c in citations if lower <= c.offset < limit and c.mode != "nocite"]
        out.extend(block_sents)
    return out


def _anchor(original: str, start: int, end: int, cite_spans: list[tuple[int, int]]) -> str:
    """The longest stretch of the sentence's source text free of citation markup, for ``anchor:``."""
    pieces: list[tuple[int, int]] = []
    cur = start
    for cs, ce in cite_spans:
        if ce <= start or cs >= end:
            continue
        if cs > cur:
            pieces.append((cur, cs))
        cur = max(cur, ce)
    if cur < end:
        pieces.append((cur, end))
    best = ""
    for s, e in pieces:
        chunk = " ".join(original[s:e].split()).strip(" ,;:")
        if len(chunk) > len(best):
            best = chunk
    return best


# -- Markdown ----------------------------------------------------------------

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:\s+|$)")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)\s*$")
_HR = re.compile(r"^ {0,3}([-*_])(?:\s*\1){2,}\s*$")
_LIST = re.compile(r"^(\s*)([-*+]|\d+[.)])\s+")
_QUOTE = re.compile(r"^(\s*>\s?)+")
_BACKTICKS = re.compile(r"(?<!`)(`+)(?!`)")
# An autolink holds no "<" (CommonMark), which also keeps an unclosed "<http:" from reading to the end.
_URL = re.compile(r"<(?:https?|ftp|mailto):[^<>\s]*>|\b(?:https?|ftp)://[^\s<>\"')\]]*[^\s<>\"')\].,;:!?]|\bwww\.[^\s<>\"')\]]+[\w/]")
_EMAIL = re.compile(r"<?[\w.+-]+@[\w-]+(?:\.[\w-]+)+>?")
# The same, starting only where a run of address characters starts: see _email_spans.
_EMAIL_AT_RUN = re.compile(r"(?:<|(?<![\w.+-]))[\w.+-]+@[\w-]+(?:\.[\w-]+)+>?")
_LINK_TARGET = re.compile(r"\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)")
_LINK_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s+\S.*$", re.MULTILINE)
_HTML_OPEN = re.compile(r"<!--|</?[A-Za-z]")
_HTML_TAG = re.compile(r"</?[A-Za-z][^<>]*>")


def _html_spans(text: str) -> list[tuple[int, int]]:
    """HTML comments and tags, left to right, in linear time (an unclosed ``<!--`` is not a comment)."""
    return _delimited_spans(text, _HTML_OPEN, lambda m: ("-->" if m.group(0) == "<!--" else None),
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
                    _blank(chars, offsets[k], offsets[k] + len(lines[k]))
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
            _blank(chars, offsets[j], offsets[j] + len(ln))
            if ln.strip().startswith(fence) and set(ln.strip()) == {fence[0]} and len(ln.strip()) >= len(fence):
                fence = None
            prev_blank = False
            continue
        m = _FENCE.match(ln)
        if m:
            fence = m.group(1)
            _blank(chars, offsets[j], offsets[j] + len(ln))
            continue
        if not ln.strip():
            prev_blank = True
            continue
        indented = ln.startswith("    ") or ln.startswith("\t")
        if indented and (in_indented or (prev_blank and not prev_list)):
            in_indented = True
            _blank(chars, offsets[j], offsets[j] + len(ln))
            prev_blank = False
            continue
        in_indented = False
        if not indented:
            prev_list = bool(_LIST.match(ln)) or (prev_list and not prev_blank)
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
        _blank(chars, m.start(), close.end())
        i = close.end()
    masked = "".join(chars)
    for s, e in _html_spans(masked):
        _blank(chars, s, e)
    masked = "".join(chars)
    for rx in (_LINK_DEF, _LINK_TARGET, _URL):
        for m in rx.finditer(masked):
            if rx is _LINK_TARGET:  # keep "](" and ")" so a link's text is never read as a citation
                _blank(chars, m.start() + 2, m.end() - 1)
            else:
                _blank(chars, m.start(), m.end())
        masked = "".join(chars)
    for s, e in _email_spans(masked):
        _blank(chars, s, e)
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
        pos = m.end() if m.end() > m.start() else m.end() + 1


def _markdown_citations(masked: str, source: SourceText) -> tuple[list[Citation], list[tuple[int, int]]]:
    """Pandoc citations in masked Markdown, and the spans of their markup to leave out of sentences."""
    cites: list[Citation] = []
    spans: list[tuple[int, int]] = []
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
        cites.append(Citation(key, source.line_of(m.start()), source.column_of(m.start()), m.start(), locator,
                              None, suffix, "in-text"))
        if m.group("loc"):
            spans.append((m.start("loc"), m.end("loc")))
    cites.sort(key=lambda c: c.offset)
    spans.sort()
    return cites, spans


def parse_markdown(text: str, path: str = "<text>") -> Manuscript:
    """Read Markdown with pandoc citation syntax."""
    source = SourceText(path, text)
    chars, _, title = _mask_markdown(text)
    masked = "".join(chars)
    citations, cite_spans = _markdown_citations(masked, source)
    for s, e in cite_spans:
        _blank(chars, s, e)
    # Markup that is not prose: emphasis, link brackets, block quote and list markers.
    prose_chars = chars
    prose = "".join(prose_chars)
    for m in re.finditer(r"\*+|(?<!\w)_+|_+(?!\w)|!?\[|\]|\\(?=[^\w\s])", prose):
        _blank(prose_chars, m.start(), m.end())
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
            _blank(prose_chars, start, start + qm.end())
            ln = " " * qm.end() + ln[qm.end():]
        original_line = text[start:end]
        if not ln.strip():
            if cur is not None:
                blocks.append((cur, start, False))
                cur = None
            continue
        if _HR.match(original_line) and not (cur is not None and _SETEXT.match(original_line)):
            _blank(prose_chars, start, end)
            if cur is not None:
                blocks.append((cur, start, False))
                cur = None
            continue
        if cur is not None and _SETEXT.match(original_line):
            blocks.append((cur, start, True))
            _blank(prose_chars, start, end)
            cur = None
            continue
        hm = _ATX.match(ln)
        if hm:
            if cur is not None:
                blocks.append((cur, start, False))
                cur = None
            _blank(prose_chars, start, start + hm.end())
            closing = re.search(r"\s#+\s*$", ln)
            if closing:
                _blank(prose_chars, start + closing.start(), end)
            blocks.append((start, end, True))
            continue
        lm = _LIST.match(ln)
        if lm:
            if cur is not None:
                blocks.append((cur, start, False))
            _blank(prose_chars, start, start + lm.end())
            cur = start
            continue
        if cur is None:
            cur = start
    if cur is not None:
        blocks.append((cur, len(text), False))
    prose = "".join(prose_chars)
    manuscript = Manuscript(path, "markdown", source, citations, title=title)
    manuscript.sentences = _sentences(source, text, prose, blocks, citations, cite_spans)
    if manuscript.title is None:
        manuscript.title = next((s.text for s in manuscript.sentences if s.heading), None)
    return manuscript


# -- LaTeX -------------------------------------------------------------------

CITE_COMMANDS = (
    "cite", "Cite", "citep", "Citep", "citet", "Citet", "citealp", "citealt", "parencite", "Parencite",
    "textcite", "Textcite", "autocite", "Autocite", "footcite", "footcitetext", "smartcite", "supercite",
    "citeauthor", "Citeauthor", "citeyear", "citeyearpar", "citetitle", "fullcite", "nocite",
)
_CITE = re.compile(
    r"\\(?P<cmd>" + "|".join(sorted(CITE_COMMANDS, key=len, reverse=True)) + r")(?![A-Za-z])(?P<star>\*?)"
    r"(?:\s*\[(?P<o1>[^\[\]]*)\])?(?:\s*\[(?P<o2>[^\[\]]*)\])?\s*\{(?P<keys>[^{}]*)\}")
IN_TEXT_COMMANDS = {"textcite", "Textcite", "citet", "Citet", "citeauthor", "Citeauthor"}
_VERBATIM = re.compile(r"\\begin\{(verbatim\*?|Verbatim|lstlisting|minted|comment|alltt)\}.*?(?:\\end\{\1\}|\Z)",
                       re.DOTALL)
_VERB = re.compile(r"\\verb\*?(?P<d>[^\sA-Za-z*])(?:(?!(?P=d)).)*(?P=d)")
# Display math ($$...$$, \[...\], math environments) and inline $...$; see _math_spans.
_MATH_OPEN = re.compile(r"\$\$|\\\[|(?<!\\)\$|\\begin\{(?P<env>equation|align|gather|multline|eqnarray)\*?\}")
_INLINE_MATH = re.compile(r"\$(?:\\.|[^$\\])+\$", re.DOTALL)
# An optional argument ``[...]`` is at most OPT_ARG_MAX characters: unbounded, every unclosed ``\item[``
# would read to the next ``]`` of the file, and a file of them takes quadratic time.
OPT_ARG_MAX = 300
_OPT = r"\[[^\]]{0,%d}\]" % OPT_ARG_MAX
_HEADING_CMD = re.compile(r"\\(?:part|chapter|section|subsection|subsubsection|paragraph|title)\*?\s*(?:" + _OPT
                          + r")?\s*\{")
_ITEM = re.compile(r"\\item\b(?:\s*" + _OPT + r")?")
_ARG_COMMANDS = re.compile(r"\\(?:label|ref|eqref|pageref|autoref|cref|Cref|url|includegraphics|input|include|"
                           r"bibliography|bibliographystyle|addbibresource|begin|end|usepackage|documentclass|"
                           r"hypersetup|vspace|hspace|setlength|newcommand|renewcommand)\*?(?:\s*" + _OPT + r")*"
                           r"(?:\s*\{[^{}]*\})+")


def _math_spans(text: str) -> list[tuple[int, int]]:
    """Math to leave out of prose, left to right, in linear time.

    ``$$...$$``, ``\\[...\\]`` and ``\\begin{equation}...\\end{equation}`` (align, gather, multline,
    eqnarray, starred too) run to their closer; ``$...$`` is inline math on a stretch without ``$``.
    An opener without a closer is not math (the text after it is still read).
    """
    def closer(m: re.Match) -> str | re.Pattern | None:
        tok = m.group(0)
        if tok == "$$":
            return "$$"
        if tok == "\\[":
            return "\\]"
        if m.group("env"):
            return re.compile(r"\\end\{" + m.group("env") + r"\*?\}")
        return None

    def inline(m: re.Match) -> re.Match | None:
        return _INLINE_MATH.match(text, m.start())

    return _delimited_spans(text, _MATH_OPEN, closer, inline)


def _matching_brace(text: str, open_at: int) -> int:
    """Offset just past the brace that closes the one at ``open_at`` (or the end of the text)."""
    depth = 0
    i = open_at
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return len(text)


def parse_latex(text: str, path: str = "<text>") -> Manuscript:
    """Read LaTeX: the citation commands of natbib and biblatex, sentences of the document body."""
    source = SourceText(path, text)
    chars = list(text)
    # % comments (an escaped \% is text).
    for m in re.finditer(r"(?<!\\)(?:\\\\)*%.*$", text, re.MULTILINE):
        s = m.start() + m.group(0).index("%")
        _blank(chars, s, m.end())
    masked = "".join(chars)
    for rx in (_VERBATIM, _VERB):
        for m in rx.finditer(masked):
            _blank(chars, m.start(), m.end())
        masked = "".join(chars)
    manuscript = Manuscript(path, "latex", source)
    cite_spans: list[tuple[int, int]] = []
    for m in _CITE.finditer(masked):
        o1, o2 = m.group("o1"), m.group("o2")
        prenote, postnote = (o1, o2) if o2 is not None else (None, o1)
        locator, suffix = split_locator(postnote)
        keys_start = m.start("keys")
        found = list(re.finditer(r"[^,\s]+", m.group("keys")))
        for n, km in enumerate(found):
            key = km.group(0)
            off = keys_start + km.start()
            if key == "*" and m.group("cmd") == "nocite":
                manuscript.nocite_all = True
                continue
            last = n == len(found) - 1
            mode = {"nocite": "nocite", "textcite": "in-text", "Textcite": "in-text", "citet": "in-text",
                    "Citet": "in-text", "citeauthor": "in-text", "Citeauthor": "in-text",
                    "citeyear": "suppress-author", "citeyearpar": "suppress-author"}.get(m.group("cmd"), "normal")
            manuscript.citations.append(Citation(
                key, source.line_of(off), source.column_of(off), off,
                locator if last else None, (prenote or None) if n == 0 else None, suffix if last else None,
                mode, m.group("cmd") + m.group("star")))
        cite_spans.append((m.start(), m.end()))
    title_m = re.search(r"\\title\s*\{", masked)
    if title_m:
        end = _matching_brace(masked, title_m.end() - 1)
        manuscript.title = _clean_display(re.sub(r"\\[A-Za-z]+|[{}]", " ", masked[title_m.end():end - 1])) or None
    prose_chars = list(masked)
    for s, e in cite_spans:
        _blank(prose_chars, s, e)
        cmd = _CITE.match(masked, s)
        if cmd and cmd.group("cmd") in IN_TEXT_COMMANDS:
            # Author-in-text citations are part of the sentence: keep them as "@key", as in Markdown.
            shown = "@" + ", @".join(k.strip() for k in cmd.group("keys").split(",") if k.strip())
            shown = shown[: e - s]
            prose_chars[s:s + len(shown)] = list(shown)
    body_start = masked.find("\\begin{document}")
    if body_start >= 0:
        _blank(prose_chars, 0, body_start + len("\\begin{document}"))
    body_end = masked.find("\\end{document}")
    if body_end >= 0:
        _blank(prose_chars, body_end, len(prose_chars))
    prose = "".join(prose_chars)
    headings: list[tuple[int, int]] = []
    braces = _brace_pairs(prose)
    for m in _HEADING_CMD.finditer(prose):
        end = braces.get(m.end() - 1) or _matching_brace(prose, m.end() - 1)
        _blank(prose_chars, m.start(), m.end())
        _blank(prose_chars, end - 1, end)
        headings.append((m.start(), end))
    prose = "".join(prose_chars)
    for s, e in _math_spans(prose):
        _blank(prose_chars, s, e)
    prose = "".join(prose_chars)
    for m in _ARG_COMMANDS.finditer(prose):
        _blank(prose_chars, m.start(), m.end())
    prose = "".join(prose_chars)
    item_starts = [m.start() for m in _ITEM.finditer(prose)]
    for m in _ITEM.finditer(prose):
        _blank(prose_chars, m.start(), m.end())
    prose = "".join(prose_chars)
    # Quotes and escapes to plain characters of the same length; command names and braces to spaces.
    for pat, rep in (("``", ' "'), ("''", '" '), ("\\%", " %"), ("\\&", " &"), ("\\$", " $"), ("\\_", " _"),
                     ("---", " — "), ("\\\\", "  ")):
        prose = prose.replace(pat, rep)
    prose_chars = list(prose)
    for m in re.finditer(r"\\[A-Za-z]+\*?|\\.|[{}~]", prose):
        _blank(prose_chars, m.start(), m.end())
    prose = "".join(prose_chars)
    # Blocks: paragraphs split at blank lines, headings and \item.
    cuts = sorted({s for s, _ in headings} | {e for _, e in headings} | set(item_starts))
    heading_starts = {s: e for s, e in headings}
    blocks: list[tuple[int, int, bool]] = []
    for pm in re.finditer(r"(?:[^\n]|\n(?![ \t]*\n))+", prose):
        s, e = pm.start(), pm.end()
        points = [s] + [c for c in cuts if s < c < e] + [e]
        for a, b in zip(points, points[1:]):
            if prose[a:b].strip():
                blocks.append((a, b, a in heading_starts and heading_starts[a] == b))
    manuscript.sentences = _sentences(source, text, prose, blocks, manuscript.citations, cite_spans)
    return manuscript
