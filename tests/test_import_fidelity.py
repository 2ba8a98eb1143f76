"""Import and export keep the data: no all-or-nothing export, only valid DOIs dedupe, other tools'
entry types read as they mean, own exports found again as duplicates."""

from __future__ import annotations

import json

import pytest

from bibkit.cli import cli
from bibkit.interchange.importer import read_ris
from bibkit.interchange.importer.plan import valid_doi

pytest.importorskip("pypandoc")


def test_one_unreadable_entry_never_costs_the_rest(project, runner):
    project(bib="@misc{good1, title = {One}, year = 2000}\n"
                "@misc{emoji\U0001F642, title = {Smile}, year = 2001}\n"
                "@misc{good2, title = {Two}, year = 2002}\n")
    result = runner.invoke(cli, ["export", "--to", "csl-json", "-o", "out.json"])
    assert result.exit_code == 0, result.stderr
    assert [i["id"] for i in json.loads(open("out.json", encoding="utf-8").read())] == ["good1", "good2"]
    assert ("references.bib:2:1: warning R001 cannot convert emoji\U0001F642 to CSL: key 'emoji\U0001F642' has "
            "characters the CSL engine cannot read; left out") in result.stderr
    assert "Wrote 2 entries as CSL-JSON to out.json" in result.stderr
    check = runner.invoke(cli, ["check", "--select", "R002"])
    assert check.stdout.startswith("references.bib:2:1: warning R002 emoji\U0001F642: key")


def test_check_warns_about_journal_next_to_journaltitle(project, runner):
    project(bib="@article{a, author = {A B}, title = {T}, journal = {Old},\n"
                "  journaltitle = {New}, year = 2001}\n")
    result = runner.invoke(cli, ["check", "--select", "B022"])
    assert result.stdout.splitlines()[0] == ("references.bib:1:42: warning B022 a: both journal and journaltitle; "
                                             "BibTeX reads journal, biber journaltitle (keep one)")


@pytest.mark.parametrize("doi,ok", [
    ("10.1000/xyz123", True), ("https://doi.org/10.1093/ajae/aaq063", True), ("10.1002/(SICI)1097-4571", True),
    ("10.1000/a\\_b", True), ("10.100/short", False), ("n/a", False), ("10.1000/", False), ("doi", False),
    ("10.1000/has space", False),
])
def test_only_a_crossref_style_doi_counts(doi, ok):
    assert (valid_doi(doi) is not None) is ok


def test_two_papers_sharing_an_invalid_doi_are_both_kept(project, runner, tmp_path):
    project(bib="@article{first, author = {Ann Alpha}, title = {One Paper}, year = 2001, doi = {n/a}}\n")
    (tmp_path / "in.ris").write_text("TY  - JOUR\nAU  - Beta, Bob\nTI  - Another Paper\nPY  - 2005\n"
                                     "DO  - n/a\nER  - \n", encoding="utf-8")
    result = runner.invoke(cli, ["import", "in.ris", "--dry-run"])
    assert result.stdout.splitlines()[-1].startswith("1 to add, 0 duplicates skipped")
    # a valid DOI still dedupes, whatever its case or prefix
    (tmp_path / "in.ris").write_text("TY  - JOUR\nTI  - Whatever\nDO  - https://doi.org/10.1000/ABC\nER  - \n",
                                     encoding="utf-8")
    project(bib="@article{x, title = {Something}, doi = {10.1000/abc}}\n")
    result = runner.invoke(cli, ["import", "in.ris", "--dry-run"])
    assert "duplicate of x (same DOI 10.1000/abc" in result.stdout


MENDELEY = r"""@web_page{w, author = {Web Author}, title = {A Page}, url = {https://example.org}, year = {2019}}
@book_section{bs, author = {Sec Author}, title = {A Section}, booktitle = {The Book}, year = {2018}, publisher = {P}}
@conference_paper{cp, author = {Con Author}, title = {A Talk}, booktitle = {Proc. of Things}, year = {2017}}
@generic{g, author = {Gen Author}, title = {Generic Thing}, year = {2016}}
@newspaper_article{n, author = {News Author}, title = {Headline}, journal = {The Paper}, year = {2015}}
@thing{t, author = {Odd Author}, title = {Odd Type}, year = {2014}}
"""


