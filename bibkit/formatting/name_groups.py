"""Phase two: the entries disambiguation can change, in groups that must be rendered together.

Citations that share a name and a year (:func:`colliding_groups`) are grouped by every name they
may be disambiguated by (:func:`_collision_keys`), transitively; the groups the entries themselves
suggest (:func:`guessed_groups`) let phase two start before phase one ends. Groups go in runs of
a few groups each (:func:`phase_two_runs`), with the crossref and xdata parents they need.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Container, Iterable, Mapping, Sequence

from bibkit.bib.crossref import parent_keys
from bibkit.formatting.style_variants import bibliography_takes_given_names
from bibkit.infra.progress import split
from bibkit.model import Entry


def guessed_groups(entries: Sequence[Entry]) -> list[list[str]]:
    """The name groups phase two will probably render, guessed from the entries before phase one
    has rendered a citation: entries whose first author (else editor) has the same family name
    (:func:`_guessed_name`), when two of them have the same year.

    Only a guess, for speed: a group phase one finds (:func:`colliding_groups`) is taken from a
    guessed run only when that run cited all of it.
    """
    groups: dict[str, list[tuple[str, str]]] = {}
    for e in entries:
        groups.setdefault(_guessed_name(e), []).append((e.key, _guessed_year(e)))
    return [[k for k, _ in members] for members in groups.values()
            if len({y for _, y in members}) < len(members)]


def _guessed_name(entry: Entry) -> str:
    """:func:`_collision_key` as the entry's citation will probably give it, casefolded and without accents:
    the first capitalised word of the first author's (else editor's) family name (a particle, braced
    or not, is left out), else the first word of the title."""
    from bibkit.bib.latex import to_unicode
    from bibkit.bib.names import parse_names

    words: list[str] = []
    for name_field in ("author", "editor"):
        value = entry.get(name_field)
        names = parse_names(value) if value else []
        if names:
            name = names[0]
            words = (name.literal or name.family or name.given).split()
            words = [w for w in words if w[:1].isupper()] or words
            break
    else:
        words = to_unicode(entry.get("title") or "").split()
    if not words:
        return ""
    # accents folded away: "Garc{\\'\\i}a" and "García" are one name
    bare = "".join(c for c in unicodedata.normalize("NFKD", words[0]) if not unicodedata.combining(c))
    return bare.replace("ı", "i").strip(_CITE_PUNCT).casefold()


def _guessed_year(entry: Entry) -> str:
    """The entry's year as its citation will probably show it: the first number of ``year``, else of ``date``."""
    m = _NUMBER.search(entry.get("year") or entry.get("date") or "")
    return m.group(0) if m else ""


def likely_group(entry: Entry, cites: Mapping[str, str], groups: Sequence[Sequence[str]],
                 every_name: bool = False) -> set[str]:
    """The keys of ``cites`` (other entries' citations) whose name group ``entry`` will probably join,
    guessed from the entry alone (:func:`_guessed_name`, :func:`_guessed_year`) before its citation is
    rendered: every citation with its first author's name among its collision keys, with whole
    ``groups`` they are in; empty when none of them is in a group and none has the entry's year (then
    no group is likely). Only a guess, for speed: the edit-then-render takes a run of these entries
    for a group only when the run cited all of the group, as phase two takes a guessed run."""
    name = _guessed_name(entry)
    if not name:
        return set()
    quick = name.isascii()
    sharing = [k for k, cite in cites.items()
               if (not quick or name in cite.casefold()) and name in {_fold(w) for w in _collision_keys(cite, every_name)}]
    if not sharing:
        return set()
    year = _guessed_year(entry)
    grouped = {k: g for g in groups for k in g}
    if not any(k in grouped for k in sharing) and not any(_first_number(cites[k]) == year for k in sharing):
        return set()
    out = set(sharing)
    for k in sharing:
        out.update(grouped.get(k, ()))
    return out


