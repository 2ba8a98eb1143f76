"""bibkit.evidence.verify on articles typeset with pdflatex: every status, page mapping, page-crossing quotes."""

from __future__ import annotations

import json
import os
import re
import shutil
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from bibkit.evidence.verify import cited_pages, diagnostic, gate_failed, summary, verify_links
from bibkit.project import load_project

from fulltext_helpers import (
    LEMAITRE, LIGATURES, NOT_SMALL, LAST_LINE, article_tex, build_pdf, flowing_sentences, oracle_pages, oracle_span,
)


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> dict[str, Path]:
    """The test article with PDF page labels (hyperref) and without."""
    d = tmp_path_factory.mktemp("tex")
    return {"labelled": build_pdf(d, "labelled", article_tex(hyperref=True)),
            "plain": build_pdf(d, "plain", article_tex(hyperref=False))}


def write_project(root: Path, bib: str, claims: str) -> None:
    (root / "references.bib").write_text(textwrap.dedent(bib), encoding="utf-8")
    (root / "claims.yaml").write_text(textwrap.dedent(claims), encoding="utf-8")


def links_yaml(key: str, items: list[tuple[str | None, str | None]]) -> str:
    out = ["version: 1", "claims:"]
    for i, (locator, quote) in enumerate(items):
        out += [f"  - id: c{i}", f"    text: Claim {i}.", "    sources:", f"      - key: {key}"]
        if locator:
            out.append(f"        locator: {locator}")
        if quote is not None:
            out.append(f"        quote: {quote!r}".replace("'", '"') if '"' not in quote else
                       "        quote: '" + quote.replace("'", "''") + "'")
    return "\n".join(out) + "\n"


def run(root: Path, monkeypatch, **kw):
    monkeypatch.chdir(root)
    monkeypatch.setenv("BIBKIT_CACHE_DIR", str(root / ".cache"))
    project = load_project()
    return verify_links(project, **kw)


BIB = """\
@article{lemaitre2020,
  author = {Lema{\\^\\i}tre, Ren{\\'e}},
  title = {Ledgers and fields},
  journal = {Journal of Tests},
  year = {2020},
  pages = {PAGES},
}
"""


@pytest.mark.parametrize("variant, pages_field", [("labelled", "1--2"), ("plain", "RANGE")])
def test_every_status_on_a_tex_article(tmp_path, monkeypatch, pdfs, variant, pages_field):
    pdf = pdfs[variant]
    n = len(oracle_pages(pdf))
    (tmp_path / "sources").mkdir()
    shutil.copy(pdf, tmp_path / "sources" / "lemaitre2020.pdf")
    # The labelled PDF has page labels (which win over a wrong pages field); the plain one gets its
    # numbers from the pages field, which spans as many pages as the PDF has.
    rng = f"551--{550 + n}" if pages_field == "RANGE" else pages_field
    last = str(550 + n)
    items = [
        ("p. 551", LEMAITRE),                                           # found, accents split by TeX
        ("p. 551", NOT_SMALL),                                          # found, curly quotes and em dash
        ("pp. 551--552", LIGATURES),                                    # found, ligatures
        (f"p. {last}", LAST_LINE),                                      # found, last page
        ("p. 552", LEMAITRE),                                           # found-elsewhere, on 551
        ("p. 551", LEMAITRE.replace("efficient", "diligent")),          # close: one word
        ("p. 551", "the official figures differed by 72 percent from the measurements"),  # close: number
        ("p. 551", "It was a small difference, he wrote"),              # close: dropped negation
        ("p. 551", "The orchestra rehearsed the symphony twice before the ministers arrived"),  # not-found
        ("p. 551", None),                                               # no-quote
    ]
    write_project(tmp_path, BIB.replace("PAGES", rng), links_yaml("lemaitre2020", items))
    checks = run(tmp_path, monkeypatch, include_no_quote=True)
    got = [(c.status, c.page) for c in checks]
    assert got == [
        ("found", "551"), ("found", "551"), ("found", "551"), ("found", last), ("found-elsewhere", "551"),
        # a not-found quote names the page of its closest passage, however unlike
        ("close", "551"), ("close", "551"), ("close", "551"), ("not-found", "552"), ("no-quote", None),
    ]
    assert checks[0].source_text.startswith("Ren\u00e9 Lema\u00eetre, a na\u00efve but efficient clerk")
    assert checks[0].numbering == ("PDF page labels" if variant == "labelled" else "pages field")
    assert checks[5].diff and ("replace", "efficient", "diligent") not in checks[5].diff
    assert ("replace", "diligent", "efficient") in checks[5].diff
    assert "72" in checks[6].reason and "27" in checks[6].reason
    assert "negation" in checks[7].reason
    assert all(c.score is not None and c.score < 1.0 for c in checks[5:8])
    assert summary(checks, include_no_quote=True) == {"found": 4, "found-elsewhere": 1, "close": 3, "not-found": 1,
                                                       "no-fulltext": 0, "unreadable": 0, "no-quote": 1}
    assert gate_failed(checks, "not-found") and gate_failed(checks, "close") and not gate_failed(checks, "never")
    d = diagnostic(checks[8])
    assert (d.file, d.line, d.column, d.code, d.severity.value) == ("claims.yaml", checks[8].line, 9, "V003", "error")
    assert d.message.startswith("quote not found in lemaitre2020 (sources/lemaitre2020.pdf)")


def test_quotes_crossing_pages_and_hyphens_are_found_at_the_right_pages(tmp_path, monkeypatch, pdfs):
    """Every generated sentence is found, on the pages pypdf (an independent extractor) puts it."""
    pdf = pdfs["labelled"]
    oracle = oracle_pages(pdf)
    sentences = flowing_sentences()
    spans = [oracle_span(oracle, s) for s in sentences]
    assert all(spans), [s for s, sp in zip(sentences, spans) if not sp]
    crossing = [s for s, sp in zip(sentences, spans) if sp[0] != sp[1]]
    assert crossing, "the article should have sentences that cross a page break"
    (tmp_path / "sources").mkdir()
    shutil.copy(pdf, tmp_path / "sources" / "lemaitre2020.pdf")
    items = [(None, s) for s in sentences]
    write_project(tmp_path, BIB.replace("PAGES", "551--560"), links_yaml("lemaitre2020", items))
    checks = run(tmp_path, monkeypatch)
    for s, (a, b), c in zip(sentences, spans, checks):
        want = str(551 + a) if a == b else f"{551 + a}\u2013{551 + b}"
        assert (c.status, c.page) == ("found", want), s
    # The narrow columns hyphenate words across lines, so some of these quotes crossed hyphenations.
    from bibkit.evidence.fulltext import read_fulltext

    pages = read_fulltext(str(pdf), use_cache=False).pages
    assert sum(p.count("\x02") + len(re.findall(r"\w-\r?\n\w", p)) for p in pages) >= 5


def test_cited_page_of_a_crossing_quote(tmp_path, monkeypatch, pdfs):
    pdf = pdfs["labelled"]
    oracle = oracle_pages(pdf)
    sentence = next(s for s in flowing_sentences() if (sp := oracle_span(oracle, s)) and sp[0] != sp[1])
    a, b = oracle_span(oracle, sentence)
    (tmp_path / "sources").mkdir()
    shutil.copy(pdf, tmp_path / "sources" / "lemaitre2020.pdf")
    items = [(f"p. {551 + b}", sentence), (f"pp. {551 + a}-{551 + b}", sentence), ("p. 551", sentence)]
    write_project(tmp_path, BIB.replace("PAGES", "1"), links_yaml("lemaitre2020", items))
    assert [c.status for c in run(tmp_path, monkeypatch)] == ["found", "found", "found-elsewhere"]


