"""CSV cells a spreadsheet would run as formulas are neutralised, including ones hidden behind
leading blanks or written with full-width characters. Read back with Python's csv module."""

from __future__ import annotations

import csv
import io

import pytest

from bibkit.cli import cli
from bibkit.reports.csvreport import safe_cell

FORMULA = "=HYPERLINK(\"http://evil\",\"x\")"
PREFIXES = ["", " ", "  ", "\t", "\r", "\n", " \t ", "\u00a0", "\u3000"]
STARTS = ["=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20"]


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("start", STARTS)
def test_formula_after_blanks_is_neutralised(prefix: str, start: str) -> None:
    cell = prefix + start + "1+1"
    assert safe_cell(cell) == "'" + cell


@pytest.mark.parametrize("text", ["plain", "a=1", "1-2", "e-mail", " plain", "\u00a0x", "", " "])
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert safe_cell(text) == text


def test_claim_map_csv_cells_read_back_safely(project, runner) -> None:
    hostile = [" =1+1", "\t=cmd|' /C calc'!A0", "\uff1dSUM(A1)", "\u3000\uff20x", "\r+1", " -2+3", FORMULA]
    claims = ["version: 1", "claims:"]
    for i, text in enumerate(hostile):
        claims += [f"  - id: c{i}", f"    text: \"{_yaml(text)}\"", "    sources:", "      - key: smith2000",
                   f"        quote: \"{_yaml(text)}\"", f"        note: \"{_yaml(text)}\""]
    project(bib="@book{smith2000, author = {Smith, Ann}, title = {A Book}, year = {2000}, publisher = {P}}\n",
            claims="\n".join(claims) + "\n")
    result = runner.invoke(cli, ["claim-map", "--no-cache", "--format", "csv"])
    assert result.exit_code == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout, newline="")))
    header, body = rows[0], rows[1:]
    assert len(body) == len(hostile)
    for row in body:
        record = dict(zip(header, row))
        for column in ("text", "note", "quote"):
            value = record[column]
            assert value.startswith("'"), (column, value)
            assert value[1:] in hostile
    assert sorted(dict(zip(header, r))["text"][1:] for r in body) == sorted(hostile)


def _yaml(text: str) -> str:
    """Text as a YAML double-quoted scalar body."""
    return (text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\r", "\\r")
            .replace("\u3000", "\\u3000"))
