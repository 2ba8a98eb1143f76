"""Crossref and ``@set``: which entry inherits from which, cycles broken, subsets made whole.

BibTeX and biber let a child entry inherit the fields it lacks from the entry its ``crossref``
names. A subset of a bibliography (``--cited-only``, ``--keys``, the sources of a claim map) must
carry its parents along or it loses those fields. Three ways to do that live here:

- :func:`with_parents`: the selection plus the ancestors it needs (what ``bibtex`` itself does when
  ``min-crossrefs`` is reached, and what biber needs), for BibTeX/BibLaTeX export and for the
  formatter, which reads the parents but renders only the selection;
- :func:`inherit`: a copy of an entry with the inherited fields written into it and no crossref,
  for formats without crossrefs (RIS) and for ``export --resolve-crossrefs``;
- :func:`expand_sets`: a BibLaTeX ``@set`` replaced by its members.

Keys match case-insensitively, as BibTeX matches them. A crossref that closes a cycle (an entry
naming itself, ``a -> b -> a``) is ignored everywhere, with a located warning B021 (pandoc's
reader, given a cycle, never returns); in each cycle the link from the entry that comes last in
the bibliography is the one dropped, since BibTeX wants parents after their children.
"""

from __future__ import annotations

import dataclasses
from typing import Iterable, Sequence

from bibkit.diagnostics import Diagnostic, Severity
from bibkit.model import Bibliography, Entry, Field

# Fields biber never inherits (biblatex manual, appendix B).
NOT_INHERITED = frozenset({
    "ids", "crossref", "xref", "entryset", "entrysubtype", "execute", "label", "options", "presort",
    "related", "relatedoptions", "relatedstring", "relatedtype", "shorthand", "shorthandintro", "sortkey",
})

_NO_SHORT = {"shorttitle": (), "sorttitle": (), "indextitle": (), "indexsorttitle": ()}
_MAIN = {"title": ("maintitle",), "subtitle": ("mainsubtitle",), "titleaddon": ("maintitleaddon",), **_NO_SHORT}
_BOOK = {"title": ("booktitle",), "subtitle": ("booksubtitle",), "titleaddon": ("booktitleaddon",), **_NO_SHORT}

#: biber's default inheritance rules (biblatex manual, appendix B): (parent types, child types, field map).
#: A field no rule names is inherited under its own name.
BIBLATEX_RULES: list[tuple[frozenset[str], frozenset[str], dict[str, tuple[str, ...]]]] = [
    (frozenset({"mvbook", "book"}), frozenset({"inbook", "bookinbook", "suppbook"}),
     {"author": ("author", "bookauthor")}),
    (frozenset({"mvbook"}), frozenset({"book", "inbook", "bookinbook", "suppbook"}), _MAIN),
    (frozenset({"mvcollection", "mvreference"}),
     frozenset({"collection", "reference", "incollection", "inreference", "suppcollection"}), _MAIN),
    (frozenset({"mvproceedings"}), frozenset({"proceedings", "inproceedings"}), _MAIN),
    (frozenset({"book"}), frozenset({"inbook", "bookinbook", "suppbook"}), _BOOK),
    (frozenset({"collection", "reference"}), frozenset({"incollection", "inreference", "suppcollection"}), _BOOK),
    (frozenset({"proceedings"}), frozenset({"inproceedings"}), _BOOK),
    (frozenset({"periodical"}), frozenset({"article", "suppperiodical"}),
     {"title": ("journaltitle",), "subtitle": ("journalsubtitle",), **_NO_SHORT}),
]


