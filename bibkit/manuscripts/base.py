"""What every manuscript reader yields: :class:`Manuscript`, its :class:`Citation` and :class:`Sentence` objects.

Also what the readers share: locators (``p. 4``), sentence splitting with claim anchors, and the
masking helpers (a masked copy has the same length as the original: what is not prose becomes
spaces, newlines kept, so every offset still points at the same line and column of the file).
The text readers (:mod:`~bibkit.manuscripts.markdown`, :mod:`~bibkit.manuscripts.latex`) build
on this module directly; the Word and HTML readers through :mod:`~bibkit.manuscripts.build`, which
turns their paragraphs and citation marks into the same :class:`Manuscript`.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Callable

from bibkit.bib.latex import tex_braces
from bibkit.model import SourceText


# pandoc: a key starts with a letter, digit or _, and may contain internal punctuation :.#$%&-+?<>~/
# (and : or / before a /, as in a URL: pandoc 3 reads @http://example.org/a whole)
KEY = r"[\w](?:\w|[:.#$%&+?<>~/-](?=\w)|[:/](?=/))*"
BRACED_KEY = r"\{[^{}\s]+\}"

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
        """The JSON shape of docs/formats.md, "JSON shapes" (plus column and notes when present)."""
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
    paragraph: int = 0  # the offset where its paragraph (block) starts: sentences of one paragraph share it

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


# -- shared helpers ----------------------------------------------------------


def delimited_spans(text: str, opener: re.Pattern,
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


def brace_pairs(text: str) -> dict[int, int]:
    """For every ``{`` its partner ``}`` offset + 1 (or the text's end when unclosed), in one pass; ``\\x`` skips x."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    for at, _depth in tex_braces(text):
        if text[at] == "{":
            stack.append(at)
        elif stack:
            pairs[stack.pop()] = at + 1
    for at in stack:
        pairs[at] = len(text)
    return pairs


def blank_out(chars: list[str], start: int, end: int) -> None:
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


def clean_display(text: str) -> str:
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
            # A detached possessive ("Student 's.") is not a quoted initial: its apostrophe stays.
            token = token.lower() if token in ("'s", "'S") else token.lstrip("([\"'“‘*_").lower()
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


def sentences_of(source: SourceText, original: str, prose: str, blocks: list[tuple[int, int, bool]],
               citations: list[Citation], cite_spans: list[tuple[int, int]]) -> list[Sentence]:
    """Split blocks into sentences and hand each citation to the sentence it stands in (or just after).

    Citations and citation spans are sorted by position once and looked up by bisection, so the work is
    linear in the manuscript (times a logarithm), however many citations a block holds.
    """
    out: list[Sentence] = []
    section: str | None = None
    cited = sorted((c for c in citations if c.mode != "nocite"), key=lambda c: c.offset)
    offsets = [c.offset for c in cited]
    cite_spans = sorted(cite_spans)
    span_ends = _running_max_ends(cite_spans)
    for bstart, bend, heading in blocks:
        spans = _split_block(prose, bstart, bend)
        if heading:
            spans = [(spans[0][0], spans[-1][1])] if spans else []
        block_sents: list[Sentence] = []
        for k, (s, e) in enumerate(spans):
            e = s + len(prose[s:e].rstrip()) if prose[s:e].strip() else e
            text = clean_display(prose[s:e])
            if not text or not re.search(r"\w", text):
                continue
            sent = Sentence(text=text, raw=original[s:e], line=source.line_of(s), column=source.column_of(s),
                            start=s, end=e, heading=heading, paragraph=bstart)
            sent.anchor = _anchor(original, s, e, _overlapping(cite_spans, span_ends, s, e))
            if heading:
                section = text.rstrip(".:")
            else:
                sent.section = section
            block_sents.append(sent)
        for idx, sent in enumerate(block_sents):
            limit = block_sents[idx + 1].start if idx + 1 < len(block_sents) else bend
            lower = sent.start if idx else bstart
            sent.citations = cited[bisect.bisect_left(offsets, lower):bisect.bisect_left(offsets, limit)]
        out.extend(block_sents)
    return out


def _running_max_ends(spans: list[tuple[int, int]]) -> list[int]:
    """For spans sorted by start: the greatest end among the first i + 1 spans, for each i."""
    out: list[int] = []
    top = -1
    for _, end in spans:
        top = max(top, end)
        out.append(top)
    return out


def _overlapping(spans: list[tuple[int, int]], max_ends: list[int], start: int, end: int) -> list[tuple[int, int]]:
    """The spans (sorted by start) that overlap ``[start, end)``, found by bisection, in order."""
    hi = bisect.bisect_left(spans, (end,))
    lo = bisect.bisect_right(max_ends, start, 0, hi)  # every span before lo ends at or before start
    return [sp for sp in spans[lo:hi] if sp[1] > start]


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
