"""Passages of a source's full text that may back a claim written in other words (``verify --suggest``).

With the optional extra ``bibkit[semantic]``, passages are ranked by meaning as well as words (see
:meth:`Index.candidates` and :func:`meaning_score`: the claim's cosine with each window's sentence
embeddings, :mod:`~bibkit.evidence.suggest_vectors`, beside the lexical score below, in a logistic
regression fitted on the benchmark's tuning half); without it, by words alone, as follows.

Lexical retrieval: the full text is cut into sentences (running heads and page numbers
left out as :mod:`~bibkit.evidence.quotematch` does for quotes, a sentence broken by a page break
joined again, the reference list left out), every window of one to three sentences is a candidate
passage, and BM25 ranks the windows against the claim's words (case, accents and ligatures folded, a
stop list, British spellings made American, the Snowball English stemmer, near-synonyms folded to one
term: :mod:`~bibkit.evidence.suggest_words`). The best candidates are re-ranked on how much of the
claim's weight (IDF) they cover (a stem that begins another counting half), rapidfuzz's similarity of
the two sets of terms, and agreement of numbers and names: a passage that gives the claim's numbers
ranks higher, one with other numbers where the claim has some, lower. Sentences of the abstract and
the conclusion get a small prior in the ranking (not in the score).

``score`` (0..1) does not depend on other passages, so scores can be compared across claims;
``strong`` is ``score >= STRONG`` (``MEANING["strong"]`` when ranking by meaning; tuned on the benchmark's tuning half so that claims the source
does not support rarely get a strong suggestion; see BENCHMARKS.md).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Sequence

from bibkit.evidence import quotematch, suggest_vectors
from bibkit.evidence.fulltext.base import Extracted
from bibkit.evidence.suggest_words import canon_table, spelling

#: A suggestion at or above this score is ``strong``: likely to support the claim.
STRONG = 0.6
#: How many BM25 candidates are re-ranked.
RERANK = 40
#: A sentence longer than this many words is cut into pieces of this many (tables, text without full stops).
MAX_SENTENCE_WORDS = 60
# BM25 parameters (the usual ones).
K1, B = 1.2, 0.75
#: How the score is made (tuned on the benchmark's tuning half, see BENCHMARKS.md): share of the claim's
#: IDF weight the passage covers, rapidfuzz similarity of the two sets of terms, the claim's numbers the
#: passage gives (and the penalty when it gives only other numbers), names, a cost per extra sentence, and
#: the weight of the BM25 score relative to the best candidate's (ranking only, not in ``score``).
WEIGHTS = {"coverage": 0.65, "similar": 0.25, "numbers": 0.15, "conflict": 0.15, "names": 0.05,
           "size": 0.03, "bm25": 2.0, "prefix": 0.5, "place": 0.03}
#: The shortest stem that :func:`_prefix_match` lets stand for a longer one.
PREFIX = 6
#: With meaning-level ranking: how many BM25 windows, and how many of the embedding's best windows, are ranked.
POOL, SEMANTIC_POOL = 80, 30
#: The meaning-level score: a logistic regression over the claim's cosine with the window (``cos``) and the
#: lexical score (``lex``), fitted on the benchmark's tuning half only (benchmarks/suggest/train_meaning.py);
#: ``rank_bm25``, ``rank_place`` and ``rank_size`` add relative BM25, the abstract's and conclusion's prior and a
#: cost per extra sentence to the ranking's log-odds (not to the score); ``strong`` is the threshold of ``strong``.
MEANING = {"bias": -7.733, "cos": 5.138, "lex": 8.031, "rank_bm25": 1.0, "rank_place": 0.25, "rank_size": 0.5,
           "strong": 0.5}

STOP = frozenset("""
a about above after again against all also although am among an and any are as at be because been before being
below between both but by can could did do does doing down during each either else etc even ever every few for from
further had has have having he her here hers herself him himself his how however i if in into is it its itself just
me might more most much must my myself nor of off often on once one only or other others our ours ourselves out over
own per rather same she should since so some such than that the their theirs them themselves then there thereby
therefore these they this those though through thus to too under until up upon us very via was we were what when
where whether which while who whom whose why will with within would yet you your yours yourself yourselves
paper article author authors study show shows shown showed state states stated claim claims describe describes
described report reports reported according say says said use used uses using may also
""".split())

_NUMBER_WORDS = {"two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
                 "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "twenty": "20", "hundred": "100",
                 "thousand": "1000", "half": "50%", "twice": "2", "double": "2", "dozen": "12"}
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*%?|[^\W\d_]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")
# Words before a full stop that do not end a sentence.
_ABBREV = re.compile(r"(?:\b(?:e\.g|i\.e|et al|etc|cf|vs|fig|figs|eq|eqs|no|nos|vol|pp|p|ch|sec|dr|mr|mrs|ms|prof|st|"
                     r"approx|ref|refs|resp|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|inc|ltd|co)|\b[A-Z])\.$",
                     re.I)
_TERMINAL = re.compile(r"[.!?][\"'”’)\]]*$")


@dataclass(frozen=True)
class Suggestion:
    """A passage of a full text that may back a claim."""

    page: str | None  # the printed page label, as verify reports pages (the PDF's label, else the 1-based number)
    pdf_page: int  # 1-based physical page
    text: str  # the passage: one to three sentences, never a whole page
    score: float  # 0..1
    strong: bool  # likely to support the claim

    def to_dict(self) -> dict:
        """The JSON shape of docs/formats.md: page, pdf_page, text, score, strong."""
        return {"page": self.page, "pdf_page": self.pdf_page, "text": self.text, "score": self.score,
                "strong": self.strong}


# -- words ----------------------------------------------------------------------------------------

_STEM_CACHE: dict[str, str] = {}
_STEMMER = None


def stem(word: str) -> str:
    """The Snowball (Porter2) English stem of a lower-case word; numbers are kept as they are."""
    got = _STEM_CACHE.get(word)
    if got is None:
        global _STEMMER
        if _STEMMER is None:
            import snowballstemmer

            _STEMMER = snowballstemmer.stemmer("english")
        got = word if word[:1].isdigit() else _STEMMER.stemWord(word)
        if len(_STEM_CACHE) < 500_000:
            _STEM_CACHE[word] = got
    return got


def _number(token: str) -> str:
    """A number token in one form: thousands separators dropped, trailing decimal zeros dropped."""
    pct = token.endswith("%")
    t = token.rstrip("%")
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+", t):
        t = t.replace(",", "")
    t = t.replace(",", ".")
    if "." in t:
        t = t.rstrip("0").rstrip(".")
    return t + ("%" if pct else "")


_TERMS: dict[str, str] = {}  # a word as written -> its term ('' for a stop word or a single letter)


def _term(raw: str) -> str:
    """The term of one word: folded (case, accents, ligatures), '' for a stop word, else its British spelling
    made American, stemmed, and a near-synonym's stem replaced by its group's (see suggest_words)."""
    word = raw.lower() if raw.isascii() else quotematch.key(raw)
    if len(word) < 2 or word in STOP:
        term = ""
    else:
        term = stem(spelling(word))
        term = canon_table(stem).get(term, term)
    if len(_TERMS) < 500_000:
        _TERMS[raw] = term
    return term


def tokens(text: str) -> list[str]:
    """The indexed terms of a text: words folded (case, accents, ligatures), stop words left out, stemmed; numbers kept."""
    out = []
    terms = _TERMS
    for raw in _TOKEN.findall(text):
        if raw[0].isdigit():
            out.append(_number(raw))
            continue
        term = terms.get(raw)
        if term is None:
            term = _term(raw)
        if term:
            out.append(term)
    return out


def numbers_in(text: str) -> set[str]:
    """The numbers a text gives, written with digits or as a small number word ("three", "twice"); years too."""
    found = {_number(m) for m in re.findall(r"\d+(?:[.,]\d+)*%?", text)}
    found |= {n.rstrip("%") for n in found if n.endswith("%")}
    for w in re.findall(r"[A-Za-z]+", text.lower()):
        if w in _NUMBER_WORDS:
            found.add(_NUMBER_WORDS[w])
    return found


def _names(text: str) -> set[str]:
    """Stems of the capitalised words that do not start a sentence (names, acronyms)."""
    out = set()
    for m in re.finditer(r"(?<![.!?]\s)(?<!^)\b([A-Z][A-Za-z0-9]+)", text):
        word = quotematch.key(m.group(1))
        if word not in STOP and len(word) > 1:
            out.add(stem(word))
    return out


# -- sentences ------------------------------------------------------------------------------------


_CAPTION = re.compile(r"^(?:fig(?:ure)?|table|tab)\.?\s*\d", re.I)
_WORDY = re.compile(r"[^\W\d_]{3,}")


def _blocks(body: str) -> list[str]:
    """A page's text in blocks, so that no passage runs across them: split at blank lines, before a
    caption ("Figure 3", "Table 2"), around a line without a word of three letters (the numbers of a chart
    or a table), and after a heading (a line much shorter than the page's usual one, without end
    punctuation, followed by a capital)."""
    lines = [line.strip() for line in body.splitlines()]
    full = sorted(len(t) for t in lines if t)
    usual = full[len(full) // 2] if full else 0
    following = [""] * len(lines)  # the next non-blank line after each line
    for i in range(len(lines) - 2, -1, -1):
        following[i] = lines[i + 1] or following[i + 1]
    blocks: list[list[str]] = [[]]
    for i, text in enumerate(lines):
        if not text:
            if blocks[-1]:
                blocks.append([])
            continue
        nxt = following[i]
        junk = not _WORDY.search(text)
        open_end = not re.search(r"[.,;:!?\-–]$", text) and nxt[:1].isupper()
        if blocks[-1] and (junk or _CAPTION.match(text)):
            blocks.append([])
        blocks[-1].append(text)
        caption = bool(_CAPTION.match(blocks[-1][0]))  # a caption ends where a capital follows an open line end
        if junk or (open_end and (caption or len(text) < 0.6 * usual)):
            blocks.append([])
    return [" ".join(b) for b in blocks if b]


def split_sentences(text: str) -> list[str]:
    """The sentences of a cleaned block of text; over-long ones cut into pieces of MAX_SENTENCE_WORDS words."""
    parts: list[str] = []
    for piece in _SENTENCE_END.split(text):
        if parts and _ABBREV.search(parts[-1][-16:]):  # the end is enough, and far quicker on a long sentence
            parts[-1] += " " + piece
        else:
            parts.append(piece)
    out = []
    for s in parts:
        words = s.split()
        for i in range(0, len(words), MAX_SENTENCE_WORDS):
            out.append(" ".join(words[i:i + MAX_SENTENCE_WORDS]))
    return [s for s in out if s.strip()]


_HEADING_NUMBER = r"(?:(?:\d+(?:\.\d+)*|[IVX]+)\.?\s+)?"
_REFERENCES = re.compile(_HEADING_NUMBER + r"(?:references|bibliography|literature cited|works cited)\b(?:\s*(?:\[\d|1\.|$))",
                         re.I)
_REFERENCE_ENTRY = re.compile(r"\[\d{1,3}\]\s")  # "[12] Author A., ..." at a sentence's start
_CONCLUSION = re.compile(_HEADING_NUMBER + r"(?:conclusions?|concluding remarks|summary|discussion)\b", re.I)
_INTRODUCTION = re.compile(r"(?:^|\s)" + _HEADING_NUMBER + r"introduction\b", re.I)
#: Where a sentence stands: in the front matter (the abstract: first page, before the introduction's
#: heading), the body, or the end (after a conclusion's heading).
FRONT, BODY, END = "front", "body", "end"


def page_sentences(bodies: Sequence[str]) -> list[tuple[int, str]]:
    """(0-based page index, sentence) of every sentence of the pages, a sentence broken by a page break joined
    (and placed on the page where it starts); fragments left out (no word of three letters, or under four
    words without end punctuation: the labels of a chart, a lone heading); the reference list left out."""
    return [(page, sentence) for page, sentence, _ in placed_sentences(bodies)]


def placed_sentences(bodies: Sequence[str]) -> list[tuple[int, str, str]]:
    """As :func:`page_sentences`, with each sentence's place: FRONT, BODY or END. Headings are read from every
    piece of text, fragments too: the reference list ("References", "Bibliography", numbered or not, in the
    last 60% of the text) ends the text, and there a block that starts like a numbered entry ("[12] Author")
    is left out too (a list without a heading); a conclusion's heading starts the END; the first page's sentences
    before an introduction's heading are the FRONT (none when the first page has no such heading)."""
    return placed_with_breaks(bodies)[0]


