"""Quote checking with footnote marks glued to words, passages on two pages, and changes that must stay unfound.

The PDF is made by pdflatex and read by bibkit's own PDF reader, so the footnote marks are where a
real text layer puts them ("are invoked1", "accounts2.", and the notes "1Knuth calls ..." at the foot).
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from bibkit.evidence.fulltext import read_fulltext
from bibkit.evidence.quotematch import Document, footnote_marks

TEX = r"""\documentclass{article}
\begin{document}
In literate programs the procedures are invoked\footnote{Knuth calls them sections.} in the order a reader
needs them, and the program reads as an essay.
The tide mill ground 45 bushels a day in 1820, and the miller kept accounts\footnote{The accounts survive.}.
Levels of CO2 rose in the valley. The output rose to 45 tons in the version2 release of the ledger.
Repeated text: the web of definitions is woven from small named pieces that the tangle program assembles.
\newpage
Another page. Repeated text: the web of definitions is woven from small named pieces that the tangle program
assembles. The best year in the ledgers is 1876, with 421 tons.
\newpage
A third page. The best year in the ledgers is 1876, with 412 tons.
\end{document}
"""


@pytest.fixture(scope="module")
def doc(tmp_path_factory) -> Document:
    if not shutil.which("pdflatex"):
        pytest.skip("pdflatex is not installed")
    folder = tmp_path_factory.mktemp("pdf")
    (folder / "fn.tex").write_text(TEX, encoding="utf-8")
    subprocess.run(["pdflatex", "-interaction=nonstopmode", "fn.tex"], cwd=folder, capture_output=True, timeout=120)
    ft = read_fulltext(str(folder / "fn.pdf"), use_cache=False)
    assert "invoked1" in ft.pages[0] and "accounts2." in ft.pages[0]  # the text layer glues the marks
    return Document(ft.pages, strip_running=True)


@pytest.mark.parametrize("quote", [
    "In literate programs the procedures are invoked",  # the mark after the quote's last word
    "the procedures are invoked in the order a reader needs them",  # a mark inside the quote
    "In literate programs the procedures are invoked1",  # quoted with the mark: the same words too
])
def test_a_footnote_mark_glued_to_a_word_is_not_a_number(doc, quote):
    m = doc.find(quote)
    assert (m.kind, m.pages, m.reason) == ("exact", (0,), "")


@pytest.mark.parametrize("quote, kind", [
    ("The tide mill ground 46 bushels a day in 1820, and the miller kept accounts", "close"),  # a real change
    ("The tide mill ground 45 bushels a day in 1821", "close"),
    ("the miller never kept accounts", "close"),
    ("Levels of CO rose in the valley", "close"),  # "CO2" is no mark: capitals before the digit
    ("The output rose to 4", "close"),  # "45": a digit after a digit is the number itself
    ("the version release of the ledger", "close"),  # "version2" beside the mark of note 2: both doubtful
    ("the miller kept accounts", "close"),
    ("In 1st programs the procedures are invoked", "close"),  # the quote holds the digit: never taken for a mark
])
def test_changed_numbers_and_words_are_still_not_found(doc, quote, kind):
    assert doc.find(quote).kind == kind


def test_a_mark_after_a_full_stop(tmp_path):
    """pdflatex puts the mark of a note set before the full stop after the word: "accounts2." """
    pages = ["The tide mill ground 45 bushels a day, and the miller kept accounts2. Then it closed.\n"
             "2The accounts survive.\n"]
    for quote in ("the miller kept accounts", "the miller kept accounts.", "kept accounts. Then it closed"):
        assert Document(pages).find(quote).kind == "exact"
    assert Document(pages).find("the miller kept 2 accounts").kind == "close"


def test_a_mark_is_only_taken_when_its_note_is_there():
    page = "the procedures are invoked5 in turn.\n"
    assert footnote_marks("the procedures are invoked5", "the procedures are invoked", page + "5 See Knuth.") == (
        "the procedures are invoked")
    assert footnote_marks("the procedures are invoked5", "the procedures are invoked", page + "See Knuth.") == (
        "the procedures are invoked5")  # no note 5
    assert footnote_marks("the procedures are invoked5", "5 procedures are invoked", page + "5 See Knuth.") == (
        "the procedures are invoked5")  # the quote holds a 5
    assert footnote_marks("levels of CO2", "levels of CO", "levels of CO2\n2 See.") == "levels of CO2"
    assert footnote_marks("in version2", "in version", "in version2 and invoked2\n2 See.") == "in version2"


def test_the_page_named_for_a_close_match_is_the_cited_one_when_the_passage_repeats(doc):
    quote = "the web of definitions is woven from small named parts"
    assert doc.find(quote, [1]).pages == (1,)
    assert doc.find(quote, [0]).pages == (0,)
    assert doc.find(quote).pages == (0,)  # no page cited: the first, every time
    assert doc.find(quote, [1]).kind == doc.find(quote, [0]).kind == "close"


def test_an_occurrence_with_the_quotes_very_words_beats_a_close_one_on_the_cited_page(doc):
    quote = "The best year in the ledgers is 1876, with 412 tons"
    m = doc.find(quote, [1])  # cited on the page that says 421
    assert (m.kind, m.pages) == ("exact", (2,))
    m = doc.find("The best year in the ledgers is 1876, with 421 tons", [2])
    assert (m.kind, m.pages) == ("exact", (1,))
    m = doc.find("The best year in the ledgers is 1876, with 999 tons", [2])
    assert (m.kind, m.pages) == ("close", (2,))  # as close on both pages: the cited page is named
    assert doc.find("The best year in the ledgers is 1876, with 999 tons", [1]).pages == (1,)
