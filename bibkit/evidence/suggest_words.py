"""Word forms for passage suggestions: British spellings and a small hand-made list of near-synonyms.

A claim in a writer's own words rarely repeats its source's words: "errors" for "mistakes", "grew" for
"increased", "prioritisation" for "prioritization". Two small, deterministic steps let lexical
retrieval see those as the same term, without a model:

- :func:`spelling`: common British spellings folded to American before stemming ("-ise/-isation" to
  "-ize/-ization", "-yse" to "-yze", "-our" to "-or"), so both spellings stem alike;
- :func:`canonical`: the stem of a word in one of :data:`GROUPS` (words of general academic prose that
  writers swap for one another) replaced by the group's first stem.

The groups are hand-made for general academic English, not fitted to any benchmark claim; a word is
in at most one group, and topic words (names of things a paper is about) are left out, since merging
those would blur what a passage is about.
"""

from __future__ import annotations

import re
from typing import Callable

#: Near-synonym groups of general academic prose; the first word names the group. Inflected forms
#: are covered by stemming (and listed where the stemmer does not bring them together: fell, found).
GROUPS: tuple[tuple[str, ...], ...] = (
    ("increase", "rise", "rose", "risen", "grow", "grew", "grown", "growth", "raise", "boost"),
    ("decrease", "reduce", "reduction", "decline", "drop", "fall", "fell", "fallen", "diminish", "shrink",
     "lessen"),
    ("large", "big", "huge", "vast", "massive", "sizeable", "enormous"),
    ("small", "little", "minor", "tiny", "slight", "modest"),
    ("fast", "faster", "fastest", "quick", "quicker", "quickly", "rapid", "rapidly", "swift", "speedy"),
    ("slow", "slower", "sluggish", "slowdown"),
    ("error", "mistake", "fault", "flaw", "bug", "defect"),
    ("cost", "costly", "expensive", "expense"),
    ("cheap", "inexpensive"),
    ("method", "approach", "technique"),
    ("improve", "improvement", "better", "enhance", "enhancement"),
    ("result", "outcome"),
    ("many", "numerous", "multiple", "several", "various"),
    ("whole", "entire", "entirely", "complete", "completely", "full", "fully"),
    ("begin", "start", "commence"),
    ("finish", "end", "terminate"),
    ("help", "assist", "aid"),
    ("problem", "issue", "difficulty", "challenge"),
    ("goal", "aim", "objective", "purpose"),
    ("choose", "chose", "chosen", "select", "selection", "choice", "pick"),
    ("compare", "comparison"),
    ("evaluate", "evaluation", "assess", "assessment", "measure", "measurement"),
    ("simple", "simply", "easy", "easily", "plain", "straightforward"),
    ("hard", "difficult"),
    ("fail", "failure"),
    ("important", "crucial", "essential", "vital", "critical"),
    ("accurate", "precise", "exact", "correct"),
    ("keep", "kept", "retain", "preserve", "maintain"),
    ("limit", "restrict", "restriction", "constrain", "constraint"),
    ("extra", "additional"),
    ("new", "novel"),
    ("previous", "earlier", "prior", "past"),
    ("rare", "rarely", "seldom", "infrequent", "uncommon"),
    ("frequent", "frequently", "common", "commonly", "usual", "usually", "typical", "typically"),
    ("main", "primary", "chief", "major", "principal", "mostly", "mainly"),
    ("contradiction", "contradict", "contradictory", "inconsistency", "inconsistent", "conflict"),
    ("copy", "duplicate", "replicate", "duplication"),
    ("store", "save"),
    ("people", "person", "human", "individual"),
    ("run", "ran", "execute", "execution"),
    ("find", "found", "discover", "reveal", "demonstrate", "indicate"),
    ("explain", "explanation"),
)

_BRITISH = (
    (re.compile(r"(?<=[a-z]{3})is(e|es|ed|ing|ation|ations|er|ers)$"), r"iz\1"),
    (re.compile(r"(?<=[a-z]{2})ys(e|es|ed|ing)$"), r"yz\1"),
    (re.compile(r"(?<=[a-z]{3})our(s|ed|ing|able|ite|ites)?$"), r"or\1"),
)
# Words the spelling rules would turn into other words.
_KEEP = frozenset("""
advise advised advises advising devise devised devising revise revised revising supervise supervised
supervising televise exercise exercised exercises exercising otherwise compromise compromised premise
premises promise promised promises promising surprise surprised surprises surprising enterprise
enterprises expertise precise concise concisely franchise merchandise disguise disguised
comprise comprised comprises comprising despise chemise paradise treatise mortise noise noises
poise praise praised raise raised raises raising arise arises arising arisen rise rises risen
wise likewise clockwise concise incise excise excised promisingly
hour hours four fours pour pours poured pouring tour tours toured touring your yours sour flour
flours our ours detour detours contour contours devour devoured glamour troubadour
""".split())


def spelling(word: str) -> str:
    """A lower-case word with common British spellings made American ("optimisation" -> "optimization")."""
    if len(word) < 6 or word in _KEEP:
        return word
    for pattern, repl in _BRITISH:
        new = pattern.sub(repl, word)
        if new != word:
            return new
    return word


_CANON: dict[str, str] | None = None


def canon_table(stem: Callable[[str], str]) -> dict[str, str]:
    """Stem -> the stem of its group's first word, for every word of :data:`GROUPS` (built once)."""
    global _CANON
    if _CANON is None:
        table: dict[str, str] = {}
        for group in GROUPS:
            head = stem(spelling(group[0]))
            for word in group:
                table.setdefault(stem(spelling(word)), head)
        _CANON = table
    return _CANON