def test_text_and_html_sources_and_missing_ones(tmp_path, monkeypatch):
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "alpha2001.txt").write_text(
        "Page one says the dam was finished in 1958.\fPage two says the \ufb01elds \ufb02ooded in spring.\f",
        encoding="utf-8")
    (tmp_path / "texts" / "beta2002.html").write_text(
        "<html><body><p>The <b>committee</b> met on 3&nbsp;May and did not publish its minutes.</p></body></html>",
        encoding="utf-8")
    (tmp_path / "bibkit.toml").write_text('fulltext = "texts"\n', encoding="utf-8")
    (tmp_path / "empty.pdf").write_bytes(b"")
    write_project(tmp_path, """\
        @article{alpha2001, author={A, A}, title={T}, journal={J}, year={2001}, pages={10--11}}
        @misc{beta2002, author={B, B}, title={T}, year={2002}}
        @misc{gamma2003, author={C, C}, title={T}, year={2003}}
        @misc{delta2004, author={D, D}, title={T}, year={2004}, file={:papers/nowhere.pdf:PDF}}
        @misc{eps2005, author={E, E}, title={T}, year={2005}, file={empty.pdf}}
        """, """\
        version: 1
        claims:
          - id: a
            text: A.
            sources:
              - {key: alpha2001, locator: p. 11, quote: "the fields flooded in spring"}
              - {key: alpha2001, locator: p. 11, quote: "the dam was finished in 1958"}
              - {key: beta2002, locator: p. 4, quote: "met on 3 May and did not publish its minutes"}
              - {key: beta2002, quote: "met on 3 May and did publish its minutes"}
              - {key: gamma2003, quote: "anything at all"}
              - {key: delta2004, quote: "anything at all"}
              - {key: eps2005, quote: "anything at all"}
        """)
    checks = run(tmp_path, monkeypatch)
    assert [(c.status, c.page) for c in checks] == [
        ("found", "11"), ("found-elsewhere", "10"), ("found", None), ("close", None),
        ("no-fulltext", None), ("unreadable", None), ("unreadable", None)]
    assert checks[0].file == "texts/alpha2001.txt"
    assert "texts/gamma2003" in checks[4].reason
    assert checks[5].reason.endswith("papers/nowhere.pdf: file not found")
    assert checks[6].reason == "empty.pdf: empty file (0 bytes)"


def alpha_project(root: Path, bib: str, sources_of_one: list[str]) -> None:
    """a2001 with a full text in sources/; claim "one" cites ``sources_of_one`` (YAML flow items), claim
    "two" quotes what the text lacks."""
    (root / "sources").mkdir()
    (root / "sources" / "a2001.txt").write_text("alpha beta gamma delta epsilon", encoding="utf-8")
    one = "".join(f"      - {item}\n" for item in sources_of_one)
    write_project(root, bib, "version: 1\nclaims:\n  - id: one\n    text: One.\n    sources:\n" + one
                  + '  - id: two\n    text: Two.\n    sources:\n      - {key: a2001, quote: "omega psi chi phi upsilon tau"}\n')


def test_filters(tmp_path, monkeypatch):
    alpha_project(tmp_path, "@misc{a2001, title={T}, year={2001}}\n@misc{b2002, title={T}, year={2002}}\n",
                  ['{key: a2001, quote: "beta gamma delta"}', '{key: b2002, quote: "beta gamma delta"}', "a2001"])
    assert [c.status for c in run(tmp_path, monkeypatch)] == ["found", "no-fulltext", "not-found"]
    assert [c.claim for c in run(tmp_path, monkeypatch, claims=["two"])] == ["two"]
    assert [c.key for c in run(tmp_path, monkeypatch, sources=["b2002"])] == ["b2002"]
    assert [c.status for c in run(tmp_path, monkeypatch, statuses=["not-found"])] == ["not-found"]
    assert [c.status for c in run(tmp_path, monkeypatch, include_no_quote=True)] == [
        "found", "no-fulltext", "no-quote", "not-found"]


def test_progress_counts_the_links_the_filters_keep(tmp_path, monkeypatch):
    alpha_project(tmp_path, "@misc{a2001, title={T}, year={2001}}\n",
                  ['{key: a2001, quote: "beta gamma delta"}', "a2001", '{key: a2001, quote: "   "}',
                   '{key: a2001, quote: "gamma delta epsilon"}'])

    def calls(**kw) -> list[tuple[int, int]]:
        seen: list[tuple[int, int]] = []
        run(tmp_path, monkeypatch, progress=lambda done, total: seen.append((done, total)), **kw)
        return seen

    assert calls() == [(1, 3), (2, 3), (3, 3)]  # one per quoted link, after its check
    assert calls(include_no_quote=True) == [(i, 5) for i in range(1, 6)]  # a blank quote is no quote
    assert calls(claims=["two"]) == [(1, 1)]
    assert calls(statuses=["not-found"]) == [(1, 3), (2, 3), (3, 3)]  # every link is checked to know its status


@pytest.mark.parametrize("locator, pages", [
    ("p. 12", ["12"]), ("pp. 551--553", ["551", "552", "553"]), ("551-3", ["551", "552", "553"]),
    ("pp. 1619-20", ["1619", "1620"]), ("12", ["12"]), ("p. xii", ["xii"]), ("pp. xii-xiv", ["xii", "xiii", "xiv"]),
    ("pp. 12, 15-16", ["12", "15", "16"]), ("12f", ["12", "13"]), ("12ff.", ["12", "13", "14"]),
    ("p. 12 n. 3", ["12"]), ("pages 3 and 5", ["3", "5"]), ("S3-S5", ["S3", "S4", "S5"]), ("p.\u00a0551", ["551"]),
    ("chap. 3", None), ("sec. 2.1", None), ("fig. 4", None), ("para. 7", None), ("", None), (None, None),
])
def test_locators(locator, pages):
    assert cited_pages(locator) == pages


def test_web_address_in_the_file_field_is_no_full_text(tmp_path, monkeypatch):
    write_project(tmp_path, "@misc{w1, title={T}, year={2001}, file={http://example.org/a.pdf}}\n", """\
        version: 1
        claims:
          - id: a
            text: A.
            sources:
              - {key: w1, quote: "some words"}
        """)
    [check] = run(tmp_path, monkeypatch)
    assert check.status == "no-fulltext"
    assert check.reason.startswith("the file field names no file on this computer; looked for sources/w1.pdf")


def test_cited_pages_outside_an_unknown_numbering_are_not_elsewhere(tmp_path, monkeypatch):
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "s1.txt").write_text("one\fthe famine killed millions in the countryside\f", encoding="utf-8")
    (tmp_path / "sources" / "s2.txt").write_text("one\fthe famine killed millions in the countryside\f", encoding="utf-8")
    write_project(tmp_path, "@misc{s1, title={T}, year={1}}\n@misc{s2, title={T}, year={1}, pages={1619}}\n", """\
        version: 1
        claims:
          - id: a
            text: A.
            sources:
              - {key: s1, locator: p. 1619, quote: "the famine killed millions"}
              - {key: s1, locator: p. 1, quote: "the famine killed millions"}
              - {key: s2, locator: p. 1619, quote: "the famine killed millions"}
        """)
    checks = run(tmp_path, monkeypatch)
    assert [(c.status, c.page) for c in checks] == [("found", "2"), ("found-elsewhere", "2"), ("found", "2")]
    assert "set fulltext_first_page on s1" in checks[0].reason


def _roman_page(first: str, last: str) -> str:
    """A page whose middle paragraph (away from the edge lines a running head could be) is the quoted one."""
    return "\n\n".join([first, "The harbour master counted eleven barges before the storm.", last])


ROMAN_TEX = "\n".join([
    r"\documentclass{article}", r"\usepackage{hyperref}", r"\begin{document}", r"\pagenumbering{Roman}",
    "The opening page speaks of weather and of nothing else.", r"\clearpage",
    _roman_page("First of two pages. The clerk wrote up the morning.\n\nHe sharpened a pencil.",
                "Then came the evening tide.\n\nThe lamps were lit."),
    r"\clearpage",
    _roman_page("Second of two pages. The clerk copied the ledger.\n\nHe blotted the ink.",
                "Then came the night watch.\n\nThe doors were barred."),
    r"\end{document}", ""])


def test_upper_case_roman_page_labels_cited_in_lower_case(tmp_path, monkeypatch):
    """A front matter numbered I, II, III (PDF page labels) cited as "p. iii": the cited page is found."""
    from fulltext_helpers import build_pdf

    pdf = build_pdf(tmp_path / "tex", "roman", ROMAN_TEX)
    (tmp_path / "sources").mkdir()
    shutil.copy(pdf, tmp_path / "sources" / "r1.pdf")
    quote = "the harbour master counted eleven barges"
    write_project(tmp_path, "@misc{r1, title={T}, year={1}}\n",
                  links_yaml("r1", [("p. iii", quote), ("p. ii", quote), ("pp. ii-iii", quote), ("p. i", quote),
                                    ("p. III", quote)]))
    checks = run(tmp_path, monkeypatch)
    assert [(c.status, c.page, c.numbering) for c in checks] == [
        ("found", "III", "PDF page labels"), ("found", "II", "PDF page labels"), ("found", "II", "PDF page labels"),
        ("found-elsewhere", "II", "PDF page labels"), ("found", "III", "PDF page labels")]
    assert [c.cited_pages for c in checks] == [["iii"], ["ii"], ["ii", "iii"], ["i"], ["III"]]


