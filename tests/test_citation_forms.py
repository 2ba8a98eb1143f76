"""Citations read right in every kind of CSL style, and claims taken from a manuscript never show pandoc syntax."""

from __future__ import annotations

import subprocess

import pytest

from bibkit.cli import cli
from bibkit.formatting import load_style

pypandoc = pytest.importorskip("pypandoc")

BIB = """@article{smith2020, author = {Smith, Jane}, title = {An Example Article}, journal = {Journal of Examples},
  year = {2020}, pages = {367--377}}
@book{lee2019, author = {Lee, Kim}, title = {A Book}, publisher = {Press}, year = {2019}}
@article{adams2001, author = {Adams, Ann}, title = {First by Name}, journal = {J}, year = {2001}}
"""
CLAIMS = """version: 1
claims:
  - id: rain-falls
    text: Rain falls more in spring.
    sources:
      - {key: smith2020, locator: p. 12}
      - adams2001
  - id: other
    text: Another.
    sources: [lee2019, smith2020]
"""


def _lines(out: str, start: str) -> list[str]:
    return [line.strip() for line in out.split(start, 1)[1].splitlines() if line.strip()]


def test_note_style_gives_pandocs_short_note_not_author_glued_to_title(project, runner, tmp_path):
    project(bib=BIB, claims=CLAIMS)
    out = runner.invoke(cli, ["claim-map", "--style", "chicago-notes-bibliography", "--no-cache"]).stdout
    # pandoc itself: the second note citing a source is the style's short form
    (tmp_path / "d.md").write_text("A.[@lee2019] B.[@adams2001] C.[@smith2020, p. 12]\n\n"
                                   "D.[@lee2019] E.[@adams2001] F.[@smith2020, p. 12]\n", encoding="utf-8")
    theirs = subprocess.run([pypandoc.get_pandoc_path(), "d.md", "--citeproc", "--bibliography", "references.bib",
                             "--csl", load_style("chicago-notes-bibliography").path, "-t", "plain", "--wrap=none"],
                            capture_output=True, text=True, check=True, timeout=60, cwd=tmp_path).stdout
    notes = [line.split("] ", 1)[1] for line in theirs.splitlines() if line.startswith("[")]
    short_lee, short_adams, short_smith = notes[3:6]
    assert short_smith == "Smith, “An Example Article,” 12."
    assert f"supports     {short_smith}" in out and f"supports     {short_adams}" in out
    assert f"supports     {short_lee}" in out
    assert "Smith“" not in out and "Ibid" not in out


@pytest.mark.parametrize("style,number", [("ieee", "[{}]"), ("vancouver", "({})"), ("nature", "{}")])
def test_numeric_styles_give_author_year_with_the_number_and_index_in_number_order(project, runner, style, number):
    project(bib=BIB, claims=CLAIMS)
    out = runner.invoke(cli, ["claim-map", "--style", style, "--no-cache", "--no-orphans"]).stdout
    n = lambda i: number.format(i)  # noqa: E731
    assert f"supports     Adams (2001) {n(2)}" in out and f"supports     Lee (2019) {n(3)}" in out
    index = _lines(out, "SOURCES")
    assert [line.split()[0] for line in index if line.split()[0] in ("smith2020", "adams2001", "lee2019")] == [
        "smith2020", "adams2001", "lee2019"]
    assert f"smith2020  Smith (2020) {n(1)}" in index


def test_pybtex_numbers_keep_their_author_year_and_order(project, runner):
    project(bib=BIB, claims=CLAIMS)
    out = runner.invoke(cli, ["claim-map", "--style", "plain", "--no-cache", "--no-orphans"]).stdout
    index = [line for line in _lines(out, "SOURCES") if line.split()[0] in ("smith2020", "adams2001", "lee2019")]
    assert index == ["adams2001  Adams (2001) [1]", "lee2019  Lee (2019) [2]", "smith2020  Smith (2020) [3]"]


def test_markdown_page_ranges_use_an_en_dash(project, runner):
    project(bib=BIB)
    out = runner.invoke(cli, ["reading-list", "--format", "markdown", "--keys", "smith2020", "--no-cache"]).stdout
    assert "367–377" in out and "367--377" not in out


def test_claims_extract_shows_authors_not_pandoc_syntax(project, runner):
    project(bib=BIB, article__md="@smith2020 proposed that rain falls in spring [@lee2019, p. 3].\n")
    out = runner.invoke(cli, ["claims", "extract", "article.md"]).stdout
    assert "  text: Smith (2020) proposed that rain falls in spring.\n" in out
    assert "text: '@" not in out


def test_editing_a_claimed_sentence_does_not_count_it_twice(project, runner, tmp_path):
    root = project(bib=BIB, article__md="Intro sentence here.\n\n@smith2020 proposed that rain falls in spring.\n")
    assert runner.invoke(cli, ["claims", "extract", "article.md", "-o", "claims.yaml"]).exit_code == 0
    before = runner.invoke(cli, ["claim-map", "--manuscript", "article.md", "--format", "json"]).stdout
    (root / "article.md").write_text("Intro sentence here.\n\n@smith2020 argued that rain mostly falls in the "
                                     "spring.\n", encoding="utf-8")
    after = runner.invoke(cli, ["claim-map", "--manuscript", "article.md", "--format", "json"]).stdout
    import json

    assert json.loads(before)["summary"]["claims"] == json.loads(after)["summary"]["claims"] == 1


def test_claim_text_from_a_claims_file_shows_authors_in_map_and_reading_list(project, runner):
    project(bib=BIB, claims="version: 1\nclaims:\n  - id: c\n    text: '@smith2020 proposed rain [@lee2019, p. 3].'\n"
                            "    sources: [smith2020]\n")
    out = runner.invoke(cli, ["claim-map"]).stdout
    assert "Smith (2020) proposed rain (Lee 2019, p. 3)." in out and "@smith2020" not in out
    listing = runner.invoke(cli, ["reading-list", "--group-by", "claim", "--no-annotations"]).stdout
    assert "Smith (2020) proposed rain (Lee 2019, p. 3)." in listing and "@smith2020" not in listing
