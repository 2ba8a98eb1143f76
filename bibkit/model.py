"""Plain typed objects for sources, claims and links; no I/O lives here.

One module on purpose: every layer reads these types, entries and claims meet in
:class:`Bibliography` (a source's ``claims`` field links it to claims), and the packed field
store (:class:`FieldStore`) is what both the reader and the cache fill. It imports nothing from bibkit.
"""

from __future__ import annotations

import bisect
import re
from array import array
from dataclasses import dataclass, field
from itertools import accumulate, repeat
from operator import add
from typing import Container, Iterator

PERSON_FIELDS = ("author", "editor", "translator", "bookauthor", "editora", "editorb", "editorc")
STANCES = ("supports", "contradicts", "qualifies", "mentions")


_LOWER: dict[str, str] = {}  # field name as written -> lower case, one string object per name

# BibTeX's white space is ASCII: a no-break, thin or other Unicode space is a character of the value.
SPACE_RUN = re.compile(r"[ \t\r\n\f\v]{2,}|[\t\r\n\f\v]")
_SPACE_RUN_ANY = re.compile(r"[ \t\r\n\f\v]+")
_ASCII_WS = "\t\n\x0b\x0c\r "
NO_COMMENTS: tuple[str, ...] = ()  # shared by the (many) fields with no comment before them


def collapse_space(value: str) -> str:
    """A value as BibTeX reads it: runs of ASCII white space become one space, none at either end."""
    return _SPACE_RUN_ANY.sub(" ", value).strip(_ASCII_WS)


def read_value(raw: str) -> str:
    """The value of a single braced, quoted or numeric part as written: its white space collapsed when needed."""
    # isprintable() is False for every white space but ' ': a cheap test before the regex
    if (not raw.isprintable() or "  " in raw) and SPACE_RUN.search(raw):
        return collapse_space(raw)
    return raw


@dataclass(slots=True)
class ValuePart:
    """One piece of a BibTeX value: ``{...}``, ``"..."``, a number or a macro name (text without delimiters)."""

    kind: str  # "brace" | "quote" | "number" | "macro"
    text: str


@dataclass(slots=True)
class Field:
    """A field as written: its name, the parts of its value, the expanded value and where it starts."""

    name: str
    parts: list[ValuePart]
    value: str
    offset: int
    comments: list[str] | tuple[str, ...] = field(default_factory=list)  # ``%`` lines that stood before it