def test_cited_pages_with_leading_zeros_are_the_same_pages(tmp_path, monkeypatch):
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "z1.txt").write_text("the tide came in\fthe mill stood still all winter\f", encoding="utf-8")
    write_project(tmp_path, "@misc{z1, title={T}, year={1}, pages={9--10}}\n",
                  links_yaml("z1", [("p. 010", "the mill stood still"), ("p. 09", "the mill stood still"),
                                    ("p. 0009", "the tide came in")]))
    assert [(c.status, c.page) for c in run(tmp_path, monkeypatch)] == [
        ("found", "10"), ("found-elsewhere", "10"), ("found", "9")]


# -- pure functions and the reports, against hand-written expectations -------------------------------

from bibkit.evidence.verify import (  # noqa: E402
    LinkCheck, fulltext_paths, has_fulltexts, int_to_roman, outside_reason, quote_checks, render_json, render_text,
    roman_to_int,
)


def check_of(status: str, **kw) -> LinkCheck:
    return LinkCheck("c1", "k1", kw.pop("locator", "p. 3"), status, 4, 9, "claims.yaml", **kw)


@pytest.mark.parametrize("locator, pages", [
    ("pp. XII-XIV", ["XII", "XIII", "XIV"]), ("pp. xii-xiv", ["xii", "xiii", "xiv"]), ("p. XLIX", ["XLIX"]),
    ("S3-5", ["S3", "S4", "S5"]), ("S3-T5", None), ("S5-S3", None), ("pp. 20-10", None), ("pp. iv-ii", None),
    ("12--12", ["12"]), ("pp. 1-2001", ["1", "2", *[str(p) for p in range(3, 2002)]]), ("pp. 1-2002", None),
    ("iiii", None), ("12 and xv", ["12", "xv"]), ("p. 7; p. 9", None), ("pp. 7; 9", ["7", "9"]), ("12 & 14", ["12", "14"]),
    ("l. 5", None), ("v. 5", None), ("n. 5", None), ("S. 12", ["12"]), ("seiten 5-6", ["5", "6"]), ("pgs. 5", ["5"]),
])
def test_more_locators(locator, pages):
    assert cited_pages(locator) == pages


@pytest.mark.parametrize("text, n", [("i", 1), ("iv", 4), ("ix", 9), ("xiv", 14), ("xl", 40), ("XLIX", 49), ("xc", 90),
                                     ("cd", 400), ("mcmxcix", 1999), ("MMXXVI", 2026), ("", None), ("iiii", None),
                                     ("vx", None), ("ic", None), ("12", None), ("x1", None)])
def test_roman_numerals(text, n):
    assert roman_to_int(text) == n
    if n is not None:
        assert int_to_roman(n, upper=text.isupper()) == text


def test_messages_and_details():
    assert check_of("found", page="10–11", file="s/k1.pdf").message() == "quote found in k1 on pp. 10–11 (s/k1.pdf)"
    assert check_of("found", page="10").message() == "quote found in k1 on p. 10"
    assert check_of("found").message() == "quote found in k1"
    assert check_of("found-elsewhere", page="12", file="f.txt", source_text="the words.").message() == (
        "quote found in k1 on p. 12, not on the cited p. 3 (f.txt)")
    assert check_of("found-elsewhere", page="12", source_text="the words.").details() == ["source: the words."]
    assert check_of("close", score=0.876, reason="a negation differs: 1 in the quote, 0 in the source").message() == (
        "quote only nearly matches k1 (87% alike; a negation differs: 1 in the quote, 0 in the source)")
    assert check_of("close").message() == "quote only nearly matches k1 (near match)"
    assert check_of("close", source_text="x").details() == []  # no diff to show
    assert check_of("not-found", file="f.txt").message() == "quote not found in k1 (f.txt)"
    assert check_of("not-found", page="4–5", score=0.391, source_text="w").details() == [
        "closest passage (pp. 4–5, 39% alike): w"]
    assert check_of("not-found", score=0.391, source_text="w").details() == ["closest passage (39% alike): w"]
    assert check_of("not-found").details() == []
    assert check_of("unreadable", reason="f.pdf: empty file (0 bytes)").message() == (
        "cannot read the full text of k1: f.pdf: empty file (0 bytes)")
    assert check_of("no-fulltext", reason="no file field").message() == "no full text for k1 (no file field)"
    assert check_of("no-quote").message() == "no quote to check for k1"
    # a long closest passage is cut at 240 characters, the last one an ellipsis
    assert check_of("not-found", score=0.1, source_text="a" * 240).details() == [
        f"closest passage (10% alike): {'a' * 240}"]
    assert check_of("not-found", score=0.1, source_text="abc " * 60 + "z").details() == [
        f"closest passage (10% alike): {('abc ' * 60)[:239].rstrip()}…"]


def test_meaning_changed_severity_and_gate():
    from bibkit.evidence.verify import severity_and_code
    from bibkit.infra.diagnostics import Severity

    negation = check_of("close", reason="a negation differs: 1 in the quote, 0 in the source")
    number = check_of("close", reason="numbers differ: 1959 in the quote, 1958 in the source")
    word = check_of("close", reason="")
    assert [severity_and_code(c) for c in (negation, number, word)] == [
        (Severity.ERROR, "V007"), (Severity.ERROR, "V007"), (Severity.WARNING, "V002")]
    assert [severity_and_code(check_of(s)) for s in ("found", "no-quote", "found-elsewhere", "not-found", "unreadable",
                                                     "no-fulltext")] == [
        None, None, (Severity.WARNING, "V001"), (Severity.ERROR, "V003"), (Severity.WARNING, "V004"),
        (Severity.INFO, "V005")]
    # a reason that merely mentions numbers further on is no meaning change
    assert severity_and_code(check_of("not-found", reason="numbers differ: x")) == (Severity.ERROR, "V003")
    for level, fails in [("not-found", (True, True, False)), ("close", (True, True, True)),
                         ("found-elsewhere", (True, True, True)), ("never", (False, False, False))]:
        assert tuple(gate_failed([c], level) for c in (negation, number, word)) == fails, level
    assert [gate_failed([check_of("found-elsewhere")], lv) for lv in ("not-found", "close", "found-elsewhere")] == [
        False, False, True]
    assert [gate_failed([check_of(s)], "found-elsewhere") for s in ("found", "no-quote", "no-fulltext")] == [
        False, False, False]
    assert gate_failed([], "found-elsewhere") is False


def test_render_text_lists_findings_then_counts():
    found = check_of("found", page="3")
    no_quote = check_of("no-quote", locator=None)
    close = check_of("close", score=0.5, diff=[("equal", "a", "a"), ("replace", "b", "c")])
    assert render_text([found]) == "1 quoted link: 1 found, 0 found elsewhere, 0 close, 0 not found, 0 without full text, 0 unreadable\n"
    # a link without a quote is listed only with show_all (or with suggestions, tested in test_suggest.py)
    assert render_text([found, no_quote, close], show_all=True).splitlines()[1] == (
        "claims.yaml:4:9: no-quote no quote to check for k1")
    assert render_text([found, no_quote, close]) == (
        "claims.yaml:4:9: warning V002 quote only nearly matches k1 (50% alike)\n"
        "    quote:  a [b]\n"
        "    source: a [c]\n"
        "2 quoted links: 1 found, 0 found elsewhere, 1 close, 0 not found, 0 without full text, 0 unreadable,"
        " 1 without a quote\n")
    assert render_text([found], show_all=True).startswith("claims.yaml:4:9: found quote found in k1 on p. 3\n")
    assert render_text([]) == "0 quoted links: 0 found, 0 found elsewhere, 0 close, 0 not found, 0 without full text, 0 unreadable\n"
    coloured = render_text([found, check_of("not-found")], show_all=True, colour=True)
    assert coloured.splitlines()[:2] == ["claims.yaml:4:9: \x1b[32mfound\x1b[0m quote found in k1 on p. 3",
                                         "claims.yaml:4:9: \x1b[31m\x1b[1merror V003\x1b[0m quote not found in k1"]
    # click.style writes bold=False as SGR 22 (normal intensity): errors bold, the rest not
    assert ": \x1b[33m\x1b[22mwarning V002\x1b[0m quote" in render_text([close], colour=True)
    assert ": \x1b[36m\x1b[22minfo V005\x1b[0m no full" in render_text([check_of("no-fulltext", reason="r")], colour=True)
    # no line, no column: the location is the file alone
    assert render_text([LinkCheck("c", "k", None, "not-found", 0, 0, "refs.bib")]).startswith(
        "refs.bib: error V003 quote not found in k\n")