def test_other_tools_types_render_and_none_vanishes(project, runner):
    project(bib=MENDELEY)
    result = runner.invoke(cli, ["reading-list", "--no-annotations"])
    out = result.stdout
    for text in ("Author, W. (2019). A page. https://example.org", "Author, S. (2018). A section. In The book. P.",
                 "Author, C. (2017). A talk. Proc. Of Things.", "Author, G. (2016). Generic thing.",
                 "Author, N. (2015). Headline. The Paper.", "Author, O. (2014). Odd type."):
        assert text in " ".join(out.split()), text
    assert "references.bib:6:1: warning R001 unknown entry type @thing for t; read as @misc" in result.stderr
    items = json.loads(runner.invoke(cli, ["export", "--to", "csl-json"]).stdout)
    assert {i["id"]: i["type"] for i in items if i["id"] != "t" and i["id"] != "g"} == {
        "w": "webpage", "bs": "chapter", "cp": "paper-conference", "n": "article-journal"}
    assert [line[6:] for line in runner.invoke(cli, ["export", "--to", "ris"]).stdout.splitlines()
            if line.startswith("TY")] == ["ELEC", "CHAP", "CPAPER", "GEN", "JOUR", "GEN"]
    check = runner.invoke(cli, ["check", "--select", "B017"]).stdout
    assert "unknown entry type @web_page for w (read as @online, as Better BibTeX and JabRef read it)" in check


@pytest.mark.parametrize("to,ext", [("csl-json", "json"), ("ris", "ris"), ("bibtex", "bib")])
def test_reimporting_an_own_export_finds_every_entry(project, runner, tmp_path, to, ext):
    project(bib=r"""@article{hak, author = {N. Thomas H{\aa}kansson}, title = {Ivory: {S}ocio-ecological consequences},
  journal = {J}, year = {2012}}
@article{notitle, author = {Gross, E. F.}, journal = {Doklady}, year = {1952}, pages = {261}}
@techreport{woods, author = {William A. Woods}, title = {Quarterly Report No. 1,1}, year = {January 1978},
  institution = {BBN}}
@incollection{child, author = {C Hild}, title = {Chapter}, crossref = {parent}}
@book{parent, editor = {P Arent}, title = {Parent Book}, year = {1974}, publisher = {P}}
""")
    result = runner.invoke(cli, ["export", "--to", to, "-o", f"out.{ext}"])
    assert result.exit_code == 0, result.stderr
    again = runner.invoke(cli, ["import", f"out.{ext}", "--dry-run"])
    assert again.stdout.splitlines()[-1] == "0 to add, 5 duplicates skipped, 0 merged into references.bib"


def test_ris_year_inside_text_is_read():
    (record,) = read_ris("TY  - RPRT\nTI  - R\nPY  - January 1978\nER  - \n", "x.ris")
    assert record.get("year") == "1978"


ZOTERO_CSL = [{
    "id": "smith2019", "type": "chapter", "title": "Mg(II) and HCN in $\\beta_{2}$ stars: \\input{/etc/passwd} \\write18{x}",
    "author": [{"family": "Smith", "given": "Jo"}], "container-title": "The NASA Book of iPhone Spectra",
    "issued": {"date-parts": [[2019, 3, 5]]}, "chapter-number": "7", "publisher": "AT&T Press",
}]
ZOTERO_RIS = ("TY  - JOUR\nAU  - Smith, Jo\nTI  - Mg(II) and HCN in $\\beta_{2}$ stars: \\input{/etc/passwd} \\write18{x}\n"
              "T2  - Astro J\nPY  - 2019/03/05/\nER  - \n")


def _import(project, runner, tmp_path, name, text, target="@misc{old, title = {Old}}\n"):
    """Import into a fresh project; the new entries' fields as bibtexparser v2 reads the file."""
    import bibtexparser

    project(bib=target)
    (tmp_path / name).write_text(text, encoding="utf-8")
    result = runner.invoke(cli, ["import", name])
    assert result.exit_code == 0, result.stderr
    library = bibtexparser.parse_string((tmp_path / "references.bib").read_text(encoding="utf-8"))
    return [(e.entry_type, {f.key: f.value for f in e.fields}) for e in library.entries if e.key != "old"]


@pytest.mark.parametrize("name,text", [("z.json", json.dumps(ZOTERO_CSL)), ("z.ris", ZOTERO_RIS)])
def test_imported_text_keeps_capitals_math_and_the_day_and_never_runs_tex(project, runner, tmp_path, name, text):
    ((_, fields),) = _import(project, runner, tmp_path, name, text)
    assert fields["title"] == ("{Mg(II)} and {HCN} in $\\beta_{2}$ stars: \\textbackslash{}input\\{/etc/passwd\\} "
                               "\\textbackslash{}write18\\{x\\}")
    assert fields["date"] == "2019-03-05" and fields["year"] == "2019" and fields["month"] == "mar"
    # pandoc reads the imported entry as the text it was: capitals kept by APA's sentence case, no live TeX
    items = {i["id"]: i for i in json.loads(runner.invoke(cli, ["export", "--to", "csl-json"]).stdout)}
    (new,) = [i for k, i in items.items() if k != "old"]
    assert new["title"].startswith("Mg(II) and HCN in")
    assert "\\input{/etc/passwd}" in new["title"].lower() and "\\write18{x}" in new["title"]  # text, not TeX
    assert new["issued"] == {"date-parts": [[2019, 3, 5]]}
    listing = runner.invoke(cli, ["reading-list", "--style", "apa", "--no-annotations"]).stdout
    assert "Mg(II) and HCN in" in listing
    latex = runner.invoke(cli, ["reading-list", "--format", "latex", "--no-annotations"]).stdout
    assert "\\input{/etc/passwd}" not in latex and "\\write18{x}" not in latex
    assert "\\textbackslash" in latex or "\\textbackslash{}" in latex