@dataclass(slots=True)
class Entry:
    """A bibliography entry: type, key and fields in source order (duplicates kept, first wins on lookup)."""

    type: str
    key: str
    fields: list[Field]
    source: "SourceText"
    start: int
    end: int
    type_raw: str = ""
    delimiters: str = "{}"
    broken: bool = False
    trailing_comments: list[str] | tuple[str, ...] = field(default_factory=list)  # % lines before the closer
    _index: dict[str, str] | None = None

    @property
    def file(self) -> str:
        """The path of the file the entry was read from."""
        return self.source.path

    @property
    def line(self) -> int:
        """1-based line of the entry's ``@``."""
        return self.source.line_of(self.start)

    @property
    def column(self) -> int:
        """1-based column of the entry's ``@``."""
        return self.source.column_of(self.start)

    @property
    def values(self) -> dict[str, str]:
        """Lower-cased field name to expanded value; the first of duplicate fields wins."""
        if self._index is None:
            index: dict[str, str] = {}
            lower = _LOWER
            for f in self.fields:
                name = f.name
                lname = lower.get(name)
                if lname is None:
                    lname = lower[name] = name.lower()
                index.setdefault(lname, f.value)
            self._index = index
        return self._index

    def get(self, name: str, default: str | None = None) -> str | None:
        """The expanded value of a field (case-insensitive name), or ``default``."""
        return self.values.get(name.lower(), default)

    def written(self) -> list[tuple[str, str, str] | Field]:
        """The fields in source order, as :meth:`PackedEntry.written` gives them (here every one a :class:`Field`)."""
        return list(self.fields)

    def field(self, name: str) -> Field | None:
        """The first field with this name (case-insensitive), as written."""
        lname = name.lower()
        for f in self.fields:
            if f.name.lower() == lname:
                return f
        return None

    def __contains__(self, name: str) -> bool:
        return name.lower() in self.values

    def macro_refs(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """What the entry takes from ``@string`` macros: the macro names its values use (lower case, in order)
        and the values of those fields as expanded when read. With the entry's source text, the final
        values of those macros and the code's version, that is all a conversion of the entry depends on."""
        names: list[str] = []
        values: list[str] = []
        for f in self.fields:
            used = [p.text.lower() for p in f.parts if p.kind == "macro"]
            if used:
                names.extend(used)
                values.append(f.value)
        return tuple(names), tuple(values)

    def named(self, names: Container[str]) -> Iterator[tuple[str, str, int]]:
        """(name as written, value, offset) of every field whose lower-case name is in ``names``, in source order."""
        for f in self.fields:
            if f.name.lower() in names:
                yield f.name, f.value, f.offset

    def irregular_fields(self, macros: bool = True) -> list[Field]:
        """The fields not known to be one brace-balanced braced, quoted or numeric part (here: all of them).

        ``macros=False`` may leave out fields that are one macro and nothing else.
        """
        return self.fields


#: ``FieldStore.spans`` kinds: one braced, quoted or numeric part (an index into KINDS); a Field kept whole
#: (KEPT); one macro (MACRO + the index of its expansion in ``FieldStore.expansions``).
KINDS = ("brace", "quote", "number")
KEPT = 3
MACRO = 4
NO_TRAILING: tuple[str, ...] = ()  # the trailing comments of the (many) entries that have none
_FIELDS_SLOT = Entry.__dict__["fields"]  # the slot that PackedEntry's ``fields`` property stores through
# (field names of an entry, names asked for) -> indexes of the fields named so: entries share a few shapes
_PICKS: dict[tuple, tuple[int, ...]] = {}


class FieldStore:
    """The fields of one file's packed entries, four integers each, so a 100k-entry file is not millions of objects.

    ``spans`` holds, per field, its kind (see :data:`KINDS`, :data:`KEPT`, :data:`MACRO`), where the
    text of its value (or its macro's name) starts and ends in the file's text (without delimiters),
    and where its name starts. A macro's expansion, as it was when the field was read, is in
    ``expansions``. A field of any other shape (``#`` concatenation, ``%`` comments before it, one
    the general reader read) is kept whole in ``kept``, by its index.
    """

    __slots__ = ("spans", "kept", "expansions")

    def __init__(self, spans: array | None = None, kept: dict[int, "Field"] | None = None,
                 expansions: list[str] | None = None) -> None:
        self.spans = spans if spans is not None else array("q")
        self.kept = kept if kept is not None else {}
        self.expansions = expansions if expansions is not None else []


class PackedEntry(Entry):
    """An entry whose fields live in its file's :class:`FieldStore`; ``fields`` builds Field objects on first use.

    It is an :class:`Entry` in every way. ``get``, ``in``, ``field`` and :meth:`named` read the store
    directly (values are sliced from the file's text when asked for), so checking 100,000 entries
    never builds their fields. Assigning ``fields`` makes it an ordinary entry.
    """

    __slots__ = ("_store", "_base", "_lnames", "_names")

    def __init__(self, *args, **kwargs) -> None:
        # Entry's own signature, so dataclasses.replace() and copies work (they hand over the fields).
        Entry.__init__(self, *args, **kwargs)
        self._store, self._base, self._lnames, self._names = None, 0, None, None

    @classmethod
    def packed(cls, type: str, key: str, source: "SourceText", start: int, end: int, type_raw: str, delimiters: str,
               trailing_comments: list[str] | tuple[str, ...], store: FieldStore | None, base: int,
               lnames: tuple[str, ...] | None, names: tuple[str, ...] | None,
               fields: list[Field] | None = None) -> "PackedEntry":
        """An entry whose fields are ``store``'s fields ``base``, ``base + 1``, ...; ``names`` None: as ``lnames``.

        With ``lnames`` None it is an ordinary entry with ``fields`` (the reader's entry until it is read whole).
        """
        e = cls.__new__(cls)
        e.type, e.key, e.source, e.start, e.end = type, key, source, start, end
        e.type_raw, e.delimiters, e.broken, e.trailing_comments, e._index = type_raw, delimiters, False, trailing_comments, None
        _FIELDS_SLOT.__set__(e, fields)
        e._store, e._base, e._lnames, e._names = store, base, lnames, names
        return e

    def pack(self, store: FieldStore, base: int, lnames: tuple[str, ...], names: tuple[str, ...] | None) -> None:
        """Make an ordinary entry without fields a packed one: its fields are ``store``'s from ``base`` on."""
        assert not _FIELDS_SLOT.__get__(self)
        _FIELDS_SLOT.__set__(self, None)
        self._store, self._base, self._lnames, self._names, self._index = store, base, lnames, names, None

    @property
    def fields(self) -> list[Field]:  # type: ignore[override]
        """The fields in source order (built on first use)."""
        fields = _FIELDS_SLOT.__get__(self)
        if fields is None:
            fields = [self._field_at(i) for i in range(len(self._lnames))]
            _FIELDS_SLOT.__set__(self, fields)
        return fields

    @fields.setter
    def fields(self, value: list[Field] | None) -> None:
        _FIELDS_SLOT.__set__(self, value)
        if value is not None:
            self._lnames = None  # an ordinary entry from now on
            self._index = None

    def macro_refs(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """As :meth:`Entry.macro_refs`, read from the store without building the fields."""
        if self._lnames is None or _FIELDS_SLOT.__get__(self) is not None:
            return Entry.macro_refs(self)
        names: list[str] = []
        values: list[str] = []
        spans = self._store.spans
        for i in range(len(self._lnames)):
            g = self._base + i
            kind = spans[4 * g]
            if kind == KEPT:
                f = self._store.kept[g]
                used = [p.text.lower() for p in f.parts if p.kind == "macro"]
                if used:
                    names.extend(used)
                    values.append(f.value)
            elif kind > KEPT:
                names.append(self.source.text[spans[4 * g + 1]:spans[4 * g + 2]].lower())
                values.append(self._store.expansions[kind - MACRO])
        return tuple(names), tuple(values)

    def _value_at(self, i: int) -> str:
        g = self._base + i
        spans = self._store.spans
        j = 4 * g
        kind = spans[j]
        if kind < KEPT:
            return read_value(self.source.text[spans[j + 1]:spans[j + 2]])
        if kind == KEPT:
            return self._store.kept[g].value
        return self._store.expansions[kind - MACRO]

    def _field_at(self, i: int) -> Field:
        g = self._base + i
        spans = self._store.spans
        j = 4 * g
        kind = spans[j]
        if kind == KEPT:
            return self._store.kept[g]
        raw = self.source.text[spans[j + 1]:spans[j + 2]]
        name = self._names[i] if self._names is not None else self._lnames[i]
        if kind > KEPT:
            return Field(name, [ValuePart("macro", raw)], self._store.expansions[kind - MACRO], spans[j + 3],
                         NO_COMMENTS)
        return Field(name, [ValuePart(KINDS[kind], raw)], read_value(raw), spans[j + 3], NO_COMMENTS)

    @property
    def values(self) -> dict[str, str]:
        """Lower-cased field name to expanded value; the first of duplicate fields wins."""
        if self._lnames is None:
            return Entry.values.__get__(self)
        if self._index is None:
            index: dict[str, str] = {}
            for i, lname in enumerate(self._lnames):
                if lname not in index:
                    index[lname] = self._value_at(i)
            self._index = index
        return self._index

    def get(self, name: str, default: str | None = None) -> str | None:
        """The expanded value of a field (case-insensitive name), or ``default``."""
        lnames = self._lnames
        if lnames is None:
            return Entry.get(self, name, default)
        if self._index is not None:
            return self._index.get(name.lower(), default)
        lname = name.lower()
        if lname not in lnames:
            return default
        # _value_at, inlined: checks call this a million times on a big file
        i = lnames.index(lname)
        spans = self._store.spans
        j = 4 * (self._base + i)
        if spans[j] < KEPT:
            raw = self.source.text[spans[j + 1]:spans[j + 2]]
            if (not raw.isprintable() or "  " in raw) and SPACE_RUN.search(raw):
                return collapse_space(raw)
            return raw
        return self._value_at(i)

    def written(self) -> list[tuple[str, str, str] | Field]:
        """The fields in source order as cheaply as the store allows: ``(name as written, kind, text)`` for a
        field of one part (kind as in :class:`ValuePart`, text without delimiters), the :class:`Field`
        for one kept whole (several parts, or comments before it). What ``fmt`` reads: no value is expanded."""
        if self._lnames is None or _FIELDS_SLOT.__get__(self) is not None:
            return Entry.written(self)
        names = self._names if self._names is not None else self._lnames
        spans, kept, text = self._store.spans, self._store.kept, self.source.text
        out: list[tuple[str, str, str] | Field] = []
        j = 4 * self._base
        for i in range(len(names)):
            kind = spans[j]
            if kind == KEPT:
                out.append(kept[self._base + i])
            else:
                out.append((names[i], KINDS[kind] if kind < KEPT else "macro", text[spans[j + 1]:spans[j + 2]]))
            j += 4
        return out

    def field(self, name: str) -> Field | None:
        """The first field with this name (case-insensitive), as written."""
        lnames = self._lnames
        if lnames is None or _FIELDS_SLOT.__get__(self) is not None:
            return Entry.field(self, name)
        lname = name.lower()
        if lname not in lnames:
            return None
        return self._field_at(lnames.index(lname))

    def __contains__(self, name: str) -> bool:
        if self._lnames is None:
            return Entry.__contains__(self, name)
        return name.lower() in self._lnames

    def irregular_fields(self, macros: bool = True) -> list[Field]:
        """The fields not known to be one brace-balanced braced, quoted or numeric part: macros and fields kept whole.

        The reader packs a braced, quoted or numeric field only when one match of its fast pattern
        read it, and that pattern admits balanced braces only. ``macros=False`` leaves out the
        fields that are one macro.
        """
        if self._lnames is None:
            return Entry.irregular_fields(self, macros)
        j = 4 * self._base
        kinds = self._store.spans[j:j + 4 * len(self._lnames):4]
        if not kinds or max(kinds) < KEPT:
            return []
        return [self._field_at(i) for i, kind in enumerate(kinds) if kind == KEPT or (macros and kind > KEPT)]

    def named(self, names: Container[str]) -> Iterator[tuple[str, str, int]]:
        """(name as written, value, offset) of every field whose lower-case name is in ``names``, in source order."""
        lnames = self._lnames
        if lnames is None:
            yield from Entry.named(self, names)
            return
        try:
            key = (lnames, names)
            picks = _PICKS.get(key)
        except TypeError:  # ``names`` is not hashable: no shortcut
            key, picks = None, None
        if picks is None:
            picks = tuple(i for i, lname in enumerate(lnames) if lname in names)
            if key is not None:
                if len(_PICKS) >= 4096:
                    _PICKS.clear()
                _PICKS[key] = picks
        spans = self._store.spans
        base = self._base
        for i in picks:
            yield self._names[i] if self._names is not None else lnames[i], self._value_at(i), spans[4 * (base + i) + 3]


@dataclass(slots=True)
class StringDef:
    """An ``@string{name = value}`` block."""

    name: str
    parts: list[ValuePart]
    value: str
    start: int
    end: int


@dataclass(slots=True)
class Preamble:
    """An ``@preamble{...}`` block."""

    parts: list[ValuePart]
    value: str
    start: int
    end: int


@dataclass(slots=True)
class Comment:
    """An ``@comment{...}`` block, its body kept verbatim."""

    text: str
    start: int
    end: int


@dataclass(slots=True)
class Text:
    """Text between blocks (free comments, ``%`` lines, blank lines), or a block that could not be read."""

    text: str
    start: int
    end: int
    invalid: bool = False


Block = Entry | StringDef | Preamble | Comment | Text




_LINE_END = re.compile(r"\r(?!\n)|\n")


class SourceText:
    """A decoded file's text with fast offset-to-line lookup."""

    __slots__ = ("path", "text", "_newlines", "_cursor", "_budget")

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        self._newlines: array | None = None
        self._cursor = (0, 1)  # (offset, its line) where line counting last stopped
        self._budget: int | None = None  # characters counting may still scan before the index is built

    def _nl(self) -> array:
        """Offsets of the line ends: LF, the LF of CRLF, and a CR alone (old Mac files).

        An array of machine integers (8 bytes a line, not a list of int objects), built a chunk at a time
        with C-level iterators: the index of a 1.7-million-line file costs 14 MB and a tenth of a second.
        """
        if self._newlines is None:
            text = self.text
            out = array("q")
            if "\r" in text:
                out.extend(m.start() for m in _LINE_END.finditer(text))
            else:
                chunk = 1 << 20
                for at in range(0, len(text), chunk):
                    lines = text[at:at + chunk].split("\n")
                    lines.pop()  # the text after the chunk's last newline
                    # the k-th newline is at: chunk start - 1 + (length + 1) summed over the lines before it
                    out.extend(accumulate(map(add, map(len, lines), repeat(1)), initial=at - 1))
                    out.pop(len(out) - len(lines) - 1)  # the initial value
            self._newlines = out
        return self._newlines

    def _counting(self) -> bool:
        """True while lines are still counted from a cursor rather than looked up in the newline index.

        A few located diagnostics in a big file need only ``str.count`` over the distance between
        them (they come mostly in file order); the index is built once counting has scanned the
        text a few times over, or at once when the file has CR line ends.
        """
        if self._newlines is not None:
            return False
        if self._budget is None:
            self._budget = -1 if "\r" in self.text else 4 * len(self.text) + (1 << 20)
        if self._budget < 0:
            self._nl()
            return False
        return True

    def line_of(self, offset: int) -> int:
        """1-based line number of a character offset."""
        if self._counting():
            at, line = self._cursor
            if offset >= at:
                line += self.text.count("\n", at, offset)
            else:
                line -= self.text.count("\n", offset, at)
            self._budget -= abs(offset - at)
            self._cursor = (offset, line)
            return line
        return bisect.bisect_left(self._nl(), offset) + 1

    def column_of(self, offset: int) -> int:
        """1-based column of a character offset."""
        if self._counting():
            line_start = self.text.rfind("\n", 0, offset) + 1
            self._budget -= offset - line_start
            return offset - line_start + 1
        nl = self._nl()
        i = bisect.bisect_left(nl, offset)
        return offset - (nl[i - 1] + 1 if i else 0) + 1

    def __getstate__(self):
        return (self.path, self.text)

    def __setstate__(self, state) -> None:
        self.path, self.text = state
        self._newlines = None
        self._cursor, self._budget = (0, 1), None


@dataclass
class BibFile:
    """One parsed BibTeX file: every block in source order, nothing dropped."""

    source: SourceText
    blocks: list[Block]
    encoding: str = "utf-8"
    bom: bool = False
    digest: str | None = None  # content hash when read through the parse cache
    store: FieldStore | None = None  # where its packed entries keep their fields

    @property
    def path(self) -> str:
        """The file's path as given."""
        return self.source.path

    @property
    def entries(self) -> list[Entry]:
        """The entries, in source order, duplicates included."""
        return [b for b in self.blocks if isinstance(b, Entry)]


@dataclass
class Bibliography:
    """The sources of a project, from one or more files; ``entries`` maps key to the first entry with it."""

    files: list[BibFile] = field(default_factory=list)
    entries: dict[str, Entry] = field(default_factory=dict)
    macros: dict[str, str] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries.values())

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, key: str) -> bool:
        return key in self.entries

    def all_entries(self) -> Iterator[Entry]:
        """Every entry of every file, duplicates included, in order."""
        for f in self.files:
            for b in f.blocks:
                if isinstance(b, Entry):
                    yield b


