"""The CSV claim map: one row per link, spreadsheet formulas neutralised."""

from __future__ import annotations

import csv
import io

from claimmap_helpers import CLAIM_IDS, report

from bibkit.reports.csvreport import COLUMNS, safe_cell


def rows() -> list[dict]:
    return list(csv.DictReader(io.StringIO(report("csv"))))


def test_one_row_per_link_and_one_per_unlinked_claim():
    data = rows()
    assert list(data[0]) == COLUMNS
    assert [r["claim_id"] for r in data] == [
        "c-verified", "c-unverified", "c-shorthand", "c-bibside", "c-qualifies", "c-mentions",
        "c-contested", "c-contested", "c-unsourced", "c-broken"]
    assert set(r["claim_id"] for r in data) == set(CLAIM_IDS)
    unsourced = next(r for r in data if r["claim_id"] == "c-unsourced")
    assert unsourced["key"] == "" and unsourced["stance"] == "" and unsourced["status"] == "unsourced"


def test_formula_cells_are_neutralised():
    data = {r["claim_id"]: r for r in rows()}
    assert data["c-shorthand"]["text"] == "'+A claim linked with the shorthand form."
    assert data["c-bibside"]["text"] == "'-A claim linked only from the BibTeX side."
    assert data["c-qualifies"]["text"] == "'@A claim that a source only qualifies."
    assert data["c-unverified"]["note"].startswith("'=HYPERLINK(")
    # OWASP's list: = + - @ and the tab and carriage return a spreadsheet skips before reading a formula;
    # blanks before a formula character and the full-width forms (＝＋－＠) are read as formulas too
    cases = ["=1+1", "+1", "-1", "@SUM(A1)", "\t=x", "\r=x", "plain", " =x", "\uff1d1", "a=b", "", None, True,
             False, 3]
    assert [safe_cell(v) for v in cases] == ["'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\t=x", "'\r=x", "plain", "' =x",
                                             "'\uff1d1", "a=b", "", "", "true", "false", "3"]


def test_every_row_has_every_column_and_the_link_values():
    """Read with the csv module: each row as wide as the header, keys, locators and citations in place."""
    table = list(csv.reader(io.StringIO(report("csv"), newline="")))
    assert table[0] == COLUMNS
    assert {len(row) for row in table} == {len(COLUMNS)}
    col = {name: i for i, name in enumerate(COLUMNS)}
    got = [(r[col["claim_id"]], r[col["tags"]], r[col["key"]], r[col["resolved"]], r[col["locator"]],
            r[col["citation"]]) for r in table[1:]]
    assert got == [
        ("c-verified", "alpha; checked", "alpha2001", "true", "p. 3", "Alpha and Aleph (2001, p. 3)"),
        ("c-unverified", "beta", "beta2002", "true", "", "Beta et al. (2002)"),
        ("c-shorthand", "alpha", "alpha2001", "true", "", "Alpha and Aleph (2001)"),
        ("c-bibside", "gamma", "gamma2003", "true", "", "Ó Gráda (2003)"),
        ("c-qualifies", "beta", "beta2002", "true", "chap. 2", "Beta et al. (2002, chap. 2)"),
        ("c-mentions", "", "gamma2003", "true", "", "Ó Gráda (2003)"),
        ("c-contested", "alpha; beta", "beta2002", "true", "pp. 10-12", "Beta et al. (2002, pp. 10-12)"),
        ("c-contested", "alpha; beta", "alpha2001", "true", "", "Alpha and Aleph (2001)"),
        ("c-unsourced", "gamma", "", "", "", ""),
        ("c-broken", "", "ghost2020", "false", "", ""),  # no citation for a key the bibliography lacks
    ]


def test_citations_follow_the_style_option():
    from claimmap_helpers import claim_map

    from bibkit.reports import ReportOptions, render

    table = list(csv.DictReader(io.StringIO(render("csv", claim_map(), ReportOptions(style="apa")), newline="")))
    assert [r["citation"] for r in table] == [
        "Alpha & Aleph (2001, p. 3)", "Beta et al. (2002)", "Alpha & Aleph (2001)", "Ó Gráda (2003)",
        "Beta et al. (2002, Chapter 2)", "Ó Gráda (2003)", "Beta et al. (2002, pp. 10–12)", "Alpha & Aleph (2001)",
        "", ""]


def test_rows_end_with_crlf_as_rfc_4180_says():
    text = report("csv")
    assert text.count("\r\n") == 11 and "\n" not in text.replace("\r\n", "")
