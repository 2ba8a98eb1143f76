"""Plain typed objects for sources, claims and links; no I/O lives here."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Iterator

PERSON_FIELDS = ("author", "editor", "translator", "bookauthor", "editora", "editorb", "editorc")
STANCES = ("supports", "contradicts", "qualifies", "mentions")


_LOWER: dict[str, str] = {}  # field name as written -> lower case, one string object per name


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
    trailing_comments: list[str] = field(default_factory=list)
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




def _line_ends(text: str) -> list[int]:
    """The offsets of the line ends of ``text`` (see :meth:`SourceText._nl`), computed in C: lengths of the
    lines, summed (a regular expression or a ``find`` loop costs twice as much on 150,000 lines)."""
    if "\r" in text:  # same length, LF where a line ends: CRLF -> " LF", a CR alone -> LF
        text = text.replace("\r\n", " \n").replace("\r", "\n")
    lengths = list(map(len, text.split("\n")))
    lengths[-1] = 0  # the text after the last line end has none
    ends = list(accumulate(map((1).__add__, lengths), initial=-1))
    del ends[0]
    ends.pop()
    return ends


class SourceText:
    """A decoded file's text with fast offset-to-line lookup."""

    __slots__ = ("path", "text", "_newlines")

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        self._newlines: list[int] | None = None

    def _nl(self) -> list[int]:
        """Offsets of the line ends: LF, the LF of CRLF, and a CR alone (old Mac files)."""
        if self._newlines is None:
            self._newlines = _line_ends(self.text)
        return self._newlines

    def line_of(self, offset: int) -> int:
        """1-based line number of a character offset."""
        return bisect.bisect_left(self._nl(), offset) + 1

    def column_of(self, offset: int) -> int:
        """1-based column of a character offset."""
        nl = self._nl()
        i = bisect.bisect_left(nl, offset)
        return offset - (nl[i - 1] + 1 if i else 0) + 1

    def __getstate__(self):
        return (self.path, self.text)

    def __setstate__(self, state) -> None:
        self.path, self.text = state
        self._newlines = None


@dataclass
class BibFile:
    """One parsed BibTeX file: every block in source order, nothing dropped."""

    source: SourceText
    blocks: list[Block]
    encoding: str = "utf-8"
    bom: bool = False
    digest: str | None = None  # content hash when read through the parse cache

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
    fingerprint: str | None = None  # what was decided on: see :mod:`bibkit.decisions`
    review: str | None = None  # "rejected" when a reviewer rejected the link
    reason: str | None = None  # why it was rejected


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
