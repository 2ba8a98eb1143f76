"""Full texts of real PDFs made by word processors (py-pdf/sample-files, CC-BY-SA-4.0; see tests/data/fulltext)."""

from __future__ import annotations

import pytest

from bibkit.evidence.fulltext import Unreadable, read_fulltext
from bibkit.evidence.quotematch import Document

from conftest import DATA

REAL = DATA / "fulltext"


@pytest.mark.parametrize("name, quote", [
    ("libreoffice-writer.pdf",
     "Lorem ipsum dolor sit amet, consetetur sadipscing elitr, sed diam nonumy eirmod tempor invidunt ut labore"),
    ("libreoffice-writer.pdf", "Stet clita kasd gubergren, no sea takimata sanctus est Lorem ipsum dolor sit amet"),
    ("google-doc.pdf", "Errors should never pass silently. Unless explicitly silenced."),
    ("google-doc.pdf", "In the face of ambiguity, refuse the temptation to guess."),
    ("google-doc.pdf", "Although that way may not be obvious at first unless you\u2019re Dutch."),
])
def test_quotes_in_word_processor_pdfs(name, quote):
    ft = read_fulltext(str(REAL / name), use_cache=False)
    assert Document(ft.pages, strip_running=True).find(quote).kind == "exact"


@pytest.mark.parametrize("name, quote", [
    ("google-doc.pdf", "Errors should always pass silently."),
    ("google-doc.pdf", "Although that way may be obvious at first unless you're Dutch."),
])
def test_changed_words_in_word_processor_pdfs_are_not_exact(name, quote):
    ft = read_fulltext(str(REAL / name), use_cache=False)
    assert Document(ft.pages).find(quote).kind == "close"


def test_encrypted_word_processor_pdf():
    with pytest.raises(Unreadable, match=r"encrypted \(needs a password\)"):
        read_fulltext(str(REAL / "libreoffice-password.pdf"), use_cache=False)
