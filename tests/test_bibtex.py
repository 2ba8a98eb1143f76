"""The lenient, lossless BibTeX reader."""

from __future__ import annotations

import pytest

from bibkit.bib.bibtex import decode, load_bibliography, parse_text
from bibkit.infra.diagnostics import Diagnostics
from bibkit.model import Comment, Entry, Preamble, StringDef, Text


def parse(text: str):
    diags = Diagnostics()
    return parse_text(text, "t.bib", diags), diags


def codes(diags: Diagnostics) -> list[tuple[str, int]]:
    return [(d.code, d.line) for d in diags]


def test_reads_fields_macros_and_concatenation():
    bib, diags = parse('@string{jx = "Journal X"}\n@Article{a1,\n  Journal = jx # " Extra",\n  year = 1999,\n  month = dec}\n')
    (entry,) = bib.entries
    assert entry.type == "article" and entry.type_raw == "Article" and entry.key == "a1"
    assert entry.get("journal") == "Journal X Extra"
    assert entry.get("YEAR") == "1999"
    assert entry.get("month") == "December"
    assert [p.kind for p in entry.field("journal").parts] == ["macro", "quote"]
    assert not list(diags)


def test_keeps_every_block_in_order_with_text():
    src = "% top comment\n@preamble{ \"\\newcommand{\\x}{y}\" }\n@comment{ not {an} entry }\n@string{a = {A}}\n@misc{k, title = {T}}\ntrailing\n"
    bib, diags = parse(src)
    kinds = [Entry if isinstance(b, Entry) else type(b) for b in bib.blocks]  # a PackedEntry is an Entry
    assert kinds == [Text, Preamble, Text, Comment, Text, StringDef, Text, Entry, Text]
    assert "".join(src[b.start:b.end] for b in bib.blocks) == src  # blocks tile the file: nothing lost
    assert bib.blocks[3].text == " not {an} entry "
    assert not list(diags)


def test_percent_line_inside_entry_is_a_comment_and_later_fields_survive():
    bib, diags = parse("@book{b,\n  title = {T},\n  % publisher = {Old},\n  year = 2001,\n}\n")
    (entry,) = bib.entries
    assert entry.get("year") == "2001"
    assert entry.field("year").comments == ["% publisher = {Old},"]
    assert codes(diags) == [("B006", 3)]


def test_duplicate_field_keeps_both_and_first_wins():
    bib, diags = parse("@misc{m, title = {First}, title = {Second}}")
    (entry,) = bib.entries
    assert entry.get("title") == "First"
    assert [f.value for f in entry.fields] == ["First", "Second"]
    assert codes(diags) == [("B004", 1)]


def test_undefined_macro_keeps_its_name_and_is_located():
    bib, diags = parse("@misc{m,\n  journal = nosuch,\n}")
    assert bib.entries[0].get("journal") == "nosuch"
    assert codes(diags) == [("B005", 2)]
    assert diags.items[0].column == 13


def test_unclosed_brace_reports_and_later_entries_still_load():
    bib, diags = parse("@article{a,\n  title = {Open,\n  year = 2000\n\n@article{b, title = {B}}\n@article{c, title = {C}}\n")
    assert [e.key for e in bib.entries] == ["a", "b", "c"]
    assert bib.entries[0].broken
    assert [(f.name, f.value) for f in bib.entries[0].fields] == [("title", "Open"), ("year", "2000")]
    # Two delimiters are missing: the title's '}' and the entry's.
    assert [(d.code, d.line) for d in diags] == [("B019", 2), ("B019", 3)]


def test_unbalanced_field_swallowing_the_rest_is_named():
    src = "@article{a,\n  title = {Un {Balanced},\n  year = {2005},\n}\n\n@article{b, title={B}}\n"
    bib, diags = parse(src)
    assert [e.key for e in bib.entries] == ["a", "b"]
    (d,) = diags
    assert d.code == "B019" and d.line == 2 and "title" in d.message


def test_missing_comma_between_fields_is_an_error_but_reading_goes_on():
    bib, diags = parse("@article{e,\n  title = {A}\n  year = {2001}\n}\n")
    assert bib.entries[0].get("year") == "2001"
    assert codes(diags) == [("B001", 3)]


def test_missing_key_is_reported():
    bib, diags = parse("@article{title = {No key}, year = 2001}\n@misc{ok}")
    assert bib.entries[0].key == "" and bib.entries[0].get("title") == "No key"
    assert bib.entries[1].key == "ok"
    assert [d.code for d in diags] == ["B018"]


def test_parenthesis_delimiters_and_at_signs_in_free_text():
    bib, diags = parse("mail me: someone@example.org\n@misc(p, title = {Paren})\n")
    assert [e.key for e in bib.entries] == ["p"]
    assert bib.entries[0].delimiters == "()"
    assert not list(diags)


def test_quoted_value_with_braced_quote():
    bib, _ = parse('@misc{q, title = "A {"}quoted{"} word"}')
    assert bib.entries[0].get("title") == 'A {"}quoted{"} word'


