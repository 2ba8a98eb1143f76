"""The learned half of the needs-citation check: a linear model over hashed features, scored in plain Python.

The model (``needs_citation_model.json`` beside this module) was trained by
``python -m benchmarks.needs_citation.train --seed 0`` on sentences of real papers, labelled by distant
supervision (a sentence that carried a citation in its paper is one that needs one). A sentence's
features are its words, word pairs, character 4-grams of its words, the rules' signals
(:func:`rule_features`) and where it stands (:func:`context_features`: whether its neighbours in the
paragraph carry citations, its place in the paragraph, its section's heading words), computed by
:func:`sentence_contexts` alike for scan and for the training data; each feature name is hashed with CRC-32 into one of ``2**bits`` weights, and
the score is the logistic of the bias plus the weights of the features present. The hashing spec is
stored in the model file itself, and :func:`features` refuses a file whose spec this code does not
write, so a model can never be read with features it was not trained on.
"""

from __future__ import annotations

import array
import base64
import functools
import json
import math
import re
import sys
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bibkit.infra.errors import BibkitError
from bibkit.manuscripts import needs_citation as rules
from bibkit.manuscripts.base import Sentence

MODEL_PATH = Path(__file__).resolve().parent / "needs_citation_model.json"
#: The model file's format; a file of another format is refused.
FORMAT = 1
#: The feature spec this code computes (written into the model file as ``hashing``).
HASHING = {"hash": "crc32-utf8", "bits": 18, "features": "w1,w2,c4,rules-v1,context-v1", "lowercase": True,
           "digits": "0"}

_TOKEN = re.compile(r"[a-z0-9]+(?:['’.-][a-z0-9]+)*")
_DIGITS = re.compile(r"[0-9]+")
_CAPITAL_MID = re.compile(r"(?<=\S\s)[A-Z][a-z]+")
_HAS_DIGIT = re.compile(r"[0-9]").search
_ATTRIBUTIVE_NOUNS = ("studies", "research", "evidence", "work", "report", "survey", "literature", "analyses",
                      "experiments", "observations", "estimates", "authors", "researchers", "scientists",
                      "investigators")
_KNOWN_LEADS = ("been", "is ", "are ", "previous", "prior", "recent", "earlier", "several", "many", "numerous")
_HAS_QUOTE = re.compile(r"[\"“”]").search
_ATTRIBUTIVE = re.compile(r"\b(?:studies|research|evidence|work|reports?|surveys?|literature|analyses|"
                          r"experiments|observations|estimates|authors|researchers|scientists|investigators)\b"
                          r"(?:\s+\w+){0,3}\s+(?:show|showed|shown|suggest|suggested|found|find|indicate|"
                          r"indicated|demonstrate|demonstrated|report|reported|reveal|revealed)\b", re.I)
_KNOWN = re.compile(r"\b(?:has|have|had) been (?:shown|reported|found|demonstrated|observed|proposed|suggested|"
                    r"used|applied|developed|described|studied|widely)\b|\b(?:is|are) (?:known|thought|believed|"
                    r"widely|commonly|often|generally)\b|\b(?:previous|prior|recent|earlier|several|many|numerous)"
                    r" (?:studies|work|works|research|efforts|approaches|methods|papers|reports)\b", re.I)


def rule_features(text: str, found: list[rules.Flag] | None = None) -> list[str]:
    """The hand-written signals of a sentence as feature names (the rules' reasons among them).

    ``found`` is ``rules.signals(text)`` when the caller has it already (it is the slow part)."""
    out = ["r:" + f.reason for f in (rules.signals(text) if found is None else found)]
    if rules._FIRST_PERSON.search(text):
        out.append("r:first-person")
    if rules._HEDGE.search(text):
        out.append("r:hedge")
    low = text.lower()
    # The substring tests only skip a regex that could not match (each needs one of those words).
    if any(w in low for w in _ATTRIBUTIVE_NOUNS) and _ATTRIBUTIVE.search(text):
        out.append("r:studies-show")
    if any(w in low for w in _KNOWN_LEADS) and _KNOWN.search(text):
        out.append("r:known")
    if _HAS_DIGIT(text):
        out.append("r:number")
    if _HAS_QUOTE(text):
        out.append("r:quote")
    caps = len(_CAPITAL_MID.findall(text))
    out.append("r:caps" + str(min(caps, 3)))
    words = len(rules._WORD.findall(text))
    out.append("r:len" + next(str(b) for b in (8, 15, 25, 40, 999) if words <= b))
    return out


