"""bibkit export: formats, filters (--keys, --tag, --cited-only, --claim), -o, bad input."""

from __future__ import annotations

import json
import shutil

import lxml.html
import pytest

from bibkit.cli import cli


@pytest.fixture
def seed(project, root):
    path = project()
    for name in ("references.bib", "claims.yaml"):
        shutil.copy(root / name, path / name)
    return path


def keys_of_ris(text: str) -> list[str]:
    return [line[6:] for line in text.splitlines() if line.startswith("ID  - ")]


def test_every_format_writes(seed, runner):
    for fmt in ("bibtex", "biblatex", "ris", "csl-json", "csl-yaml"):
        result = runner.invoke(cli, ["export", "--to", fmt, "--keys", "smil1999"])
        assert result.exit_code == 0, (fmt, result.stderr)
        assert "smil1999" in result.stdout


def test_filters(seed, runner):
    out = runner.invoke(cli, ["export", "--to", "ris", "--keys", "li2001,smil1999"]).stdout
    assert keys_of_ris(out) == ["smil1999", "li2001"]  # bibliography order
    out = runner.invoke(cli, ["export", "--to", "ris", "--tag", "steel"]).stdout
    assert keys_of_ris(out) == ["smil1999", "zhang1999"]
    cited = runner.invoke(cli, ["export", "--to", "ris", "--cited-only"]).stdout
    assert set(keys_of_ris(cited)) <= {"song2010", "smil1999", "li2001", "ograda2011", "zhang1999", "peng1987",
                                       "kung2003", "lippit1975"}
    assert keys_of_ris(cited)


def test_output_file_for_pandoc(seed, runner):
    result = runner.invoke(cli, ["export", "--to", "csl-json", "--cited-only", "-o", "paper.json"])
    assert result.exit_code == 0
    assert result.stderr.startswith("Wrote ") and "as CSL-JSON to paper.json" in result.stderr
    items = json.loads((seed / "paper.json").read_text())
    assert all("id" in item and "type" in item for item in items)


def test_bad_filters(seed, runner):
    result = runner.invoke(cli, ["export", "--to", "ris", "--keys", "ghost"])
    assert result.exit_code == 2 and "not in the bibliography: ghost" in result.stderr
    result = runner.invoke(cli, ["export", "--to", "ris", "--claim", "no-such-claim"])
    assert result.exit_code == 2 and "no such claim" in result.stderr
    result = runner.invoke(cli, ["export", "--to", "docx"])
    assert result.exit_code == 2


# -- --cited-only with a manuscript (issue 27, item 4) -------------------------------------------

ESSAY = "# Toll\n\n@smil1999 puts the toll at about 30 million.\n\nCensus data agree [@peng1987, p. 640].\n"


@pytest.fixture
def fresh(project, root, runner):
    """`bibkit init`, the bundled bibliography, an essay configured as the manuscript, no claims yet."""
    path = project(**{"essay.md": ESSAY})
    shutil.copy(root / "references.bib", path / "references.bib")
    assert runner.invoke(cli, ["init"]).exit_code == 0
    config = (path / "bibkit.toml").read_text(encoding="utf-8")
    (path / "bibkit.toml").write_text(config.replace('# manuscript = "article.md"', 'manuscript = "essay.md"'),
                                      encoding="utf-8")
    return path


def csl_ids(text: str) -> list[str]:
    return [item["id"] for item in json.loads(text)]


def test_cited_only_uses_the_manuscript_when_there_are_no_claims(fresh, runner):
    result = runner.invoke(cli, ["export", "--to", "csl-json", "--cited-only"])
    assert result.exit_code == 0 and result.stderr == ""
    assert csl_ids(result.stdout) == ["smil1999", "peng1987"]  # bibliography order
    listing = runner.invoke(cli, ["reading-list", "--cited-only", "--format", "html"])
    assert listing.exit_code == 0 and listing.stderr == ""
    refs = lxml.html.fromstring(listing.stdout).xpath('//li[@class="ref"]/@id')
    assert refs == ["ref-peng1987", "ref-smil1999"]
    (fresh / "claims.yaml").unlink()  # a manuscript alone says what the paper uses
    assert csl_ids(runner.invoke(cli, ["export", "--to", "csl-json", "--cited-only"]).stdout) == [
        "smil1999", "peng1987"]


def test_cited_only_is_the_union_of_claims_and_manuscript(fresh, runner):
    (fresh / "claims.yaml").write_text("version: 1\nclaims:\n  - id: a\n    text: T.\n    sources: [kung2003]\n",
                                       encoding="utf-8")
    result = runner.invoke(cli, ["export", "--to", "csl-json", "--cited-only"])
    assert csl_ids(result.stdout) == ["smil1999", "peng1987", "kung2003"]
    # the other filters still narrow it: --claim and --tag combine with --cited-only
    assert csl_ids(runner.invoke(cli, ["export", "--to", "csl-json", "--cited-only", "--claim", "a"]).stdout) == [
        "kung2003"]


def test_an_empty_selection_is_named_on_stderr(fresh, runner):
    (fresh / "essay.md").write_text("# Toll\n\nNo citation yet.\n", encoding="utf-8")
    for command in (["export", "--to", "csl-json"], ["reading-list"]):
        result = runner.invoke(cli, [*command, "--cited-only"])
        assert result.exit_code == 0
        assert result.stderr == ("bibkit: warning: nothing selected: --cited-only: the claims link to no source "
                                 "and the manuscript cites none\n")
    result = runner.invoke(cli, ["export", "--to", "ris", "--tag", "no-such-tag"])
    assert result.exit_code == 0 and result.stdout == ""
    assert result.stderr == "bibkit: warning: nothing selected: no entry passes --tag\n"
    (fresh / "bibkit.toml").write_text('bib = "references.bib"\n', encoding="utf-8")
    result = runner.invoke(cli, ["export", "--to", "csl-json", "--cited-only"])
    assert result.exit_code == 0 and result.stdout == "[]\n"
    assert result.stderr == ("bibkit: warning: nothing selected: --cited-only: the claims link to no source and no "
                             "manuscript is configured ('manuscript' in bibkit.toml)\n")
    (fresh / "references.bib").write_text("", encoding="utf-8")
    result = runner.invoke(cli, ["reading-list"])
    assert result.exit_code == 0 and result.stderr == "bibkit: warning: nothing selected: the bibliography has no entries\n"
