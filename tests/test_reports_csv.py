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
    # OWASP's list: = + - @ and the tab and carriage return a spreadsheet skips before reading a formula
    cases = ["=1+1", "+1", "-1", "@SUM(A1)", "\t=x", "\r=x", "plain", " =x", "a=b", "", None, True, False, 3]
    assert [safe_cell(v) for v in cases] == ["'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\t=x", "'\r=x", "plain", " =x",
                                             "a=b", "", "", "true", "false", "3"]