@dataclass(frozen=True, slots=True)
class Context:
    """Where a sentence stands: whether its neighbours in the paragraph carry citations, and its section.

    ``prev`` and ``next`` are "none" (no neighbour in the paragraph), "0" (an uncited neighbour) or "1"
    (a neighbour with a citation); ``index`` is the sentence's place in its paragraph (0 first);
    ``others`` how many other sentences of the paragraph carry citations; ``section`` the heading text
    above it; ``cites`` whether the manuscript carries any citation (without any, the neighbours'
    features are left out: in a draft they say nothing). The default is a paragraph of one sentence
    under no heading, in a manuscript without citations."""

    prev: str = "none"
    next: str = "none"
    index: int = 0
    others: int = 0
    section: str = ""
    cites: bool = False


LONE = Context()
# Heading words that name a part of a paper (the first part whose words a heading holds wins).
PARTS = (("introduction", r"intro|background|related|motivation|overview|literature|context|state of the art|history"),
         ("methods", r"method|material|data|experiment|setup|procedure|approach|implementation|model|analysis|"
                     r"participants|measures|design|protocol|sample|observations|simulation"),
         ("results", r"result|finding|evaluation|performance|benchmark|validation|application|case stud"),
         ("discussion", r"discussion|conclu|outlook|limitation|future|summary|implication|perspective"))
_HEADING_WORD = re.compile(r"[a-z]{3,}")


def section_part(heading: str | None, current: str = "") -> str:
    """The part of a paper a heading opens ("introduction", "methods", "results", "discussion"), else ``current``."""
    low = (heading or "").lower()
    for part, words in PARTS:
        if re.search(words, low):
            return part
    return current


def context_features(ctx: Context) -> list[str]:
    """The feature names of a sentence's context: neighbours' citations, place in the paragraph, section.

    In a manuscript without citations (a draft) the neighbours' citations say nothing, so they are left
    out ("x:nocites" instead); training learns that form from every paper sentence a second time."""
    part = section_part(ctx.section) or ("none" if not ctx.section else "other")
    out = ["x:idx" + str(min(ctx.index, 3)), "s:" + part]
    if ctx.cites:
        out += ["x:prev-" + ctx.prev, "x:next-" + ctx.next, "x:pn-" + ctx.prev + "-" + ctx.next,
                "x:others" + str(min(ctx.others, 3)), "s:" + part + "&prev-" + ctx.prev,
                "s:" + part + "&next-" + ctx.next]
    else:
        out.append("x:nocites")
    out += ["h:" + w for w in _HEADING_WORD.findall((ctx.section or "").lower())[:6]]
    return out


def sentence_contexts(sentences: Sequence[Sentence], cited: Callable[[Sentence], bool]) -> list[Context | None]:
    """The :class:`Context` of each sentence (None for headings), its neighbours' citations told by ``cited``.

    Neighbours are the sentences before and after it in the same paragraph (``Sentence.paragraph``);
    ``scan`` passes "carries a citation in the manuscript", training "carried one in its paper"."""
    groups: dict[int, list[int]] = {}
    for i, s in enumerate(sentences):
        if not s.heading:
            groups.setdefault(s.paragraph, []).append(i)
    out: list[Context | None] = [None] * len(sentences)
    cites = any(bool(cited(s)) for s in sentences)
    for members in groups.values():
        flags = [bool(cited(sentences[i])) for i in members]
        total = sum(flags)
        for k, i in enumerate(members):
            prev = "none" if k == 0 else str(int(flags[k - 1]))
            nxt = "none" if k + 1 == len(members) else str(int(flags[k + 1]))
            out[i] = Context(prev, nxt, k, total - flags[k], sentences[i].section or "", cites)
    return out


def features(text: str, found: list[rules.Flag] | None = None, context: Context | None = LONE) -> list[str]:
    """The feature names of a sentence, in the order they are computed (duplicates kept); ``found`` as in
    :func:`rule_features`, ``context`` where the sentence stands (None: no context features, as for the
    general-prose sentences training learns from, which stand in no paper)."""
    toks = [_DIGITS.sub("0", t) for t in _TOKEN.findall(text.lower())]
    out = ["w:" + t for t in toks]
    out += ["b:" + a + " " + b for a, b in zip(["<s>"] + toks, toks + ["</s>"])]
    for t in toks:
        padded = "<" + t + ">"
        out += ["c:" + padded[i:i + 4] for i in range(len(padded) - 3)]
    out += rule_features(text, found)
    out += context_features(context) if context is not None else []
    return out


@functools.lru_cache(maxsize=1 << 16)
def _token_hashes(token: str, bits: int) -> tuple[int, ...]:
    """The weight indexes of a token's own features (``w:`` and its ``c:`` 4-grams); tokens repeat, so cached."""
    mask = (1 << bits) - 1
    padded = "<" + token + ">"
    names = ["w:" + token] + ["c:" + padded[i:i + 4] for i in range(len(padded) - 3)]
    crc = zlib.crc32
    return tuple([crc(n.encode("utf-8")) & mask for n in names])


