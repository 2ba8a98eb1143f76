"""The formatter interface: style lookup, bad styles, pybtex's missing fields, cite(), the render cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from bibkit.bib.bibtex import load_bibliography
from bibkit.formatting import RenderCache, cite, cite_many, format_bibliography, load_style
from bibkit.infra.diagnostics import Diagnostics
from bibkit.infra.errors import BibkitError


@pytest.fixture
def seed(root: Path):
    return load_bibliography([str(root / "references.bib")], Diagnostics())


def test_unknown_style_suggests_close_names() -> None:
    with pytest.raises(BibkitError, match=r"unknown style 'apaa' \(did you mean apa"):
        load_style("apaa")


def test_invalid_csl_names_the_xml_error_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csl"
    bad.write_text('<style xmlns="http://purl.org/net/xbiblio/csl">\n<info>\n</inf>\n')
    with pytest.raises(BibkitError, match=r"bad.csl:3:\d+: invalid CSL style: mismatched tag"):
        load_style(str(bad))


def test_aliases_resolve() -> None:
    assert load_style("mla").name == "modern-language-association"
    assert load_style("vancouver").path.endswith("nlm-citation-sequence.csl")


def test_cite_author_date_with_locator(seed) -> None:
    assert cite([(seed.entries["smil1999"], "p. 1619")], "apa") == "Smil (1999, p. 1619)"
    assert cite_many([[(seed.entries["peng1987"], None), (seed.entries["song2010"], "pp. 3-4")]], "chicago",
                     narrative=False) == ["(Peng 1987; Song 2010, 3–4)"]


def test_pybtex_missing_field_renders_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "r.bib"
    path.write_text("@article{nojournal, author = {Doe, Jane}, title = {A Title}, year = 2001}\n"
                    "@book{ok, author = {Roe, R.}, title = {Book}, publisher = {P}, year = 1999}\n")
    b = load_bibliography([str(path)], Diagnostics())
    for style in ("plain", "unsrt", "alpha", "unsrtalpha"):
        out = format_bibliography(list(b), style, "text")
        texts = {e.key: e.text for e in out.entries}
        assert "Jane Doe" in texts["nojournal"] and "A Title" in texts["nojournal"]
        assert [w for e, w in out.warnings if e.key == "nojournal" and "journal" in w]


def test_alpha_labels(seed) -> None:
    out = format_bibliography(list(seed), "alpha", "text")
    assert out.entries[0].label == "KL03"


def test_unreadable_entry_is_left_out_with_a_located_warning(tmp_path: Path) -> None:
    path = tmp_path / "r.bib"
    path.write_text("@article{good, author = {Doe, Jane}, title = {Fine}, journal = {J}, year = 2001}\n"
                    "@misc{bad\U0001F642, title = {X}}\n"
                    "@art1cle{odd, title = {Odd Type}}\n")
    b = load_bibliography([str(path)], Diagnostics())
    out = format_bibliography(list(b), "apa", "text")
    # an unknown type is read as misc (rendered, with a warning); a key pandoc cannot read is left out
    assert [e.key for e in out.entries] == ["good", "odd"]
    assert [(e.key, e.line) for e, _ in out.warnings] == [("odd", 3), ("bad\U0001F642", 2)]


def test_cache_second_run_needs_no_engine(seed, tmp_path: Path, monkeypatch) -> None:
    cache = RenderCache(directory=tmp_path)
    first = format_bibliography(list(seed), "apa", "html", cache=cache)
    from bibkit.formatting import pandoc_run

    monkeypatch.setattr(pandoc_run, "run_pandoc", lambda *a, **k: (_ for _ in ()).throw(AssertionError("engine ran")))
    again = format_bibliography(list(seed), "apa", "html", cache=RenderCache(directory=tmp_path))
    assert [e.text for e in again.entries] == [e.text for e in first.entries]


def test_html_links_doi(seed) -> None:
    out = format_bibliography(list(seed), "apa", "html")
    smil = next(e.text for e in out.entries if e.key == "smil1999")
    assert '<a href="https://doi.org/10.1136/bmj.319.7225.1619">' in smil


def test_entry_at_line_finds_the_entry_pandoc_names() -> None:
    from bibkit.formatting.citeproc import entry_at_line

    entries = [type("E", (), {"key": k})() for k in ("a", "b", "c")]
    texts = {"a": "@misc{a,\n  x = 1\n}\n", "b": "@misc{b}\n", "c": "@misc{c,\n  y = 2\n}\n"}
    # joined by "\n": a is lines 1-4 (its closing newline and the blank line), b lines 5-6, c from line 7
    assert [entry_at_line(entries, texts, n) for n in (1, 3, 4, 5, 6, 7, 9)] == [0, 0, 0, 1, 1, 2, 2]
