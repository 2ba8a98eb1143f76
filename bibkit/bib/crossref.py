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

Keys match case-insensitively, as BibTeX matches them. ``xdata`` links count as inheritance too.
A link that closes a cycle (an entry naming itself, ``a -> b -> a``) is ignored everywhere, with a
located warning B021 (pandoc's reader, given a cycle, never returns): following the links from
each entry in file order, the link that leads back to an entry already on the path is the one cut.
"""

from __future__ import annotations

import dataclasses
from typing import Iterable, Sequence

from bibkit.infra.diagnostics import Diagnostic, Severity
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


def parent_keys(entry: Entry) -> list[tuple[str, str]]:
    """(field, key) for each entry ``entry`` names to inherit from: its ``crossref``, then each ``xdata`` key."""
    out = []
    name = (entry.get("crossref") or "").strip()
    if name:
        out.append(("crossref", name))
    for key in (entry.get("xdata") or "").split(","):
        key = key.strip()
        if key:
            out.append(("xdata", key))
    return out


class Crossrefs:
    """The crossref and xdata graph of a bibliography: parents by case-insensitive key, cycles cut once."""

    def __init__(self, bibliography: Bibliography) -> None:
        self.bibliography = bibliography
        self._by_lower: dict[str, Entry] | None = None
        self.cycles: list[list[str]] = []
        #: key -> the links of that entry that close a cycle: (field, target key, the cycle's keys)
        self.broken: dict[str, list[tuple[str, str, list[str]]]] = {}
        self._cut: set[tuple[str, str, str]] = set()
        self._find_cycles()

    @property
    def by_lower(self) -> dict[str, Entry]:
        """Key in lower case -> entry (built when first needed: a bibliography without links never needs it)."""
        if self._by_lower is None:
            self._by_lower = {key.lower(): entry for key, entry in self.bibliography.entries.items()}
        return self._by_lower

    def _links(self, entry: Entry) -> list[tuple[str, Entry]]:
        """(field, target) for the entry's crossref and each xdata key that names an entry."""
        return [(field, self.by_lower[key.lower()]) for field, key in parent_keys(entry) if key.lower() in self.by_lower]

    def _live(self, entry: Entry) -> list[tuple[str, Entry]]:
        return [(f, t) for f, t in self._links(entry) if (entry.key, f, t.key) not in self._cut]

    def parent(self, entry: Entry) -> Entry | None:
        """The entry ``entry`` inherits from through crossref, or None (none, missing, or a link that closes a cycle)."""
        return next((t for f, t in self._live(entry) if f == "crossref"), None)

    def xdata_parents(self, entry: Entry) -> list[Entry]:
        """The entries ``entry`` takes data from through xdata (links that close a cycle left out)."""
        return [t for f, t in self._live(entry) if f == "xdata"]

    def _find_cycles(self) -> None:
        """Depth-first in file order; a link back to an entry on the current path closes a cycle and is cut."""
        state: dict[str, int] = {}  # 1: on the current path, 2: done
        for start in self.bibliography.entries.values():
            if start.key in state or ("crossref" not in start and "xdata" not in start):
                continue  # done, or an entry without links: no cycle passes through it
            path: list[Entry] = [start]
            todo = [iter(self._links(start))]
            state[start.key] = 1
            while todo:
                step = next(todo[-1], None)
                if step is None:
                    state[path.pop().key] = 2
                    todo.pop()
                    continue
                fld, target = step
                if state.get(target.key) == 1:
                    keys = [e.key for e in path]
                    cycle = keys[keys.index(target.key):]
                    src = path[-1].key
                    self._cut.add((src, fld, target.key))
                    self.broken.setdefault(src, []).append((fld, target.key, cycle))
                    self.cycles.append(cycle)
                elif target.key not in state:
                    state[target.key] = 1
                    path.append(target)
                    todo.append(iter(self._links(target)))

    def diagnostics(self) -> list[Diagnostic]:
        """B021 for every cycle, located at the field whose link is ignored."""
        out = []
        for key, cuts in self.broken.items():
            entry = self.bibliography.entries[key]
            for fld_name, target, cycle in cuts:
                fld = entry.field(fld_name)
                assert fld is not None
                chain = " -> ".join([key, *cycle])
                message = (f"{key}: crossref cycle {chain}; the crossref of {key} is ignored" if fld_name == "crossref"
                           else f"{key}: xdata cycle {chain}; its xdata link to {target} is ignored")
                out.append(Diagnostic(entry.file, entry.source.line_of(fld.offset),
                                      entry.source.column_of(fld.offset), Severity.WARNING, "B021", message, key))
        return out

    def untangled(self, entry: Entry) -> Entry:
        """The entry without the links that close a cycle, and with a crossref naming the parent's key as written."""
        cuts = {(f, t) for f, t, _ in self.broken.get(entry.key, [])}
        parent = self.parent(entry)
        fields: list[Field] = []
        changed = False
        for f in entry.fields:
            name = f.name.lower()
            if name == "crossref" and any(c[0] == "crossref" for c in cuts):
                changed = True
                continue
            if name == "crossref" and parent is not None and f.value.strip() != parent.key:
                f = dataclasses.replace(f, value=parent.key, parts=_parts(parent.key))
                changed = True
            elif name == "xdata" and any(c[0] == "xdata" for c in cuts):
                dropped = {t.lower() for c, t in cuts if c == "xdata"}
                keep = [k.strip() for k in f.value.split(",") if k.strip() and k.strip().lower() not in dropped]
                changed = True
                if not keep:
                    continue
                f = dataclasses.replace(f, value=",".join(keep), parts=_parts(",".join(keep)))
            fields.append(f)
        return _with_fields(entry, fields) if changed else entry

    def ancestors(self, entry: Entry) -> list[Entry]:
        """Every entry ``entry`` inherits from, nearest first (crossref parents, grandparents and xdata)."""
        out: list[Entry] = []
        seen = {entry.key}
        queue = [entry]
        while queue:
            node = queue.pop(0)
            for _, target in self._live(node):
                if target.key not in seen:
                    seen.add(target.key)
                    out.append(target)
                    queue.append(target)
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
    xdata = graph.xdata_parents(entry)
    own = [f for f in entry.fields if f.name.lower() not in ("crossref", "xdata")]
    have = {f.name.lower() for f in own}
    for source in xdata:  # xdata first, as biber does; its fields keep their names
        for f in inherit(source, graph, biblatex=biblatex).fields:
            if f.name.lower() not in have and f.name.lower() not in NOT_INHERITED:
                have.add(f.name.lower())
                own.append(f)
    if parent is None:
        return entry if len(own) == len(entry.fields) and not xdata else _with_fields(entry, own)
    resolved_parent = inherit(parent, graph, biblatex=biblatex)
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
    """The works among the entries: each ``@set`` replaced by its members, ``@xdata`` left out (it is data
    for other entries, written only as their parent), each entry once (first place wins)."""
    out: list[Entry] = []
    seen: set[str] = set()
    for e in entries:
        for member in (set_members(e, graph) if e.type == "set" else [e]):
            if member.key not in seen and member.type not in ("set", "xdata"):
                seen.add(member.key)
                out.append(member)
    return out