def test_csl_import_keeps_chapter_number_and_protects_container_capitals(project, runner, tmp_path):
    ((etype, fields),) = _import(project, runner, tmp_path, "z.json", json.dumps(ZOTERO_CSL))
    assert etype == "incollection" and fields["chapter"] == "7"
    assert fields["booktitle"] == "The {NASA} Book of {iPhone} Spectra"
    assert fields["publisher"] == "AT\\&T Press"


def test_import_into_biblatex_writes_biblatex_fields(project, runner, tmp_path):
    bib = _import(project, runner, tmp_path, "z.ris", ZOTERO_RIS.replace("PY  - 2019/03/05/", "PY  - 2019/03//")
                  + "TY  - JOUR\nAU  - Other, Al\nTI  - Second\nT2  - J2\nPY  - 2020\nCY  - Paris\nER  - \n",
                  target="@article{old, author = {A B}, title = {T}, journaltitle = {J}, date = {2001}}\n")
    (_, first), (_, second) = bib
    assert first["journaltitle"] == "Astro J" and first["date"] == "2019-03"
    assert second == {"author": "Other, Al", "title": "Second", "journaltitle": "J2", "date": "2020",
                      "location": "Paris"}
    for fields in (first, second):
        assert not {"journal", "year", "month", "address"} & set(fields)


RIS_SOURCE = r"""@article{a, author = {Ann Author}, title = {Chemistry of $\mathrm{chLi}^+$ ions},
  subtitle = {A methodology\hyphen independent view}, journal = {J. Chem}, year = 2020,
  eprint = {2001.01234}, eprinttype = {arxiv}, eid = {e123}, volume = 3, number = 4}
@mastersthesis{m, author = {Mo Student}, title = {My Thesis}, school = {Uni}, year = 2019, type = {MSc thesis}}
@mastersthesis{m2, author = {Mo Student}, title = {Other Thesis}, school = {Uni}, year = 2018}
@book{b, author = {B Author}, title = {Book}, series = {Lecture Notes in Things}, publisher = {P}, year = 2001}
"""


def test_ris_export_decodes_latex_and_keeps_subtitles_theses_eprints_eids_series(project, runner, tmp_path):
    import subprocess

    import pypandoc

    project(bib=RIS_SOURCE)
    ris = runner.invoke(cli, ["export", "--to", "ris", "-o", "out.ris"])
    assert ris.exit_code == 0, ris.stderr
    # pandoc's own RIS reader is the judge of what the file says
    out = subprocess.run([pypandoc.get_pandoc_path(), "-f", "ris", "-t", "csljson", "out.ris"], capture_output=True,
                         text=True, check=True, timeout=60, cwd=tmp_path).stdout
    items = {i["id"]: i for i in json.loads(out)}
    assert items["a"]["title"] == "Chemistry of chLi⁺ ions: A methodology-independent view"
    text = (tmp_path / "out.ris").read_text(encoding="utf-8")
    assert "C7  - e123" in text and "M1  - arxiv:2001.01234" in text
    assert "T3  - Lecture Notes in Things" in text  # Zotero's series tag (pandoc's reader skips T3)
    # and bibkit reads back what it wrote: a master's thesis stays one, the eprint and eid come back
    back = runner.invoke(cli, ["import", "out.ris", "--into", "new.bib"])
    assert back.exit_code == 0, back.stderr
    import bibtexparser

    lib = {e.key: e for e in bibtexparser.parse_file(str(tmp_path / "new.bib")).entries}
    assert lib["m"].entry_type == lib["m2"].entry_type == "mastersthesis"
    assert lib["m"].fields_dict["type"].value == "MSc thesis" and "type" not in lib["m2"].fields_dict
    assert lib["a"].fields_dict["eprint"].value == "2001.01234" and lib["a"].fields_dict["eprinttype"].value == "arxiv"
    assert lib["a"].fields_dict["eid"].value == "e123"
    assert lib["b"].fields_dict["series"].value == "Lecture Notes in Things"