class Crossrefs:
    """The crossref graph of a bibliography: parents by case-insensitive key, cycles found once."""

    def __init__(self, bibliography: Bibliography) -> None:
        self.bibliography = bibliography
        self.by_lower = {key.lower(): entry for key, entry in bibliography.entries.items()}
        self.order = {key: i for i, key in enumerate(bibliography.entries)}
        self.cycles: list[list[str]] = []
        self.broken: dict[str, list[str]] = {}  # key whose crossref is ignored -> the cycle it closes
        self._find_cycles()

    def _target(self, entry: Entry) -> Entry | None:
        name = (entry.get("crossref") or "").strip()
        return self.by_lower.get(name.lower()) if name else None

    def parent(self, entry: Entry) -> Entry | None:
        """The entry ``entry`` inherits from, or None (no crossref, a missing key, or a link that closes a cycle)."""
        if entry.key in self.broken:
            return None
        return self._target(entry)

    def _find_cycles(self) -> None:
        state: dict[str, int] = {}  # 1: on the current path, 2: done
        for start in self.bibliography.entries.values():
            path: list[Entry] = []
            node: Entry | None = start
            while node is not None and state.get(node.key) is None:
                state[node.key] = 1
                path.append(node)
                node = self._target(node)
            if node is not None and state.get(node.key) == 1:  # back on this walk's path: a cycle
                cycle = [e.key for e in path[[e.key for e in path].index(node.key):]]
                last = max(cycle, key=lambda k: self.order[k])
                at = cycle.index(last)
                rotated = cycle[at + 1:] + cycle[:at + 1]  # ends with the entry whose link is dropped
                self.cycles.append(rotated)
                self.broken[last] = rotated
            for e in path:
                state[e.key] = 2

    def diagnostics(self) -> list[Diagnostic]:
        """B021 for every cycle, located at the crossref field that is ignored."""
        out = []
        for key, cycle in self.broken.items():
            entry = self.bibliography.entries[key]
            fld = entry.field("crossref")
            assert fld is not None
            chain = " -> ".join([cycle[-1], *cycle])
            out.append(Diagnostic(entry.file, entry.source.line_of(fld.offset), entry.source.column_of(fld.offset),
                                  Severity.WARNING, "B021",
                                  f"{key}: crossref cycle {chain}; the crossref of {key} is ignored", key))
        return out

    def untangled(self, entry: Entry) -> Entry:
        """The entry with a cycle-closing crossref removed and a crossref naming the parent's key as written."""
        fld = entry.field("crossref")
        if fld is None:
            return entry
        parent = self.parent(entry)
        if entry.key in self.broken:
            return _with_fields(entry, [f for f in entry.fields if f.name.lower() != "crossref"])
        if parent is not None and fld.value.strip() != parent.key:
            return _with_fields(entry, [dataclasses.replace(f, value=parent.key, parts=_parts(parent.key))
                                        if f is fld else f for f in entry.fields])
        return entry

    def ancestors(self, entry: Entry) -> list[Entry]:
        """Parent, grandparent, ... (cycles already broken, so this ends)."""
        out = []
        node = self.parent(entry)
        while node is not None:
            out.append(node)
            node = self.parent(node)
        return out


def _parts(text: str):
    from bibkit.model import ValuePart

    return [ValuePart("brace", text)]


def _with_fields(entry: Entry, fields: list[Field], type_: str | None = None) -> Entry:
    return dataclasses.replace(entry, fields=fields, type=type_ or entry.type, _index=None)


def with_parents(entries: Sequence[Entry], graph: Crossrefs) -> tuple[list[Entry], list[Entry]]:
    """(the entries, the ancestors they need that are not among them), all untangled (see :class:`Crossrefs`).

    Parents come after their children and in the order first needed, as BibTeX requires.
    """
    chosen = {e.key for e in entries}
    parents: list[Entry] = []
    seen: set[str] = set(chosen)
    for e in entries:
        for anc in graph.ancestors(e):
            if anc.key not in seen:
                seen.add(anc.key)
                parents.append(anc)
    return [graph.untangled(e) for e in entries], [graph.untangled(p) for p in parents]


def _field_map(parent_type: str, child_type: str) -> dict[str, tuple[str, ...]]:
    mapping: dict[str, tuple[str, ...]] = {}
    for parents, children, fields in BIBLATEX_RULES:
        if parent_type in parents and child_type in children:
            mapping.update(fields)
    return mapping


def inherit(entry: Entry, graph: Crossrefs, *, biblatex: bool = True) -> Entry:
    """A copy of ``entry`` with every field it inherits written into it, and no ``crossref``.

    ``biblatex``: biber's default rules (a book's ``title`` becomes an inbook's ``booktitle``,
    a periodical's ``title`` an article's ``journaltitle``, ...), the parent resolved first;
    otherwise BibTeX's: a field the child lacks is copied under its own name.
    """
    parent = graph.parent(entry)
    own = [f for f in entry.fields if f.name.lower() != "crossref"]
    if parent is None:
        return entry if len(own) == len(entry.fields) else _with_fields(entry, own)
    resolved_parent = inherit(parent, graph, biblatex=biblatex)
    have = {f.name.lower() for f in own}
    mapping = _field_map(parent.type, entry.type) if biblatex else {}
    added: list[Field] = []
    for f in resolved_parent.fields:
        name = f.name.lower()
        if name in NOT_INHERITED and biblatex or name == "crossref":
            continue
        for target in mapping.get(name, (name,)):
            if target not in have:
                have.add(target)
                added.append(dataclasses.replace(f, name=target))
    return _with_fields(entry, own + added)


def set_members(entry: Entry, graph: Crossrefs) -> list[Entry]:
    """The members of a ``@set`` entry (its ``entryset`` keys that exist), in the order given."""
    keys = [k.strip() for k in (entry.get("entryset") or "").split(",") if k.strip()]
    return [graph.by_lower[k.lower()] for k in keys if k.lower() in graph.by_lower]


def expand_sets(entries: Iterable[Entry], graph: Crossrefs) -> list[Entry]:
    """The entries with each ``@set`` replaced by its members (each entry once, first place wins)."""
    out: list[Entry] = []
    seen: set[str] = set()
    for e in entries:
        for member in (set_members(e, graph) if e.type == "set" else [e]):
            if member.key not in seen and member.type != "set":
                seen.add(member.key)
                out.append(member)
    return out