def hashed(text: str, bits: int = HASHING["bits"], found: list[rules.Flag] | None = None,
           context: Context | None = LONE) -> set[int]:
    """The distinct weight indexes of a sentence's features: exactly those of :func:`features`, computed faster."""
    mask = (1 << bits) - 1
    crc = zlib.crc32
    toks = _TOKEN.findall(_DIGITS.sub("0", text.lower()))  # the same tokens as features() makes
    out: set[int] = set()
    for t in toks:
        out.update(_token_hashes(t, bits))
    names = (["b:" + a + " " + b for a, b in zip(["<s>"] + toks, toks + ["</s>"])] + rule_features(text, found)
             + (context_features(context) if context is not None else []))
    out.update([crc(n.encode("utf-8")) & mask for n in names])
    return out


@dataclass(frozen=True)
class CiteModel:
    """A loaded model: bias, weights by hashed index, its default threshold and its version."""

    version: str
    bias: float
    weights: Sequence[int]  # each weight is its integer times ``scale``
    scale: float
    threshold: float
    bits: int

    def score(self, text: str, found: list[rules.Flag] | None = None, context: Context = LONE) -> float:
        """The probability, as the model sees it, that the sentence needs a citation (``found``: its rule
        signals when the caller has them; ``context``: where it stands)."""
        w = self.weights
        z = self.bias + self.scale * sum(map(w.__getitem__, hashed(text, self.bits, found, context)))
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


def pack_weights(weights: list[float]) -> tuple[str, float]:
    """(base64 of little-endian 16-bit integers, scale): each weight is its integer times the scale."""
    top = max((abs(w) for w in weights), default=0.0)
    scale = float(f"{top / 32767:.9g}") if top else 1.0
    ints = array.array("h", (max(-32767, min(32767, round(w / scale))) for w in weights))
    if sys.byteorder != "little":
        ints.byteswap()
    return base64.b64encode(ints.tobytes()).decode("ascii"), scale


def unpack_weights(data: str, n: int) -> array.array:
    """The integers of :func:`pack_weights` (multiply by the scale for the weights)."""
    raw = base64.b64decode(data)
    if len(raw) != 2 * n:
        raise ValueError(f"{n} weights expected, {len(raw) // 2} found")
    ints = array.array("h")
    ints.frombytes(raw)
    if sys.byteorder != "little":
        ints.byteswap()
    return ints


def parse_model(doc: dict, where: str = "model") -> CiteModel:
    """A :class:`CiteModel` from the model file's JSON document; BibkitError naming ``where`` if it is not one."""
    try:
        if doc.get("format") != FORMAT:
            raise ValueError(f"format {doc.get('format')!r}, this bibkit reads format {FORMAT}")
        if doc.get("hashing") != HASHING:
            raise ValueError("its feature hashing is not the one this bibkit computes")
        bits = int(doc["hashing"]["bits"])
        return CiteModel(str(doc["version"]), float(doc["bias"]), unpack_weights(doc["weights"], 1 << bits),
                         float(doc["scale"]), float(doc["threshold"]), bits)
    except (KeyError, TypeError, ValueError) as exc:
        raise BibkitError(f"{where}: not a needs-citation model ({exc})") from None


@functools.lru_cache(maxsize=4)
def load_model(path: str | None = None) -> CiteModel:
    """The shipped model (or the one at ``path``), read once per process."""
    where = path or str(MODEL_PATH)
    try:
        doc = json.loads(Path(where).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BibkitError(f"{where}: cannot read the needs-citation model ({exc})") from None
    return parse_model(doc, where)


def decide(text: str, *, cited: bool = False, heading: bool = False, threshold: float | None = None,
           model: CiteModel | None = None, context: Context = LONE) -> rules.Flag | None:
    """Whether a sentence needs a citation, and why: the rules' flag, else the model's.

    What the rules never flag (cited sentences, headings, questions, the first or second person,
    hypotheticals, sentences about the document, fewer than four words) is never flagged. A sentence
    with a rule signal is flagged with that signal's reason, as before the model: on general prose
    (news, encyclopedia, policy, history) the rules are precise and the paper-trained model is unsure.
    Any other sentence is flagged when the model's score reaches ``threshold`` (the model file's
    default when None), with the reason ``learned``: a pattern learned from real papers. ``context`` is
    where the sentence stands (:func:`sentence_contexts`); the default is a lone sentence in a
    manuscript without citations.
    """
    if rules.never_flagged(text, cited=cited, heading=heading):
        return None
    found = rules.signals(text.strip())
    if found:
        return found[0]
    m = model or load_model()
    if m.score(text, found, context) >= (m.threshold if threshold is None else threshold):
        return rules.Flag(rules.LEARNED, "")
    return None
