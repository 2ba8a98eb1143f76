"""Find a quoted passage in a source's text, page by page; knows nothing of file formats.

Text extracted from PDFs is messy: ligatures (ﬁ, or the control bytes of TeX's T1 fonts),
words hyphenated at line ends, accents that TeX-made PDFs split into a spacing mark and a dotless
letter ("Lemaˆıtre"), stray spaces inside words ("su ccess"), running heads and page numbers
between pages, curly quotes and dashes. Matching therefore works on a *key*: the text case-folded,
accents and ligatures folded, every character that is not a letter or digit dropped. Whitespace,
hyphens and punctuation vanish from the key, so all of the above compare equal; a changed word,
number or negation does not.

An exact hit on the key is then checked word by word: a quote whose numbers or negations
("not", "no", "never", "n't", ...) differ from the source's is never ``found``, however the key
compares. Without an exact hit, a fuzzy search (rapidfuzz's partial alignment) finds the closest
passage and scores it.
"""

from __future__ import annotations

import bisect
import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Iterable, Sequence

# A fuzzy match at or above this score is ``close``; below it the quote is ``not-found``.
CLOSE_THRESHOLD = 0.8
# Quotes whose key is shorter than this are too short to call anything "close".
MIN_FUZZY_KEY = 8
# A quote broken by a page's foot: its parts are at least MIN_PART key characters, the text between
# them (footnotes, a caption) at most FOOT_GAP before the page's end, and at most HEAD_GAP of the next
# page's start (a running head) before the rest.
MIN_PART, FOOT_GAP, HEAD_GAP = 12, 2500, 200

# Characters that extraction produces and that mean something else.
_SPECIAL = {
    "\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st",
    # TeX's T1 (Cork) encoding puts its ligatures and quotes at control positions; PDFs made with
    # bitmap T1 fonts hand those bytes to extractors unchanged.
    "\x1b": "ff", "\x1c": "fi", "\x1d": "fl", "\x1e": "ffi", "\x1f": "ffl",
    "\x10": "\u201c", "\x11": "\u201d", "\x15": "\u2013", "\x16": "\u2014",
    "\u0131": "i", "\u0237": "j",  # dotless i and j, left behind by split accents
}
# Spacing accents that TeX-made PDFs emit before the letter they belong on, and their combining forms.
SPACING_ACCENTS = {
    "\u00b4": "\u0301", "`": "\u0300", "\u02c6": "\u0302", "^": "\u0302", "\u02dc": "\u0303", "~": "\u0303",
    "\u00a8": "\u0308", "\u00b8": "\u0327", "\u02c7": "\u030c", "\u02d8": "\u0306", "\u02d9": "\u0307",
    "\u02da": "\u030a", "\u02db": "\u0328", "\u02dd": "\u030b", "\u00af": "\u0304",
}
# Removed outright: soft hyphens (and pdfium's hyphenation marker), zero-width characters.
_INVISIBLE = "\u00ad\x02\u200b\u200c\u200d\u2060\ufeff"

_NONWORD = re.compile(r"[\W_]+")
_TABLE: dict[int, str | None] | None = None
# Characters outside \w that still stand for letters: TeX's T1 ligature bytes.
_PRE = {ord(k): v for k, v in _SPECIAL.items() if len(k) == 1 and ord(k) < 0x20 and v.isalpha()}
_PRE_RE = re.compile("[" + "".join(chr(c) for c in _PRE) + "]")
_FAST: tuple[re.Pattern, re.Pattern] | None = None


def _key_table() -> dict[int, str | None]:
    """Per-character key of a word character: case-folded, accents and ligatures folded, '' when dropped."""
    global _TABLE
    if _TABLE is None:
        table: dict[int, str | None] = {}
        for cp in [*range(0x3000), *range(0xFB00, 0xFB07), *range(0xFF00, 0xFFF0)]:
            ch = chr(cp)
            if ch in SPACING_ACCENTS or ch in _INVISIBLE:
                table[cp] = None
                continue
            base = _SPECIAL.get(ch, ch)
            folded = unicodedata.normalize("NFKD", base.casefold())
            k = "".join(c for c in folded if not unicodedata.combining(c) and c.isalnum())
            if k != ch:
                table[cp] = k or None
        _TABLE = table
    return _TABLE


