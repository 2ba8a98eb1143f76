"""A damaged bibliography never feeds a report silently: every command that reads it prints the reader's
located errors on stderr, and the value that swallowed the fields after it is cut where it ends (issue 11)."""

from __future__ import annotations

import json
import re

import pytest

from bibkit.cli import cli

DAMAGED = """\
@article{weak1961,
  author = {Glashow, Sheldon L.},
  title = {Partial-symmetries of weak {interactions,
  journal = {Nucl. Phys.},
  year = {1961},
}

@article{after2000,
  author = {Zoe, Zo},
  title = {Read after the broken one},
  journal = {J},
  year = {2000},
}
"""
B019 = "references.bib:3:3: error B019 unbalanced braces in field title of weak1961"
CLAIMS = "version: 1\nclaims:\n  - id: c1\n    text: A claim.\n    sources: [weak1961, after2000]\n"


@pytest.mark.parametrize("args", [
    ["export", "--to", "csl-json"],
    ["export", "--to", "bibtex"],
    ["export", "--to", "ris"],
    ["reading-list", "--style", "plain"],
])
def test_reports_print_the_located_error_and_never_the_swallowed_fields(project, runner, args):
    project(bib=DAMAGED, claims=CLAIMS)
    result = runner.invoke(cli, [*args, "--no-cache"])
    assert result.exit_code == 0, result.stderr
    assert B019 in result.stderr
    assert "interactions" in result.stdout
    assert not re.search(r"interactions[^\w\n]{0,6}journal", result.stdout)  # the title never runs on into the fields
    assert "Read after the broken one" in result.stdout
    assert "Nucl. Phys." in result.stdout  # the recovered field is there, as a field


def test_export_csl_json_has_the_recovered_fields(project, runner):
    project(bib=DAMAGED)
    result = runner.invoke(cli, ["export", "--to", "csl-json", "--no-cache"])
    items = {item["id"]: item for item in json.loads(result.stdout)}
    assert items["weak1961"]["title"] == "Partial-symmetries of weak interactions"
    assert items["weak1961"]["container-title"] == "Nucl. Phys."
    assert items["weak1961"]["issued"] == {"date-parts": [[1961]]}
    assert items["after2000"]["title"] == "Read after the broken one"


def test_scan_prints_the_bibliography_errors(project, runner):
    project(bib=DAMAGED, article__md="As shown [@after2000].\n")
    result = runner.invoke(cli, ["scan", "article.md", "--no-cache"])
    assert B019 in result.stderr


def test_import_prints_the_target_errors(project, runner):
    root = project(bib=DAMAGED)
    (root / "new.json").write_text(json.dumps([{"id": "n1", "type": "book", "title": "New",
                                                "issued": {"date-parts": [[2020]]}}]), encoding="utf-8")
    result = runner.invoke(cli, ["import", "new.json", "--dry-run"])
    assert result.exit_code == 0, result.stderr
    assert B019 in result.stderr


def test_claim_map_still_prints_them(project, runner):
    project(bib=DAMAGED, claims=CLAIMS)
    result = runner.invoke(cli, ["claim-map", "--no-cache"])
    assert B019 in result.stderr