def guessed_sort_key(entry: Entry) -> tuple:
    """What an author-date or author-title sort probably compares: the authors' (else editors') family
    and given names, casefolded and without accents and braces, then the year; without names, the
    title's first word (a guess only, for a hint)."""
    from bibkit.bib.names import parse_names

    for name_field in ("author", "editor"):
        value = entry.get(name_field)
        names = parse_names(value) if value else []
        if names:
            return (tuple((_fold(n.literal or n.family), _fold(n.given))
                          for n in names), _guessed_year(entry))
    return ((_guessed_name(entry), ""),), _guessed_year(entry)


def _fold(word: str) -> str:
    """A name casefolded and without accents, as :func:`_guessed_name` gives it."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))
    return bare.replace("ı", "i").strip(_CITE_PUNCT).casefold()


def _first_number(cite: str) -> str:
    m = _NUMBER.search(cite)
    return m.group(0) if m else ""


def colliding_groups(cited: list[Entry], cites: list[str], every_name: bool = False,
                      namesakes: bool = False) -> list[list[str]]:
    """The name groups phase two must render again: entries whose citations share a name
    (:func:`_collision_keys`, joined transitively), when two of them share a name and a year, or
    (``namesakes``: the bibliography prints given names as the citations expand them, see
    :func:`bibliography_takes_given_names`) when the group has two entries at all.

    citeproc only disambiguates citations whose names and dates read alike (its ``getAmbiguities``);
    the hints that add initials or given names to names shared across the list make citations
    longer, never equal. In a name group where no two citations may read alike, nothing can change.
    Where two may, the whole group is rendered together: those hints are computed over every cited
    name ("Li, B." keeps no initial beside "Li, Bo", so "Li, B. 2003" and "Li, J. 2003" get 2003a
    and 2003b only when all the Li entries are cited together). ``every_name``: the style decides
    given names over all names of a citation (``all-names`` rules), so every name joins groups.

    Deliberately coarse on dates: pandoc gives "2006" and an open range "2006–" by the same author
    year suffixes, so the first number (the year) is compared, and entries without one (n.d.) are
    alike among themselves.
    """
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    members = []
    for e, text in zip(cited, cites):
        keys = sorted(_collision_keys(text, every_name))
        for other in keys[1:]:
            parent[root(other)] = root(keys[0])
        m = _NUMBER.search(text)
        members.append((e.key, keys, m.group(0) if m else ""))
    groups: dict[str, list[tuple[str, set[tuple[str, str]]]]] = {}
    for key, keys, year in members:
        groups.setdefault(root(keys[0]), []).append((key, {(k, year) for k in keys}))
    out = []
    for group in groups.values():
        seen: set[tuple[str, str]] = set()
        alike = False
        for _, pairs in group:
            alike = alike or not seen.isdisjoint(pairs)
            seen |= pairs
        if alike or (namesakes and len(group) > 1):
            out.append([k for k, _ in group])
    return out


_NUMBER = re.compile(r"\d+")
_CITE_PUNCT = "([{,;.:\"'“”‘’"


#: Words that join two names in a citation ("Smith & Jones", "Smith and Jones", "Smith und Jones"); a
#: locale's word missing here only makes groups larger (see :func:`_collision_keys`).
_NAME_JOINERS = frozenset({"&", "and", "et", "und", "y", "e", "i", "og", "en", "och", "ja", "a"})


#: What follows a family name without being one ("Fromhold Jr."): not a key, or every Jr. would be one group.
_NAME_SUFFIXES = frozenset({"Jr", "Sr", "Jnr", "Snr", "II", "III", "IV"})


def _first_name_words(cite: str) -> list[str]:
    """The words of a citation's first name: up to a joining word, a comma or the year, punctuation stripped."""
    out = []
    for raw in cite.split():
        word = raw.strip(_CITE_PUNCT)
        if not word:
            continue
        if word[:1].isdigit() or word in _NAME_JOINERS:
            break
        out.append(word)
        if raw.endswith((",", ";")):
            break
    return out