def test_render_json_shape():
    found = check_of("found", quote="the words", page="3", cited_pages=["3"], score=1.0, source_text="the words.",
                     file="sources/k1.txt", numbering="form feeds", context="Before the words. After.",
                     diff=[("equal", "the words", "the words.")])
    doc = json.loads(render_json([found, check_of("no-quote", locator=None)], include_no_quote=True))
    assert doc == {"format": 1, "links": [
        {"claim": "c1", "key": "k1", "locator": "p. 3", "status": "found", "page": "3", "score": 1.0,
         "source_text": "the words.", "file": "sources/k1.txt", "line": 4, "column": 9, "claims_file": "claims.yaml",
         "quote": "the words", "cited_pages": ["3"], "reason": None, "page_numbering": "form feeds",
         "context": "Before the words. After.", "diff": []},
        {"claim": "c1", "key": "k1", "locator": None, "status": "no-quote", "page": None, "score": None,
         "source_text": None, "file": None, "line": 4, "column": 9, "claims_file": "claims.yaml", "quote": None,
         "cited_pages": None, "reason": None, "page_numbering": None, "context": None, "diff": []}],
        "summary": {"found": 1, "found-elsewhere": 0, "close": 0, "not-found": 0, "no-fulltext": 0, "unreadable": 0,
                    "no-quote": 1}}
    text = render_json([check_of("close", reason="numbers differ: 1 in the quote, 2 in the source", quote="é")])
    assert '"quote": "é"' in text and text.endswith("}\n") and text.startswith('{\n  "format": 1,\n')
    assert json.loads(text)["links"][0]["reason"] == "numbers differ: 1 in the quote, 2 in the source"
    assert "no-quote" not in json.loads(text)["summary"]


def test_fulltext_paths_and_has_fulltexts(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "papers").mkdir()
    (tmp_path / "papers" / "a.pdf").write_bytes(b"%PDF-1.4")
    write_project(tmp_path, "@misc{a1, title={T}, year={1}, file={:papers/a.pdf:PDF;:papers/gone.pdf:PDF}}\n"
                  "@misc{b2, title={T}, year={2}}\n", "version: 1\nclaims:\n  - id: x\n    text: X.\n"
                  "    sources:\n      - {key: b2, quote: \"words\"}\n")
    project = load_project()
    assert has_fulltexts(project)  # a file field, no sources/ folder
    assert list(fulltext_paths(project)) == ["papers/a.pdf", "papers/gone.pdf"]
    assert quote_checks(project, use_cache=False) == {
        ("x", 0, "b2"): LinkCheck("x", "b2", None, "no-fulltext", 6, 9, "claims.yaml", quote="words",
                                  reason="no file field; looked for sources/b2.pdf, .txt, .md or .html")}
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "b2.txt").write_text("words", encoding="utf-8")
    assert list(fulltext_paths(load_project())) == ["papers/a.pdf", "papers/gone.pdf", os.path.join("sources", "b2.txt")]


def test_quote_checks_need_full_texts_and_quotes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_project(tmp_path, "@misc{b2, title={T}, year={2}}\n", "version: 1\nclaims:\n  - id: x\n    text: X.\n"
                  "    sources:\n      - {key: b2, quote: \"words\"}\n")
    assert not has_fulltexts(load_project())
    assert quote_checks(load_project(), use_cache=False) == {}  # no full text anywhere: nothing to say
    (tmp_path / "sources").mkdir()
    assert has_fulltexts(load_project())
    assert [c.status for c in quote_checks(load_project(), use_cache=False).values()] == ["no-fulltext"]
    (tmp_path / "claims.yaml").write_text("version: 1\nclaims:\n  - id: x\n    text: X.\n    sources:\n      - b2\n",
                                          encoding="utf-8")
    assert quote_checks(load_project(), use_cache=False) == {}  # no quote to check


def test_the_best_of_several_full_texts_is_reported(tmp_path, monkeypatch):
    """A source with a file-field text and a sources/ text: found beats found-elsewhere beats close beats not-found;
    of two close ones, the more alike."""
    (tmp_path / "sources").mkdir()
    (tmp_path / "papers").mkdir()
    (tmp_path / "papers" / "a.txt").write_text("the mill ground oats\fthe tide came in at dawn\f", encoding="utf-8")
    (tmp_path / "sources" / "a1.txt").write_text("the tide came in at dusk\fnothing\f", encoding="utf-8")
    (tmp_path / "papers" / "b.txt").write_text("the tide came in at noon today\fnothing\f", encoding="utf-8")
    (tmp_path / "sources" / "b2.txt").write_text("the tide came in at down\fnothing\f", encoding="utf-8")
    write_project(tmp_path, "@misc{a1, title={T}, year={1}, file={papers/a.txt}}\n"
                  "@misc{b2, title={T}, year={2}, file={papers/b.txt}}\n", """\
        version: 1
        claims:
          - id: x
            text: X.
            sources:
              - {key: a1, locator: p. 1, quote: "the tide came in at dawn"}
              - {key: a1, locator: p. 1, quote: "the tide came in at dusk"}
              - {key: b2, quote: "the tide came in at dawn"}
        """)
    checks = run(tmp_path, monkeypatch, use_cache=False)
    assert [(c.status, c.file, c.page) for c in checks] == [
        ("found-elsewhere", "papers/a.txt", "2"),  # not close in sources/a1.txt
        ("found", "sources/a1.txt", "1"),  # found beats close (in papers/a.txt)
        ("close", "sources/b2.txt", "1"),  # "down" for "dawn" is more alike than "noon"
    ]
    # the keys "thetidecameinatdawn" and "...down" (19 letters each): one letter out, one in
    assert checks[2].score == round(1 - 2 / 38, 3)


def test_the_column_of_a_link_on_the_last_line(tmp_path, monkeypatch):
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "a1.txt").write_text("the tide came in", encoding="utf-8")
    (tmp_path / "references.bib").write_text("@misc{a1, title={T}, year={1}}\n", encoding="utf-8")
    (tmp_path / "claims.yaml").write_text('version: 1\nclaims:\n  - id: x\n    text: X.\n    sources:\n'
                                          '      -   {key: a1, quote: "the tide came in"}', encoding="utf-8")
    [c] = run(tmp_path, monkeypatch)
    assert (c.line, c.column, c.status) == (6, 11, "found")


def test_outside_reason_names_the_real_place(tmp_path):
    real = tmp_path / "elsewhere" / "a.pdf"
    real.parent.mkdir()
    real.write_bytes(b"%PDF")
    link = tmp_path / "a.pdf"
    link.symlink_to(real)
    how = "to allow it, list its folder in allow_outside in bibkit.toml, or pass --allow-outside FOLDER"
    assert outside_reason(str(link), ["/p", "/q"]) == (
        f"outside the project folder (to {real}) (/p or /q); not read ({how})")
    assert outside_reason(str(real), ["/p"]) == f"outside the project folder (/p); not read ({how})"


def test_an_unreadable_source_names_its_first_file_and_every_problem(tmp_path, monkeypatch):
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "a1.pdf").write_bytes(b"")
    write_project(tmp_path, "@misc{a1, title={T}, year={1}, file={papers/gone.pdf}}\n",
                  links_yaml("a1", [(None, "the tide came in")]))
    [c] = run(tmp_path, monkeypatch)
    assert (c.status, c.file, c.reason) == (
        "unreadable", "papers/gone.pdf",
        f"papers/gone.pdf: file not found; {os.path.join('sources', 'a1.pdf')}: empty file (0 bytes)")


def test_a_link_made_in_the_bibliography_is_located_there(tmp_path, monkeypatch):
    write_project(tmp_path, "@misc{a1, title={T}, year={1}, claims={x}}\n",
                  "version: 1\nclaims:\n  - id: x\n    text: X.\n")
    [c] = run(tmp_path, monkeypatch, include_no_quote=True)
    assert (c.claim, c.key, c.status, c.claims_file, c.column) == ("x", "a1", "no-quote", "references.bib", 0)


