"""The built-in reference form (no style set) writes initials as APA does: each with its period.

The judge is pandoc's citeproc with the APA style, run on the same entries: for every name below
the author part of bibkit's built-in reference must be what pandoc writes.
"""

from __future__ import annotations

import subprocess

import pytest

from bibkit.bib.bibtex import parse_text
from bibkit.bib.citations import full_citation
from bibkit.formatting import load_style
from bibkit.infra.diagnostics import Diagnostics

pypandoc = pytest.importorskip("pypandoc")

NAMES = ["Knuth, Donald E.", "Aruliah, D. A.", "Brown, C. Titus", "Sartre, Jean-Paul", "Smith, J.-P.", "Lee, J.P.",
         "Doe, J", "Roe, Ö. X", "Bo, Mary-Kate", "Ek, Anna Maria Karin", "Haddock, Steven H. D.", "Zola, {\\'E}mile"]


def test_initials_are_apas(tmp_path):
    bib = "".join(f"@book{{k{i:02d}, author = {{{n}}}, title = {{T{i:02d}}}, year = {{2000}}, publisher = {{P}}}}\n"
                  for i, n in enumerate(NAMES))
    (tmp_path / "n.bib").write_text(bib, encoding="utf-8")
    out = subprocess.run([pypandoc.get_pandoc_path(), "--citeproc", "--bibliography", "n.bib", "--csl",
                          load_style("apa").path, "-t", "plain", "--wrap=none"], input='---\nnocite: "[@*]"\n---\n',
                         capture_output=True, text=True, check=True, timeout=120, cwd=tmp_path).stdout
    theirs = {line.split(" (2000). ")[1][:3]: line.split(" (2000). ")[0] for line in out.splitlines() if line}
    ours = {}
    for entry in parse_text(bib, "n.bib", Diagnostics()).entries:
        text = full_citation(entry)
        ours[text.split(" (2000). ")[1][:3]] = text.split(" (2000). ")[0]
    assert len(theirs) == len(NAMES)
    assert ours == theirs
    assert ours["T00"] == "Knuth, D. E." and ours["T01"] == "Aruliah, D. A." and ours["T02"] == "Brown, C. T."


def test_a_multi_author_reference_has_a_period_after_every_initial():
    entry = parse_text("@article{a, author = {Aruliah, D. A. and Brown, C. Titus and Hong, Neil P. Chue}, title = {B},"
                       " journal = {J}, year = {2014}}", "<t>", Diagnostics()).entries[0]
    assert full_citation(entry).startswith("Aruliah, D. A., Brown, C. T., & Hong, N. P. C. (2014). B. J.")
