"""RIS export: record layout, type and tag mapping, LaTeX decoded to UTF-8."""

from __future__ import annotations

from bibkit.bibtex import MONTH_MACROS, parse_text
from bibkit.diagnostics import Diagnostics
from bibkit.export import export_entries


def test_record_layout_and_tags():
    [entry] = parse_text(r"""@incollection{k, author = {van Beethoven, Jr, Ludwig and {World Health Organization}},
      editor = {Smith, Ann}, title = {{\"U}ber \emph{Musik} \& more}, booktitle = {A Book},
      year = 2001, month = mar, pages = {10--20}, publisher = {P}, address = {Bonn}, isbn = {978-3-16-148410-0},
      doi = {10.1/x}, url = {https://e.org}, keywords = {a; b}, note = {N}, annote = {My reading}}""",
                         "t.bib", Diagnostics(), dict(MONTH_MACROS)).entries
    assert export_entries([entry], "ris") == (
        "TY  - CHAP\nID  - k\nAU  - van Beethoven, Ludwig, Jr\nAU  - World Health Organization\nA2  - Smith, Ann\n"
        "TI  - Über Musik & more\nT2  - A Book\nPY  - 2001\nDA  - 2001/03//\nSP  - 10\nEP  - 20\nPB  - P\nCY  - Bonn\n"
        "SN  - 978-3-16-148410-0\nDO  - 10.1/x\nUR  - https://e.org\nKW  - a\nKW  - b\nN1  - N\nRN  - My reading\n"
        "ER  -\n")


def test_type_mapping():
    text = "\n".join(f"@{t}{{k{i}, title={{T}}}}" for i, t in enumerate(
        ["article", "book", "inproceedings", "phdthesis", "techreport", "unpublished", "online", "misc", "weird"]))
    entries = parse_text(text, "t.bib", Diagnostics()).entries
    types = [line[6:] for line in export_entries(entries, "ris").splitlines() if line.startswith("TY")]
    assert types == ["JOUR", "BOOK", "CPAPER", "THES", "RPRT", "UNPB", "ELEC", "GEN", "GEN"]