def placed_with_breaks(bodies: Sequence[str]) -> tuple[list[tuple[int, str, str]], list[bool]]:
    """As :func:`placed_sentences`, and for each sentence whether a left-out piece (a heading, the labels of a
    chart) stands right before it: no passage runs across one ("... after 1884. [4 Conclusion] The ledgers ...")."""
    pieces: list[tuple[int, str, bool]] = []  # (page, sentence, kept as a passage)
    entries: set[int] = set()  # the pieces of blocks that start like a reference entry ("[12] Author, ...")
    for i, body in enumerate(bodies):
        for block in _blocks(body):
            sentences = split_sentences(quotematch.clean(block))
            if sentences and _REFERENCE_ENTRY.match(sentences[0]):
                entries.update(range(len(pieces), len(pieces) + len(sentences)))
            for sentence in sentences:
                fragment = not _WORDY.search(sentence) or (len(sentence.split()) < 4 and not _TERMINAL.search(sentence))
                pieces.append((i, sentence, not fragment))
    intro = next((k for k, (page, s, _) in enumerate(pieces)
                  if page == 0 and _INTRODUCTION.search(s[:120]) and len(s.split()) <= 40), None)
    out: list[tuple[int, str, str]] = []
    breaks: list[bool] = []
    gap = False  # a piece was left out since the last sentence kept
    place = FRONT if intro is not None else BODY
    last_page = -1
    for k, (i, sentence, kept) in enumerate(pieces):
        if k == intro:
            place = BODY
        if k >= 0.4 * len(pieces) and _REFERENCES.match(sentence):
            break
        if _CONCLUSION.match(sentence) and len(sentence.split()) <= 8:
            place = END
        if not kept or (k >= 0.4 * len(pieces) and k in entries):
            gap = gap or bool(out)
            continue
        if (i != last_page and out and out[-1][0] == i - 1 and not _TERMINAL.search(out[-1][1])
                and sentence[:1].islower()):
            out[-1] = (out[-1][0], out[-1][1] + " " + sentence, out[-1][2])
        else:
            out.append((i, sentence, place))
            breaks.append(gap)
        gap = False
        last_page = i
    return out, breaks


