"""Short author-year citations and the plain full reference used inside the claim map."""

from __future__ import annotations

import pytest

from bibkit.bib.bibtex import parse_text
from bibkit.bib.citations import display_text, full_citation, short_citation
from bibkit.infra.diagnostics import Diagnostics


def entry(body: str):
    [e] = parse_text(body, "t.bib", Diagnostics()).entries
    return e


SMIL = entry(r"""@article{smil1999, author={Smil, Vaclav}, title={{China}'s Great Famine: 40 Years Later},
  journal={BMJ}, year={1999}, volume={319}, number={7225}, pages={1619}, doi={10.1136/bmj.319.7225.1619}}""")


def test_short_citation_with_and_without_locator():
    assert short_citation(SMIL) == "Smil (1999)"
    assert short_citation(SMIL, "p. 1619") == "Smil (1999, p. 1619)"


@pytest.mark.parametrize("authors, expected", [
    ("Kung, James Kai-sing and Lin, Justin Yifu", "Kung and Lin (2003)"),
    ("Alpha, A. and Beta, B. and Gamma, G.", "Alpha et al. (2003)"),
    (r"{\'O} Gr{\'a}da, Cormac", "Ó Gráda (2003)"),
    ("Jan van der Berg", "van der Berg (2003)"),
    ("{World Health Organization}", "World Health Organization (2003)"),
])
def test_author_forms(authors, expected):
    assert short_citation(entry(f"@misc{{k, author={{{authors}}}, year={{2003}}}}")) == expected


def test_editor_title_and_missing_year_fallbacks():
    assert short_citation(entry("@book{k, editor={Doe, Jane}, date={2019-05-01}}")) == "Doe (2019)"
    assert short_citation(entry("@misc{k, title={A Very Long Anonymous Pamphlet Title}}")) == "A Very Long Anonymous… (n.d.)"


def test_full_citation():
    assert full_citation(SMIL) == ("Smil, V. (1999). China’s Great Famine: 40 Years Later. BMJ, 319(7225), 1619. "
                                   "https://doi.org/10.1136/bmj.319.7225.1619")
    two = entry("@article{k, author={Kung, James Kai-sing and Lin, Justin Yifu}, title={Causes}, journal={EDCC},"
                " year={2003}, pages={51--73}}")
    assert full_citation(two) == "Kung, J. K.-s., & Lin, J. Y. (2003). Causes. EDCC, 51–73."


def test_display_text_decodes_latex():
    assert display_text(r"Social Science \& Medicine: {\"U}ber \emph{Gr{\"o}{\ss}e}~1") == "Social Science & Medicine: Über Größe\u00a01"
    assert display_text(None) == ""