# -- every page label and range form of a locator (issue 24) ----------------------------------------------

@pytest.mark.parametrize("label", ["p", "p.", "pp", "pp.", "page", "pages", "Page", "PP.", "pg", "pg.", "pgs", "pgs.",
                                   "S.", "s.", "seite", "Seiten"])
def test_every_page_label(label):
    assert cited_pages(f"{label} 5") == ["5"]
    assert cited_pages(f"{label}\u00a05-6") == ["5", "6"]


@pytest.mark.parametrize("sep", ["-", "--", "---", "\u2013", "\u2014", " to ", " - ", " \u2013 "])
def test_every_range_separator(sep):
    assert cited_pages(f"pp. 5{sep}7") == ["5", "6", "7"]


@pytest.mark.parametrize("locator, pages", [
    ("12 f", ["12", "13"]), ("12ff", ["12", "13", "14"]), ("12 ff.", ["12", "13", "14"]), ("12f.", ["12", "13"]),
    ("p. 12, n. 3", ["12"]), ("p. 12 nn. 3-4", ["12"]), ("p. 12 note 3", ["12"]), ("p. 12 fn. 3", ["12"]),
    ("p. 12 fn 3", ["12"]), ("pp. 12; 14", ["12", "14"]), ("pp. 12 & 14", ["12", "14"]), ("pp. 12 and 14", ["12", "14"]),
    ("p. 012", ["012"]), ("pp. 99-101", ["99", "100", "101"]), ("pp. 1995-7", ["1995", "1996", "1997"]),
    ("pp. iv-iv", ["iv"]), ("pp. i-dii", None),
    ("AB12", ["AB12"]), ("ABC12", None), ("p. 12.", ["12"]), ("p. 12a", None),
])
def test_more_locator_edges(locator, pages):
    assert cited_pages(locator) == pages


def test_a_roman_range_spans_at_most_500_pages():
    pages = cited_pages("pp. i-di")
    assert (len(pages), pages[0], pages[3], pages[-1]) == (501, "i", "iv", "di")


def test_a_link_without_a_quote_is_listed_only_when_it_has_suggestions():
    from bibkit.evidence.suggest import Suggestion
    from bibkit.evidence.verify import render_text

    bare = check_of("no-quote")
    suggested = check_of("no-quote", suggestions=[Suggestion("7", 8, "The mill closed.", 0.912, True)])
    assert render_text([bare]).splitlines()[:-1] == []
    lines = render_text([suggested]).splitlines()
    assert lines[0].startswith("claims.yaml:4:9: no-quote ")
    assert lines[1] == "    suggested passage 1 (p. 7, score 0.91, strong): The mill closed."
    long = "word " * 70  # 350 characters: shown whole (up to 400), where a finding's passage is cut at 240
    weak = check_of("no-quote", suggestions=[Suggestion(None, 3, long, 0.5, False)])
    assert render_text([weak]).splitlines()[1] == f"    suggested passage 1 (PDF page 3, score 0.50): {long}"


def test_v008_only_for_a_strong_best_suggestion():
    from bibkit.evidence.suggest import Suggestion
    from bibkit.evidence.verify import suggestion_diagnostic
    from bibkit.infra.diagnostics import Severity

    weak = check_of("not-found", suggestions=[Suggestion("7", 8, "The mill closed.", 0.5, False)])
    assert suggestion_diagnostic(weak) is None and suggestion_diagnostic(check_of("no-quote")) is None
    strong = check_of("not-found", suggestions=[Suggestion(None, 8, "The mill closed.", 0.912, True)])
    d = suggestion_diagnostic(strong)
    assert (d.severity, d.code, d.message) == (
        Severity.INFO, "V008", "the link to k1 has a quote the source does not have; a passage on PDF page 8 likely "
        "backs claim c1 (score 0.91): \u201cThe mill closed.\u201d")


def test_suggestions_over_several_full_texts_are_the_best_first(tmp_path, monkeypatch):
    """A source with a file-field text and a sources/ text: the passages of both are ranked together, best first."""
    (tmp_path / "sources").mkdir()
    (tmp_path / "papers").mkdir()
    (tmp_path / "papers" / "a.txt").write_text("The harbour dues rose in the spring of that year.\f", encoding="utf-8")
    (tmp_path / "sources" / "a1.txt").write_text("The tide mill at Eling ground corn for two centuries.\f",
                                                 encoding="utf-8")
    write_project(tmp_path, "@misc{a1, title={T}, year={1}, file={papers/a.txt}}\n", """\
        version: 1
        claims:
          - id: x
            text: The tide mill at Eling ground corn for two centuries.
            sources: [a1]
        """)
    (check,) = run(tmp_path, monkeypatch, use_cache=False, suggest=1)
    assert [s.text for s in check.suggestions] == ["The tide mill at Eling ground corn for two centuries."]
    (check,) = run(tmp_path, monkeypatch, use_cache=False, suggest=2)
    assert [s.text for s in check.suggestions][0] == "The tide mill at Eling ground corn for two centuries."


def test_link_suggestions_only_for_links_without_a_quote_or_whose_quote_is_not_found(tmp_path, monkeypatch):
    from bibkit.evidence.verify import link_suggestions, quote_checks

    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "a1.txt").write_text("The tide mill at Eling ground corn for two centuries.\f",
                                                 encoding="utf-8")
    write_project(tmp_path, "@misc{a1, title={T}, year={1}}\n", """\
        version: 1
        claims:
          - id: x
            text: The tide mill at Eling ground corn for two centuries.
            sources:
              - {key: a1, quote: "The tide mill at Eling ground barley for two centuries"}
              - {key: a1, quote: "A sentence that no page of the source holds at all"}
              - a1
              - {key: a1, quote: "ground corn for two centuries"}
        """)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BIBKIT_CACHE_DIR", str(tmp_path / ".cache"))
    project = load_project()
    checks = quote_checks(project, use_cache=False)
    assert [checks[("x", i, "a1")].status for i in (0, 1, 3)] == ["close", "not-found", "found"]
    got = link_suggestions(project, 1, checks, use_cache=False)
    assert sorted(got) == [("x", 1, "a1"), ("x", 2, "a1")]  # not the close one (0) nor the found one (3)


def test_a_quote_of_only_spaces_is_no_quote(tmp_path, monkeypatch):
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "a1.txt").write_text("The tide mill at Eling ground corn.\f", encoding="utf-8")
    write_project(tmp_path, "@misc{a1, title={T}, year={1}}\n", """\
        version: 1
        claims:
          - id: x
            text: X.
            sources:
              - {key: a1, quote: "   "}
        """)
    assert run(tmp_path, monkeypatch, use_cache=False) == []
    (check,) = run(tmp_path, monkeypatch, use_cache=False, include_no_quote=True)
    assert (check.status, check.file) == ("no-quote", None)


# -- stop 34: what mutmut's run of verify.py left (MUTANTS.md, "Stop 34 run: bibkit.evidence.verify") -------------

HEAD = "The Harbour Review"
CACHED_PAGES = [f"{HEAD}\nThe mill ground oats all winter long.\nIts wheel was oak.\nThe miller kept a ledger.\nEnd one.",
                f"{HEAD}\nThe tide came in at dawn and flooded the yard.\nNobody drowned.\nThe ledger got wet.\nEnd two."]


