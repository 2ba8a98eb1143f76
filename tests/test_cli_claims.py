"""``bibkit claims extract``: a claims.yaml skeleton that loads cleanly and whose anchors are found."""

from __future__ import annotations

import shutil

import yaml

from bibkit.claims import load_claims
from bibkit.cli import cli
from bibkit.diagnostics import Diagnostics


def test_extract_to_stdout_loads_cleanly(root, runner, monkeypatch, tmp_path):
    monkeypatch.chdir(root / "examples" / "great-leap-forward")
    result = runner.invoke(cli, ["claims", "extract", "article.md"])
    assert result.exit_code == 0, result.stderr
    out = tmp_path / "claims.yaml"
    out.write_text(result.stdout, encoding="utf-8")
    diags = Diagnostics()
    claims = load_claims(str(out), diags)
    assert list(diags) == []
    assert claims.document.path == "article.md" and claims.document.title == "The Great Leap Forward"
    first = claims.claims[0]
    assert first.text.startswith("In 1958 the leadership of the Chinese Communist Party")
    assert [(link.key, link.verified) for link in first.links] == [("smil1999", False)]
    located = [link for c in claims.claims for link in c.links if link.locator]
    assert ("smil1999", "p. 1619") in {(link.key, link.locator) for link in located}
    assert any(not c.links and c.note and "statistic" in c.note for c in claims.claims)
    assert len({c.id for c in claims.claims}) == len(claims.claims)


def test_extracted_file_passes_check_with_anchors_found(root, runner, project):
    path = project()
    shutil.copy(root / "examples" / "great-leap-forward" / "article.md", path / "article.md")
    shutil.copy(root / "references.bib", path / "references.bib")
    result = runner.invoke(cli, ["claims", "extract", "article.md", "-o", "claims.yaml"])
    assert result.exit_code == 0 and "Wrote claims skeleton to claims.yaml" in result.stderr
    data = yaml.safe_load((path / "claims.yaml").read_text(encoding="utf-8"))
    assert data["version"] == 1 and all(c["anchor"] for c in data["claims"])
    check = runner.invoke(cli, ["check", "--format", "json", "--fail-on", "warning"])
    assert '"C010"' not in check.stdout and '"error"' not in check.stdout, check.stdout
    assert check.exit_code == 0, check.stdout


def test_extract_path_is_relative_to_the_output(root, runner, project):
    path = project(**{"text/a.md": "It rose [@x].\n"})
    (path / "out").mkdir()
    result = runner.invoke(cli, ["claims", "extract", "text/a.md", "-o", "out/claims.yaml"])
    assert result.exit_code == 0, result.stderr
    assert yaml.safe_load((path / "out" / "claims.yaml").read_text())["document"]["path"] == "../text/a.md"


def test_extract_missing_file_is_a_one_line_error(runner, project):
    project()
    result = runner.invoke(cli, ["claims", "extract", "nope.md"])
    assert result.exit_code == 2 and result.stderr.strip() == "bibkit: error: nope.md: no such file"