# -- the index --------------------------------------------------------------------------------------


class Index:
    """A full text's sentence windows, indexed once for any number of claims.

    A window (a candidate passage) is one to three consecutive sentences, named ``(size, start)``; its
    term counts are the sum of its sentences', worked out only for the windows a claim's terms reach.
    """

    def __init__(self, bodies: Sequence[str], labels: Sequence[str] | None,
                 state: tuple[list, list, list, list] | None = None, text_key: str | None = None,
                 semantic: bool = True) -> None:
        """Index the pages ``bodies``; or, given ``state`` (from :meth:`state`), rebuild the index from it
        without cutting the text into sentences and terms again. ``text_key`` (the text's cache key) lets
        the sentence vectors be cached; ``semantic=False`` ranks by words alone."""
        global BUILDS
        self.labels = list(labels) if labels is not None else None
        self.text_key = text_key
        self.semantic = semantic
        self._vectors: Any = None
        if state is None:
            BUILDS += 1
            placed, breaks = placed_with_breaks(bodies)
            self.sentences = [(page, sentence) for page, sentence, _ in placed]
            self.places = [place for _, _, place in placed]
            sent_terms = [tokens(s) for _, s in self.sentences]
        else:
            self.sentences = [(page, sentence) for page, sentence in state[0]]
            self.places = list(state[1])
            sent_terms = [list(terms) for terms in state[2]]
            breaks = [bool(b) for b in state[3]]
            if not len(self.sentences) == len(self.places) == len(sent_terms) == len(breaks):
                raise ValueError("a cached index of another shape")
        self.breaks = [i for i, b in enumerate(breaks) if b]  # sentences a window may not reach back across
        self._break_set = set(self.breaks)
        self._terms = sent_terms
        self.sent_tf = [Counter(terms) for terms in sent_terms]
        df = Counter(t for counts in self.sent_tf for t in counts)
        n = max(1, len(sent_terms))
        self.idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        self.default_idf = math.log(1 + (n + 0.5) / 0.5)  # a term the text never uses
        self.prefix = [0]  # terms in the sentences before each one, for window lengths
        for terms in sent_terms:
            self.prefix.append(self.prefix[-1] + len(terms))
        total = count = 0
        for size in (1, 2, 3):
            for start in range(0, len(sent_terms) - size + 1):
                length = self.prefix[start + size] - self.prefix[start]
                if length:
                    total, count = total + length, count + 1
        self.avg = total / count if count else 1.0
        self.postings: dict[str, list[int]] = {}
        for i, counts in enumerate(self.sent_tf):
            for t in counts:
                self.postings.setdefault(t, []).append(i)

    def state(self) -> tuple[list, list, list, list]:
        """What :meth:`__init__` needs to rebuild this index without the text: sentences, places, terms, breaks."""
        flags = [False] * len(self.sentences)
        for i in self.breaks:
            flags[i] = True
        return ([list(p) for p in self.sentences], list(self.places), self._terms, flags)

    def whole(self, w: tuple[int, int]) -> bool:
        """Whether window ``w`` runs across no left-out heading or chart (see :func:`placed_with_breaks`)."""
        size, start = w
        return size == 1 or not (start + 1 in self._break_set or (size == 3 and start + 2 in self._break_set))

    def in_front_or_end(self, w: tuple[int, int]) -> bool:
        """Whether window ``w`` has a sentence of the abstract's front part or of the conclusion."""
        size, start = w
        return any(self.places[i] != BODY for i in range(start, start + size))

    def tf(self, w: tuple[int, int]) -> dict[str, int]:
        """The term counts of window ``w``."""
        size, start = w
        if size == 1:
            return self.sent_tf[start]
        counts: Counter = Counter()
        for i in range(start, start + size):
            counts.update(self.sent_tf[i])
        return counts

    def bm25(self, terms: Sequence[str]) -> dict[tuple[int, int], float]:
        """BM25 score of every window that holds a term of the query."""
        wanted = [t for t in set(terms) if t in self.idf]
        last = len(self.sentences)
        counts: dict[tuple[int, int], dict[str, int]] = {}  # window -> the query terms' counts in it
        for t in wanted:
            for i in self.postings.get(t, ()):
                f = self.sent_tf[i][t]
                for size in (1, 2, 3):
                    for start in range(max(0, i - size + 1), min(i, last - size) + 1):
                        got = counts.get((size, start))
                        if got is None:
                            got = counts[(size, start)] = {}
                        got[t] = got.get(t, 0) + f
        scores: dict[tuple[int, int], float] = {}
        prefix, avg, idf = self.prefix, self.avg, self.idf
        if self.breaks:
            counts = {w: got for w, got in counts.items() if self.whole(w)}
        for (size, start), got in counts.items():
            norm_len = K1 * (1 - B + B * (prefix[start + size] - prefix[start]) / avg)
            score = 0.0
            for t in wanted:  # in one order for every window, so equal windows get equal sums
                f = got.get(t)
                if f:
                    score += idf[t] * (f * (K1 + 1) / (f + norm_len))
            scores[(size, start)] = score
        return scores

    def text(self, w: tuple[int, int]) -> str:
        """The passage of window ``w``."""
        size, start = w
        return " ".join(s for _, s in self.sentences[start:start + size])

    def vectors(self) -> Any:
        """The sentence vectors (see :mod:`~bibkit.evidence.suggest_vectors`), embedded on first use or read
        from the cache; None when meaning-level ranking is off or ``bibkit[semantic]`` is not installed."""
        if not self.semantic or not suggest_vectors.enabled():
            return None
        if self._vectors is None:
            self._vectors = suggest_vectors.sentence_vectors([s for _, s in self.sentences], self.text_key,
                                                             self.text_key is not None)
        return self._vectors

    def candidates(self, claim_text: str) -> list[tuple[tuple[int, int], dict[str, float]]]:
        """The windows worth ranking for the claim, each with its features: the BM25 pool (POOL best windows)
        and the embedding's own SEMANTIC_POOL best windows over the whole text, so a claim that shares no word
        with its passage still reaches it. Features: ``cos`` (the claim's cosine with the window),
        ``lex`` (the lexical score, 0..1), ``bm25`` (BM25 relative to the best window's), ``size`` (extra
        sentences), ``place`` (1 in the abstract or the conclusion)."""
        vectors = self.vectors()
        terms = tokens(claim_text)
        bm = self.bm25(terms) if terms else {}
        pool = sorted(bm, key=lambda w: (-bm[w], w))[:POOL if vectors is not None else RERANK]
        cos: dict[tuple[int, int], float] = {}
        if vectors is not None:
            claim = suggest_vectors.claim_vector(claim_text, self.text_key is not None)
            cos = suggest_vectors.window_cosines(vectors, claim)
            near = sorted((w for w in cos if self.whole(w)), key=lambda w: (-cos[w], w))[:SEMANTIC_POOL]
            pool = list(dict.fromkeys(pool + near))
        best = max((bm[w] for w in pool if w in bm), default=0.0) or 1.0
        out = []
        for w in pool:
            place = 1.0 if self.in_front_or_end(w) else 0.0
            out.append((w, {"cos": cos.get(w, 0.0), "lex": self._score(claim_text, terms, w) if terms else 0.0,
                            "bm25": bm.get(w, 0.0) / best, "size": float(w[0] - 1), "place": place}))
        return out

    def search(self, claim_text: str, n: int = 3) -> list[Suggestion]:
        """The ``n`` best passages for the claim, best first, no two sharing a sentence: by meaning and words
        (:func:`meaning_score`) when ``bibkit[semantic]`` is installed, else by words alone."""
        terms = tokens(claim_text)
        if not self.sentences or n <= 0 or not terms:  # nothing but stop words: nothing to match
            return []
        if self.vectors() is not None:
            ranked = []
            for w, f in self.candidates(claim_text):  # ranked on the log-odds, where the extra terms keep their size
                rank = (meaning_logit(f) + MEANING["rank_bm25"] * f["bm25"] + MEANING["rank_place"] * f["place"]
                        - MEANING["rank_size"] * f["size"])
                ranked.append((rank, meaning_score(f), w))
            ranked.sort(key=lambda r: (-r[0], r[2]))
            return self._pick(ranked, n, MEANING["strong"])
        bm = self.bm25(terms)
        if not bm:
            return []
        top = sorted(bm, key=lambda w: (-bm[w], w))[:RERANK]  # equal scores: the shorter, then the earlier window
        best = max(bm[w] for w in top)
        ranked = []
        for w in top:
            score = self._score(claim_text, terms, w)
            prior = WEIGHTS["place"] if self.in_front_or_end(w) else 0.0
            ranked.append((score + WEIGHTS["bm25"] * bm[w] / best + prior, score, w))
        ranked.sort(key=lambda r: (-r[0], r[2]))
        return self._pick(ranked, n, STRONG)

    def _pick(self, ranked: list[tuple[float, float, tuple[int, int]]], n: int, strong: float) -> list[Suggestion]:
        """The first ``n`` of the ranked (rank, score, window) that share no sentence, as suggestions."""
        out: list[Suggestion] = []
        used: set[int] = set()
        for _, score, w in ranked:
            start, end = w[1], w[1] + w[0]
            if used & set(range(start, end)):
                continue
            used.update(range(start, end))
            page = self.sentences[start][0]
            label = self.labels[page] if self.labels is not None and page < len(self.labels) else None
            out.append(Suggestion(label, page + 1, self.text(w), round(score, 3), score >= strong))
            if len(out) == n:
                break
        return out

    def _score(self, claim_text: str, terms: Sequence[str], w: tuple[int, int]) -> float:
        """How well window ``w`` backs the claim, 0..1, from the window and the claim alone."""
        from rapidfuzz import fuzz

        wanted = set(terms)
        weight = {t: self.idf.get(t, self.default_idf) for t in wanted}
        total = sum(weight.values()) or 1.0
        counts = self.tf(w)
        got = {t: 1.0 if t in counts else WEIGHTS["prefix"] * _prefix_match(t, counts) for t in wanted}
        coverage = sum(weight[t] * got[t] for t in wanted) / total
        text = self.text(w)
        similar = fuzz.token_set_ratio(" ".join(sorted(wanted)), " ".join(sorted(counts))) / 100.0
        score = WEIGHTS["coverage"] * coverage + WEIGHTS["similar"] * similar
        claim_numbers = numbers_in(claim_text)
        if claim_numbers:
            passage_numbers = numbers_in(text)
            agree = len(claim_numbers & passage_numbers) / len(claim_numbers)
            score += WEIGHTS["numbers"] * agree
            if not agree and passage_numbers:
                score -= WEIGHTS["conflict"]
        names = _names(claim_text)
        if names:
            score += WEIGHTS["names"] * len(names & set(counts)) / len(names)
        score -= WEIGHTS["size"] * (w[0] - 1)
        return max(0.0, min(1.0, score))


