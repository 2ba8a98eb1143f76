"""bibkit fmt: in-place rewrite, --check gate (diff, exit 1, nothing written), config, bad input."""

from __future__ import annotations

import os
import stat

from bibkit.cli import cli

MESSY = "@Article{a,\n    Title = \"A  title\", year=2001}\n"


def test_fmt_rewrites_and_is_then_clean(project, runner):
    root = project(bib=MESSY)
    os.chmod(root / "references.bib", 0o600)
    result = runner.invoke(cli, ["fmt"])
    assert result.exit_code == 0, result.output
    assert "Formatted references.bib" in result.stderr
    assert (root / "references.bib").read_text() == "@article{a,\n  title = {A title},\n  year  = 2001,\n}\n"
    assert stat.S_IMODE((root / "references.bib").stat().st_mode) == 0o600
    again = runner.invoke(cli, ["fmt", "--check"])
    assert again.exit_code == 0 and again.stdout == ""
    assert "0 of 1 file would change" in again.stderr


def test_check_prints_a_diff_and_writes_nothing(project, runner):
    root = project(bib=MESSY)
    result = runner.invoke(cli, ["fmt", "--check", "references.bib"])
    assert result.exit_code == 1
    assert result.stdout.startswith("--- references.bib (now)\n+++ references.bib (formatted)\n")
    assert "+  title = {A title},\n" in result.stdout
    assert (root / "references.bib").read_text() == MESSY


def test_config_table_and_bad_config(project, runner):
    root = project(bib=MESSY, bibkit__toml="[fmt]\nindent = 4\nalign = false\n")
    assert runner.invoke(cli, ["fmt"]).exit_code == 0
    assert (root / "references.bib").read_text() == "@article{a,\n    title = {A title},\n    year = 2001,\n}\n"
    (root / "bibkit.toml").write_text("[fmt]\nindnet = 4\n")
    result = runner.invoke(cli, ["fmt"])
    assert result.exit_code == 2 and "unknown setting 'indnet' in [fmt] (did you mean indent?)" in result.stderr


def test_unreadable_text_is_kept_with_a_warning(project, runner):
    root = project(bib="@article{a, title = {never closed\n\n@misc{b, title={B}}\n")
    result = runner.invoke(cli, ["fmt"])
    assert result.exit_code == 0
    assert "references.bib:1:1: warning B001 broken entry a is kept as it stands" in result.stderr
    assert (root / "references.bib").read_text().startswith("@article{a, title = {never closed\n\n@misc{b,\n")


def test_missing_file(project, runner):
    project()
    result = runner.invoke(cli, ["fmt", "nope.bib"])
    assert result.exit_code == 2 and "nope.bib: no such file" in result.stderr


def test_pdf_is_refused_and_left_alone(project, runner):
    root = project()
    data = b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
    (root / "paper.pdf").write_bytes(data)
    result = runner.invoke(cli, ["fmt", "paper.pdf"])
    assert result.exit_code == 2
    assert result.stderr == ("bibkit: error: paper.pdf: no BibTeX entry read and the file does not look like "
                             "BibTeX; not formatted\n")
    assert (root / "paper.pdf").read_bytes() == data


def test_missing_comma_is_added_with_a_warning(project, runner):
    root = project(bib="@article{e,\n  title = {A}\n  year = {2001}\n}\n")
    result = runner.invoke(cli, ["fmt"])
    assert result.exit_code == 0
    assert ("references.bib:3:3: warning B001 missing ',' before field 'year' in e: fmt adds the comma"
            in result.stderr)
    assert (root / "references.bib").read_text() == "@article{e,\n  title = {A},\n  year  = {2001},\n}\n"


def test_commented_out_entry_stays_commented(project, runner):
    root = project(bib="% @inbook{old,\n%   title = {Old},\n% }\n@misc{a,title={A}}\n")
    assert runner.invoke(cli, ["fmt"]).exit_code == 0
    assert (root / "references.bib").read_text() == "% @inbook{old,\n%   title = {Old},\n% }\n@misc{a,\n  title = {A},\n}\n"
