"""fmt: canonical layout, lossless (same entries and values after a re-read), idempotent, on real files."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from bibkit.bibtex import parse_text
from bibkit.diagnostics import Diagnostics
from bibkit.errors import BibkitError
from bibkit.fmt import FmtOptions, comparable_value, format_file, format_text, write_formatted

BIG = 500_000  # bytes; the two largest corpus files are marked slow


def read_values(text: str) -> list[tuple]:
    """Every entry as (type, key, broken, {field: [values in order]}), values as fmt compares them."""
    out = []
    for e in parse_text(text, "x.bib", Diagnostics()).entries:
        fields: dict[str, list[str]] = {}
        for f in e.fields:
            name = f.name.lower()
            fields.setdefault(name, []).append(comparable_value(name, f.value))
        out.append((e.type, e.key, e.broken, fields))
    return out


def strings_and_preambles(text: str) -> list[tuple]:
    """The @string and @preamble blocks with their expanded values."""
    from bibkit.model import Preamble, StringDef

    blocks = parse_text(text, "x.bib", Diagnostics()).blocks
    return [(type(b).__name__, getattr(b, "name", ""), b.value) for b in blocks if isinstance(b, (StringDef, Preamble))]


def decoded(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def check_roundtrip(text: str) -> None:
    once = format_text(text).text
    assert format_text(once).text == once, "fmt is not idempotent"
    assert read_values(once) == read_values(text), "fmt changed an entry or a value"
    assert strings_and_preambles(once) == strings_and_preambles(text)


def test_messy_file_layout(data):
    result = format_text((data / "io" / "messy.bib").read_text(encoding="utf-8"), "messy.bib")
    text = result.text
    assert "@article{lin1990,\n  author      = {Lin, Justin Yifu},\n  title       = {Collectivization" in text
    assert "  % checked against JSTOR\n  journal     = jpe,\n  year        = 1990,\n  month       = dec," in text
    assert "pages       = {1228--1252}," in text
    assert "note        = {First } # jpe # { paper}," in text
    assert text.count("customfield") == 2
    assert "@string{jpe = {Journal of Political Economy}}" in text
    assert "@preamble{{\\newcommand{\\noopsort}[1]{}}}" in text
    assert "@Comment{ jabref-meta: databaseType:bibtex; }" in text
    assert "title     = {A title that was wrapped over two lines}," in text
    assert "url       = {http://example.org/a  b}," in text  # verbatim field untouched
    assert "  % a trailing comment\n}" in text
    # The broken entry stays verbatim, with a warning naming its line.
    assert "@article{broken,\n  title = {This entry is never closed,\n  year = 2002\n\n@misc{after," in text
    assert [str(d) for d in result.diagnostics] == ["messy.bib:29:1: warning B001 broken entry broken is kept as it stands"]
    check_roundtrip((data / "io" / "messy.bib").read_text(encoding="utf-8"))


def test_comment_directly_above_an_entry_stays_attached():
    text = "% about smith\n@misc{smith,title={T}}\n\n\n\n% loose\n\n@misc{b,title={U}}"
    assert format_text(text).text == ("% about smith\n@misc{smith,\n  title = {T},\n}\n\n% loose\n\n"
                                      "@misc{b,\n  title = {U},\n}\n")


def test_quotes_become_braces_only_when_safe():
    out = format_text('@misc{a, title = "A {B} c", note = "x}" # "{y"}').text
    assert "title = {A {B} c}," in out
    assert 'note  = "x}" # "{y"' in out


@pytest.mark.parametrize("written, canonical", [
    ("{12}", "dec"), ("{December}", "dec"), ('"jan"', "jan"), ("sep", "sep"), ("{Dec 18}", "{Dec 18}"),
])
def test_month_macros(written, canonical):
    assert f"month = {canonical}," in format_text(f"@misc{{a, month = {written}}}").text


def test_month_macro_not_used_when_the_file_redefines_it():
    out = format_text('@string{dec = "Dezember"}\n@misc{a, month = {December}}').text
    assert "month = {December}," in out


@pytest.mark.parametrize("written, canonical", [
    ("12-23", "12--23"), ("12 --- 23", "12--23"), ("12\u201323", "12--23"), ("e12-e23, 30-31", "e12--e23, 30--31"),
    ("xii-xiv", "xii-xiv"), ("12", "12"), ("12--23", "12--23"),
])
def test_page_ranges(written, canonical):
    assert f"pages = {{{canonical}}}," in format_text(f"@misc{{a, pages = {{{written}}}}}").text


def test_options_from_config():
    opts = FmtOptions.from_config({"indent": 4, "align": False, "order": ["Year", "title"], "trailing_comma": False})
    out = format_text("@misc{a, title={T}, author={A}, year={2000}}", options=opts).text
    assert out == "@misc{a,\n    year = {2000},\n    title = {T},\n    author = {A}\n}\n"
    with pytest.raises(BibkitError, match="unknown \\[fmt\\] option 'indnet'"):
        FmtOptions.from_config({"indnet": 2})
    with pytest.raises(BibkitError, match="indent must be a whole number"):
        FmtOptions.from_config({"indent": "2"})


def test_format_file_keeps_permissions_and_bom(tmp_path):
    path = tmp_path / "refs.bib"
    path.write_bytes(b"\xef\xbb\xbf@misc{a,title={T}}")
    os.chmod(path, 0o640)
    result = format_file(str(path))
    assert result.changed
    write_formatted(result)
    assert path.read_bytes() == b"\xef\xbb\xbf@misc{a,\n  title = {T},\n}\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert not format_file(str(path)).changed


def test_seed_bibliography_round_trips(root):
    check_roundtrip((root / "references.bib").read_text(encoding="utf-8"))


def _corpus_params():
    from conftest import corpus_files

    return [pytest.param(p, id=p.name[:60], marks=[pytest.mark.slow] if p.stat().st_size > BIG else [])
            for p in corpus_files()] or [pytest.param(None, id="no-corpus")]


@pytest.mark.parametrize("path", _corpus_params())
def test_corpus_round_trip(path, corpus):
    check_roundtrip(decoded(path))


# -- generated entries -------------------------------------------------------

_word = st.text(st.sampled_from("abcXYZ019 .,;:'-\\&é"), min_size=0, max_size=12)
_braced = st.recursive(_word, lambda inner: st.builds(lambda a, b: f"{a}{{{b}}}", _word, inner), max_leaves=4)
_value = st.one_of(
    _braced.map(lambda s: "{" + s + "}"),
    _braced.filter(lambda s: '"' not in s).map(lambda s: '"' + s + '"'),
    st.integers(0, 3000).map(str),
    st.sampled_from(["jan", "dec", "foo"]),
    st.sampled_from(["{12-23}", "{7 -- 9}", "{December}", "{ 3 }"]),
)
_field = st.tuples(st.sampled_from(["title", "Author", "year", "month", "pages", "note", "url", "x-custom"]),
                   st.lists(_value, min_size=1, max_size=3))
_ws = st.sampled_from([" ", "\n", "  \n\t", ""])


@st.composite
def bib_files(draw) -> str:
    """A file of generated entries with odd spacing, comments and @string blocks."""
    chunks = []
    for i in range(draw(st.integers(1, 4))):
        if draw(st.booleans()):
            chunks.append(f"@string{{foo = {draw(_value.filter(lambda v: v not in ('foo',)))}}}")
        if draw(st.booleans()):
            chunks.append(f"% comment {i}")
        fields = draw(st.lists(_field, max_size=5))
        sep = draw(_ws)
        body = ",".join(f"{sep}{name}{draw(_ws)}={draw(_ws)}{' # '.join(vals)}" for name, vals in fields)
        delim = draw(st.sampled_from(["{}", "()"]))
        comment = "\n% inside\n" if draw(st.booleans()) else ""
        chunks.append(f"@{draw(st.sampled_from(['article', 'MISC', 'Book']))}{delim[0]}k{i},{comment}{body}{draw(_ws)}{delim[1]}")
    return draw(st.sampled_from(["\n", "\n\n", " \n \n"])).join(chunks)


@settings(max_examples=150, deadline=None)
@given(bib_files())
def test_generated_files_round_trip(text):
    check_roundtrip(text)