def test_whitespace_in_values_is_collapsed_like_bibtex():
    bib, _ = parse("@misc{w, title = {Two\n     lines}}")
    assert bib.entries[0].get("title") == "Two lines"


def test_truncated_file_never_raises():
    src = "@article{a,\n  title = {T},\n  author = {X"
    for cut in range(len(src) + 1):
        parse(src[:cut])  # must not raise


def test_duplicate_keys_across_files(tmp_path):
    a = tmp_path / "a.bib"
    b = tmp_path / "b.bib"
    a.write_text("@string{j = {J}}\n@misc{k, title = {A}}\n", encoding="utf-8")
    b.write_text("@misc{K, title = {B}, journal = j}\n@misc{other, title = {C}}\n", encoding="utf-8")
    diags = Diagnostics()
    bib = load_bibliography([str(a), str(b)], diags)
    assert list(bib.entries) == ["k", "other"]
    assert bib.entries["k"].get("title") == "A"
    assert [(d.code, d.file) for d in diags] == [("B002", str(b))]
    assert len(list(bib.all_entries())) == 3  # the duplicate is kept, not dropped


@pytest.mark.parametrize("data, encoding", [
    ("@misc{m, title = {Gr\u00e1da}}".encode("utf-8"), "utf-8"),
    (b"\xef\xbb\xbf" + "@misc{m, title = {Gr\u00e1da}}".encode("utf-8"), "utf-8"),
    ("@misc{m, title = {Gr\u00e1da}}".encode("cp1252"), "cp1252"),
])
def test_decoding(data, encoding):
    diags = Diagnostics()
    text, used, _ = decode(data, "x.bib", diags)
    assert "Gr\u00e1da" in text and used == encoding
    assert [d.code for d in diags] == ([] if encoding == "utf-8" else ["B007"])


def test_undecodable_bytes_are_located():
    diags = Diagnostics()
    decode(b"@misc{m,\n title = {\x81\x8d}}", "x.bib", diags)
    (d,) = diags
    assert d.code == "B007" and d.line == 2 and d.column == 11


# -- recovery: never lose an entry, never invent one (issue 11) ----------------


def test_entry_without_its_closing_brace_does_not_swallow_the_next():
    src = "@article{a,\n  title = {A},\n  year = 2001,\n\n@article{b,\n  title = {B},\n}\n"
    bib, diags = parse(src)
    assert [(e.key, e.broken) for e in bib.entries] == [("a", True), ("b", False)]
    assert [(f.name, f.value) for f in bib.entries[0].fields] == [("title", "A"), ("year", "2001")]
    assert [(f.name, f.value) for f in bib.entries[1].fields] == [("title", "B")]
    (d,) = diags
    assert (d.code, d.line) == ("B019", 3)
    assert "entry a (line 1) is not closed" in d.message and "line 5" in d.message


def test_entry_without_closing_brace_and_without_trailing_comma():
    bib, diags = parse("@misc{a,\n  year = 2001\n  @misc{b, title = {B}}\n")
    assert [e.key for e in bib.entries] == ["a", "b"]
    assert bib.entries[1].get("title") == "B"
    assert [d.code for d in diags] == ["B019"]


def test_entry_without_closing_brace_at_the_end_of_the_file_is_named():
    bib, diags = parse("@misc{ok, title = {O}}\n\n@misc{last,\n  title = {L},\n")
    assert [e.key for e in bib.entries] == ["ok", "last"]
    (d,) = diags
    assert d.code == "B019" and "entry last (line 3) is not closed" in d.message and "end of the file" in d.message


def test_value_that_swallowed_the_next_fields_is_cut_and_the_fields_recovered():
    src = ("@article{u,\n  title = {Weak {interactions,\n  journaltitle = {Nucl. Phys.},\n  date = {1961},\n}\n\n"
           "@article{after, title = {X}}\n")
    bib, diags = parse(src)
    u, after = bib.entries
    assert [(f.name, f.value) for f in u.fields] == [
        ("title", "Weak {interactions}"), ("journaltitle", "Nucl. Phys."), ("date", "1961")]
    assert u.broken  # fmt keeps it as written; checks know it is damaged
    assert after.get("title") == "X" and not after.broken
    (d,) = diags
    assert (d.code, d.line, d.column) == ("B019", 2, 3) and "field title of u" in d.message


def test_open_brace_running_into_the_next_entry_keeps_the_fields_after_it():
    bib, diags = parse("@article{a,\n  title = {Open,\n  year = 2000\n\n@article{b, title = {B}}\n")
    a, b = bib.entries
    assert [(f.name, f.value) for f in a.fields] == [("title", "Open"), ("year", "2000")]
    assert b.get("title") == "B"
    assert [(d.code, d.line) for d in diags] == [("B019", 2), ("B019", 3)]


@pytest.mark.parametrize("comment", [
    "% @inbook{x,\n%   title = {X},\n% }\n",
    "% @inbook{x, title = {X}}\n",
    "%% @inbook{x,\n",
    "  % @inbook{x,\n",
    "junk % @inbook{x,\n",
])
def test_commented_out_entry_is_a_comment(comment):
    src = "@misc{a, title = {A}}\n" + comment + "@article{b,\n  title = {B},\n}\n"
    bib, diags = parse(src)
    assert [(e.key, e.get("title")) for e in bib.entries] == [("a", "A"), ("b", "B")]
    assert not list(diags)
    assert "".join(src[blk.start:blk.end] for blk in bib.blocks) == src


