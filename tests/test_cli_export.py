"""bibkit export: formats, filters (--keys, --tag, --cited-only, --claim), -o, bad input."""

from __future__ import annotations

import json
import shutil

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
