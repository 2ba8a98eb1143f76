"""Property tests: damaged bibliographies and claims files never crash the readers, every diagnostic is
located, and entries that a lenient reader can keep are kept."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bibkit.bib.bibtex import parse_bytes
from bibkit.claims.loader import parse_claims
from bibkit.infra.diagnostics import Diagnostics
from bibkit.infra.errors import BibkitError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import generate  # noqa: E402

DATA = Path(__file__).parent / "data" / "scale"
BASE = (generate.bibliography(12, seed=5) + (DATA / "mixed.bib").read_text(encoding="utf-8")).encode()
CLAIMS = (DATA / "claims.yaml").read_text(encoding="utf-8") + generate.claims(["e1a1990", "peng1987"], 8)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parse(data: bytes):
    """Parse bytes as bibkit does; return the file and the diagnostics."""
    diags = Diagnostics()
    return parse_bytes(data, "mutated.bib", diags), diags


def entries_by_key(bibfile) -> dict:
    out = {}
    for e in bibfile.entries:
        out.setdefault(e.key, e)
    return out


def assert_located(bibfile, diags: Diagnostics) -> None:
    """Every diagnostic of a bibliography has a line inside the file and a column."""
    n_lines = bibfile.source.text.count("\n") + 1
    for d in diags:
        assert d.file == "mutated.bib"
        assert 1 <= d.line <= n_lines, str(d)
        assert d.column >= 1, str(d)


def entry_spans(data: bytes) -> list[tuple[int, int, str, list]]:
    """(start, end, key, fields) of each entry of the undamaged file, in byte offsets of ASCII text."""
    bibfile, _ = parse(data)
    return [(e.start, e.end, e.key, [(f.name, f.value) for f in e.fields]) for e in bibfile.entries if not e.broken]


BASE_SPANS = entry_spans(BASE)
assert BASE.isascii()  # so character offsets are byte offsets


def check_kept(mutated: bytes, lo: int, hi: int, shift: int) -> None:
    """Entries wholly before ``lo`` are read exactly as before; entries wholly after ``hi`` are still there.

    ``shift`` is how far the mutation moved the text after ``hi``.
    """
    bibfile, diags = parse(mutated)
    assert_located(bibfile, diags)
    got = entries_by_key(bibfile)
    seen_keys: set[str] = set()
    for start, end, key, fields in BASE_SPANS:
        if key in seen_keys:
            continue  # duplicate keys: only the first is compared
        seen_keys.add(key)
        if end <= lo and start < lo:
            assert key in got, f"entry {key} before the damage was lost"
            assert [(f.name, f.value) for f in got[key].fields] == fields
        elif start >= hi and BASE[start - 1:start] in (b"\n", b""):
            assert key in got, f"entry {key} after the damage (at {lo}) was lost"


@SETTINGS
@given(st.integers(0, len(BASE)))
def test_truncated_file(cut: int) -> None:
    check_kept(BASE[:cut], cut, len(BASE) + 1, 0)


BRACES = [i for i, c in enumerate(BASE) if c in b"{}"]


@SETTINGS
@given(st.sampled_from(BRACES))
def test_brace_removed(at: int) -> None:
    check_kept(BASE[:at] + BASE[at + 1:], at, at + 1, -1)


@SETTINGS
@given(st.integers(0, len(BASE)), st.sampled_from([b"{", b"}", b"{{", b"}}", b"\"", b"@", b",", b"=", b"#", b"%"]))
def test_delimiter_added(at: int, what: bytes) -> None:
    # an added character may change the meaning of the entry it lands in, and of that one only; a "%"
    # outside entries comments out the rest of its line (as biber reads it), an entry's "@type{key," too
    end = BASE.find(b"\n", at) if what == b"%" else at
    check_kept(BASE[:at] + what + BASE[at:], at, len(BASE) + 1 if end < 0 else end, len(what))


@SETTINGS
@given(st.integers(0, len(BASE)), st.binary(min_size=1, max_size=64))
def test_random_bytes_inserted(at: int, junk: bytes) -> None:
    mutated = BASE[:at] + junk + BASE[at:]
    bibfile, diags = parse(mutated)
    assert_located(bibfile, diags)
    if junk.isascii():
        check_kept(mutated, at, at, len(junk))


@SETTINGS
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    bibfile, diags = parse(data)
    assert_located(bibfile, diags)


@SETTINGS
@given(st.text(alphabet="@{}()\"=,#% \n\tabc123", max_size=400))
def test_bibtex_punctuation_soup_never_raises(text: str) -> None:
    bibfile, diags = parse(text.encode())
    assert_located(bibfile, diags)
    assert_lossless(bibfile, text)


def assert_lossless(bibfile, text: str) -> None:
    """The blocks tile the input in order, with no gap or overlap, and free text is kept verbatim."""
    assert bibfile.source.text == text
    pos = 0
    for block in bibfile.blocks:
        assert block.start == pos and block.end > block.start, (pos, block)
        if type(block).__name__ == "Text":
            assert block.text == text[block.start:block.end]
        pos = block.end
    assert pos == len(text)


def test_ten_thousand_nested_braces() -> None:
    depth = 10_000
    data = ("@misc{deep, title = " + "{" * depth + "x" + "}" * depth + "}\n@misc{after, title = {A}}\n").encode()
    bibfile, diags = parse(data)
    keys = [e.key for e in bibfile.entries]
    assert keys == ["deep", "after"] and not list(diags)
    unclosed = ("@misc{deep, title = " + "{" * depth + "x\n@misc{after, title = {A}}\n").encode()
    bibfile, diags = parse(unclosed)
    assert [e.key for e in bibfile.entries] == ["deep", "after"]
    assert [d.code for d in diags] == ["B019"] and diags.items[0].line == 1


def test_huge_field_is_read_whole() -> None:
    body = "word {with} braces " * 200_000  # 3.8 MB in one field
    data = f"@misc{{big, abstract = {{{body}}}, title = {{T}}}}\n".encode()
    bibfile, diags = parse(data)
    (entry,) = bibfile.entries
    assert entry.get("title") == "T" and entry.get("abstract") == body
    assert not list(diags)


@pytest.mark.parametrize("prefix", [b"", b"\xef\xbb\xbf"], ids=["utf8", "utf8-bom"])
def test_utf8_with_and_without_bom(prefix: bytes) -> None:
    bibfile, diags = parse(prefix + "@misc{k, author = {Dikötter, Frank}}\n".encode())
    assert bibfile.entries[0].get("author") == "Dikötter, Frank" and bibfile.bom == bool(prefix)
    assert not list(diags)


@pytest.mark.parametrize("encoding,expected", [("cp1252", "CP1252"), ("latin-1", "CP1252")])
def test_legacy_encodings_are_read_with_a_located_warning(encoding: str, expected: str) -> None:
    data = "@misc{k,\n  title = {Zürich – “quoted”},\n  author = {Müller, Jörg}\n}\n"
    if encoding == "latin-1":
        data = data.replace("–", "-").replace("“", '"').replace("”", '"')
    bibfile, diags = parse(data.encode(encoding))
    assert bibfile.entries[0].get("author") == "Müller, Jörg"
    (d,) = list(diags)
    assert d.code == "B007" and d.severity.value == "warning" and d.line == 2 and expected in d.message


def test_undecodable_bytes_in_utf8_file_are_located_not_fatal() -> None:
    data = "@misc{a, title = {Fine ü}}\n".encode() + b"@misc{b, title = {Bad \x81\x8d here}}\n"
    bibfile, diags = parse(data)
    assert [e.key for e in bibfile.entries] == ["a", "b"]
    (d,) = list(diags)
    assert d.code == "B007" and d.line == 2 and d.column == 23


# -- claims ------------------------------------------------------------------


def claims_ok(text: str) -> None:
    diags = Diagnostics()
    try:
        claim_set = parse_claims(text, "claims.yaml", diags)
    except BibkitError as exc:  # a user error with one line is fine; a crash is not
        assert "\n" not in str(exc)
        return
    assert claim_set is not None
    for d in diags:
        assert d.file == "claims.yaml"
        assert d.line >= 1 or d.code in {"C002"}, str(d)


@SETTINGS
@given(st.integers(0, len(CLAIMS)))
def test_truncated_claims(cut: int) -> None:
    claims_ok(CLAIMS[:cut])


@SETTINGS
@given(st.integers(0, len(CLAIMS)), st.text(min_size=1, max_size=30))
def test_claims_with_text_inserted(at: int, junk: str) -> None:
    claims_ok(CLAIMS[:at] + junk + CLAIMS[at:])


@SETTINGS
@given(st.integers(0, len(CLAIMS)), st.sampled_from(["- ", ": ", "  ", "\t", "!!python/object:os.system ", "&a ", "*a ",
                                                      "[", "{", "'", '"', "\n", "version: 2\n", "!!binary "]))
def test_claims_with_yaml_syntax_inserted(at: int, junk: str) -> None:
    claims_ok(CLAIMS[:at] + junk + CLAIMS[at:])


@pytest.mark.parametrize("payload", [
    "!!python/object/apply:os.system ['touch {marker}']",
    "!!python/object/new:os.system ['touch {marker}']",
    "!!python/name:os.system",
    "!!python/object:collections.OrderedDict {{}}",
])
@pytest.mark.parametrize("where", ["version", "text", "claim", "source"])
def test_python_tags_are_errors_and_nothing_runs(tmp_path: Path, payload: str, where: str) -> None:
    marker = tmp_path / "pwned"
    value = payload.format(marker=marker)
    doc = {
        "version": f"version: {value}\nclaims: []\n",
        "text": f"version: 1\nclaims:\n  - id: a\n    text: {value}\n",
        "claim": f"version: 1\nclaims:\n  - {value}\n",
        "source": f"version: 1\nclaims:\n  - id: a\n    sources:\n      - key: {value}\n",
    }[where]
    diags = Diagnostics()
    try:
        parse_claims(doc, "claims.yaml", diags)
    except BibkitError as exc:
        assert "claims.yaml" in str(exc)
    else:
        errors = [d for d in diags if d.severity.value == "error"]
        assert errors, f"python tag accepted silently in {where}"
        assert all(d.line >= 1 for d in errors)
    assert not marker.exists() and not os.path.exists("pwned")