def test_a_prepared_document_is_cached_by_content_printing_and_matcher_code(tmp_path, monkeypatch):
    """The prepared document is read back from the cache for the same content, the same printed flag and the
    same matcher code (quotematch.py's size and time); any of them changed prepares it anew; without a digest
    nothing is cached. A printed text loses its running head (blanked, same length); a plain one keeps it."""
    from bibkit.evidence import quotematch
    from bibkit.evidence.fulltext import FullText
    from bibkit.evidence.verify import prepared_document

    monkeypatch.setenv("BIBKIT_CACHE_DIR", str(tmp_path / "cache"))
    matcher = tmp_path / "quotematch_stand_in.py"
    matcher.write_text("one", encoding="utf-8")
    monkeypatch.setattr(quotematch, "__file__", str(matcher))
    built: list[object] = []
    real_init = quotematch.Document.__init__

    def counting(self, pages, **kw):
        built.append(kw.get("strip_running", "left to the default"))
        real_init(self, pages, **kw)

    monkeypatch.setattr(quotematch.Document, "__init__", counting)
    printed = FullText("a.pdf", "pdf", list(CACHED_PAGES), None, True, digest="d1")
    doc = prepared_document(printed)
    assert built == [True]
    blanked = [" " * len(HEAD) + p[len(HEAD):] for p in CACHED_PAGES]
    assert doc.bodies == blanked
    again = prepared_document(printed)  # read back: not prepared again, the same document
    assert built == [True]
    assert (again.bodies, again.line_keys, again.key) == (doc.bodies, doc.line_keys, doc.key)
    assert again.find("the tide came in at dawn").pages == (1,)
    plain = prepared_document(replace(printed, printed=False))  # the same bytes read as a plain text
    assert built == [True, False] and plain.bodies == CACHED_PAGES
    prepared_document(replace(printed, digest="d2"))  # other content
    assert built == [True, False, True]
    matcher.write_text("one two", encoding="utf-8")  # the matcher's code changed
    assert prepared_document(printed).bodies == blanked and built == [True, False, True, True]
    prepared_document(printed)
    assert len(built) == 4
    matcher.unlink()  # the matcher's code cannot be looked at: still prepared, and cached under that
    prepared_document(printed)
    prepared_document(printed)
    assert len(built) == 5
    records = sorted(p for p in (tmp_path / "cache").rglob("*") if p.is_file())
    assert prepared_document(replace(printed, digest=None, printed=False)).bodies == CACHED_PAGES
    assert built[-1] is False and prepared_document(replace(printed, digest=None)).bodies == blanked
    assert built[-1] is True and len(built) == 7
    assert sorted(p for p in (tmp_path / "cache").rglob("*") if p.is_file()) == records  # no digest: no record


@pytest.mark.parametrize("n, text", [
    (1, "i"), (2, "ii"), (3, "iii"), (4, "iv"), (5, "v"), (6, "vi"), (8, "viii"), (9, "ix"), (10, "x"), (11, "xi"),
    (14, "xiv"), (19, "xix"), (39, "xxxix"), (40, "xl"), (44, "xliv"), (49, "xlix"), (50, "l"), (51, "li"),
    (89, "lxxxix"), (90, "xc"), (99, "xcix"), (100, "c"), (101, "ci"), (399, "cccxcix"), (400, "cd"), (499, "cdxcix"),
    (500, "d"), (501, "di"), (899, "dcccxcix"), (900, "cm"), (999, "cmxcix"), (1000, "m"), (1001, "mi"),
    (1888, "mdccclxxxviii"), (3999, "mmmcmxcix"),
])
def test_int_to_roman_against_hand_written_numerals(n, text):
    """Every symbol and subtractive pair of the numerals, at and one past its value, written by hand."""
    assert int_to_roman(n) == text
    assert int_to_roman(n, upper=True) == text.upper()
    assert int_to_roman(n, False) == text


def test_a_cut_passage_loses_the_blank_before_its_ellipsis():
    text = "a" * 238 + " " + "bcd"  # 242 characters: cut to 239, the blank at the cut dropped
    assert check_of("not-found", score=0.1, source_text=text).details() == [f"closest passage (10% alike): {'a' * 238}…"]
    assert check_of("found-elsewhere", source_text=" " + "a" * 250).details() == [f"source:  {'a' * 238}…"]


def test_of_two_equally_good_full_texts_the_file_field_one_is_reported(tmp_path, monkeypatch):
    """Ties keep the first full text read: the file field's comes before the full-text folder's. Otherwise found
    beats found elsewhere, the more alike of two close passages wins, and of two misses the one with a closest
    passage beats a text with no words at all."""
    (tmp_path / "sources").mkdir()
    (tmp_path / "papers").mkdir()
    for path in (tmp_path / "papers" / "a.txt", tmp_path / "sources" / "a1.txt"):
        path.write_text("the tide came in at dawn\fthe mill ground oats\f", encoding="utf-8")
    (tmp_path / "papers" / "b.txt").write_text("the mill ground oats\fthe tide came in at dawn\f", encoding="utf-8")
    (tmp_path / "sources" / "b2.txt").write_text("the tide came in at dawn\fthe mill ground oats\f", encoding="utf-8")
    (tmp_path / "papers" / "c.txt").write_text("the tide came in at down\f", encoding="utf-8")
    (tmp_path / "sources" / "c3.txt").write_text("the tide came in at noon today\f", encoding="utf-8")
    (tmp_path / "papers" / "d.txt").write_text("the mill ground oats\f", encoding="utf-8")
    (tmp_path / "sources" / "d4.txt").write_text("* * *\f", encoding="utf-8")
    (tmp_path / "papers" / "e.txt").write_text("* * *\f", encoding="utf-8")
    (tmp_path / "sources" / "e5.txt").write_text("the mill ground oats\f", encoding="utf-8")
    (tmp_path / "papers" / "f.txt").write_text("the tide came in at dawn\f", encoding="utf-8")
    (tmp_path / "sources" / "f6.txt").write_text("the mill ground oats\f", encoding="utf-8")
    # "the old dam broke": two words changed ("a", "dams") is a miss, one ("burst") a close match; both passages
    # are four words of six and so equally alike (0.786): only the status decides.
    (tmp_path / "papers" / "g.txt").write_text("Then a old dams broke at night.\f", encoding="utf-8")
    (tmp_path / "sources" / "g7.txt").write_text("Then the old dam burst at night.\f", encoding="utf-8")
    write_project(tmp_path, "@misc{a1, title={T}, year={1}, file={papers/a.txt}}\n"
                  "@misc{b2, title={T}, year={1}, file={papers/b.txt}}\n"
                  "@misc{c3, title={T}, year={1}, file={papers/c.txt}}\n"
                  "@misc{d4, title={T}, year={1}, file={papers/d.txt}}\n"
                  "@misc{e5, title={T}, year={1}, file={papers/e.txt}}\n"
                  "@misc{f6, title={T}, year={1}, file={papers/f.txt}}\n"
                  "@misc{g7, title={T}, year={1}, file={papers/g.txt}}\n", """\
        version: 1
        claims:
          - id: x
            text: X.
            sources:
              - {key: a1, locator: p. 1, quote: "the tide came in at dawn"}
              - {key: a1, locator: p. 1, quote: "the tide came in at dusk"}
              - {key: b2, locator: p. 1, quote: "the tide came in at dawn"}
              - {key: c3, quote: "the tide came in at dawn"}
              - {key: d4, quote: "a symphony rehearsed twice before the ministers came"}
              - {key: e5, quote: "a symphony rehearsed twice before the ministers came"}
              - {key: f6, quote: "the tide came in at dawn"}
              - {key: g7, quote: "the old dam broke"}
        """)
    checks = run(tmp_path, monkeypatch, use_cache=False)
    assert [(c.status, c.file, c.page) for c in checks] == [
        ("found", "papers/a.txt", "1"), ("close", "papers/a.txt", "1"),
        ("found", "sources/b2.txt", "1"),  # found on the cited page beats found elsewhere (papers/b.txt, p. 2)
        ("close", "papers/c.txt", None),  # "down" for "dawn" is more alike than "noon today"
        ("not-found", "papers/d.txt", None), ("not-found", "sources/e5.txt", None),  # a passage beats no words
        ("found", "papers/f.txt", None), ("close", "sources/g7.txt", None)]  # close beats a miss as alike
    assert checks[4].source_text and checks[5].source_text


def test_pdf_pages_counted_from_one_are_an_unknown_numbering(tmp_path, monkeypatch, pdfs):
    """A PDF without page labels or a matching pages field is numbered 1..n ("PDF page numbers"): a cited page
    outside 1..n cannot be called elsewhere; one inside it can."""
    pdf = pdfs["plain"]
    n = len(oracle_pages(pdf))
    (tmp_path / "sources").mkdir()
    shutil.copy(pdf, tmp_path / "sources" / "lemaitre2020.pdf")
    write_project(tmp_path, BIB.replace("  pages = {PAGES},\n", ""),
                  links_yaml("lemaitre2020", [("p. 551", LEMAITRE), ("p. 2", LEMAITRE)]))
    checks = run(tmp_path, monkeypatch)
    assert [(c.status, c.page, c.numbering) for c in checks] == [
        ("found", "1", "PDF page numbers"), ("found-elsewhere", "1", "PDF page numbers")]
    assert checks[0].reason == (f"the cited pages are not among the file's pages 1-{n}; set fulltext_first_page on "
                                "lemaitre2020 to check them")
    assert checks[1].reason == ""


