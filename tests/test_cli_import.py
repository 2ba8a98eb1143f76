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


def test_a_cp1252_bibtex_file_is_imported_as_check_reads_it(project, runner):
    import bibtexparser

    path = project(bib="")
    raw = b"@misc{a, author = {Andr\xe9 B\xf6ll}, title = {Caf\xe9 \x93quoted\x94 \x96 na\xefve}, year = {2000}}\n"
    (path / "legacy.bib").write_bytes(raw)
    result = runner.invoke(cli, ["import", "legacy.bib"])
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[0] == ("legacy.bib:1:24: warning B007 file is not valid UTF-8 (byte 0xe9); "
                                             "read as CP1252")
    (entry,) = bibtexparser.parse_string((path / "references.bib").read_text(encoding="utf-8")).entries
    assert entry.key == "a"
    assert {f.key: f.value for f in entry.fields} == {"author": "André Böll", "title": "Café \u201cquoted\u201d \u2013 naïve",
                                                      "year": "2000"}
    # RIS and CSL must be UTF-8, as their formats say: still a located error
    (path / "legacy.ris").write_bytes(b"TY  - JOUR\nTI  - Caf\xe9\nER  - \n")
    result = runner.invoke(cli, ["import", "legacy.ris"])
    assert result.exit_code == 2 and result.stderr == "bibkit: error: legacy.ris:2: not valid UTF-8 (byte 0xe9)\n"
