"""Built-in citations: short author-year ("Smil (1999, p. 1619)") and a plain full reference.

The claim map uses them when no style is configured (``bibkit.reports.base.Citations`` renders
through the CSL formatter when one is); they need no engine and are cached with the parse cache.
"""

from __future__ import annotations

import functools
import re

from bibkit.bib.latex import to_unicode
from bibkit.bib.names import Name, parse_names
from bibkit.model import Entry

_YEAR = re.compile(r"\d{4}")
_SPACES = re.compile(r"[ \t\r\n]+")
_NAME_PART = re.compile(r"[^\W_](?:\w|['’](?=\w))*")  # a run of letters (or digits) between periods
_NEEDS_DECODING = re.compile(r"[\\{}~$`']|--")


@functools.lru_cache(maxsize=65536)
def display_text(value: str | None) -> str:
    """LaTeX-ish field text as a reader sees it: accents decoded, braces and markup commands dropped."""
    if not value:
        return ""
    if not _NEEDS_DECODING.search(value):  # plain text: nothing to decode
        return _SPACES.sub(" ", value).strip()
    return to_unicode(value)


def _people(entry: Entry) -> tuple[list[Name], bool]:
    """The entry's authors (or, failing that, editors) and whether they are editors."""
    for role in ("author", "editor"):
        value = entry.get(role)
        if value and value.strip():
            return parse_names(value), role == "editor"
    return [], False


def _family(person: Name) -> str:
    """A person's family name with its particle ("van der Berg"), or a body's name."""
    return person.full_family or person.given


def _initials(person: Name) -> str:
    """Given names as initials, each with its period, as APA writes them: "Donald E." and "D. E" are
    "D. E.", "J.P." is "J. P.", "Kai-sing" is "K.-s.", "J.-P." stays."""
    out = []
    for name in person.given.split():
        pieces = [_initial(p) for p in name.split("-")]
        pieces = [p for p in pieces if p]
        if pieces:
            out.append("-".join(pieces))
    return " ".join(out)


def _initial(piece: str) -> str:
    """One piece of a given name ("Donald", "E.", "J.P.") as initials with periods ("D.", "E.", "J. P.")."""
    letters = [m.group(0)[0] for m in _NAME_PART.finditer(piece)]
    return " ".join(f"{c}." for c in letters)


def year(entry: Entry) -> str:
    """The publication year (from ``year`` or ``date``), or "n.d."."""
    for name in ("year", "date"):
        match = _YEAR.search(entry.get(name) or "")
        if match:
            return match.group(0)
    return "n.d."


def authors_short(entry: Entry) -> str:
    """"Smil", "Kung and Lin", "Alpha et al.", or a short title when nobody is named."""
    people, _ = _people(entry)
    families = [_family(p) for p in people]
    if len(families) == 1:
        return families[0]
    if len(families) == 2:
        return f"{families[0]} and {families[1]}"
    if families:
        return f"{families[0]} et al."
    title = display_text(entry.get("title")) or entry.key
    words = title.split()
    return " ".join(words[:4]) + ("…" if len(words) > 4 else "")


def short_citation(entry: Entry, locator: str | None = None) -> str:
    """Narrative author-year citation: "Smil (1999)", "Kung and Lin (2003, p. 51)"."""
    inside = year(entry)
    if locator:
        inside += f", {display_text(locator)}"
    return f"{authors_short(entry)} ({inside})"


def _names_full(people: list[Name]) -> str:
    """"Kung, J. K.-s., & Lin, J. Y." in APA's manner."""
    names = []
    for person in people:
        initials = _initials(person)
        names.append(f"{_family(person)}, {initials}" if initials else _family(person))
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + ", & " + names[-1]


def full_citation(entry: Entry) -> str:
    """A plain-text reference in an author-date manner; the fallback until the CSL engine is wired in."""
    people, editors = _people(entry)
    title = display_text(entry.get("title"))
    parts: list[str] = []
    who = _names_full(people)
    if who:
        parts.append(who + (" (Ed.)." if editors and len(people) == 1 else " (Eds.)." if editors else ""))
    parts.append(f"({year(entry)}).")
    if title:
        parts.append(title if title.endswith(("?", "!", ".")) else title + ".")
    container = display_text(entry.get("journal") or entry.get("journaltitle") or entry.get("booktitle"))
    if container:
        tail = container
        volume, number = display_text(entry.get("volume")), display_text(entry.get("number"))
        if volume:
            tail += f", {volume}" + (f"({number})" if number else "")
        pages = display_text(entry.get("pages"))
        if pages:
            tail += f", {pages}"
        parts.append(tail + ".")
    publisher = display_text(entry.get("publisher") or entry.get("institution") or entry.get("school"))
    if publisher and not container:
        parts.append(publisher + ".")
    doi = (entry.get("doi") or "").strip()
    if doi:
        parts.append(doi if doi.lower().startswith("http") else f"https://doi.org/{doi}")
    elif entry.get("url"):
        parts.append(entry.get("url", "").strip())
    return " ".join(p for p in parts if p)


_BRACKETED = re.compile(r"\[([^\[\]]*?-?@[^\[\]]*)\]")
_BARE = re.compile(r"(?<![\w@\[])-?@\{?([\w][\w:.#$%&+?<>~/-]*\w|\w)\}?")


def readable_citations(text: str, entries: dict[str, Entry]) -> str:
    """Claim text with pandoc citations of known keys as a reader sees them.

    ``@smil1999 argues`` becomes ``Smil (1999) argues``; ``[@a; @b, p. 3]`` becomes
    ``(A 2000; B 2001, p. 3)``. Keys not in ``entries`` are left as written.
    """
    if "@" not in text:
        return text

    def bracketed(m: re.Match) -> str:
        parts = []
        for piece in m.group(1).split(";"):
            found = re.search(r"-?@\{?([\w][\w:.#$%&+?<>~/-]*\w|\w)\}?(?:,\s*(.*))?", piece.strip())
            if not found or found.group(1) not in entries:
                return m.group(0)
            entry = entries[found.group(1)]
            locator = f", {display_text(found.group(2).strip())}" if found.group(2) else ""
            parts.append(f"{authors_short(entry)} {year(entry)}{locator}")
        return "(" + "; ".join(parts) + ")"

    def bare(m: re.Match) -> str:
        entry = entries.get(m.group(1))
        return short_citation(entry) if entry is not None else m.group(0)

    return _BARE.sub(bare, _BRACKETED.sub(bracketed, text))
