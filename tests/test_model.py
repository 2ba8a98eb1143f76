"""The model: packed entries answer exactly as their fields do, judged against bibtexparser's raw values.

The reader packs the fields of well-formed entries into one store per file (``FieldStore``) and
``PackedEntry`` slices values out of the file's text when asked. These tests read texts with every
shape a field can take and compare what the packed accessors (``get``, ``in``, ``field``, ``named``,
``values``), read *before* any Field object is built, return with the values bibtexparser's raw
reading gives once expanded and white-space-collapsed here, by rules written in this file.
"""

from __future__ import annotations

import bisect
import copy
import dataclasses
import pickle
import random
import re
import sys
from pathlib import Path

import pytest

from bibkit.bib.bibtex import parse_text
from bibkit.bib.lexer import MONTH_MACROS
from bibkit.infra.diagnostics import Diagnostics
from bibkit.model import _FIELDS_SLOT, Entry, PackedEntry, SourceText

from bibtex_oracle import bibtexparser_entries, split_concatenation, theirs_fields

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import generate  # noqa: E402

ASCII_WS = " \t\r\n\f\v"

#: Every shape a field can take, names spelled in several cases, a macro redefined between entries.
SHAPES = r"""@string{jx = {Journal  X}}
@string{pub = "Big" # { Press}}
@Article{shapes1,
  Author = {M{\"u}ller, Ana and {van der} Berg, Bj{\"o}rn},
  TITLE = "A {Quoted} Title",
  journal = jx,
  year = 1999,
  month = dec,
  pages = {1--10},
  note = {spread
          over   lines},
  publisher = pub # { and Sons},
  % a comment before a field
  abstract = {With a % percent sign, and @ at},
  url = {https://example.org/x?a=1&b=2},
  keywords = {},
  title = {A duplicate title},
}
@string{jx = {Journal Y}}
@misc(shapes2, howpublished = jx, year = "2001", number = 7, undefinedmacro = nosuchmacro)
@book{shapes3,
  author = {{World Health Organization}},
  title = {T\'{e}l\'{e}phone {\relax Ch}arlie},
  year = {2020}
}
"""


def expected_fields(text: str, macros: dict[str, str]) -> dict[str, list[tuple[str, str]]]:
    """Per key, (name as written, value) as bibtexparser reads the raw fields, expanded by BibTeX's rules.

    ``macros`` is what each macro means where the entries use it (the test's own reading).
    """
    out = {}
    for entry in bibtexparser_entries(text):
        fields, _ = theirs_fields(entry)
        rows = []
        for name, raw in fields:
            pieces = raw if isinstance(raw, list) else split_concatenation(raw)
            value = ""
            for piece in pieces:
                if piece[:1] in "{\"":
                    value += piece[1:-1]
                elif piece.isdigit():
                    value += piece
                else:
                    value += macros.get((entry.key, piece.lower()), macros.get(piece.lower(), piece))
            rows.append((name, re.sub(r"[ \t\r\n\f\v]+", " ", value).strip(ASCII_WS)))
        out[entry.key] = rows
    return out


def read(text: str) -> list[Entry]:
    return parse_text(text, "t.bib", Diagnostics(), dict(MONTH_MACROS)).entries


def assert_packed_matches(entry: Entry, want: list[tuple[str, str]]) -> None:
    """Every accessor of one (not yet materialised) entry agrees with ``want``."""
    assert isinstance(entry, PackedEntry) and _FIELDS_SLOT.__get__(entry) is None
    first: dict[str, str] = {}
    for name, value in want:
        first.setdefault(name.lower(), value)
    for lname, value in first.items():
        assert entry.get(lname) == value, (entry.key, lname)
        assert entry.get(lname.upper()) == value
        assert lname in entry and lname.title() in entry
        assert entry.field(lname).value == value
    assert entry.get("nosuchfield") is None and entry.get("nosuchfield", "d") == "d" and "nosuchfield" not in entry
    assert entry.field("nosuchfield") is None
    assert [(n, v) for n, v, _ in entry.named({n.lower() for n, _ in want})] == want
    assert dict(entry.values) == first
    assert _FIELDS_SLOT.__get__(entry) is None, "an accessor built the Field list"


def test_packed_accessors_give_bibtexparsers_values_for_every_shape() -> None:
    macros = {**MONTH_MACROS, "jx": "Journal X", "pub": "Big Press", ("shapes2", "jx"): "Journal Y"}
    want = expected_fields(SHAPES, macros)
    entries = {e.key: e for e in read(SHAPES)}
    assert set(want) == set(entries) == {"shapes1", "shapes2", "shapes3"}
    for key, rows in want.items():
        if key == "shapes1":
            rows = [r for r in rows if not r[0].startswith("%")]
        assert_packed_matches(entries[key], rows)


@pytest.mark.parametrize("share", [1.0, 0.02])
def test_packed_accessors_on_generated_long_records(share: float) -> None:
    text = generate.bibliography(300, seed=3, profile="long-records", abstract_share=share)
    macros = {**MONTH_MACROS, **{m: name for m, name in generate.JOURNALS}}
    want = expected_fields(text, macros)
    entries = read(text)
    assert len(entries) == len(want) == 300
    for entry in entries:
        assert_packed_matches(entry, want[entry.key])


