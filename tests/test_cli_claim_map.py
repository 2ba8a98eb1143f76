"""``bibkit claim-map`` through the CLI: formats, filters, the gate, config defaults and bad input."""

from __future__ import annotations

import json
import shutil

import pytest
from claimmap_helpers import FOLDER

from bibkit.cli import cli


@pytest.fixture
def in_project(tmp_path, monkeypatch):
    """A copy of tests/data/claimmap as the current directory."""
    for name in ("references.bib", "claims.yaml"):
        shutil.copy(FOLDER / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_default_text_on_the_seed_project(runner, root, monkeypatch):
    monkeypatch.chdir(root)
    result = runner.invoke(cli, ["claim-map"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Claim map: The Great Leap Forward\n")
    assert "claims           45" in result.stdout


def test_load_diagnostics_on_stderr_and_broken_key_kept(runner, in_project):
    result = runner.invoke(cli, ["claim-map"])
    assert result.exit_code == 0
    assert result.stderr.strip().splitlines() == ["claims.yaml:75:5: error C004 claim without id (left out)"]
    assert "c-broken" in result.stdout and "NOT IN THE BIBLIOGRAPHY" in result.stdout


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "json", "csv", "dot"])
def test_every_format_lists_every_claim(runner, in_project, fmt):
    result = runner.invoke(cli, ["claim-map", "--format", fmt])
    assert result.exit_code == 0, result.output
    for cid in ("c-verified", "c-bibside", "c-unsourced", "c-broken", "c-contested", "c-mentions"):
        assert cid in result.stdout


def test_fail_under_gates(runner, in_project):
    result = runner.invoke(cli, ["claim-map", "--fail-under", "80", "--format", "json"])
    assert result.exit_code == 1
    assert "Coverage failure: backed total of 55.6 is less than fail-under=80" in result.stderr
    assert json.loads(result.stdout)["gate"] == {"metric": "backed", "fail_under": 80.0, "passed": False}
    assert runner.invoke(cli, ["claim-map", "--fail-under", "55.6"]).exit_code == 0
    # 5 of 9 is 55.555...: the gate compares the displayed 55.6, so 55.56 passes and 55.61 does not
    assert runner.invoke(cli, ["claim-map", "--fail-under", "55.56"]).exit_code == 0
    near = runner.invoke(cli, ["claim-map", "--fail-under", "55.61"])
    assert near.exit_code == 1
    assert near.stderr.splitlines()[-1] == "Coverage failure: backed total of 55.6 is less than fail-under=55.61"
    verified = runner.invoke(cli, ["claim-map", "--fail-under", "30", "--metric", "verified"])
    assert verified.exit_code == 1 and "verified total of 22.2" in verified.stderr


def test_config_defaults(runner, in_project):
    (in_project / "bibkit.toml").write_text('[claim-map]\nfail_under = 20\nmetric = "verified"\nformat = "json"\n')
    result = runner.invoke(cli, ["claim-map"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["gate"]["metric"] == "verified"
    (in_project / "bibkit.toml").write_text("[claim-map]\nfail_under = 80\n")
    assert runner.invoke(cli, ["claim-map"]).exit_code == 1
    assert runner.invoke(cli, ["claim-map", "--fail-under", "50"]).exit_code == 0
    (in_project / "bibkit.toml").write_text('[claim-map]\nfail_under = "lots"\n')
    bad = runner.invoke(cli, ["claim-map"])
    assert bad.exit_code == 2 and "fail_under must be a number from 0 to 100" in bad.stderr


def test_filters(runner, in_project):
    result = runner.invoke(cli, ["claim-map", "--format", "json", "--status", "partial", "--status", "broken"])
    doc = json.loads(result.stdout)
    assert [c["id"] for c in doc["claims"]] == ["c-qualifies", "c-mentions", "c-broken"]
    assert doc["summary"]["claims"] == 3 and doc["summary"]["total_claims"] == 9
    tagged = json.loads(runner.invoke(cli, ["claim-map", "--format", "json", "--tag", "gamma"]).stdout)
    assert [c["id"] for c in tagged["claims"]] == ["c-bibside", "c-unsourced"]
    by_source = json.loads(runner.invoke(cli, ["claim-map", "--format", "json", "--source", "beta2002"]).stdout)
    assert [c["id"] for c in by_source["claims"]] == ["c-unverified", "c-qualifies", "c-contested"]


@pytest.mark.parametrize("args, message", [
    (["--status", "fine"], "Invalid value for '--status'"),
    (["--metric", "lines"], "Invalid value for '--metric'"),
    (["--fail-under", "120"], "Invalid value for '--fail-under'"),
    (["--source", "nosuchkey"], "'nosuchkey' is not in the bibliography"),
])
def test_usage_errors_exit_2(runner, in_project, args, message):
    result = runner.invoke(cli, ["claim-map", *args])
    assert result.exit_code == 2
    assert message in result.stderr


def test_output_file_and_missing_directory(runner, in_project):
    result = runner.invoke(cli, ["claim-map", "--format", "html", "-o", "map.html"])
    assert result.exit_code == 0
    assert "Wrote HTML claim map to map.html" in result.stderr
    assert (in_project / "map.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    missing = runner.invoke(cli, ["claim-map", "-o", "nowhere/map.txt"])
    assert missing.exit_code == 2
    assert "bibkit: error: nowhere/map.txt: directory nowhere does not exist" in missing.stderr
    assert not (in_project / "nowhere").exists()


def test_missing_claims_file_is_an_error(runner, tmp_path, monkeypatch):
    shutil.copy(FOLDER / "references.bib", tmp_path / "references.bib")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["claim-map"])
    assert result.exit_code == 2 and "claims.yaml: no such file" in result.stderr


def test_readme_output_is_real(runner, root, monkeypatch):
    """Every line the README shows for `bibkit claim-map` on the seed project is in the real output."""
    readme = (root / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Which claims have sources: `bibkit claim-map`")[1].split("\n## ")[0]
    block = section.split("```console\n$ bibkit claim-map\n")[1].split("```")[0]
    monkeypatch.chdir(root)
    out = runner.invoke(cli, ["claim-map"]).stdout
    lines = out.splitlines()
    shown = [line for line in block.splitlines() if line != "…"]
    assert shown[:12] == lines[:12]
    for line in shown:
        assert line in lines


def test_citations_follow_the_project_style(runner, root, monkeypatch):
    """--style renders link citations and full references through the CSL formatter (pandoc's citeproc)."""
    monkeypatch.chdir(root)
    result = runner.invoke(cli, ["claim-map", "--no-cache", "--style", "chicago-author-date", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    cites = {link["citation"] for c in doc["claims"] for link in c["links"] if link["locator"]}
    assert "Smil (1999, 1619)" in cites  # Chicago: no "p." before the page
    smil = next(s for s in doc["sources"] if s["key"] == "smil1999")
    assert smil["citation"].startswith("Smil, Vaclav. 1999. \u201cChina\u2019s Great Famine: 40 Years Later.\u201d BMJ 319")


def test_without_a_style_the_built_in_author_year_form_is_used(runner, project):
    project(bib="@book{kung2003, author = {Kung, James Kai-sing and Lin, Justin Yifu}, title = {T}, year = 2003}\n",
            claims="version: 1\nclaims:\n  - {id: a, text: t, sources: [{key: kung2003, locator: p. 51}]}\n")
    doc = json.loads(runner.invoke(cli, ["claim-map", "--format", "json"]).stdout)
    assert doc["claims"][0]["links"][0]["citation"] == "Kung and Lin (2003, p. 51)"


def cached_kung_and_orphan(project, tmp_path, monkeypatch) -> None:
    """The parse cache on, in tmp_path/cache; one claim citing kung2003 at p. 51, and an orphan source."""
    monkeypatch.setenv("BIBKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("BIBKIT_NO_CACHE", raising=False)
    project(bib="@book{kung2003, author = {Kung, James Kai-sing and Lin, Justin Yifu}, title = {T}, year = 2003}\n"
                "@book{orphan, author = {Ó Gráda, Cormac}, title = {O}, year = 2011}\n",
            claims="version: 1\nclaims:\n  - {id: a, text: t, sources: [{key: kung2003, locator: p. 51}]}\n")


def test_builtin_citations_are_cached_with_the_parse_cache(runner, project, tmp_path, monkeypatch):
    """A warm run reads every built-in citation from one cache record instead of formatting again."""
    cached_kung_and_orphan(project, tmp_path, monkeypatch)
    first = runner.invoke(cli, ["claim-map", "--format", "json"]).stdout
    assert list((tmp_path / "cache").glob("citations-*"))
    second = runner.invoke(cli, ["claim-map", "--format", "json"]).stdout
    assert first == second
    doc = json.loads(second)
    assert doc["claims"][0]["links"][0]["citation"] == "Kung and Lin (2003, p. 51)"
    assert {s["key"]: s["citation"] for s in doc["sources"]}["orphan"].startswith("Ó Gráda, C. (2011). O.")


def test_the_text_map_formats_no_full_references(runner, project, tmp_path, monkeypatch):
    """Short citations and full references are cached apart: the text map needs only the short ones."""
    from bibkit.bib import citations

    cached_kung_and_orphan(project, tmp_path, monkeypatch)
    monkeypatch.setattr(citations, "full_citation", lambda entry: pytest.fail("a full reference was formatted"))
    text = runner.invoke(cli, ["claim-map"]).stdout
    assert "Kung and Lin (2003, p. 51)" in text and "orphan  Ó Gráda (2011)" in text
    assert list((tmp_path / "cache").glob("citations-short-*")) and not list((tmp_path / "cache").glob("citations-full-*"))