def meaning_logit(features: dict[str, float]) -> float:
    """The log-odds that a window backs the claim, from the window's own features (see MEANING)."""
    return MEANING["bias"] + MEANING["cos"] * features["cos"] + MEANING["lex"] * features["lex"]


def meaning_score(features: dict[str, float]) -> float:
    """The meaning-level score of a window, 0..1 (the logistic of :func:`meaning_logit`): comparable across claims."""
    return 1.0 / (1.0 + math.exp(-meaning_logit(features)))


def _prefix_match(term: str, counts: dict[str, int]) -> bool:
    """True when the window has a word term that the claim's term begins, or that begins it, the shorter at
    least PREFIX letters long (forms the stemmer keeps apart: "relativistic" and "relativity")."""
    if len(term) < PREFIX or term[:1].isdigit():
        return False
    head = term[:PREFIX]
    for other in counts:
        if other[:PREFIX] == head and len(other) >= PREFIX and (other.startswith(term) or term.startswith(other)):
            return True
    return False


#: How many indexes were built from text (not from the cache) in this process; tests count them.
BUILDS = 0
#: Changes whenever what :meth:`Index.state` holds, or how it is made, changes: older cache records are ignored.
INDEX_FORMAT = 2


def _index_key(bodies: Sequence[str]) -> str:
    """The cache key of a text's index: the text's pages and everything that shapes the sentences and terms."""
    from bibkit.evidence.suggest_words import GROUPS
    from bibkit.infra.cache import cache_key

    shape = (INDEX_FORMAT, MAX_SENTENCE_WORDS, sorted(STOP), GROUPS)
    return cache_key("suggest-index", "\f".join(bodies).encode("utf-8", "surrogatepass"), shape)


