"""``document.path`` must stay inside the project: the anchor-drift hint quotes the document, so a
claims file pointing elsewhere (``/etc/passwd``, ``../../secrets``) must not get it printed into a log."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bibkit.cli import cli

BIB = "@misc{a, title = {A}}\n"
SECRET = "root:x:0:0:root:/root:/bin/bash\nTOKEN=s3cr3t-value-never-printed\n"


def _claims(doc: str) -> str:
    return (f"version: 1\ndocument:\n  path: {doc}\nclaims:\n  - id: c1\n    text: T.\n"
            "    anchor: \"TOKEN=s3cr3t-value-never\"\n    sources: [a]\n  - id: c2\n    text: U.\n"
            "    anchor: \"root:x:0:0:root:/root:/bin/bas\"\n    sources: [a]\n")


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    secret = tmp_path / "elsewhere" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text(SECRET)
    return secret


def _run(runner, *args: str):
    result = runner.invoke(cli, ["check", "--no-cache", *args])
    assert "s3cr3t" not in result.stdout + result.stderr
    assert "root:x:0:0" not in result.stdout + result.stderr
    return result


@pytest.mark.parametrize("how", ["absolute", "dotdot", "symlink", "symlinked-folder"])
def test_document_outside_the_project_is_refused_and_never_quoted(runner, outside, how, monkeypatch) -> None:
    proj = outside.parent.parent / "proj"
    proj.mkdir()
    if how == "absolute":
        doc = str(outside)
    elif how == "dotdot":
        doc = "../elsewhere/secret.txt"
    elif how == "symlink":
        os.symlink(outside, proj / "article.md")
        doc = "article.md"
    else:
        os.symlink(outside.parent, proj / "docs")
        doc = "docs/secret.txt"
    (proj / "references.bib").write_text(BIB)
    (proj / "claims.yaml").write_text(_claims(doc))
    monkeypatch.chdir(proj)
    result = _run(runner)
    assert result.exit_code == 1
    lines = [ln for ln in result.stdout.splitlines() if " C01" in ln]
    assert lines == [f"claims.yaml: error C014 document {doc} is outside the project folder ({proj}); "
                     "not read, anchors not checked"]
    assert '"code": "C014"' in _run(runner, "--format", "json").stdout


def test_document_inside_the_project_is_checked_with_a_hint(project, runner) -> None:
    path = project(bib=BIB, claims=_claims("text/article.md").replace("TOKEN=s3cr3t-value-never", "the harvest of 1959"))
    (path / "text").mkdir()
    (path / "text" / "article.md").write_text("Intro.\n\nThe harvest in 1959 failed.\n")
    result = runner.invoke(cli, ["check", "--no-cache"])
    drift = [ln for ln in result.stdout.splitlines() if "C010" in ln]
    assert len(drift) == 2 and "C014" not in result.stdout
    assert "closest passage at line 3: 'The harvest in 1959'" in drift[0]


def test_claims_in_a_subfolder_may_point_to_the_config_root(project, runner) -> None:
    path = project(bib=BIB, bibkit__toml='claims = "claims/claims.yaml"\n', article__md="Nothing.\n")
    (path / "claims").mkdir()
    (path / "claims" / "claims.yaml").write_text(_claims("../article.md"))
    result = runner.invoke(cli, ["check", "--no-cache"])
    assert "C014" not in result.stdout
    assert result.stdout.count("C010") == 2
