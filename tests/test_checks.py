"""The rules of `bibkit check`, one defect each."""

from __future__ import annotations

import pytest

from bibkit.checks import isbn_valid, issn_valid, run_checks
from bibkit.project import load_project


def found(project) -> list[tuple[str, str | None]]:
    return [(d.code, d.key) for d in run_checks(project)]


def test_defect_project_gets_one_located_diagnostic_per_defect(data, monkeypatch):
    monkeypatch.chdir(data / "defects")
    project = load_project()
    diags = run_checks(project)
    got = sorted((d.code, d.file, d.line) for d in diags)
    assert got == sorted([
        ("B003", "references.bib", 4),    # article without journal
        ("B002", "references.bib", 18),   # duplicate key
        ("B009", "references.bib", 29),   # bad year
        ("B012", "references.bib", 37),   # bad DOI
        ("B005", "references.bib", 43),   # undefined macro
        ("B008", "references.bib", 47),   # duplicate entry (same title, year, first author)
        ("B019", "references.bib", 56),   # unbalanced brace
        ("C005", "claims.yaml", 6),       # duplicate claim id
        ("C008", "claims.yaml", 11),      # unknown key
        ("C007", "claims.yaml", 16),      # unknown stance
        ("C004", "claims.yaml", 17),      # claim without id
    ])
    # the entry after the broken one is loaded and its claim resolves
    assert "after2006" in project.bibliography


@pytest.mark.parametrize("field, value, code", [
    ("year", "19999", "B009"),
    ("date", "2001-13-01", "B009"),
    ("month", "Smarch", "B010"),
    ("pages", "pp. 12--15", "B011"),
    ("pages", "1620--1619", "B011"),
    ("doi", "doi.org/10.1/x", "B012"),
    ("isbn", "978-0-306-40615-8", "B013"),
    ("issn", "0028-0837", "B014"),
    ("url", "www.example.org", "B015"),
    ("crossref", "missing", "B016"),
])
def test_malformed_field(project, field, value, code):
    project(bib=f"@misc{{m, title = {{T}}, {field} = {{{value}}}}}\n")
    assert found(load_project()) == [(code, "m")]


@pytest.mark.parametrize("field, value", [
    ("year", "1999"), ("year", "1999a"), ("year", "forthcoming"), ("date", "2001-12-24"),
    ("date", "1959/1961"), ("date", "2001-05/.."), ("month", "dec"), ("month", "12"), ("month", "Sept."),
    ("pages", "1619"), ("pages", "1619--1620"), ("pages", "e1002345"), ("pages", "xi--xv"), ("pages", "12, 14--16"),
    ("doi", "10.1136/bmj.319.7225.1619"), ("doi", "https://doi.org/10.1086/380584"),
    ("isbn", "978-0-306-40615-7"), ("isbn", "0-306-40615-2"), ("issn", "0028-0836"), ("issn", "2049-3630"),
    ("url", "https://www.bmj.com/content/319/7225/1619"), ("url", "\\url{http://example.org/a b}"[:-5] + "}"),
])
def test_well_formed_field(project, field, value):
    project(bib=f"@misc{{m, title = {{T}}, {field} = {{{value}}}}}\n")
    assert found(load_project()) == []


def test_required_fields_accept_biblatex_aliases(project):
    project(bib="@article{a, author = {A, B}, title = {T}, journaltitle = {J}, date = {2001}}\n"
                "@online{o, title = {Page}, author = {X}, year = 2020}\n"
                "@weird{w, title = {T}}\n")
    assert found(load_project()) == [("B003", "o"), ("B017", "w")]


def test_duplicate_entry_by_doi(project):
    project(bib="@misc{a, title = {One}, doi = {10.1000/ABC}}\n@misc{b, title = {Two}, doi = {https://doi.org/10.1000/abc}}\n")
    assert found(load_project()) == [("B008", "b")]


def test_claims_without_sources_are_info_and_anchor_drift_is_a_warning(project):
    project(
        bib="@misc{m, title = {T}}\n",
        claims="version: 1\ndocument: {path: article.md}\nclaims:\n  - id: a\n    text: x\n    anchor: thirty million\n",
        article__md="Some thirty-one million people.\n",
    )
    diags = run_checks(load_project())
    assert sorted((d.code, d.severity.value, d.line) for d in diags) == [("C010", "warning", 4), ("C011", "info", 4)]


def test_checksums():
    assert isbn_valid("9780306406157") and not isbn_valid("9780306406158")
    assert isbn_valid("080442957X") and not isbn_valid("0804429570")
    assert issn_valid("0317-8471") and not issn_valid("0317-8470")


def test_configured_manuscript_is_checked(project):
    project(bib="@misc{m, title = {T}}\n", bibkit__toml='manuscript = "paper.md"\n',
            paper__md="As shown before [@m, p. 3], this holds.\n\nGhosts cite nothing real [@ghost2020].\n")
    got = [(d.code, d.file, d.line) for d in run_checks(load_project())]
    assert got == [("M001", "paper.md", 3)]