def test_percent_in_a_value_does_not_comment_out_the_next_entry_on_its_line():
    bib, _ = parse("@misc{a, title = {100%}} @misc{b, title = {B}}\n")
    assert [e.key for e in bib.entries] == ["a", "b"]


def test_commented_out_entry_after_an_unclosed_one():
    src = "@article{a,\n  title = {A},\n% @inbook{x,\n%   title = {X},\n% }\n@article{b, title = {B}}\n"
    bib, diags = parse(src)
    assert [e.key for e in bib.entries] == ["a", "b"]
    assert bib.entries[1].get("title") == "B"
    assert "B019" in [d.code for d in diags]


def test_cr_only_line_endings_read_like_lf():
    lf = ("% a comment\n@article{a,\n  % inside\n  title = {A},\n  year = 2001,\n}\n"
          "@misc{b,\n  title = {B}\n}\n% @misc{x,\n@misc{c, title = {C},\n\n@misc{d, note = {N}}\n")
    for eol in ("\r", "\r\n"):
        ours, our_diags = parse(lf.replace("\n", eol))
        want, want_diags = parse(lf)
        assert [(e.key, e.line, [(f.name, f.value) for f in e.fields]) for e in ours.entries] == \
            [(e.key, e.line, [(f.name, f.value) for f in e.fields]) for e in want.entries]
        assert [(d.code, d.line, d.column) for d in our_diags] == [(d.code, d.line, d.column) for d in want_diags]
    assert [e.key for e in want.entries] == ["a", "b", "c", "d"]


def test_unicode_spaces_are_characters_of_the_value():
    bib, _ = parse("@misc{s, title = {A\u00a0B\u2009C\u202fD  E\u3000F}, note = \"x\u00a0 y\"}")
    assert bib.entries[0].get("title") == "A\u00a0B\u2009C\u202fD E\u3000F"
    assert bib.entries[0].get("note") == "x\u00a0 y"


@pytest.mark.parametrize("codec, bom", [
    ("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"), ("utf-16-le", b""), ("utf-16-be", b""),
    ("utf-32-le", b"\xff\xfe\x00\x00"),
])
def test_utf16_and_utf32_files_are_read(codec, bom, tmp_path):
    path = tmp_path / "u.bib"
    path.write_bytes(bom + "@misc{m,\n  title = {Gr\u00e1da \u4e2d}\n}\n".encode(codec))
    diags = Diagnostics()
    bib = load_bibliography([str(path)], diags)
    assert [(e.key, e.get("title"), e.line) for e in bib.all_entries()] == [("m", "Gr\u00e1da \u4e2d", 1)]
    assert [d.code for d in diags] == ["B007"] and "BibTeX and biber cannot read" in diags.items[0].message


def test_bytes_that_only_start_like_utf16_are_read_leniently():
    diags = Diagnostics()
    text, encoding, _ = decode(b"\xff\xfe@misc{a, title = {T}}\n\xd8", "x.bib", diags)
    assert encoding == "cp1252" and "@misc{a, title = {T}}" in text
    assert [d.code for d in diags] == ["B007"]


def test_unterminated_quote_that_swallowed_fields_is_cut_at_its_line():
    bib, diags = parse('@article{a,\n  title = "Foo,\n  year = 2000,\n}\n\n@misc{b, title = "B"}\n')
    assert [(f.name, f.value) for f in bib.entries[0].fields] == [("title", "Foo"), ("year", "2000")]
    assert bib.entries[1].get("title") == "B"
    (d,) = diags
    assert (d.code, d.line) == ("B019", 2) and d.message.startswith("unterminated quoted value in field title of a")


def test_string_without_its_closing_brace_still_defines_the_macro():
    bib, diags = parse("@string{j = {Journal}\n@misc{b, journal = j}\n")
    assert bib.entries[0].get("journal") == "Journal"
    (d,) = diags
    assert d.code == "B019" and "@string j (line 1) is not closed" in d.message


def test_extra_closing_brace_that_ends_an_entry_early_is_reported():
    bib, diags = parse("@article{a,\n  title = {Foo}}},\n  year = 2000,\n}\n@misc{b, title = {B}}\n")
    assert [e.key for e in bib.entries] == ["a", "b"]
    (d,) = diags
    assert (d.code, d.line, d.column) == ("B019", 3, 3)
    assert "entry a (line 1) is closed before field 'year'" in d.message


@pytest.mark.parametrize("text", [
    "@misc{a, title = {A}}\nSee also: x = 2.\n",
    "@misc{a, title = {A}}\n\n% year = 2000\n",
    "@misc{a, title = {A}}\n@misc{b, title = {B}}\n",
])
def test_free_text_after_an_entry_is_not_taken_for_fields(text):
    _, diags = parse(text)
    assert not list(diags)
