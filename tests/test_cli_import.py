"""bibkit import: dry run, real run (append only, atomic), duplicates, options, bad input."""

from __future__ import annotations

import shutil

from bibkit.cli import cli


def seed_project(project, root, data):
    path = project()
    shutil.copy(root / "references.bib", path / "references.bib")
    shutil.copy(data / "io" / "zotero.ris", path / "zotero.ris")
    return path


def test_dry_run_writes_nothing(project, runner, root, data):
    path = seed_project(project, root, data)
    before = (path / "references.bib").read_bytes()
    result = runner.invoke(cli, ["import", "zotero.ris", "--dry-run"])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "skip  -  duplicate of smil1999 (same DOI 10.1136/bmj.319.7225.1619, from zotero.ris:1)"
    assert lines[2].startswith("add   lin1990collectivization  (article, ")
    assert lines[-1] == "3 to add, 1 duplicate skipped, 0 merged into references.bib"
    assert (path / "references.bib").read_bytes() == before


def test_real_run_appends_and_second_run_adds_nothing(project, runner, root, data):
    path = seed_project(project, root, data)
    before = (path / "references.bib").read_bytes()
    result = runner.invoke(cli, ["import", "zotero.ris"])
    assert result.exit_code == 0
    assert "Wrote references.bib" in result.stderr
    after = (path / "references.bib").read_bytes()
    assert after.startswith(before) and after.count(b"\n@article{") == before.count(b"\n@article{") + 3
    check = runner.invoke(cli, ["check", "--format", "json"])
    assert check.exit_code in (0, 1) and '"code": "B001"' not in check.stdout
    again = runner.invoke(cli, ["import", "zotero.ris"])
    assert "0 to add, 4 duplicates skipped" in again.stderr
    assert (path / "references.bib").read_bytes() == after


def test_into_a_new_file_and_from(project, runner, data):
    path = project()
    shutil.copy(data / "io" / "pandoc.json", path / "refs.txt")
    result = runner.invoke(cli, ["import", "refs.txt", "--from", "csl-json", "--into", "new.bib"])
    assert result.exit_code == 0, result.stderr
    text = (path / "new.bib").read_text()
    assert text.startswith("@article{yang2008,\n") and "@book{vanbeethoven2001test," in text


def test_errors(project, runner, data):
    path = project(bib="")
    (path / "bad.ris").write_text("TY  - JOUR\nTI  - x\n")
    result = runner.invoke(cli, ["import", "bad.ris"])
    assert result.exit_code == 2 and "bad.ris:1: RIS record is not closed" in result.stderr
    assert runner.invoke(cli, ["import", "missing.ris"]).exit_code == 2
    result = runner.invoke(cli, ["import", "bad.ris", "--overwrite"])
    assert result.exit_code == 2 and "--overwrite only makes sense with --merge" in result.stderr
    result = runner.invoke(cli, ["import", "bad.ris", "--key-pattern", "{nope}"])
    assert result.exit_code == 2 and "may only use" in result.stderr
