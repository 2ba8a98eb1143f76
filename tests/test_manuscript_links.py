"""Links in Markdown and LaTeX prose cite the entry whose URL or DOI they point at, as in Word and HTML."""

from __future__ import annotations

from pathlib import Path

from bibkit.bib.bibtex import read_bib_file
from bibkit.infra.diagnostics import Diagnostics
from bibkit.manuscripts import read_manuscript
from bibkit.manuscripts.scan import find_needs_citation
from bibkit.model import Bibliography

BIB = r"""
@article{smil1999, author = {Smil, Vaclav}, title = {China's Great Famine}, year = {1999},
  doi = {10.1136/bmj.319.7225.1619}}
@article{kung2003, author = {Kung, James}, title = {The Causes of China's Great Leap Famine}, year = {2003},
  url = {https://www.jstor.org/stable/3203085}}
"""


def bibliography(tmp_path: Path) -> Bibliography:
    path = tmp_path / "references.bib"
    path.write_text(BIB, encoding="utf-8")
    bibfile = read_bib_file(str(path), Diagnostics())
    return Bibliography(files=[bibfile], entries={e.key: e for e in bibfile.entries})


def test_markdown_links(tmp_path):
    text = ("# Links\n\nIn 1959 procurement rose, as [Smil](https://doi.org/10.1136/BMJ.319.7225.1619) shows.\n"
            "Exports continued in 1960 <http://jstor.org/stable/3203085/>.\n"
            "The [weather](https://example.org/weather) in 1961 was bad.\n"
            "A source we lack says 30 million died in 1960 (doi:10.9999/xyz).\n\n"
            "```\nhttps://doi.org/10.1136/bmj.319.7225.1619 in code is not prose\n```\n")
    path = tmp_path / "a.md"
    path.write_text(text, encoding="utf-8")
    m = read_manuscript(str(path), bibliography=bibliography(tmp_path))
    assert [(c.key, c.line, c.via, c.matched_by) for c in m.citations] == [
        ("smil1999", 3, "hyperlink", "doi"), ("kung2003", 4, "hyperlink", "url"),
        ("doi:10.9999/xyz", 6, "hyperlink", None)]
    assert [f.text for f in find_needs_citation(m)] == ["The weather in 1961 was bad."]
    # Without a bibliography nothing is added (the text alone cannot say what a link is).
    assert read_manuscript(str(path)).citations == []


def test_latex_links(tmp_path):
    text = ("\\documentclass{article}\\begin{document}\n"
            "In 1959 procurement rose \\href{http://dx.doi.org/10.1136/bmj.319.7225.1619}{(Smil)}.\n"
            "Exports continued in 1960 \\url{https://www.jstor.org/stable/3203085}.\n\\end{document}\n")
    path = tmp_path / "a.tex"
    path.write_text(text, encoding="utf-8")
    m = read_manuscript(str(path), bibliography=bibliography(tmp_path))
    assert [(c.key, c.line) for c in m.citations] == [("smil1999", 2), ("kung2003", 3)]
    assert find_needs_citation(m) == []