def test_an_absolute_full_text_folder_is_named_as_configured(tmp_path, monkeypatch):
    (tmp_path / "texts").mkdir()
    (tmp_path / "bibkit.toml").write_text(f'fulltext = "{tmp_path / "texts"}"\n', encoding="utf-8")
    write_project(tmp_path, "@misc{k1, title={T}, year={1}}\n", links_yaml("k1", [(None, "the tide came in")]))
    [check] = run(tmp_path, monkeypatch)
    assert (check.status, check.reason) == (
        "no-fulltext", f"no file field; looked for {tmp_path / 'texts' / 'k1'}.pdf, .txt, .md or .html")


def test_full_texts_go_through_the_cache_unless_it_is_turned_off(tmp_path, monkeypatch):
    """Every entry point reads full texts through bibkit's cache by default (the extracted pages, the prepared
    document, the suggestion index), and use_cache=False writes none of them."""
    from bibkit.evidence.verify import Verifier, link_suggestions

    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "a1.txt").write_text("the tide came in at dawn\fthe mill ground oats\f", encoding="utf-8")
    write_project(tmp_path, "@misc{a1, title={T}, year={1}}\n",
                  links_yaml("a1", [(None, "the tide came in at dawn"), (None, None)]))
    monkeypatch.chdir(tmp_path)
    cache = tmp_path / "cache"
    monkeypatch.setenv("BIBKIT_CACHE_DIR", str(cache))
    project = load_project()

    def kinds() -> list[str]:
        """The kinds of full-text records written since the last call (then the cache is emptied)."""
        got = sorted({p.name.rsplit("-", 1)[0] for p in cache.glob("*.marshal")} & {"fulltext", "matchdoc",
                                                                                       "suggest-index"})
        shutil.rmtree(cache, ignore_errors=True)
        return got

    kinds()
    verify_links(project, use_cache=False)
    quote_checks(project, use_cache=False)
    link_suggestions(project, 1, {}, use_cache=False)
    verify_links(project, use_cache=False, suggest=1, include_no_quote=True)
    assert kinds() == []
    verify_links(project)
    assert kinds() == ["fulltext", "matchdoc"]
    quote_checks(project)
    assert kinds() == ["fulltext", "matchdoc"]
    verify_links(project, use_cache=False, verifier=Verifier(project))  # the verifier's own default holds
    assert kinds() == ["fulltext", "matchdoc"]
    link_suggestions(project, 1, {})
    assert kinds() == ["fulltext", "matchdoc", "suggest-index"]


def test_render_json_lists_suggestions_only_when_asked_for():
    """docs/formats.md: with --suggest every link record has ``suggestions`` (empty for a found quote), each item
    exactly page, pdf_page, text, score, strong; without it no record has the key."""
    from bibkit.evidence.suggest import Suggestion

    with_one = check_of("not-found", suggestions=[Suggestion("211", 1, "The best year was 1876.", 1.0, True),
                                                  Suggestion(None, 3, "Tonnage fell.", 0.25, False)])
    found = check_of("found", suggestions=[])
    links = json.loads(render_json([with_one, found, check_of("close")]))["links"]
    assert links[0]["suggestions"] == [
        {"page": "211", "pdf_page": 1, "text": "The best year was 1876.", "score": 1.0, "strong": True},
        {"page": None, "pdf_page": 3, "text": "Tonnage fell.", "score": 0.25, "strong": False}]
    assert links[1]["suggestions"] == []
    assert "suggestions" not in links[2]


def test_diagnostics_carry_the_claim_and_the_whole_finding():
    from bibkit.evidence.suggest import Suggestion
    from bibkit.evidence.verify import suggestion_diagnostic
    from bibkit.infra.diagnostics import Diagnostic, Severity

    assert diagnostic(check_of("not-found", file="f.txt")) == Diagnostic(
        "claims.yaml", 4, 9, Severity.ERROR, "V003", "quote not found in k1 (f.txt)", "c1")
    bare = check_of("no-quote", suggestions=[Suggestion("7", 8, "The mill closed.", 0.9, True)])
    assert suggestion_diagnostic(bare) == Diagnostic(
        "claims.yaml", 4, 9, Severity.INFO, "V008", "the link to k1 has no quote; a passage on p. 7 likely backs claim "
        "c1 (score 0.90): \u201cThe mill closed.\u201d", "c1")


@pytest.mark.parametrize("score, shown", [(None, 0), (0.0, 0), (0.995, 99), (0.5, 50)])
def test_the_closest_passage_shows_its_likeness_in_whole_percent_cut_down(score, shown):
    assert check_of("not-found", score=score, source_text="w").details() == [f"closest passage ({shown}% alike): w"]


def test_a_suggested_passage_is_cut_at_400_characters():
    from bibkit.evidence.suggest import Suggestion
    from bibkit.evidence.verify import suggestion_lines

    text = "x" * 401
    assert suggestion_lines([Suggestion("2", 2, text, 0.5, False), Suggestion("3", 3, text[:400], 0.4, False)]) == [
        f"suggested passage 1 (p. 2, score 0.50): {'x' * 399}…", f"suggested passage 2 (p. 3, score 0.40): {'x' * 400}"]


@pytest.mark.parametrize("locator, pages", [
    ("e12", ["e12"]), ("p. e1001234", ["e1001234"]), ("e12-e14", ["e12", "e13", "e14"]), ("e12-14", ["e12", "e13", "e14"]),
    ("S3-S3", ["S3"]), ("S3-s5", None), ("s3-S5", None), ("S1-S2001", ["S" + str(p) for p in range(1, 2002)]),
    ("S1-S2002", None),
])
def test_article_numbers_with_a_letter_prefix(locator, pages):
    """Electronic article numbers (``e12``, PLOS ``e1001234``) and supplement pages (``S3``) in either case; a
    range keeps one prefix and spans at most 2000 pages, like a numeric one."""
    assert cited_pages(locator) == pages


def test_summary_counts_links_without_a_quote_only_when_asked():
    checks = [check_of("found"), check_of("no-quote"), check_of("no-quote")]
    assert summary(checks) == {"found": 1, "found-elsewhere": 0, "close": 0, "not-found": 0, "no-fulltext": 0,
                               "unreadable": 0}
    assert summary(checks, include_no_quote=True)["no-quote"] == 2


def test_the_column_of_a_link(tmp_path, monkeypatch):
    """A claims file written as one flow mapping has its link on line 1, column 1."""
    from bibkit.evidence.verify import _column

    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "a1.txt").write_text("the tide came in", encoding="utf-8")
    (tmp_path / "references.bib").write_text("@misc{a1, title={T}, year={1}}\n", encoding="utf-8")
    (tmp_path / "claims.yaml").write_text('{version: 1, claims: [{id: x, text: X., sources: [{key: a1, quote: '
                                          '"the tide came in"}]}]}\n', encoding="utf-8")
    [c] = run(tmp_path, monkeypatch)
    assert (c.line, c.column, c.status) == (1, 1, "found")
    assert [_column(["  - - {key: a}"], 0), _column([], 1), _column(["x"], 2), _column(["  - - {key: a}"], 1)] == [
        0, 0, 0, 7]


def test_a_full_text_outside_the_project_is_never_read(tmp_path, monkeypatch):
    """A file field naming a file outside the project folder: the file is not opened, the link is unreadable with
    the reason, and every link to it says the same."""
    import bibkit.evidence.verify as verify

    project_dir = tmp_path / "p"
    project_dir.mkdir()
    outside = tmp_path / "secret.txt"
    outside.write_text("the tide came in at dawn", encoding="utf-8")
    write_project(project_dir, f"@misc{{a1, title={{T}}, year={{1}}, file={{{outside}}}}}\n",
                  links_yaml("a1", [(None, "the tide came in at dawn"), (None, "the tide came in")]))
    opened: list[str] = []
    real = verify.read_fulltext
    monkeypatch.setattr(verify, "read_fulltext", lambda path, **kw: opened.append(path) or real(path, **kw))
    checks = run(project_dir, monkeypatch)
    how = "to allow it, list its folder in allow_outside in bibkit.toml, or pass --allow-outside FOLDER"
    want = f"{outside}: outside the project folder ({os.path.realpath(project_dir)}); not read ({how})"
    assert [(c.status, c.file, c.reason, c.source_text) for c in checks] == [
        ("unreadable", str(outside), want, None)] * 2
    assert opened == []


