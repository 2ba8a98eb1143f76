"""BibTeX and BibLaTeX export: documented mappings, judged by what bibtexparser v2 reads back."""

from __future__ import annotations

import pytest

from bibkit.bib.bibtex import parse_text
from bibkit.bib.lexer import MONTH_MACROS
from bibkit.infra.diagnostics import Diagnostics
from bibkit.interchange.export import export_entries

bibtexparser = pytest.importorskip("bibtexparser", minversion="2")

SOURCE = r"""@string{jpe = "Journal of Political Economy"}
@article{lin1990, author = {Lin, Justin Yifu}, title = {Collectivization and {China}'s Crisis},
  journal = jpe, year = 1990, month = dec, pages = {1228--1252}, address = {Chicago}}
@phdthesis{t2001, author = {Doe, Jane}, title = {A Thesis}, school = {MIT}, year = {2001}}
@online{web, author = {Roe, R.}, title = {A Page}, date = {2020-05-17}, url = {https://example.org/x_y}}
"""


def entries(text: str):
    diags = Diagnostics()
    out = parse_text(text, "t.bib", diags, dict(MONTH_MACROS)).entries
    assert not [d for d in diags if d.severity.value == "error"], list(diags)
    return out


def test_bibtex_export_expands_macros_and_maps_biblatex():
    text = export_entries(entries(SOURCE), "bibtex")
    assert "journal = {Journal of Political Economy}," in text
    assert "month   = dec," in text
    assert "@phdthesis{t2001," in text
    assert ("@misc{web,\n  author = {Roe, R.},\n  title  = {A Page},\n  year   = {2020},\n  date   = {2020-05-17},\n"
            "  month  = may,\n  url    = {https://example.org/x_y},\n}") in text


def test_biblatex_export_uses_biblatex_names():
    text = export_entries(entries(SOURCE), "biblatex")
    assert "journaltitle = {Journal of Political Economy}," in text
    assert "date         = {1990-12}," in text
    assert "location     = {Chicago}," in text
    assert "@thesis{t2001," in text and "institution = {MIT}," in text and "type        = {phdthesis}," in text
    assert "@online{web," in text


def read_with_bibtexparser(text: str) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(type, key, [(field, value)]) of each entry as bibtexparser v2 reads the text; it must read every block."""
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == []
    return [(e.entry_type, e.key, [(f.key, f.value) for f in e.fields]) for e in library.entries]


# What bibtexparser v2 reads back from each export of SOURCE, written out by hand from the documented
# mappings (macros expanded; `date` -> `year`/`month` for BibTeX; `journal` -> `journaltitle`,
# `year`/`month` -> `date`, `address` -> `location`, `school` -> `institution` for BibLaTeX).
SOURCE_AS_BIBTEX = [
    ("article", "lin1990", [("author", "Lin, Justin Yifu"), ("title", "Collectivization and {China}'s Crisis"),
                            ("journal", "Journal of Political Economy"), ("year", "1990"), ("month", "dec"),
                            ("pages", "1228--1252"), ("address", "Chicago")]),
    ("phdthesis", "t2001", [("author", "Doe, Jane"), ("title", "A Thesis"), ("year", "2001"), ("school", "MIT")]),
    ("misc", "web", [("author", "Roe, R."), ("title", "A Page"), ("year", "2020"), ("date", "2020-05-17"),
                     ("month", "may"), ("url", "https://example.org/x_y")]),
]
SOURCE_AS_BIBLATEX = [
    ("article", "lin1990", [("author", "Lin, Justin Yifu"), ("title", "Collectivization and {China}'s Crisis"),
                            ("journaltitle", "Journal of Political Economy"), ("date", "1990-12"),
                            ("pages", "1228--1252"), ("location", "Chicago")]),
    ("thesis", "t2001", [("author", "Doe, Jane"), ("title", "A Thesis"), ("date", "2001"), ("institution", "MIT"),
                         ("type", "phdthesis")]),
    ("online", "web", [("author", "Roe, R."), ("title", "A Page"), ("date", "2020-05-17"),
                       ("url", "https://example.org/x_y")]),
]


def test_exports_read_by_bibtexparser_give_the_documented_fields():
    assert read_with_bibtexparser(export_entries(entries(SOURCE), "bibtex")) == SOURCE_AS_BIBTEX
    assert read_with_bibtexparser(export_entries(entries(SOURCE), "biblatex")) == SOURCE_AS_BIBLATEX


def test_bibtex_export_of_the_seed_is_what_bibtexparser_reads_from_the_original(root):
    """The seed is classic BibTeX: exporting it as BibTeX must not change a type, key, field or value."""
    text = (root / "references.bib").read_text(encoding="utf-8")
    original = read_with_bibtexparser(text)
    assert len(original) == 8
    assert read_with_bibtexparser(export_entries(entries(text), "bibtex")) == original


def biblatex_view(fields: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The BibLaTeX names of classic article fields, written out independently of bibkit's mapper."""
    values = dict(fields)
    out = []
    for name, value in fields:
        if name == "journal":
            out.append(("journaltitle", value))
        elif name == "year":
            month = {"dec": "12", "oct": "10"}.get(values.get("month", ""), "")
            out.append(("date", f"{value}-{month}" if month else value))
        elif name == "month":
            continue
        else:
            out.append((name, value))
    return out


def test_biblatex_export_of_the_seed_renames_only_the_documented_fields(root):
    text = (root / "references.bib").read_text(encoding="utf-8")
    original = read_with_bibtexparser(text)
    assert {t for t, _, _ in original} == {"article"}  # biblatex_view covers article fields only
    want = [(t, k, biblatex_view(f)) for t, k, f in original]
    assert read_with_bibtexparser(export_entries(entries(text), "biblatex")) == want