_NONASCII = re.compile(r"[^\x00-\x7f]")
_NONWORD_KEEP_NL = re.compile(r"(?:[^\w\n]|_)+")
_FOLDED: dict[str, str] = {}


def _fold(m: re.Match) -> str:
    ch = m.group()
    folded = _FOLDED.get(ch)
    if folded is None:
        folded = _FOLDED[ch] = _NONWORD.sub("", ch.translate(_key_table()))
    return folded


def key(text: str, *, keep_newlines: bool = False) -> str:
    """The matching key of a text (see the module docstring): its word characters, folded.

    Per character, so ``key(a + b) == key(a) + key(b)``; only non-ASCII characters go through the
    folding table. ``keep_newlines`` keeps line breaks, so the key of each line can be measured in one pass.
    """
    if _PRE_RE.search(text):
        text = text.translate(_PRE)
    words = (_NONWORD_KEEP_NL if keep_newlines else _NONWORD).sub("", text)
    if not words.isascii():
        words = _NONASCII.sub(_fold, words)
    return words.lower()


def _fast_patterns() -> tuple[re.Pattern, re.Pattern]:
    """(a word character with a one-character key, a character whose key is not one character)."""
    global _FAST
    if _FAST is None:
        dropped, multi = [], [chr(c) for c in _PRE]
        for cp, value in _key_table().items():
            ch = chr(cp)
            if _NONWORD.match(ch):
                continue
            n = len(value or "")
            if n == 0:
                dropped.append(ch)
            elif n > 1:
                multi.append(ch)
        _FAST = (re.compile("[^\\W_" + re.escape("".join(dropped)) + "]"),
                 re.compile("[" + re.escape("".join(multi)) + "]"))
    return _FAST


def key_offsets(text: str) -> list[int]:
    """For each character of ``key(text)``, the offset in ``text`` it came from."""
    single, multi = _fast_patterns()
    if not multi.search(text):
        return [m.start() for m in single.finditer(text)]
    out: list[int] = []
    for i, ch in enumerate(text):
        n = len(key(ch))
        if n:
            out.extend([i] * n)
    return out


_ACCENT_RE = re.compile("([" + re.escape("".join(k for k in SPACING_ACCENTS if not k.isascii())) + r"])\s?([A-Za-z\u0131\u0237])"
                        r"|(?<=[A-Za-z])([`^~])([aeiouAEIOUnN\u0131])")
_HYPHEN_BREAK = re.compile(r"(\w)-[ \t]*\r?\n[ \t]*(\w)")


def clean(text: str) -> str:
    """Readable text for display: ligatures expanded, split accents joined, line-end hyphens and runs of space removed."""
    text = text.translate({ord(k): v for k, v in _SPECIAL.items() if k not in ("\u0131", "\u0237")})
    text = text.replace("\x02", "").replace("\u00ad", "")

    def accent(m: re.Match) -> str:
        mark, letter = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        letter = {"\u0131": "i", "\u0237": "j"}.get(letter, letter)
        return unicodedata.normalize("NFC", letter + SPACING_ACCENTS[mark])

    text = _ACCENT_RE.sub(accent, text)
    text = _HYPHEN_BREAK.sub(r"\1\2", text)
    return " ".join(text.split())


# -- running heads and page numbers ---------------------------------------------------------

_DIGITS = re.compile(r"\d+")
_ROMAN = re.compile(r"^[ivxlcdm]+$", re.I)


def _edge_lines(page: str, edge: int) -> list[tuple[int, int, str]]:
    """(start, end, stripped text) of the first and last ``edge`` non-blank lines of a page, without overlap."""
    head: list[tuple[int, int, str]] = []
    pos, n = 0, len(page)
    while len(head) < edge and pos < n:
        nl = page.find("\n", pos)
        end = n if nl < 0 else nl + 1
        text = page[pos:end].strip()
        if text:
            head.append((pos, end, text))
        pos = end
    tail: list[tuple[int, int, str]] = []
    end = n
    while len(tail) < edge and end > pos:
        start = max(pos, page.rfind("\n", pos, max(pos, end - 1)) + 1)
        text = page[start:end].strip()
        if text:
            tail.append((start, end, text))
        end = start
    return head + tail