def _collision_key(cite: str) -> str:
    """The first author's family name as cited, without its particle: the first capitalised word of
    the first name, else its first word; for a citation that starts with its year, the year.

    pandoc disambiguates given names across the whole list, and that reaches the year suffixes:
    "Li, B. (2003)" and "Li, J. (2003)" get "a" and "b" only when the Li entries of other years are
    rendered with them (measured on pandoc 3, ``tests/test_formatting_disambiguation.py``). The
    particle is left out because once given names are added, "Berg et al." (from ``Jørgen {van
    der} Berg``) and "van der Berg et al." (from ``{van der} Berg, Jørgen``) both read "J. van der
    Berg et al." and take year suffixes together.
    """
    return _family_word(_first_name_words(cite), cite)


def _family_word(words: list[str], cite: str) -> str:
    """:func:`_collision_key` from the citation's first-name ``words`` (:func:`_first_name_words`)."""
    for word in words:
        if word[:1].isupper():
            return word
    if words:
        return words[0]
    first = cite.split()[0].strip(_CITE_PUNCT) if cite.split() else ""
    m = _NUMBER.match(first)
    return m.group(0) if m else first  # "2001-" and "2001" (anonymous works) are one group


def _collision_keys(cite: str, every_name: bool = False) -> set[str]:
    """Every name a citation may be disambiguated together by (:func:`colliding_groups` joins citations
    sharing any): :func:`_collision_key`, and the first and last words of the first name, so that a
    particle read as a name or a name written whole ("{John Smith}" cited "John Smith" beside
    "Smith") cannot split a group; with ``every_name``, every capitalised word before the year too."""
    name = _first_name_words(cite)
    keys = {_family_word(name, cite)}
    words = [w for w in name if w not in _NAME_SUFFIXES] or name
    if words:
        keys.update((words[0], words[-1]))
    if every_name:
        head = _NUMBER.split(cite, maxsplit=1)[0]
        keys.update(w for w in (raw.strip(_CITE_PUNCT) for raw in head.split()) if w[:1].isupper())
    return keys


#: Entries cited in one phase-two run. pandoc's disambiguation is quadratic in the cited entries
#: (2,298 colliding entries of a 5,000-entry list took 360 s in one run); collision groups do not
#: interact, so they are rendered in runs of about this many entries.
PHASE_TWO_BATCH = 120


def phase_two_runs(groups: list[list[str]], order: list[str] | None) -> Iterable[tuple[set[str], set[str]]]:
    """(entries cited, entries whose rendering is kept) per phase-two run: name groups packed into
    runs of about PHASE_TWO_BATCH entries; a group is never split.

    With ``order`` (styles that substitute repeated authors), each entry's predecessor in the
    bibliography joins its run, so the substitution sees the same neighbour as in one full run.
    """
    before = {k: order[i - 1] for i, k in enumerate(order) if i} if order else {}
    cited: set[str] = set()
    renew: set[str] = set()
    for keys in groups:
        renew.update(keys)
        cited.update(keys)
        cited.update(before[k] for k in keys if k in before)
        if len(cited) >= PHASE_TWO_BATCH:
            yield cited, renew
            cited, renew = set(), set()
    if cited:
        yield cited, renew


def with_parent_entries(keys: set[str], by_key: dict[str, Entry]) -> list[Entry]:
    """The entries of ``keys`` and, transitively, the entries they inherit from (``crossref`` and
    ``xdata``), in list order."""
    wanted = inherited_keys(keys, by_key, {k.lower(): k for k in by_key})
    return [e for k, e in by_key.items() if k in wanted]


def inherited_keys(keys: Iterable[str], by_key: dict[str, Entry], lower: dict[str, str],
                   usable: Container[str] | None = None) -> set[str]:
    """``keys`` and, transitively, the keys of the entries they inherit from (``crossref``, ``xdata``).

    ``lower`` maps each key of ``by_key`` in lower case to the key (BibTeX keys match either way);
    a parent is followed only when it is in ``usable`` (any entry of ``by_key`` when None).
    """
    found: set[str] = set()
    queue = [k for k in keys if k in by_key]
    while queue:
        key = queue.pop()
        if key in found:
            continue
        found.add(key)
        for _, parent in parent_keys(by_key[key]):
            target = parent if parent in by_key else lower.get(parent.lower())
            if target and (usable is None or target in usable):
                queue.append(target)
    return found