def test_each_full_text_is_read_once_per_verifier(tmp_path, monkeypatch):
    """Two sources naming one file, five links: the file is read once, each source's page labels worked out
    once, and a source's suggestion index built once."""
    import bibkit.evidence.verify as verify

    (tmp_path / "papers").mkdir()
    (tmp_path / "papers" / "a.txt").write_text("the tide came in at dawn\fthe mill ground oats\f", encoding="utf-8")
    write_project(tmp_path, "@misc{a1, title={T}, year={1}, file={papers/a.txt}}\n"
                  "@misc{b2, title={T}, year={1}, file={papers/a.txt}}\n", """\
        version: 1
        claims:
          - id: x
            text: The tide came in at dawn.
            sources:
              - {key: a1, quote: "the tide came in at dawn"}
              - {key: a1, quote: "the mill ground barley"}
              - {key: b2, quote: "the mill ground oats"}
              - a1
              - {key: a1, quote: "an orchestra rehearsed the symphony twice before the ministers came"}
        """)
    calls: dict[str, list] = {"read": [], "labels": [], "index": []}
    for name, key in (("read_fulltext", "read"), ("page_labels", "labels"), ("cached_index", "index")):
        real = getattr(verify, name)
        monkeypatch.setattr(verify, name, lambda *a, _real=real, _key=key, **kw: calls[_key].append(a[0]) or _real(*a, **kw))
    checks = run(tmp_path, monkeypatch, use_cache=False, suggest=2)
    assert [c.status for c in checks] == ["found", "close", "found", "no-quote", "not-found"]
    assert calls["read"] == ["papers/a.txt"]
    assert len(calls["labels"]) == 2  # one per source (a1, b2): their page numbering may differ
    assert len(calls["index"]) == 1  # found and close links get none; the unquoted and the missed one share a1's
    assert [len(c.suggestions) for c in checks] == [0, 0, 0, 1, 1]


def test_suggestions_ask_for_as_many_passages_as_wanted(tmp_path, monkeypatch):
    """Verifier.suggestions gives three passages unless told otherwise, up to as many as asked for, with the
    source's page labels; none for a key outside the bibliography."""
    from bibkit.evidence.verify import Verifier, link_suggestions
    from bibkit.model import Claim, Link

    (tmp_path / "sources").mkdir()
    pages = [f"The tide mill at Eling ground corn in year {n}. Nothing else happened that season." for n in range(6)]
    (tmp_path / "sources" / "a1.txt").write_text("\f".join(pages) + "\f", encoding="utf-8")
    write_project(tmp_path, "@misc{a1, title={T}, year={1}, pages={11--16}}\n", """\
        version: 1
        claims:
          - id: x
            text: The tide mill at Eling ground corn.
            sources: [a1]
        """)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BIBKIT_CACHE_DIR", str(tmp_path / ".cache"))
    project = load_project()
    claim = project.claims.claims[0]
    verifier = Verifier(project, use_cache=False)
    assert len(verifier.suggestions(claim, claim.links[0])) == 3
    five = verifier.suggestions(claim, claim.links[0], 5)
    assert len(five) == 5 and {s.page for s in five} <= {"11", "12", "13", "14", "15", "16"}
    assert all(s.page == str(10 + s.pdf_page) for s in five)
    assert verifier.suggestions(claim, Link("nobody", line=6)) == []
    assert verifier.suggestions(Claim("y", text="The tide mill at Eling ground corn."), Link("nobody", line=6), 2) == []
    got = link_suggestions(project, 1, {}, use_cache=False)
    assert list(got) == [("x", 0, "a1")] and len(got[("x", 0, "a1")]) == 1
    assert got[("x", 0, "a1")][0].text.startswith("The tide mill at Eling ground corn in year")


def test_quote_checks_use_the_verifier_given(tmp_path, monkeypatch):
    """quote_checks and link_suggestions use the caller's verifier (and so its cache setting), and a project
    without claims has nothing to suggest."""
    from bibkit.evidence.verify import Verifier, link_suggestions

    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "a1.txt").write_text("the tide came in at dawn\f", encoding="utf-8")
    write_project(tmp_path, "@misc{a1, title={T}, year={1}}\n", links_yaml("a1", [(None, "the tide came in")]))
    monkeypatch.chdir(tmp_path)
    cache = tmp_path / "cache"
    monkeypatch.setenv("BIBKIT_CACHE_DIR", str(cache))
    project = load_project()
    checks = quote_checks(project, verifier=Verifier(project, use_cache=False))
    assert [c.status for c in checks.values()] == ["found"]
    assert not list(cache.glob("fulltext-*"))
    (tmp_path / "claims.yaml").unlink()
    bare = load_project()
    assert bare.claims is None and link_suggestions(bare, 1, {}) == {}


def test_a_full_text_without_words_gives_a_miss_with_no_passage(tmp_path, monkeypatch):
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "a1.txt").write_text("* * *\f- - -\f", encoding="utf-8")
    write_project(tmp_path, "@misc{a1, title={T}, year={1}}\n", links_yaml("a1", [("p. 1", "the tide came in")]))
    [c] = run(tmp_path, monkeypatch)
    assert (c.status, c.page, c.source_text, c.context, c.file) == ("not-found", None, None, None, "sources/a1.txt")


def test_a_found_quote_comes_with_its_context(tmp_path, monkeypatch):
    """The context is the passage with up to 200 characters either side, widened to whole words, cleaned."""
    (tmp_path / "sources").mkdir()
    before = "The storm came from the west. " * 10 + "Oh. "  # 304 characters
    (tmp_path / "sources" / "a1.txt").write_text(f"{before}The tide came in at dawn. The mill stood still.\f",
                                                 encoding="utf-8")
    write_project(tmp_path, "@misc{a1, title={T}, year={1}}\n", links_yaml("a1", [(None, "the tide came in at dawn")]))
    [c] = run(tmp_path, monkeypatch)
    assert c.status == "found"
    # 200 characters before "The tide" is offset 104, right after the fourth "came" (offsets 100-103): widened to
    # that word's start.
    assert c.context == before[100:] + "The tide came in at dawn. The mill stood still."


def test_a_key_outside_the_bibliography_has_no_full_text(tmp_path, monkeypatch):
    """A quoted link to a key the bibliography lacks: no-fulltext with that reason; every check keeps its link's
    stance and position."""
    (tmp_path / "sources").mkdir()
    write_project(tmp_path, "@misc{a1, title={T}, year={1}}\n", """\
        version: 1
        claims:
          - id: x
            text: X.
            sources:
              - {key: nobody2000, quote: "the tide came in", stance: contradicts}
              - {key: a1, quote: "the tide came in", stance: qualifies}
        """)
    checks = run(tmp_path, monkeypatch)
    assert [(c.status, c.reason, c.stance, c.link_index) for c in checks] == [
        ("no-fulltext", "the key is not in the bibliography", "contradicts", 0),
        ("no-fulltext", "no file field; looked for sources/a1.pdf, .txt, .md or .html", "qualifies", 1)]


def test_the_claims_file_is_named_as_the_project_names_it(tmp_path, monkeypatch):
    (tmp_path / "notes").mkdir()
    (tmp_path / "bibkit.toml").write_text('claims = "notes/my-claims.yaml"\n', encoding="utf-8")
    write_project(tmp_path, "@misc{a1, title={T}, year={1}}\n", "")
    (tmp_path / "claims.yaml").unlink()
    (tmp_path / "notes" / "my-claims.yaml").write_text(links_yaml("a1", [(None, "the tide came in"), (None, None)]),
                                                       encoding="utf-8")
    checks = run(tmp_path, monkeypatch)
    assert [(c.claims_file, c.line, c.column, c.status) for c in checks] == [
        (os.path.join("notes", "my-claims.yaml"), 6, 9, "no-fulltext")]
    project = load_project()
    project.claims.path = None  # claims not read from a file (an editor's unsaved buffer): the default name, no column
    assert [(c.claims_file, c.line, c.column) for c in verify_links(project)] == [("claims.yaml", 6, 0)]
    assert [(c.claim, c.status) for c in run(tmp_path, monkeypatch, statuses=["no-quote"])] == [("c1", "no-quote")]


@pytest.mark.parametrize("locator", ["l.", "v", "l", "v.", "ll. 3-5", "vv. 2-4"])
def test_a_line_or_verse_label_alone_names_no_page(locator):
    """``l``/``v`` are line and verse labels (CSL), not the Roman page numbers l (50) and v (5)."""
    assert cited_pages(locator) is None