def cached_index(bodies: Sequence[str], labels: Sequence[str] | None, use_cache: bool = True) -> Index:
    """The index of the pages ``bodies``, read from bibkit's cache when this exact text was indexed before
    (keyed by the text's digest, so a changed file is indexed anew), else built and stored there."""
    if not use_cache:
        return Index(bodies, labels)
    from bibkit.infra.cache import read_record, write_record

    key = _index_key(bodies)
    stored = read_record("suggest-index", key)
    if isinstance(stored, tuple) and len(stored) == 4 and all(isinstance(part, list) for part in stored):
        try:
            return Index(bodies, labels, stored, text_key=key)
        except (TypeError, ValueError):  # a record of another shape: rebuild it
            pass
    index = Index(bodies, labels, text_key=key)
    write_record("suggest-index", key, index.state())
    return index


def _labels(extracted: Extracted) -> list[str]:
    """Each page's printed label: the file's own, else its 1-based number."""
    own = extracted.labels or []
    return [(own[i] if i < len(own) and own[i] else str(i + 1)) for i in range(len(extracted.pages))]


def suggest(claim_text: str, extracted: Extracted, n: int = 3) -> list[Suggestion]:
    """The ``n`` passages of an extracted full text most likely to back the claim, best first."""
    bodies = quotematch.strip_running_lines(extracted.pages)
    return Index(bodies, _labels(extracted)).search(claim_text, n)