def _shape(line: str) -> str:
    """A line's shape: upper-cased then case-folded ("STRASSE" and "STRAẞE" are "Straße", "KAPI" is "Kapı"),
    white space runs as one space, digit runs as "#"."""
    return _DIGITS.sub("#", " ".join(line.upper().casefold().split()))


def _page_number(text: str) -> int | None:
    """The number a line that is only a page number stands for (arabic or roman), else None."""
    bare = text.strip(" -–—|")
    if bare.isdigit() and len(bare) <= 5:
        return int(bare)
    if _ROMAN.match(bare) and len(bare) <= 6:
        total, prev = 0, 0
        for ch in reversed(bare.lower()):
            v = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}[ch]
            total, prev = (total - v, prev) if v < prev else (total + v, v)
        return total
    return None


def _edge_number(text: str) -> int | None:
    """The page number a page-edge line carries: the whole line, or the first or last word of a short running head."""
    n = _page_number(text)
    if n is not None:
        return n
    words = text.split()
    if 2 <= len(words) <= 12:
        for w in (words[-1], words[0]):
            if w.isdigit() and len(w) <= 5:
                return int(w)
    return None


def strip_running_lines(pages: Sequence[str], edge: int = 2) -> list[str]:
    """Pages with their running heads, feet and page numbers blanked out (same length, so offsets hold).

    Among the first and last ``edge`` lines of each page, a line is dropped when it is a number that
    counts up with the pages (page index plus the offset most pages agree on), alone or as the first
    or last word of a short line (a running head such as "Okafor: The tide mill 212"), or when its shape
    (case-folded, digits as ``#``) recurs at the edge of at least a third of the pages. A one-page text keeps all.
    """
    if len(pages) < 2:
        return list(pages)
    edges = [_edge_lines(p, edge) for p in pages]
    counts: dict[str, int] = {}
    offsets: dict[int, int] = {}
    for i, cands in enumerate(edges):
        for s in {_shape(t) for _, _, t in cands if t}:
            counts[s] = counts.get(s, 0) + 1
        for n in {_edge_number(t) for _, _, t in cands if t} - {None}:
            offsets[n - i] = offsets.get(n - i, 0) + 1
    offset = max(offsets, key=lambda o: (offsets[o], -abs(o))) if offsets else None
    if offset is not None and offsets[offset] < 2:
        offset = None
    repeat = max(2, (len(pages) + 2) // 3)
    out = []
    for i, (page, cands) in enumerate(zip(pages, edges)):
        for start, end, text in sorted(cands):
            if not text:
                continue
            number = _edge_number(text)
            if (number is not None and offset is not None and number - i == offset) or counts.get(_shape(text), 0) >= repeat:
                blank = re.sub(r"[^\r\n]", " ", page[start:end])
                page = page[:start] + blank + page[end:]
        out.append(page)
    return out


# -- the searchable document ----------------------------------------------------------------


@dataclass
class Match:
    """Where a quote is (or its closest passage) in a document."""

    kind: str  # "exact" | "close" | "none"
    score: float  # 1.0 for an exact match
    pages: tuple[int, ...] = ()  # 0-based page indexes the passage covers
    source_text: str = ""  # the source's wording, cleaned for display
    reason: str = ""  # why an exact-looking match is only close (a number or negation differs)
    diff: list[tuple[str, str, str]] = field(default_factory=list)  # (op, quote words, source words)
    context: str = ""  # the passage with some of the text around it, for a reader to judge


class Document:
    """A source's pages, prepared once for any number of quotes."""

    def __init__(self, pages: Sequence[str], *, strip_running: bool = True) -> None:
        self.bodies = strip_running_lines(pages) if strip_running else list(pages)
        keyed = [key(b, keep_newlines=True) for b in self.bodies]
        self.line_keys = [[len(k) for k in kl.split("\n")] for kl in keyed]
        self._index("".join(kl.replace("\n", "") for kl in keyed))

    def _index(self, doc_key: str) -> None:
        self.key = doc_key
        self.starts: list[int] = []
        pos = 0
        for lengths in self.line_keys:
            self.starts.append(pos)
            pos += sum(lengths)
        self._offsets: dict[int, tuple[list[int], list[int]]] = {}

    def state(self) -> tuple:
        """Plain data (str, int, lists) to cache the prepared document (see :meth:`from_state`)."""
        return (list(self.bodies), self.line_keys, self.key)

    @classmethod
    def from_state(cls, state: tuple) -> "Document":
        """A document prepared earlier, from :meth:`state`'s data."""
        doc = cls.__new__(cls)
        doc.bodies, doc.line_keys = list(state[0]), [list(x) for x in state[1]]
        doc._index(state[2])
        return doc

    def page_of(self, pos: int) -> int:
        """The page index of a key position."""
        return max(0, bisect.bisect_right(self.starts, pos) - 1)

    def _char(self, page: int, kpos: int) -> int:
        """The character offset in page ``page``'s body of key position ``kpos`` (a document-wide position)."""
        index = self._offsets.get(page)
        body = self.bodies[page]
        if index is None:  # per line: where it starts, and how much key came before it
            starts, before, total, at = [], [], 0, 0
            for line, n in zip(body.split("\n"), self.line_keys[page]):
                starts.append(at)
                before.append(total)
                total += n
                at += len(line) + 1
            index = self._offsets[page] = (starts, before)
        starts, before = index
        krel = kpos - self.starts[page]
        i = bisect.bisect_right(before, krel) - 1
        line_start = starts[i]
        nxt = starts[i + 1] - 1 if i + 1 < len(starts) else len(body)
        offs = key_offsets(body[line_start:nxt])
        rel = krel - before[i]
        return line_start + offs[rel] if rel < len(offs) else nxt

    def text_between(self, kstart: int, kend: int) -> str:
        """The source's wording for key positions [kstart, kend), widened to whole words, cleaned."""
        if kend <= kstart:
            return ""
        p0, p1 = self.page_of(kstart), self.page_of(kend - 1)
        a, b = self._char(p0, kstart), self._char(p1, kend - 1) + 1
        parts = []
        for p in range(p0, p1 + 1):
            body = self.bodies[p]
            lo = a if p == p0 else 0
            hi = b if p == p1 else len(body)
            if p == p0:
                while lo > 0 and not body[lo - 1].isspace():
                    lo -= 1
            if p == p1:
                while hi < len(body) and not body[hi].isspace():
                    hi += 1
            parts.append(body[lo:hi])
        return clean(" ".join(parts))

    def context(self, kstart: int, kend: int, around: int = 200) -> str:
        """The passage for key positions [kstart, kend) with about ``around`` characters either side, cleaned."""
        if kend <= kstart:
            return ""
        p0, p1 = self.page_of(kstart), self.page_of(kend - 1)
        a = max(0, self._char(p0, kstart) - around)
        b = min(len(self.bodies[p1]), self._char(p1, kend - 1) + 1 + around)
        first, last = self.bodies[p0], self.bodies[p1]
        while a > 0 and not first[a - 1].isspace():
            a -= 1
        while b < len(last) and not last[b].isspace():
            b += 1
        if p0 == p1:
            return clean(first[a:b])
        return clean(" ".join([first[a:], *self.bodies[p0 + 1:p1], last[:b]]))

    def pages_between(self, kstart: int, kend: int) -> tuple[int, ...]:
        """The page indexes a key span covers."""
        return tuple(range(self.page_of(kstart), self.page_of(max(kstart, kend - 1)) + 1))

    def find(self, quote: str, preferred_pages: Iterable[int] | None = None) -> Match:
        """The best match of ``quote``: exact (preferring ``preferred_pages``), else the closest passage."""
        preferred = set(preferred_pages or ())
        quote = _EDITORIAL.sub(" ", quote)
        segments = [s for s in split_ellipsis(quote) if key(s)]
        if not segments:
            return Match("none", 0.0)
        spans = self._exact_spans(segments)
        if not spans and len(segments) == 1:
            split = self._across_page_foot(key(segments[0]))
            if split:
                spans = [split]
        if spans:
            best, texts, reason = self._best_span(spans, segments, preferred)
            pages = self.pages_between(best[0][0], best[-1][1])
            source_text = " … ".join(texts)
            context = self.context(best[0][0], best[-1][1])
            if not reason:
                return Match("exact", 1.0, pages, source_text, context=context)
            # Same key, other words (a moved decimal point, a split "cannot"): score the readable texts, below 1.
            score = min(0.99, fuzzy_score(clean(" ".join(segments)).lower(), clean(" ".join(texts)).lower()))
            return Match("close", round(score, 3), pages, source_text, reason,
                         word_diff(" ".join(segments), " ".join(texts)), context)
        return self._fuzzy(" ".join(segments), preferred)

    def _best_span(self, spans: list[list[tuple[int, int]]], segments: list[str],
                   preferred: set[int]) -> tuple[list[tuple[int, int]], list[str], str]:
        """Of the occurrences of the quote's key, the best: one with the quote's very words (numbers and
        negations) before one without, then one on the preferred pages, then the first; with its texts
        (footnote marks glued to their ends left out, see :func:`footnote_marks`) and why it is only close."""
        quote = " ".join(segments)
        ranked: tuple[tuple[bool, bool], list[tuple[int, int]], list[str], str] | None = None
        for i, sp in enumerate(spans):
            pages = self.pages_between(sp[0][0], sp[-1][1])
            on_preferred = bool(preferred & set(pages))
            if ranked is not None and i and not on_preferred and ranked[0][0]:
                continue  # an exact occurrence is in hand and this one cannot beat it
            texts = [self.text_between(s, e) for s, e in sp]
            if any(_GLUED_MARK.search(t) for t in texts):
                notes = "\n".join(self.bodies[pages[0]:])
                texts = [footnote_marks(t, quote, notes) for t in texts]
            reason = guard(quote, " ".join(texts))
            rank = (not reason, on_preferred)
            if ranked is None or rank > ranked[0]:
                ranked = (rank, sp, texts, reason)
            if rank == (True, True):
                break
        assert ranked is not None
        return ranked[1], ranked[2], ranked[3]

    def _across_page_foot(self, qkey: str) -> list[tuple[int, int]] | None:
        """The quote split at a page break with other text between its parts (a footnote, a caption, a
        running head that was not recognised): its head ends at most FOOT_GAP key characters before a
        page's end and its tail starts at most HEAD_GAP into the next page. None when there is no such split.
        """
        hay, n = self.key, len(qkey)
        if len(self.starts) < 2 or n < 2 * MIN_PART:
            return None
        lo, hi = 0, n  # the longest prefix of the quote that occurs anywhere
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if hay.find(qkey[:mid]) >= 0:
                lo = mid
            else:
                hi = mid - 1
        if lo < MIN_PART or lo >= n:
            return None
        for j in range(lo, max(MIN_PART, lo - 40) - 1, -1):  # the head may run a little into the footnote
            head, tail = qkey[:j], qkey[j:]
            if len(tail) < MIN_PART:
                continue
            at = hay.find(head)
            while at >= 0:
                end = at + j
                page = self.page_of(max(at, end - 1))
                if page + 1 < len(self.starts):
                    boundary = self.starts[page + 1]
                    if boundary - end <= FOOT_GAP:
                        t = hay.find(tail, boundary, boundary + HEAD_GAP + len(tail))
                        # Only whole lines may lie between (the head ends its line, the tail starts one), and
                        # no negation among them: a word dropped from the text itself is never skipped.
                        if (t >= 0 and self._ends_line(page, end) and self._starts_line(page + 1, t)
                                and not negations(self.text_between(end, t))):
                            return [(at, end), (t, t + len(tail))]
                at = hay.find(head, at + 1)
        return None

    def _ends_line(self, page: int, kend: int) -> bool:
        """True when nothing but punctuation follows key position ``kend - 1`` on its line."""
        body = self.bodies[page]
        c = self._char(page, kend - 1) + 1
        nl = body.find("\n", c)
        return not key(body[c:len(body) if nl < 0 else nl])

    def _starts_line(self, page: int, kstart: int) -> bool:
        """True when nothing but punctuation precedes key position ``kstart`` on its line."""
        body = self.bodies[page]
        c = self._char(page, kstart)
        return not key(body[body.rfind("\n", 0, c) + 1:c])

    def _exact_spans(self, segments: list[str]) -> list[list[tuple[int, int]]]:
        """Every occurrence of the segments in order (each within a window of the previous one)."""
        keys = [key(s) for s in segments]
        hay = self.key
        out: list[list[tuple[int, int]]] = []
        start = hay.find(keys[0])
        while start >= 0 and len(out) < 50:
            spans = [(start, start + len(keys[0]))]
            for k in keys[1:]:
                at = hay.find(k, spans[-1][1], spans[-1][1] + 4000 + len(k))
                if at < 0:
                    break
                spans.append((at, at + len(k)))
            if len(spans) == len(keys):
                out.append(spans)
            start = hay.find(keys[0], start + 1)
        return out

    def _fuzzy(self, quote: str, preferred: set[int] | None = None) -> Match:
        qkey = key(quote)
        if len(qkey) < MIN_FUZZY_KEY or not self.key:
            return Match("none", 0.0)
        from rapidfuzz import fuzz

        al = fuzz.partial_ratio_alignment(qkey, self.key)
        if al is None or al.dest_end <= al.dest_start:
            return Match("none", 0.0)
        start, end, raw = al.dest_start, al.dest_end, al.score
        if preferred and not preferred & set(self.pages_between(start, end)):
            # The same passage may stand on several pages: of equally good ones, the one on the cited pages
            # (searched alone first, then with the next page, for a passage that runs over a page's foot).
            first, last = min(preferred), max(preferred)
            lo = self.starts[first] if first < len(self.starts) else len(self.key)
            for stop in (last + 1, last + 2):
                hi = self.starts[stop] if stop < len(self.starts) else len(self.key)
                there = fuzz.partial_ratio_alignment(qkey, self.key[lo:hi]) if hi - lo >= len(qkey) // 2 else None
                if (there is not None and there.dest_end > there.dest_start and there.score >= raw
                        and preferred & set(self.pages_between(lo + there.dest_start, lo + there.dest_end))):
                    start, end, raw = lo + there.dest_start, lo + there.dest_end, there.score
                    break
        score = round(raw / 100.0, 3)
        text = self.text_between(start, end)
        pages = self.pages_between(start, end)
        diff = word_diff(quote, text)
        while diff and diff[0][0] == "insert":  # the alignment may take in a neighbouring word
            diff.pop(0)
        while diff and diff[-1][0] == "insert":
            diff.pop()
        if diff:
            text = " ".join(s for _, _, s in diff if s)
        if _GLUED_MARK.search(text):
            # Footnote marks glued to words ("invoked5 in the order") are all that differs: the quote is there.
            unmarked = footnote_marks(text, quote, "\n".join(self.bodies[pages[0]:]))
            if unmarked != text and key(unmarked) == qkey and not guard(quote, unmarked):
                return Match("exact", 1.0, pages, unmarked, context=self.context(start, end))
        kind = "close" if score >= CLOSE_THRESHOLD or few_words_differ(diff) else "none"
        return Match(kind, score, pages, text, guard(quote, text) if kind == "close" else "", diff,
                     self.context(start, end))


def fuzzy_score(a: str, b: str) -> float:
    """Similarity of two strings in [0, 1] (rapidfuzz's normalised Indel similarity)."""
    from rapidfuzz import fuzz

    return fuzz.ratio(a, b) / 100.0


# -- what must never pass as found ----------------------------------------------------------

# What a quoting writer adds that the source does not have: "[sic]", "(emphasis added)" and the like.
_EDITORIAL = re.compile(r"\[\s*sic\s*!?\s*\]|[(\[]\s*(?:emphasis|italics|my emphasis)[^)\]]{0,30}[)\]]", re.I)
_ELLIPSIS = re.compile(r"\s*(?:\[\s*(?:\.\s*){3}\]|\[\s*…\s*\]|(?:\.\s*){3}|…)\s*")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
NEGATIONS = {"not", "no", "never", "nor", "none", "nobody", "nothing", "neither", "nowhere", "cannot", "without"}


# A footnote mark as PDF text layers glue it to a word: 1-3 digits right after a word (at least three
# letters before them, which must be lower case: "CO2" is no mark) and at most two closing marks ("accounts.5").
_GLUED_MARK = re.compile(r"(?<=[^\W\d_]{3})([.,;:!?)\]\"'”’]{0,2})(\d{1,3})(?=[\s.,;:!?)\]\"'”’]|$)")


def footnote_marks(text: str, quote: str, notes: str) -> str:
    """``text`` (a passage of the source) without the footnote marks glued to its words ("are invoked5").

    Digits glued to a lower-case word are a mark only when the quote does not contain them and lines of
    ``notes`` (the passage's page and the pages after it) start with them, the notes themselves ("5 See
    ...", "5See ..."), at least as many as ``notes`` has words with those digits glued on (a "version2"
    beside the mark of note 2 makes both doubtful). Anything else stays, so a changed number is never
    taken for a mark.
    """
    def glued(at: str, m: re.Match) -> bool:
        return at[m.start() - 3:m.start()].islower()

    def drop(m: re.Match) -> str:
        digits = m.group(2)
        if not glued(text, m) or digits in quote:
            return m.group(0)
        lines = len(re.findall(rf"(?m)^[ \t]*{digits}(?!\d)[ \t]*[^\W\d_]", notes))
        marks = sum(1 for n in _GLUED_MARK.finditer(notes) if n.group(2) == digits and glued(notes, n))
        return m.group(1) if 0 < marks <= lines else m.group(0)

    return _GLUED_MARK.sub(drop, text)


def split_ellipsis(quote: str) -> list[str]:
    """The parts of a quote between ellipses (``...``, ``…``, ``[...]``), which stand for left-out words."""
    return [p for p in _ELLIPSIS.split(quote) if p.strip()]


def numbers(text: str) -> list[str]:
    """The numbers in a text, in order ("1,959", "3.5")."""
    return _NUMBER.findall(clean(text))


def negations(text: str) -> int:
    """How many negating words a text holds ("not", "no", "never", "n't", ...)."""
    n = 0
    for w in _WORD.findall(clean(text).lower()):
        if w in NEGATIONS or w.endswith(("n't", "n’t")):
            n += 1
    return n


#: How :func:`guard` begins its reasons: a quote whose numbers or negations differ says something else.
NUMBERS_DIFFER, NEGATION_DIFFERS = "numbers differ", "a negation differs"


def guard(quote: str, source: str) -> str:
    """Why a passage that matches ``quote`` on the key is still not the same words ('' when it is)."""
    qn, sn = numbers(quote), numbers(source)
    if qn != sn:
        return f"{NUMBERS_DIFFER}: {', '.join(qn) or 'none'} in the quote, {', '.join(sn) or 'none'} in the source"
    qg, sg = negations(quote), negations(source)
    if qg != sg:
        return f"{NEGATION_DIFFERS}: {qg} in the quote, {sg} in the source"
    return ""


def words(text: str) -> list[str]:
    """The words of a cleaned text, punctuation kept on them (for diffs)."""
    return clean(text).split()


def word_diff(quote: str, source: str) -> list[tuple[str, str, str]]:
    """Word-level differences between a quote and the source's wording: (op, quote words, source words)."""
    qw, sw = words(quote), words(source)
    qk, sk = [key(w) for w in qw], [key(w) for w in sw]
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, qk, sk, autojunk=False).get_opcodes():
        out.append((op, " ".join(qw[i1:i2]), " ".join(sw[j1:j2])))
    return out


def few_words_differ(diff: Sequence[tuple[str, str, str]]) -> bool:
    """True when a passage has the quote's words but for one in five (at least three words, at most one in a short quote)."""
    quote_words = sum(len(q.split()) for _, q, _ in diff)
    changed = sum(max(len(q.split()), len(s.split())) for op, q, s in diff if op != "equal")
    return quote_words >= 3 and changed <= max(1, quote_words // 5)


def mark(diff: Sequence[tuple[str, str, str]], side: str, left: str = "[", right: str = "]") -> str:
    """One side of a word diff (``quote`` or ``source``) with the differing words bracketed."""
    i = 1 if side == "quote" else 2
    parts = []
    for item in diff:
        text = item[i]
        if not text:
            continue
        parts.append(text if item[0] == "equal" else f"{left}{text}{right}")
    return " ".join(parts)