def test_fields_built_from_the_store_are_the_fields_read() -> None:
    for entry in read(SHAPES):
        named = list(entry.named({f.name.lower() for f in entry.fields}))
        assert named == [(f.name, f.value, f.offset) for f in entry.fields]
        for f in entry.fields:
            assert entry.source.text[f.offset:f.offset + len(f.name)] == f.name
    shapes1 = read(SHAPES)[0]
    abstract = shapes1.field("abstract")
    assert abstract.comments == ["% a comment before a field"]
    assert [p.kind for p in shapes1.field("publisher").parts] == ["macro", "brace"]
    assert [(p.kind, p.text) for p in shapes1.field("journal").parts] == [("macro", "jx")]
    assert [(p.kind, p.text) for p in shapes1.field("note").parts] == [("brace", "spread\n          over   lines")]
    assert shapes1.field("Author").name == "Author" and shapes1.field("title").name == "TITLE"


def test_a_macro_redefined_between_entries_is_read_with_each_meaning() -> None:
    text = "@string{j = {A}}\n@article{a, journal = j}\n@string{j = {B}}\n@article{b, journal = j, x = j}\n"
    a, b = read(text)
    assert a.get("journal") == "A" and b.get("journal") == "B" and b.get("x") == "B"


def test_duplicate_fields_are_reported_and_the_first_wins() -> None:
    diags = Diagnostics()
    (entry,) = parse_text("@misc{k, title = {One}, Title = {Two}, note = n, TITLE = 3}\n", "t.bib", diags).entries
    assert entry.get("title") == "One"
    assert [v for _, v, _ in entry.named({"title"})] == ["One", "Two", "3"]
    assert [(d.code, d.line, d.column) for d in diags] == [("B004", 1, 25), ("B005", 1, 47), ("B004", 1, 50)]


def test_an_entry_that_breaks_keeps_ordinary_fields() -> None:
    diags = Diagnostics()
    text = "@article{a,\n  title = {Fine},\n  note = {open\n  year = 2000,\n}\n@misc{b, title = {B}}\n"
    a, b = parse_text(text, "t.bib", diags).entries
    assert a.broken and _FIELDS_SLOT.__get__(a) is not None and a.get("title") == "Fine"  # Field objects, as read
    assert isinstance(b, PackedEntry) and b.get("title") == "B"
    assert any(d.code == "B019" for d in diags)


def test_packed_entries_copy_pickle_and_replace_like_entries() -> None:
    entry = read(SHAPES)[0]
    for clone in (copy.copy(entry), copy.deepcopy(entry), pickle.loads(pickle.dumps(entry))):
        assert clone.key == "shapes1" and clone.get("journal") == "Journal X"
        assert [(f.name, f.value) for f in clone.fields] == [(f.name, f.value) for f in entry.fields]
    moved = dataclasses.replace(entry, key="moved")
    assert moved.key == "moved" and moved.get("year") == "1999" and moved.fields == entry.fields
    edited = read(SHAPES)[0]
    edited.fields = [f for f in edited.fields if f.name.lower() != "year"]
    assert edited.get("year") is None and "year" not in edited and edited.get("journal") == "Journal X"


def test_entries_without_trailing_comments_share_one_empty_tuple() -> None:
    a, b, _ = read(SHAPES)
    assert a.trailing_comments == () and a.trailing_comments is b.trailing_comments
    (c,) = read("@misc{c, title = {T}\n  % closing remark\n}\n")
    assert c.trailing_comments == ["% closing remark"]


def newline_oracle(text: str) -> list[int]:
    return [i for i, c in enumerate(text) if c == "\n" or (c == "\r" and text[i + 1:i + 2] != "\n")]


@pytest.mark.parametrize("text", ["", "\n", "a\nb\n\nc", "no newline", "x" * 3000 + "\n" + "y\n" * 700 + "zz",
                                  "a\r\nb\rc\n"])
@pytest.mark.parametrize("budget", [None, 50])
def test_line_and_column_of_any_offset_in_any_order(text: str, budget: int | None) -> None:
    src = SourceText("t.bib", text)
    if budget is not None and "\r" not in text:
        src._budget = budget  # the newline index takes over after a few characters of counting
    nl = newline_oracle(text)
    rng = random.Random(len(text))
    for offset in [rng.randint(0, len(text) + 1) for _ in range(400)] + list(range(len(text) + 1))[:50]:
        i = bisect.bisect_left(nl, offset)
        assert src.line_of(offset) == i + 1
        assert src.column_of(offset) == offset - (nl[i - 1] + 1 if i else 0) + 1


def test_newline_index_of_a_text_longer_than_its_chunks() -> None:
    text = ("abc\n" * 300_000) + "tail"
    src = SourceText("t.bib", text)
    assert list(src._nl()) == newline_oracle(text)

@pytest.mark.parametrize("text", ["", "a", "\n", "a\nb", "a\r\nb\rc\n", "\r", "\r\n", "\n\n\r\r\n", "x\r", "é\r\nü\n"])
def test_line_ends_are_lf_crlf_and_lone_cr(text):
    ends = [i for i, c in enumerate(text) if c == "\n" or (c == "\r" and text[i + 1:i + 2] != "\n")]
    source = SourceText("x.bib", text)
    assert list(source._nl()) == ends
    assert [source.line_of(i) for i in range(len(text) + 1)] == [
        1 + sum(1 for e in ends if e < i) for i in range(len(text) + 1)]


def test_packed_macro_refs_equal_those_of_the_built_fields() -> None:
    """What the CSL export cache keys on: the macros an entry uses and their values as read, without building fields."""
    text = SHAPES + "\n@article{cat, journal = jx # { Letters}, publisher = pub, title = {No macro}}\n"
    bib = parse_text(text, "shapes.bib", Diagnostics())
    entries = [b for b in bib.blocks if isinstance(b, PackedEntry) and b._lnames is not None]
    assert entries, "the reader packs these entries"
    packed = [e.macro_refs() for e in entries]
    assert any(names for names, _ in packed)
    built = [Entry.macro_refs(e) for e in entries]  # builds the fields
    assert packed == built
