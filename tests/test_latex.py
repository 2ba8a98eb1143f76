"""LaTeX to Unicode for the text bibkit shows itself (annotations, tags)."""

from bibkit.bib.latex import protected_spans, to_unicode


def test_accents_and_symbols() -> None:
    assert to_unicode(r"{\'O} Gr{\'a}da") == "Ó Gráda"
    assert to_unicode(r'caf\'e na\"ive \v{C}ech \ss{} \o') == "café naïve Čech ß ø"


def test_dashes_quotes_and_specials() -> None:
    assert to_unicode(r"1959--1961 ``NIH'' 50\% \& co---ok") == "1959–1961 “NIH” 50% & co—ok"


def test_markup_keeps_its_text() -> None:
    assert to_unicode(r"\emph{Foo} and \href{http://x}{a link}") == "Foo and a link"


def test_protected_spans_skip_special_characters() -> None:
    text = r"The {NASA} and {\'E}cole"
    assert [text[a:b] for a, b in protected_spans(text)] == ["{NASA}"]
