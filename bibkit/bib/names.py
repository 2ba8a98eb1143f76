"""BibTeX personal names: split a name list on ``and`` and a name into given, particle, family, suffix.

Follows BibTeX's rules (the three forms ``First von Last``, ``von Last, First`` and
``von Last, Jr, First``; a "von" part is the lower-case words; braces protect), without building
pybtex objects, so that citing 100,000 entries does not parse names through pybtex. Parsed names
are memoised: real bibliographies repeat their authors.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from bibkit.bib.latex import ACCENTS, to_unicode

_AND = re.compile(r"[{}]|\s+and\s+", re.IGNORECASE)
_COMMAND = re.compile(r"\\([A-Za-z]+|[^A-Za-z])\s*\{?\s*([A-Za-z]?)")


@dataclass(frozen=True, slots=True)
class Name:
    """A person split into BibTeX's four parts (Unicode text), or a body (``literal``)."""

    family: str = ""
    given: str = ""
    particle: str = ""
    suffix: str = ""
    literal: str = ""

    @property
    def full_family(self) -> str:
        """The family name with its particle: "van der Berg", "Ó Gráda"."""
        return f"{self.particle} {self.family}".strip() if not self.literal else self.literal


_AND_ONLY = re.compile(r"\s+and\s+", re.IGNORECASE)


def split_name_list(value: str) -> list[str]:
    """A BibTeX name list split on top-level ``and`` (braces protect)."""
    pieces = _AND_ONLY.split(value)
    if all(p.count("{") == p.count("}") for p in pieces):
        # every ``and`` stands outside braces (one inside would leave a piece with more '{' than '}'):
        # the split below would cut at the same places
        return [n.strip() for n in pieces if n.strip()]
    out, depth, start = [], 0, 0
    for m in _AND.finditer(value):
        tok = m.group()
        if tok == "{":
            depth += 1
        elif tok == "}":
            depth -= 1
        elif depth == 0:
            out.append(value[start:m.start()])
            start = m.end()
    out.append(value[start:])
    return [n.strip() for n in out if n.strip()]


def _split_top(text: str, separators: str) -> list[str]:
    """Split at characters in ``separators`` that stand outside braces."""
    parts, depth, start = [], 0, 0
    for i, c in enumerate(text):
        if c == "{":
            depth += 1
        elif c == "}":
            depth = max(0, depth - 1)
        elif depth == 0 and c in separators:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _is_lower(token: str) -> bool:
    """True when a word is a "von" word: its first letter outside braces (or of a special character) is lower case."""
    depth = 0
    i = 0
    while i < len(token):
        c = token[i]
        if c == "\\" or (c == "{" and depth == 0 and token.startswith("{\\", i)):
            m = _COMMAND.match(token, i + (c == "{"))
            if m:
                command, letter = m.group(1), m.group(2)
                if command in ACCENTS and letter:
                    return letter.islower()
                if command.isalpha():
                    return command[0].islower()
            return False
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif depth == 0 and c.isalpha():
            return c.islower()
        i += 1
    return False


def _words(text: str) -> list[str]:
    return [w for w in _split_top(text.strip(), " \t\n~") if w]


def _von_last(words: list[str]) -> tuple[list[str], list[str]]:
    """Split ``von Last`` words: the particle is the lower-case words before the last upper-case run."""
    last_lower = max((i for i, w in enumerate(words[:-1]) if _is_lower(w)), default=-1)
    return words[:last_lower + 1], words[last_lower + 1:]


def _text(words: list[str]) -> str:
    return to_unicode(" ".join(words))


@functools.lru_cache(maxsize=131072)
def parse_name(raw: str) -> Name:
    """One BibTeX name in any of its three forms; a fully braced name is a body (``literal``)."""
    raw = raw.strip()
    if raw.lower() == "others":
        return Name(literal="others")
    if raw.startswith("{") and raw.endswith("}") and len(_split_top(raw[1:-1], "}")) == 1 and "{" not in raw[1:-1]:
        return Name(literal=to_unicode(raw[1:-1]))
    parts = [p.strip() for p in _split_top(raw, ",")]
    if len(parts) == 1:
        words = _words(parts[0])
        if len(words) <= 1:
            return Name(family=_text(words))
        first_lower = next((i for i, w in enumerate(words[:-1]) if _is_lower(w)), None)
        if first_lower is None:
            return Name(family=_text(words[-1:]), given=_text(words[:-1]))
        von, last = _von_last(words[first_lower:])
        return Name(family=_text(last), given=_text(words[:first_lower]), particle=_text(von))
    von, last = _von_last(_words(parts[0]))
    suffix = parts[1] if len(parts) >= 3 else ""
    given = ", ".join(parts[2:]) if len(parts) >= 3 else parts[1]
    return Name(family=_text(last), given=_text(_words(given)), particle=_text(von), suffix=_text(_words(suffix)))


def parse_names(value: str) -> list[Name]:
    """Every name of a BibTeX name list."""
    return [parse_name(raw) for raw in split_name_list(value)]
