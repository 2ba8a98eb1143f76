"""BibTeX and BibLaTeX export: documented mappings, and both re-read to the same data."""

from __future__ import annotations

from bibkit.bibtex import MONTH_MACROS, parse_text
from bibkit.diagnostics import Diagnostics
from bibkit.export import export_entries
from bibkit.export.biblatex import entry_fields as biblatex_fields
from bibkit.export.bibtex import entry_fields as bibtex_fields

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
    assert ("@misc{web,\n  author = {Roe, R.},\n  title  = {A Page},\n  year   = {2020},\n  month  = may,\n"
            "  date   = {2020-05-17},\n  url    = {https://example.org/x_y},\n}") in text


def test_biblatex_export_uses_biblatex_names():
    text = export_entries(entries(SOURCE), "biblatex")
    assert "journaltitle = {Journal of Political Economy}," in text
    assert "date         = {1990-12}," in text
    assert "location     = {Chicago}," in text
    assert "@thesis{t2001," in text and "institution = {MIT}," in text and "type        = {phdthesis}," in text
    assert "@online{web," in text


def test_both_re_read_to_the_same_data(root):
    original = entries((root / "references.bib").read_text(encoding="utf-8") + SOURCE)
    for fmt, mapper in (("bibtex", bibtex_fields), ("biblatex", biblatex_fields)):
        again = entries(export_entries(original, fmt))
        assert [e.key for e in again] == [e.key for e in original]
        for before, after in zip(original, again):
            etype, fields = mapper(before)
            assert after.type == etype
            got = [(f.name, f.value) for f in after.fields]
            want = [(n, MONTH_MACROS.get(v, v) if n == "month" else v) for n, v in fields]
            want = [(n, {"05": "May", "12": "December"}.get(v, v) if n == "month" else v) for n, v in want]
            assert got == want, (fmt, before.key)
