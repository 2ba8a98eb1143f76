"""`bibkit check` through the CLI: output, exit codes, JSON, -o, colour and user errors."""

from __future__ import annotations

import json
import subprocess
import sys

from bibkit.cli import cli


def test_bundled_example_is_clean(runner, root, monkeypatch):
    monkeypatch.chdir(root)
    result = runner.invoke(cli, ["check"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].startswith("8 entries, ")
    assert " 0 errors, 0 warnings" in result.stdout


def test_defects_exit_1_with_compiler_style_lines(runner, data, monkeypatch):
    monkeypatch.chdir(data / "defects")
    result = runner.invoke(cli, ["check"])
    assert result.exit_code == 1
    assert "references.bib:4:1: error B003 article nojournal2002 lacks required field journal" in result.stdout
    assert "\x1b[" not in result.stdout  # no colour off a terminal
    assert "Traceback" not in result.output


def test_json_shape(runner, data, monkeypatch):
    monkeypatch.chdir(data / "defects")
    result = runner.invoke(cli, ["check", "--format", "json"])
    doc = json.loads(result.stdout)
    assert doc["format"] == 1
    assert doc["summary"]["entries"] == 9 and doc["summary"]["claims"] == 3
    assert doc["summary"]["errors"] == sum(d["severity"] == "error" for d in doc["diagnostics"])
    d = next(d for d in doc["diagnostics"] if d["code"] == "B003")
    assert d == {"file": "references.bib", "line": 4, "column": 1, "severity": "error", "code": "B003",
                 "message": "article nojournal2002 lacks required field journal or journaltitle", "key": "nojournal2002"}


def test_fail_on_levels(runner, project):
    project(bib="@misc{m, title = {T}, month = {Smarch}}\n")
    assert runner.invoke(cli, ["check"]).exit_code == 0
    assert runner.invoke(cli, ["check", "--fail-on", "warning"]).exit_code == 1
    assert runner.invoke(cli, ["check", "--fail-on", "never"]).exit_code == 0
    assert runner.invoke(cli, ["check", "--fail-on", "bogus"]).exit_code == 2


def test_missing_bibliography_is_one_line_exit_2(runner, project):
    project()
    result = runner.invoke(cli, ["check"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "bibkit: error: references.bib: no such file (give one with --bib, or run 'bibkit init')"


def test_missing_explicit_claims_file(runner, project):
    project(bib="@misc{m, title = {T}}\n")
    result = runner.invoke(cli, ["check", "--claims", "nope.yaml"])
    assert result.exit_code == 2 and "nope.yaml: no such file" in result.stderr


def test_output_file_and_missing_directory(runner, project, tmp_path):
    project(bib="@misc{m, title = {T}}\n")
    ok = runner.invoke(cli, ["check", "--format", "json", "-o", "out.json"])
    assert ok.exit_code == 0 and json.loads((tmp_path / "out.json").read_text())["format"] == 1
    assert "Wrote json diagnostics to out.json" in ok.stderr
    bad = runner.invoke(cli, ["check", "-o", "no/such/dir/out.txt"])
    assert bad.exit_code == 2 and "does not exist" in bad.stderr
    assert not (tmp_path / "no").exists()


def test_config_supplies_paths(runner, project, tmp_path):
    project(bibkit__toml='bib = ["sources/a.bib"]\nclaims = "c.yaml"\n',
            c__yaml="version: 1\nclaims:\n  - {id: x, text: y, sources: [m]}\n")
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "a.bib").write_text("@misc{m, title = {T}}\n", encoding="utf-8")
    result = runner.invoke(cli, ["check", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["summary"] == {"entries": 1, "claims": 1, "errors": 0, "warnings": 0, "infos": 0}


def test_pyproject_tool_section(runner, project):
    project(pyproject__toml='[tool.bibkit]\nbib = "lib.bib"\n', lib__bib="@misc{m, title = {T}}\n")
    assert runner.invoke(cli, ["check"]).exit_code == 0


def test_invalid_config_is_a_user_error(runner, project):
    project(bibkit__toml="bib = [1, 2]\n")
    result = runner.invoke(cli, ["check"])
    assert result.exit_code == 2 and "bibkit.toml: 'bib' must be a path" in result.stderr


def test_init_never_overwrites(runner, project, tmp_path):
    project(references__bib="@misc{mine, title = {Keep me}}\n")
    result = runner.invoke(cli, ["init"])
    assert result.exit_code == 0
    assert "kept references.bib" in result.stdout and "created claims.yaml" in result.stdout
    assert "Keep me" in (tmp_path / "references.bib").read_text()
    assert runner.invoke(cli, ["check"]).exit_code == 0  # the new project is valid


def test_module_entry_point_and_version(root):
    out = subprocess.run([sys.executable, "-m", "bibkit", "--version"], capture_output=True, text=True, cwd=root)
    assert out.returncode == 0 and out.stdout.startswith("bibkit, version ")


def test_unknown_config_setting_is_named(runner, project):
    project(bib="@misc{m, title = {T}}\n", bibkit__toml='stlye = "apa"\n')
    result = runner.invoke(cli, ["check"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "bibkit: error: bibkit.toml: unknown setting 'stlye' (did you mean style?)"


def test_unknown_key_hint_is_the_same_warm_and_searched_only_when_shown(runner, tmp_path, monkeypatch):
    from bibkit.bib import key_index

    monkeypatch.setenv("BIBKIT_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "references.bib").write_text("@book{smil1999, title={T}, author={A}, publisher={P}, year=1999}\n")
    (tmp_path / "claims.yaml").write_text("version: 1\nclaims:\n  - id: c\n    text: T.\n    sources: [smil199]\n")
    monkeypatch.chdir(tmp_path)
    line = "claims.yaml:5: error C008 claim c cites unknown key smil199 (did you mean smil1999?)"
    cold = runner.invoke(cli, ["check", "--no-cache"])
    assert line in cold.stdout.splitlines()
    assert not (tmp_path / "cache").exists()
    first, warm = runner.invoke(cli, ["check"]), runner.invoke(cli, ["check"])
    assert cold.stdout == first.stdout == warm.stdout
    assert len(list((tmp_path / "cache").glob("hints-*.marshal"))) == 1

    def no_search(*args, **kwargs):
        raise AssertionError("searched for a hint nobody sees")

    monkeypatch.setattr(key_index.KeyIndex, "closest", no_search)
    for options in (["--ignore", "C008"], ["--select", "B"], ["--ignore", "C"]):
        result = runner.invoke(cli, ["check", "--no-cache", *options])
        assert result.exception is None or isinstance(result.exception, SystemExit), (options, result.exception)