@dataclass(slots=True)
class Link:
    """A claim's link to a source."""

    key: str
    stance: str = "supports"
    locator: str | None = None
    quote: str | None = None
    verified: bool = False
    note: str | None = None
    line: int = 0
    origin: str = "claims"  # "claims" (claims.yaml) or "bib" (the entry's ``claims`` field)
    verified_by: str | None = None  # who recorded the decision (``bibkit review``)
    verified_on: str | None = None  # when, as an ISO date (YYYY-MM-DD)
    fingerprint: str | None = None  # what was decided on: see :mod:`bibkit.claims.decisions`
    review: str | None = None  # "rejected" when a reviewer rejected the link
    reason: str | None = None  # why it was rejected
    forced: str | None = None  # accepted although the quote check said this ("quote not-found"): ``review --force``


@dataclass(slots=True)
class Claim:
    """A statement the text makes, with its links to sources."""

    id: str
    text: str = ""
    section: str | None = None
    anchor: str | None = None
    tags: list[str] = field(default_factory=list)
    note: str | None = None
    links: list[Link] = field(default_factory=list)
    line: int = 0
    origin: str = "claims"  # "claims" or "manuscript"


@dataclass
class Document:
    """What the claims are about (``document:`` in claims.yaml)."""

    title: str | None = None
    path: str | None = None


@dataclass
class ClaimSet:
    """The claims of a project, in file order."""

    path: str | None = None
    document: Document = field(default_factory=Document)
    claims: list[Claim] = field(default_factory=list)

    def by_id(self) -> dict[str, Claim]:
        """Claim id to claim."""
        return {c.id: c for c in self.claims}
