"""HTML manuscripts: main text, links and footnote lists as citations, exact lines, legacy encodings; judged by lxml."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest

from bibkit.bib.bibtex import read_bib_file
from bibkit.infra.diagnostics import Diagnostics
from bibkit.manuscripts import read_manuscript
from bibkit.manuscripts.html import decode_html
from bibkit.manuscripts.markdown import parse_markdown
from bibkit.manuscripts.scan import find_needs_citation, scan
from bibkit.manuscripts.works import normalise_doi, normalise_url
from bibkit.model import Bibliography

BIB = r"""
@article{smil1999,
  author = {Smil, Vaclav},
  title = {{China}'s Great Famine: 40 Years Later},
  journal = {BMJ}, year = {1999},
  doi = {10.1136/bmj.319.7225.1619},
}
@article{kung2003,
  author = {Kung, James Kai-sing and Lin, Justin Yifu},
  title = {The Causes of {China}'s {Great Leap} Famine, 1959--1961},
  journal = {Economic Development and Cultural Change}, year = {2003},
  url = {https://www.jstor.org/stable/3203085},
}
@article{peng1987,
  author = {Peng, Xizhe},
  title = {Demographic Consequences of the {Great Leap Forward} in {China}'s Provinces},
  journal = {Population and Development Review}, year = {1987},
}
@article{ograda2011,
  author = {Ó Gráda, Cormac},
  title = {Great Leap into Famine: A Review Essay},
  journal = {Population and Development Review}, year = {2011},
}
"""

PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Page title</title>
<script>var x = "In 1958 the script said 30 million things.";</script><style>p { color: red }</style></head>
<body>
<header><h1>Site name</h1><p>Published in 2024 by the largest newspaper in the world.</p></header>
<nav><ul><li>Home</li><li>The 10 best famines of 1959</li></ul></nav>
<main>
<h1>The famine</h1>
<p>In 1958 the campaign began, as <a href="http://dx.doi.org/10.1136/BMJ.319.7225.1619">Smil</a> explains.
Grain procurement rose sharply in 1959.<sup id="r1"><a href="#fn1">1</a></sup>
Provinces differed widely.<sup><a href="#fn2">[2]</a></sup></p>
<aside><p>Sponsored: 90 percent of readers loved this in 2023.</p></aside>
<p>A link to <a href="https://example.org/weather">the weather</a> is not a citation in 1960.
Another to <a href="https://doi.org/10.9999/not-in-bib">a DOI</a> is a citation of a missing source.
<p>Unclosed paragraphs close themselves; <cite>Great Leap into Famine: A Review Essay</cite> is a title in 2011.
<blockquote cite="https://www.jstor.org/stable/3203085/"><p>Procurement was excessive in 1959 and 1960.</p></blockquote>
<ul><li>An item stating 20 million deaths in 1960<li>Another item was written in 1961</ul>
<pre>code block from 1958 with 30 million</pre>
<section class="footnotes"><h2>Notes</h2><ol>
<li id="fn1"><p>Kung, J. K. and Lin, J. Y. (2003). The causes of China's Great Leap famine, 1959-1961.
<a href="https://www.jstor.org/stable/3203085">JSTOR</a> <a href="#r1">↩</a></p></li>
<li id="fn2">Peng, Xizhe (1987). Demographic consequences of the Great Leap Forward in China's provinces.</li>
</ol></section>
</main>
<footer><p>Copyright 2024, the oldest publisher in the country.</p></footer>
</body></html>
"""


@pytest.fixture
def bib(tmp_path: Path) -> Bibliography:
    path = tmp_path / "references.bib"
    path.write_text(BIB, encoding="utf-8")
    bibfile = read_bib_file(str(path), Diagnostics())
    return Bibliography(files=[bibfile], entries={e.key: e for e in bibfile.entries})


def write(tmp_path: Path, text: str, name: str = "page.html", encoding: str = "utf-8") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def test_main_text_only_checked_against_lxml(tmp_path):
    path = write(tmp_path, PAGE)
    m = read_manuscript(path)
    ours = [" ".join(p.split()) for p in m.source.text.split("\n") if p.strip()]
    # lxml's parser, independently: <main>'s blocks minus aside/pre/notes, in document order.
    tree = lxml.html.fromstring(PAGE)
    main = tree.find(".//main")
    for bad in main.xpath(".//aside|.//pre|.//section[@class='footnotes']/ol"):
        bad.drop_tree()
    theirs = [" ".join(el.text_content().split()) for el in main.iter("h1", "h2", "p", "li")]
    assert ours == theirs
    assert m.title == "The famine"


def test_citations_links_footnotes_cite_and_blockquote(tmp_path, bib):
    path = write(tmp_path, PAGE)
    result = scan([path], bib).documents[0]
    got = [(c.key, c.via, c.matched_by) for c in result.citations]
    assert got == [
        ("smil1999", "hyperlink", "doi"),
        ("kung2003", "reference-list", "url"),
        ("peng1987", "reference-list", "text"),
        ("doi:10.9999/not-in-bib", "hyperlink", None),
        ("ograda2011", "cite", "title"),
        ("kung2003", "blockquote", "url"),
    ]
    assert result.missing_keys == ["doi:10.9999/not-in-bib"]
    flagged = [f.text for f in result.needs_citation]
    assert flagged == ["A link to the weather is not a citation in 1960.",
                       "An item stating 20 million deaths in 1960", "Another item was written in 1961"]
    # The superscript number is blanked from the sentence, like [@key] in Markdown.
    texts = [s.text for s in read_manuscript(path, bibliography=bib).sentences]
    assert "Grain procurement rose sharply in 1959." in texts
    assert "Provinces differed widely." in texts


def test_lines_and_columns_point_into_the_file(tmp_path, bib):
    path = write(tmp_path, PAGE)
    lines = PAGE.split("\n")
    m = read_manuscript(path, bibliography=bib)
    for c in m.citations:
        at = lines[c.line - 1][c.column - 1:]
        assert at[:1] and not at.startswith("<"), (c.key, at)
    first = m.citations[0]
    assert lines[first.line - 1][first.column - 1:].startswith("Smil</a>")
    sentence = next(s for s in m.sentences if s.text.startswith("Grain procurement"))
    assert lines[sentence.line - 1][sentence.column - 1:].startswith("Grain procurement")


def test_same_flags_as_markdown(tmp_path):
    sentences = ["In 1957 the target was raised to 10.7 million tonnes of steel.",
                 "We think this is interesting.", "The campaign was wound down in January 1961.",
                 "Grain output fell by a quarter between 1958 and 1960, the largest drop on record."]
    html = "<html><body><article><h2>Numbers</h2>" + "".join(f"<p>{s}</p>" for s in sentences) + "</article></body></html>"
    md = parse_markdown("## Numbers\n\n" + "\n\n".join(sentences) + "\n")
    ours = [(f.text, f.reason) for f in find_needs_citation(read_manuscript(write(tmp_path, html)))]
    assert ours == [(f.text, f.reason) for f in find_needs_citation(md)]
    assert len(ours) == 3


def test_example_html_flags_and_cites_what_article_md_does(root):
    example = root / "examples" / "great-leap-forward"
    bibfile = read_bib_file(str(root / "references.bib"), Diagnostics())
    bibliography = Bibliography(files=[bibfile], entries={e.key: e for e in bibfile.entries})
    md = scan([str(example / "article.md")], bibliography).documents[0]
    page = scan([str(example / "article.html")], bibliography).documents[0]
    assert [f.text for f in page.needs_citation] == [f.text for f in md.needs_citation]
    assert sorted(page.cited_keys) == sorted(md.cited_keys)
    assert page.missing_keys == []


def test_windows_1252_declared_in_meta(tmp_path, bib):
    html = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252"></head><body>'
            "<p>\u201cCitations\u201d by \u00d3 Gr\u00e1da \u2014 <cite>Great Leap into Famine: A Review Essay</cite>.</p>"
            "</body></html>")
    path = write(tmp_path, html, encoding="cp1252")
    m = read_manuscript(path, bibliography=bib)
    assert "\u201cCitations\u201d by \u00d3 Gr\u00e1da \u2014" in m.source.text
    assert [c.key for c in m.citations] == ["ograda2011"]


@pytest.mark.parametrize("declared", ["iso-8859-1", "ISO-8859-1", "latin1", "latin-1", "iso8859-1", "iso_8859-1",
                                      "l1", "ascii", "us-ascii"])
def test_legacy_charsets_are_read_as_windows_1252_as_browsers_do(declared):
    """The WHATWG Encoding Standard maps these labels to windows-1252: 0x93/0x94 are curly quotes, not controls."""
    data = f'<meta charset="{declared}"><p>\x93the great transition\x94 began.</p>'.encode("latin-1")
    text, encoding, _ = decode_html(data, "x.html")
    assert (encoding, text.split("<p>")[1]) == ("windows-1252", "\u201cthe great transition\u201d began.</p>")


def test_a_note_mark_is_a_superscript_or_looks_like_one():
    """A link to a note counts as its note mark when it is in <sup> (whatever its text) or reads like one ([3])."""
    page = ('<main><p>One rose.<a href="#n1">[1]</a> Two fell.<sup><a href="#n2">see note</a></sup> '
            'Three <a href="#n3">stayed put</a>.</p><ol><li id="n1">Alpha, A. (2001). Rising.</li>'
            '<li id="n2">Beta, B. (2002). Falling.</li><li id="n3">Gamma, G. (2003). Staying.</li></ol></main>')
    from bibkit.manuscripts.html import parse_html

    paragraphs, _ = parse_html(page)
    marks = [(para.text[m.start:m.end], bool(getattr(m, "_footnote", False))) for para in paragraphs
             for m in para.marks]
    assert sorted(marks) == [("[1]", True), ("see note", True)]  # "stayed put": neither, so no mark at all


def test_undeclared_legacy_bytes_fall_back_to_windows_1252(tmp_path):
    data = b"<p>Caf\xe9 \x93quoted\x94 and an undefined byte \x81.</p>"
    text, encoding, warning = decode_html(data, "x.html")
    assert (text, encoding, warning) == ("<p>Caf\u00e9 \u201cquoted\u201d and an undefined byte \x81.</p>",
                                         "windows-1252", None)


def test_declared_utf8_with_a_bad_byte_is_a_located_warning(tmp_path):
    path = write(tmp_path, "", "bad.html")
    Path(path).write_bytes(b'<meta charset="utf-8">\n<p>One.</p>\n<p>Caf\xe9 in 1958 sold 30 percent more.</p>')
    m = read_manuscript(path)
    assert [(w.line, w.code) for w in m.warnings] == [(3, "M003")]
    assert "0xe9" in m.warnings[0].message


@pytest.mark.parametrize("a, b", [
    ("https://doi.org/10.1136/BMJ.319.7225.1619", "10.1136/bmj.319.7225.1619"),
    ("http://dx.doi.org/10.1136/bmj.319.7225.1619", "doi:10.1136/bmj.319.7225.1619"),
    ("doi.org/10.1000%2Fabc", "10.1000/ABC"),
])
def test_doi_forms(a, b):
    assert normalise_doi(a) == normalise_doi(b) is not None


@pytest.mark.parametrize("a, b", [
    ("https://www.jstor.org/stable/3203085", "http://jstor.org/stable/3203085/"),
    ("https://Example.ORG:443/a/b/", "http://example.org/a/b#section"),
])
def test_url_forms(a, b):
    assert normalise_url(a) == normalise_url(b) is not None


def test_different_urls_differ():
    assert normalise_url("https://example.org/a") != normalise_url("https://example.org/b")
    assert normalise_url("https://example.org/a?x=1") != normalise_url("https://example.org/a?x=2")


def test_deep_nesting_is_bounded(tmp_path):
    html = "<html><body><main>" + "<div>" * 20000 + "<p>In 1958 output rose by 40 percent overall.</p>" \
        + "</div>" * 20000 + "</main></body></html>"
    m = read_manuscript(write(tmp_path, html))
    assert [s.text for s in m.sentences] == ["In 1958 output rose by 40 percent overall."]


def test_anchor_drift_in_html_names_the_file_line(runner, tmp_path, monkeypatch):
    from bibkit.cli import cli

    monkeypatch.chdir(tmp_path)
    (tmp_path / "references.bib").write_text(BIB, encoding="utf-8")
    (tmp_path / "claims.yaml").write_text(
        "version: 1\ndocument:\n  path: page.html\nclaims:\n  - id: c1\n    text: Procurement rose.\n"
        "    anchor: Grain procurement rose sharply in 1959\n    sources: [kung2003]\n", encoding="utf-8")
    write(tmp_path, PAGE)
    assert "C010" not in runner.invoke(cli, ["check"]).stdout
    write(tmp_path, PAGE.replace("rose sharply", "rose steeply"))
    out = runner.invoke(cli, ["check"]).stdout
    line = PAGE.split("\n").index(next(x for x in PAGE.split("\n") if x.startswith("Grain procurement"))) + 1
    assert f"closest passage at line {line}: 'Grain procurement rose steeply in 1959" in out


def test_superscript_link_straight_to_a_source_is_a_note_mark(tmp_path, bib):
    html = ('<main><p>Procurement rose in 1959.<sup><a href="https://doi.org/10.1136/bmj.319.7225.1619">1</a></sup> '
            'Exports went on in 1960.</p></main>')
    m = read_manuscript(write(tmp_path, html), bibliography=bib)
    assert [s.text for s in m.sentences] == ["Procurement rose in 1959.", "Exports went on in 1960."]
    assert [(c.key, c.via) for c in m.sentences[0].citations] == [("smil1999", "hyperlink")]
    assert [f.text for f in find_needs_citation(m)] == ["Exports went on in 1960."]


HIDDEN_PAGE = """\
<!DOCTYPE html>
<html><body><main>
<p>Shown one <a href="https://doi.org/10.1000/shown">a</a>.</p>
<p hidden>Hidden bare <a href="https://doi.org/10.1000/bare">b</a>.</p>
<p hidden="">Hidden empty.</p>
<p HIDDEN="hidden">Hidden upper case.</p>
<div aria-hidden="TRUE"><p>Hidden by aria.</p></div>
<p aria-hidden="false">Shown: aria-hidden false.</p>
<div role="Navigation"><p>In a navigation role.</p></div>
<div role="note"><p>Shown in a note role.</p></div>
<ol class="references csl-bib-body"><li>A reference list entry.</li></ol>
<p class="csl-bib-body-like">Shown: another class.</p>
<p data-hidden="x">Shown: a data attribute.</p>
</main></body></html>
"""


def test_hidden_elements_by_attribute_aria_role_and_reference_list_are_not_read(tmp_path):
    m = read_manuscript(write(tmp_path, HIDDEN_PAGE))
    lines = [" ".join(p.split()) for p in m.source.text.split("\n") if p.strip()]
    assert lines == ["Shown one a.", "Shown: aria-hidden false.", "Shown in a note role.", "Shown: another class.",
                     "Shown: a data attribute."]
    assert [(c.key, c.line) for c in m.citations] == [("doi:10.1000/shown", 3)]


IMPLIED_PAGE = """\
<!DOCTYPE html>
<html><body><main>
<h1>Title one<h2>Second heading</h2>
<p>First para<p>Second para
<div>In a div</div>
<ul><li>One<li>Two<li>Three</ul>
<dl><dt>Term<dd>Definition<dt>Term two<dd>Def two</dl>
<table><tr><td>Cell one<td>Cell two<tr><th>Head<td>Cell three</table>
<p>Line<br>broken and <img src="x" alt="y"> imaged<hr>After the rule
<form><select><option>Opt one<option>Opt two</select></form>
<p>Last <b>bold <i>both</b> tail</i> end
</main></body></html>
"""


def test_implied_end_tags_as_html5_closes_them_with_exact_places(tmp_path):
    # HTML5's implied end tags (a heading closes an open heading, <p> a <p>, <li> an <li>, <dt>/<dd>
    # each other, <td>/<th> a cell and <tr> a row; <hr> closes a <p>; <br>, <img>, <hr> are void).
    # lxml (libxml2) nests the <h2> in the <h1>, which HTML5 does not; the rest it reads the same.
    m = read_manuscript(write(tmp_path, IMPLIED_PAGE))
    assert [(s.text, s.line, s.column) for s in m.sentences] == [
        ("Title one", 3, 5), ("Second heading", 3, 18), ("First para", 4, 4), ("Second para", 4, 17),
        ("In a div", 5, 6), ("One", 6, 9), ("Two", 6, 16), ("Three", 6, 23),
        ("Term", 7, 9), ("Definition", 7, 17), ("Term two", 7, 31), ("Def two", 7, 43),
        ("Cell one", 8, 16), ("Cell two", 8, 28), ("Head", 8, 44), ("Cell three", 8, 52),
        ("Line broken and imaged", 9, 4), ("After the rule", 9, 55),  # the form and its options are left out
        ("Last bold both tail end", 11, 4),
    ]
    assert m.title == "Title one"


# -- every member of the reader's tag, role and charset tables, and every branch (issue 24) -----------------

def _paras(page: str) -> list[tuple[str, bool]]:
    from bibkit.manuscripts.html import parse_html

    return [(" ".join(p.text.split()), p.heading) for p in parse_html(page)[0]]


def _marks(page: str) -> list[tuple]:
    """Each mark as (its text, hidden, a note mark, [(kind, doi, url, citekey, text) of each item])."""
    from bibkit.manuscripts.html import parse_html

    return [(para.text[m.start:m.end], m.hide, bool(getattr(m, "_footnote", False)),
             [(i.work.via, i.work.doi, i.work.url, i.work.citekey, i.work.text) for i in m.items])
            for para in parse_html(page)[0] for m in para.marks]


SKIPPED_TAGS = ["nav", "header", "footer", "aside", "script", "style", "noscript", "template", "form", "button",
                "select", "textarea", "svg", "math", "iframe", "object", "canvas", "dialog", "pre", "code", "kbd",
                "samp", "head", "title"]


@pytest.mark.parametrize("tag", SKIPPED_TAGS)
def test_every_element_that_is_not_prose_is_left_out(tag):
    page = f"<main><p>Kept one.</p><{tag}>Gone words.</{tag}><p>Kept two.</p></main>"
    assert _paras(page) == [("Kept one.", False), ("Kept two.", False)]


@pytest.mark.parametrize("role", ["navigation", "banner", "contentinfo", "complementary", "search", "Search"])
def test_every_landmark_role_that_is_not_prose_is_left_out(role):
    page = f'<main><p>Kept.</p><div role="{role}"><p>Gone.</p></div><p>Also kept.</p></main>'
    assert _paras(page) == [("Kept.", False), ("Also kept.", False)]


BLOCK_TAGS = ["address", "article", "blockquote", "body", "caption", "dd", "details", "div", "dl", "dt", "fieldset",
              "figcaption", "figure", "hgroup", "li", "main", "ol", "p", "section", "summary", "table", "tbody",
              "td", "tfoot", "th", "thead", "tr", "ul"]


@pytest.mark.parametrize("tag", BLOCK_TAGS + ["h1", "h2", "h3", "h4", "h5", "h6"])
def test_every_block_element_is_a_paragraph_of_its_own_and_headings_are_headings(tag):
    page = f"<main>Before<{tag}>Inside</{tag}>After</main>"
    if tag in ("caption", "tbody", "td", "tfoot", "th", "thead", "tr"):  # outside a table browsers ignore them
        page = f"<main><table>Before<{tag}>Inside</{tag}>After</table></main>"
    heading = tag.startswith("h") and tag[1:].isdigit()
    assert _paras(page) == [("Before", False), ("Inside", heading), ("After", False)]


@pytest.mark.parametrize("tag", ["h1", "h2", "h3", "h4", "h5", "h6"])
def test_a_heading_closes_an_open_heading(tag):
    assert _paras(f"<main><h2>One<{tag}>Two</{tag}>Three</main>") == [("One", True), ("Two", True),
                                                                       ("Three", False)]


def test_a_rule_ends_the_paragraph_and_holds_no_text():
    assert _paras("<main><p>Before<hr>After</p></main>") == [("Before", False), ("After", False)]
    assert _paras("<main><p>Line</br>broken</p></main>") == [("Line broken", False)]  # </br> is a <br>


@pytest.mark.parametrize("page, expected", [
    # a list item closes the open item of its own list only
    ("<main><ul><li>a<ol><li>b</ol>c</ul></main>", ["a", "b", "c"]),
    ("<main><ol><li>a<ul><li>b</ul>c</ol></main>", ["a", "b", "c"]),
    # a block in a button is not prose, and does not close the paragraph around the button
    ("<main><p>a<button><div>hidden</div></button> c</p></main>", ["a c"]),
    # white space between blocks is no paragraph
    ("<main><p>a</p> \n <p>b</p></main>", ["a", "b"]),
])
def test_implied_end_tags_stop_at_their_boundaries(page, expected):
    assert [t for t, _ in _paras(page)] == expected


def test_main_article_body_in_that_order():
    # <main> inside a header or footer is still found; a hidden <main> is not the main text
    assert _paras("<body><header><main><p>In main.</p></main></header><p>Out.</p></body>") == [("In main.", False)]
    assert _paras("<body><footer><main><p>In main.</p></main></footer><p>Out.</p></body>") == [("In main.", False)]
    assert _paras("<body><main hidden><p>Hidden.</p></main><main><p>Shown.</p></main></body>") == [("Shown.", False)]
    # <main> wins over <article>, whichever comes first
    assert _paras("<body><article><p>A.</p></article><main><p>M.</p></main></body>") == [("M.", False)]
    # every article, each once (one nested in another is read with it, not twice)
    assert _paras("<body><article><p>A.</p><article><p>B.</p></article></article><p>Out.</p>"
                  "<article><p>C.</p></article></body>") == [("A.", False), ("B.", False), ("C.", False)]
    # else <body>, and only it
    assert _paras("<p>Before body.</p><body><p>X.</p></body>") == [("X.", False)]


def test_the_title_is_the_first_h1_folded_else_the_first_title_element():
    from bibkit.manuscripts.html import parse_html

    assert parse_html("<main><h2>Sub</h2><h1>  The \n first </h1><h1>Second</h1></main>")[1] == "The first"
    assert parse_html("<head><title>  Page \n title </title><title>Other</title></head><main><h2>Sub</h2>"
                      "</main>")[1] == "Page title"


@pytest.mark.parametrize("label, expected", [
    ("windows-1252", "windows-1252"), ("cp1252", "windows-1252"), ("x-cp1252", "windows-1252"),
    ("cp819", "windows-1252"), ("ibm819", "windows-1252"), ("WINDOWS-1252", "windows-1252"),
    ("ascii", "windows-1252"), ("us-ascii", "windows-1252"), ("l1", "windows-1252"),
])
def test_every_windows_1252_label_reads_valid_utf8_as_windows_1252_too(label, expected):
    # 0x93/0x94: curly quotes; c3 a9: two windows-1252 characters, not an e acute; 0x81 stays a C1 control
    data = f'<META CHARSET="{label}"><p>\x93q\x94 caf'.encode("latin-1") + b"\xc3\xa9 \x81</p>"
    text, encoding, warning = decode_html(data, "x.html")
    assert (encoding, text.split("<p>")[1], warning) == (expected, "\u201cq\u201d caf\u00c3\u00a9 \x81</p>", None)
    # bytes that are valid UTF-8 as well: only the declaration makes them windows-1252
    data = f'<META CHARSET="{label}"><p>caf'.encode("latin-1") + b"\xc3\xa9</p>"
    assert decode_html(data, "x.html")[:2] == (f'<META CHARSET="{label}"><p>caf\u00c3\u00a9</p>', expected)


def test_the_charset_declaration_is_looked_for_in_the_first_4096_bytes_and_the_xml_declaration():
    body = b"<p>caf\xc3\xa9</p>"
    near = b"<!--" + b"x" * 3000 + b'--><meta charset="windows-1252">' + body
    far = b"<!--" + b"x" * 5000 + b'--><meta charset="windows-1252">' + body
    assert decode_html(near, "x.html")[:2] == (near.decode("cp1252"), "windows-1252")
    assert decode_html(far, "x.html")[:2] == (far.decode("utf-8"), "utf-8")
    xml = b'<?xml version="1.0" encoding="windows-1252"?>' + body
    assert decode_html(xml, "x.html")[:2] == (xml.decode("cp1252"), "windows-1252")


@pytest.mark.parametrize("bom, encoding", [(b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"),
                                           (b"\xfe\xff", "utf-16-be")])
def test_a_byte_order_mark_decides_and_is_dropped(bom, encoding):
    data = bom + '<meta charset="windows-1252"><p>caf\u00e9</p>'.encode(encoding)
    assert decode_html(data, "x.html") == ('<meta charset="windows-1252"><p>caf\u00e9</p>', encoding, None)


@pytest.mark.parametrize("label", ["utf-8", "utf8", "UTF8"])
def test_every_utf8_label_with_a_bad_byte_warns(label):
    data = f'<meta charset="{label}">\n<p>caf'.encode() + b"\xe9</p>"
    assert decode_html(data, "x.html") == (f'<meta charset="{label}">\n<p>caf\ufffd</p>', "utf-8",
                                           f"declared UTF-8 but byte 0xe9 at line 2 is not; replaced")


@pytest.mark.parametrize("label", ["utf-16", "utf-16le", "UTF-16BE"])
def test_a_utf16_label_in_ascii_bytes_is_ignored(label):
    data = f'<meta charset="{label}"><p>caf\u00e9</p>'.encode("utf-8")
    assert decode_html(data, "x.html") == (data.decode("utf-8"), "utf-8", None)


NOTE_LIST = '<ol><li id="n1">Alpha, A. (2001). Rising.</li></ol>'
NOTE_ITEM = [("reference-list", None, None, None, "Alpha, A. (2001). Rising.")]


@pytest.mark.parametrize("label, is_note", [
    ("1", True), ("[1]", True), ("(12)", True), ("1234", True), ("*", True), ("\u2020", True), ("\u2021", True),
    ("\u00a7", True), ("[ 3 ]", True), ("a", True), ("12345", False), ("see note", False), ("[1", True),
])
def test_what_reads_as_a_note_mark_outside_sup(label, is_note):
    page = f'<main><p>Claim.<a href="#n1">{label}</a></p>{NOTE_LIST}</main>'
    assert _marks(page) == ([(label, True, True, NOTE_ITEM)] if is_note else [])


@pytest.mark.parametrize("depth, is_note", [(1, True), (2, True), (3, True), (4, False)])
def test_a_link_counts_as_in_sup_up_to_three_levels_down(depth, is_note):
    inner = '<a href="#n1">see note</a>'
    for _ in range(depth - 1):
        inner = f"<span>{inner}</span>"
    assert _marks(f"<main><p>Claim.<sup>{inner}</sup></p>{NOTE_LIST}</main>") == (
        [("see note", True, True, NOTE_ITEM)] if is_note else [])


def test_a_note_mark_spans_its_whole_superscript():
    page = f'<main><p>Claim.<sup><a href="#n1">1</a>,</sup> Next.</p>{NOTE_LIST}</main>'
    assert _marks(page) == [("1,", True, True, NOTE_ITEM)]


@pytest.mark.parametrize("label", ["\u21a9", "\u2191", "^", "back", "Back", "return", "RETURN", "\u21a9\ufe0e"])
def test_every_back_link_is_left_out_of_the_reference_text(label):
    page = (f'<main><p>Claim.<sup id="r1"><a href="#n1">1</a></sup></p><ol><li id="n1">Alpha, A. (2001). Rising. '
            f'<a href="#r1">{label}</a></li></ol></main>')
    assert _marks(page) == [("1", True, True, NOTE_ITEM)]


def test_reference_list_items_give_their_first_doi_and_first_other_link():
    page = ('<main><p>Claim.<sup><a href="#n1">1</a></sup></p><ul><li id="n1">Alpha, A. Rising.   '
            '<a href="HTTPS://example.org/a">site</a> <a href="//doi.org/10.1000/ONE">d1</a> '
            '<a href="DOI:10.1000/two">d2</a> <a href="https://example.org/b">other</a> '
            '<a href="#elsewhere">see also</a></li></ul></main>')
    assert _marks(page) == [("1", True, True, [("reference-list", "10.1000/one", "HTTPS://example.org/a", None,
                                                "Alpha, A. Rising. site d1 d2 other see also")])]
    # a DOI in the text when no link gives one
    page = ('<main><p>Claim.<sup><a href="#n1">1</a></sup></p><ol><li id="n1">Beta, B. Falling. '
            'doi:10.2000/xyz</li></ol></main>')
    assert _marks(page)[0][3][0][1] == "10.2000/xyz"


def test_a_note_target_must_be_an_item_of_a_list():
    page = '<main><p>Claim.<a href="#n1">[1]</a></p><div id="n1">Alpha, A. (2001). Rising.</div></main>'
    assert _marks(page) == []
    # the first element with an id in document order wins (as getElementById); <a name> is a target too,
    # other elements' name is not
    page = ('<main><p>Claim.<a href="#n1">[1]</a> Two.<a href="#n2">[2]</a> Three.<a href="#n3">[3]</a></p>'
            '<ol><li id="n1">Alpha, A. (2001). Rising.</li><li><a name="n2"></a>Beta, B. Falling.</li>'
            '<li><span name="n3"></span>Gamma.</li></ol><div id="n1">Not this.</div></main>')
    assert [(t, items[0][4]) for t, _, _, items in _marks(page)] == [
        ("[1]", "Alpha, A. (2001). Rising."), ("[2]", "Beta, B. Falling.")]


def test_a_reference_list_in_ul_is_not_prose():
    page = '<main><p>Claim.<sup><a href="#n1">1</a></sup></p><ul><li id="n1">Alpha, A. (2001). Rising.</li></ul></main>'
    assert _paras(page) == [("Claim.1", False)]


@pytest.mark.parametrize("href, doi", [
    ("https://doi.org/10.1000/abc", "10.1000/abc"), (" https://doi.org/10.1000/abc ", "10.1000/abc"),
    ("HTTPS://doi.org/10.1000/abc", "10.1000/abc"), ("//doi.org/10.1000/abc", "10.1000/abc"),
    ("doi:10.1000/abc", "10.1000/abc"), ("DOI:10.1000/ABC", "10.1000/abc"), ("http://example.org/x", None),
])
def test_every_link_form_that_is_a_citation(href, doi):
    marks = _marks(f'<main><p>As <a href="{href}">shown</a> here.</p></main>')
    assert marks == [("shown", False, False, [("hyperlink", doi, href.strip(), None, None)])]


@pytest.mark.parametrize("href", ["ftp://example.org/x", "mailto:a@example.org", "page.html", "/x"])
def test_links_that_are_not_citations(href):
    assert _marks(f'<main><p>As <a href="{href}">shown</a> here.</p></main>') == []


def test_a_superscript_link_to_a_source_is_a_note_mark_only_when_it_reads_like_one():
    url = "https://example.org/x"
    assert _marks(f'<main><p>A.<sup><a href="{url}">Smil 1999</a></sup></p></main>') == [
        ("Smil 1999", False, False, [("hyperlink", None, url, None, None)])]
    assert _marks(f'<main><p>A.<a href="{url}">1</a></p></main>') == [
        ("1", False, False, [("hyperlink", None, url, None, None)])]
    assert _marks(f'<main><p>A.<sup><a href="{url}">2</a></sup></p></main>') == [
        ("2", True, True, [("hyperlink", None, url, None, None)])]


def test_cite_q_and_blockquote_marks_are_kept_in_the_prose():
    page = ('<main><p>As <cite> Great Leap </cite> says, <q cite=" https://example.org/q ">quoted</q>.</p>'
            '<blockquote cite="https://doi.org/10.1000/bq">\n<p>Block quoted.</p></blockquote><p>After.</p></main>')
    assert _marks(page) == [
        (" Great Leap ", False, False, [("cite", None, None, None, "Great Leap")]),
        ("quoted", False, False, [("blockquote", None, "https://example.org/q", None, None)]),
        ("", False, False, [("blockquote", "10.1000/bq", "https://doi.org/10.1000/bq", None, None)]),
    ]
    assert _marks("<main><p>As <cite> </cite> says, <q>quoted</q>.</p><blockquote><p>B.</p></blockquote></main>") == []
    assert _paras(page)[0] == ("As Great Leap says, quoted.", False)


def test_pandoc_citation_spans_need_the_class_and_a_span():
    page = ('<main><p>A <span class="citation" data-cites="a b">(A 2001; B 2002)</span>. '
            'B <span class="no-citation" data-cites="c">(C)</span>. '
            'C <a class="citation" data-cites="d">(D)</a>.</p></main>')
    assert _marks(page) == [("(A 2001; B 2002)", True, False, [("pandoc", None, None, "a", None),
                                                               ("pandoc", None, None, "b", None)])]


def test_a_pandoc_footnote_cites_its_spans_in_order():
    page = ('<main><p>Claim.<a href="#fn1" class="footnote-ref" id="fnref1"><sup>1</sup></a></p>'
            '<section class="footnotes"><ol><li id="fn1"><p>See <span class="citation" data-cites="b">B</span> and '
            '<span class="citation" data-cites="a">A</span>.<a href="#fnref1">\u21a9</a></p></li></ol></section></main>')
    assert [[i[3] for i in items] for _, _, _, items in _marks(page)] == [["b", "a"]]


def test_which_marks_are_optional():
    """A hyperlink, <cite>, <q>/<blockquote> and a note whose item is plain text cite only when they match an
    entry (optional); a pandoc citation span, and a note whose item holds pandoc citations, always cite."""
    from bibkit.manuscripts.html import parse_html

    page = ('<main><p>A <a href="https://x.org/a">link</a>, <cite>T</cite>, <q cite="https://x.org/q">q</q>, '
            '<span class="citation" data-cites="k">K</span>.<sup><a href="#n1">1</a></sup>'
            '<sup><a href="#n2">2</a></sup></p><blockquote cite="https://x.org/b"><p>B.</p></blockquote>'
            '<ol><li id="n1">Alpha, A. Rising.</li><li id="n2"><span class="citation" data-cites="m">M</span></li>'
            '</ol></main>')
    got = [(m.items[0].work.via, m.optional) for para in parse_html(page)[0] for m in para.marks]
    assert got == [("hyperlink", True), ("cite", True), ("blockquote", True), ("pandoc", False),
                   ("reference-list", True), ("pandoc", False), ("blockquote", True)]


def test_text_right_in_a_heading_after_a_block_in_it_is_still_heading():
    assert _paras("<main><h2><div>Inner</div>Title</h2><p>Body</p></main>") == [
        ("Inner", False), ("Title", True), ("Body", False)]


def test_a_pandoc_span_replaces_the_marks_inside_it():
    page = ('<main><p>A <span class="citation" data-cites="a"><a href="https://doi.org/10.1000/x">A 2001</a></span>.'
            '</p></main>')
    assert _marks(page) == [("A 2001", True, False, [("pandoc", None, None, "a", None)])]


@pytest.mark.parametrize("text, cites, want", [
    ("[@a, p. 3]", "a", [("a", "p. 3")]),  # pandoc without --citeproc: its own text, locators kept
    ("[@x, p. 3]", "a", [("a", None)]),  # the text names other keys: the span cites its data-cites
    ("[@b; @a]", "a b", [("a", None), ("b", None)]),
])
def test_a_pandoc_span_is_read_from_its_text_only_when_that_names_exactly_its_keys(text, cites, want):
    from bibkit.manuscripts.html import parse_html

    page = f'<main><p>See <span class="citation" data-cites="{cites}">{text}</span>.</p></main>'
    paras = parse_html(page)[0]
    got = [(i.work.citekey, i.locator) for p in paras for m in p.marks for i in m.items]
    assert got == want


def test_an_empty_blockquote_gives_its_source_to_no_later_text():
    page = '<main><blockquote cite="https://x.org/b"></blockquote><p>After.</p></main>'
    assert _marks(page) == []


def test_hidden_parts_of_cite_and_notes_are_not_read():
    assert _marks('<main><p>As <cite>Title<span hidden> gone</span></cite>.</p></main>') == [
        ("Title", False, False, [("cite", None, None, None, "Title")])]
    page = ('<main><p>Claim.<sup><a href="#n1">1</a></sup></p><ol><li id="n1"><span class="citation" '
            'data-cites="a">A</span><span hidden><span class="citation" data-cites="h">H</span></span></li></ol></main>')
    assert [[i[3] for i in items] for _, _, _, items in _marks(page)] == [["a"]]


def test_an_outside_link_labelled_back_is_part_of_the_reference():
    page = ('<main><p>Claim.<sup><a href="#n1">1</a></sup></p><ol><li id="n1">Alpha, A. Rising. '
            '<a href="https://x.org/a">back</a></li></ol></main>')
    assert _marks(page) == [("1", True, True, [("reference-list", None, "https://x.org/a", None,
                                                "Alpha, A. Rising. back")])]


def test_a_superscript_with_several_note_links_is_hidden_whole_by_its_first_mark():
    page = ('<p>Mills.<sup><a href="#n1">1</a>,<a href="#n2">2</a></sup> More.</p>'
            '<ol><li id="n1">See A.</li><li id="n2">See B.</li></ol>')
    assert _marks(page) == [("1,2", True, True, [("reference-list", None, None, None, "See A.")]),
                            ("2", True, True, [("reference-list", None, None, None, "See B.")])]


def test_a_reference_items_url_is_its_first_link_that_is_not_a_doi():
    page = ('<p>Mills.<sup><a href="#n1">1</a></sup></p><ol><li id="n1">Smith, '
            '<a href="https://doi.org/10.1234/x">doi</a> <a href="https://example.org/p">web</a>.</li></ol>')
    assert _marks(page) == [("1", True, True, [("reference-list", "10.1234/x", "https://example.org/p", None,
                                                "Smith, doi web .")])]


def test_a_list_item_linking_to_itself_stays_prose():
    # only a link from outside a list item makes its list a list of notes
    assert _paras('<ol><li id="a">Text with a <a href="#a">self link</a> here.</li></ol>') == [
        ("Text with a self link here.", False)]


# --- Stop 35: _TreeBuilder survivors ---
# Each page below depends on one of the tree builder's rules. The expected readings were worked out by
# hand from the HTML standard's tree-building rules and checked against Chromium's own parse of the same
# page (`chromium --headless --dump-dom`): lxml (libxml2) is no oracle here, it keeps an inline element
# open across an implied end tag, which HTML5 pops.

_LEAP = "Great Leap into Famine"


@pytest.mark.parametrize("page, paragraphs", [
    # "close a p element" pops everything above the <p>, the open <cite> too, also when <p> is the outermost
    # element (no <html>, <body> or <main>: all optional)
    (f"<main><p>See <cite>{_LEAP}<p>Next.</main>", ["See " + _LEAP, "Next."]),
    (f"<p>See <cite>{_LEAP}<p>Next.", ["See " + _LEAP, "Next."]),
    # <dd> ends the open <dt>, <dt> the open <dd>, with what is open inside them
    (f"<main><dl><dt><cite>{_LEAP}<dd>A review.</dl></main>", [_LEAP, "A review."]),
    (f"<main><dl><dd><cite>{_LEAP}<dt>Term</dl></main>", [_LEAP, "Term"]),
    # <td> ends the open cell, <th> the open header cell, <tr> the open row and its cell
    (f"<main><table><tr><td><cite>{_LEAP}<td>Next</table></main>", [_LEAP, "Next"]),
    (f"<main><table><tr><th><cite>{_LEAP}<th>Next</table></main>", [_LEAP, "Next"]),
    (f"<main><table><tr><td><cite>{_LEAP}<tr><td>Next</table></main>", [_LEAP, "Next"]),
])
def test_an_implied_end_tag_also_ends_the_citation_open_inside(page, paragraphs):
    # with the <cite> left open, the next block would land inside it and its title would be lost
    assert [t for t, _ in _paras(page)] == paragraphs
    assert _marks(page) == [(_LEAP, False, False, [("cite", None, None, None, _LEAP)])]


def test_a_list_item_ends_the_open_item_so_each_note_is_its_own_reference():
    page = ('<main><p>A.<sup><a href="#fn1">1</a></sup> B.<sup><a href="#fn2">2</a></sup></p>'
            '<ol><li id="fn1">Peng 1987<li id="fn2">Smil 1999</ol></main>')
    assert [(text, [i[4] for i in items]) for text, _, _, items in _marks(page)] == [
        ("1", ["Peng 1987"]), ("2", ["Smil 1999"])]


@pytest.mark.parametrize("page, paragraphs", [
    # an item of a <menu> inside an item does not end the outer item: "c" stays in it, after the menu
    ("<main><ul><li>a<menu><li>b</menu>c</ul></main>", ["a", "b", "c"]),
    # a <dt>/<dd> of a nested <dl> does not end the outer <dd>/<dt>
    ("<main><dl><dd>a<dl><dt>b</dl>c</dd></dl>d</main>", ["a", "b", "c", "d"]),
    ("<main><dl><dt>a<dl><dd>b</dl>c</dt></dl>d</main>", ["a", "b", "c", "d"]),
    # a row or cell of a table nested in a cell does not end the outer row or cell
    ("<main><table><tr><td>a<table><tr><td>b</table>c</td></tr></table>d</main>", ["a", "b", "c", "d"]),
    ("<main><table><tr><td>a<table><td>b</table>c</td></tr></table>d</main>", ["a", "b", "c", "d"]),
    # an <option> in a <select> does not end an option outside it: the select's text stays hidden
    ("<main><p>a <option>x<select><option>hidden</select> y</p></main>", ["a x y"]),
])
def test_an_implied_end_tag_stops_at_its_boundary(page, paragraphs):
    assert [t for t, _ in _paras(page)] == paragraphs


def test_a_stray_body_start_tag_does_not_let_a_heading_end_it():
    # Chromium reads "Out", "In", "After"; bibkit takes the stray <body> (inside the <h1>) as the main
    # text, so it misses "Out", but it must still read what is in that body.
    paras = _paras("<h1>Out<body><h2>In</h2><p>After")
    assert ("In", True) in paras and ("After", False) in paras


def test_character_references_are_decoded_in_text_and_titles():
    page = "<main><p>Smil &amp; Kung &#8212; <cite>China&#39;s Great Famine</cite></p></main>"
    assert _paras(page) == [("Smil & Kung \u2014 China's Great Famine", False)]
    assert _marks(page) == [("China's Great Famine", False, False,
                             [("cite", None, None, None, "China's Great Famine")])]


def test_a_line_break_stands_where_its_tag_starts():
    from bibkit.manuscripts.html import parse_html

    # line 2: two spaces, "<p>" in columns 3-5, "One" from 6, "<br>" from 9, "two" from 13
    (para,), _ = parse_html("<main>\n  <p>One<br>two</p></main>")
    assert para.positions == [(0, 2, 6, "One"), (3, 2, 9, " "), (4, 2, 13, "two")]


def test_a_cite_attribute_without_a_value_cites_nothing():
    assert _marks("<main><blockquote cite><p>Quoted.</p></blockquote><q cite>Short</q></main>") == []


@pytest.mark.parametrize("divs, paragraphs", [(198, ["a", "b"]), (199, ["ab"])])
def test_at_most_200_elements_are_open_counting_the_document(divs, paragraphs):
    # the document and 198 <div>s leave room for the <p>; under 199 it is kept flat, an empty sibling
    assert [t for t, _ in _paras("<div>" * divs + "<p>a</p>b")] == paragraphs


def test_a_self_closing_slash_on_a_void_element_keeps_the_paragraph_open():
    # HTML ignores the slash: <br/> and <img/> are void, "a b c" stays one paragraph (Chromium: <p>a<br>b<img>c</p>)
    assert _paras("<main><p>a<br/>b<img/>c<p/>d<div/>e</main>") == [("a bc", False), ("d", False), ("e", False)]


@pytest.mark.parametrize("page, paragraphs, title", [
    # a stray <html> inside a paragraph or heading is ignored (Chromium: <p>x<cite>T</cite></p><div>y</div>)
    ("<main><p>x<html><cite>T<div>y</div></main>", [("xT", False), ("y", False)], "T"),
    # ... so "After" is body text, not part of the heading (Chromium: <h1>Out</h1><h2>In</h2>After)
    ("<h1>Out<html><h2>In</h2>After", [("Out", True), ("In", True), ("After", False)], None),
    # a new <option> ends the open one only when that is the current element (Chromium: <cite>T<option>U);
    # nested or not, options read the same, so the reader has no rule for them
    ("<main><p><option><cite>T<option>U</p></main>", [("TU", False)], "TU"),
    ("<main><p><option>x<option>y</p></main>", [("xy", False)], None),
])
def test_a_stray_html_tag_is_ignored_and_an_option_ends_only_as_the_current_element(page, paragraphs, title):
    assert _paras(page) == paragraphs
    assert [items[0][4] for _, _, _, items in _marks(page)] == ([title] if title else [])


@pytest.mark.parametrize("page, paragraphs", [
    # a table part outside any table is ignored (Chromium: <p>x<cite>T</cite></p><div>y</div>)
    ("<main><p>x<td><cite>T<div>y</div></main>", [("xT", False), ("y", False)]),
    ("<main><p>x<th><cite>T<div>y</div></main>", [("xT", False), ("y", False)]),
    ("<main><p>x<tr><cite>T<div>y</div></main>", [("xT", False), ("y", False)]),
    # a section, row or cell ends what is open inside the table part it belongs in, so the <cite> between
    # them holds "T" alone (Chromium moves it before the table: <cite>T</cite><table>...<td>b</td>...)
    ("<main><table><tr><td>a<tbody><cite>T<tr><td>b</table></main>", [("a", False), ("T", False), ("b", False)]),
    ("<main><table><tr><td>a<thead><cite>T<tr><td>b</table></main>", [("a", False), ("T", False), ("b", False)]),
    ("<main><table><tr><td>a<tfoot><cite>T<tr><td>b</table></main>", [("a", False), ("T", False), ("b", False)]),
    ("<main><table><tr><td>a<tr><cite>T<td>b</table></main>", [("a", False), ("T", False), ("b", False)]),
    # a new cell ends the open one with everything open inside it (Chromium: <td><ul><li><cite>T</cite>...)
    ("<main><table><tr><td><ul><li><cite>T<td>b</table></main>", [("T", False), ("b", False)]),
])
def test_a_misplaced_table_tag_is_read_as_browsers_read_it(page, paragraphs):
    assert _paras(page) == paragraphs
    assert [items[0][4] for _, _, _, items in _marks(page)] == ["T"]


# --- Stop 35: html reader survivors ---


@pytest.mark.parametrize("data, text, encoding", [
    # a byte order mark decides, and bytes it cannot decode are U+FFFD (WHATWG "decode", Python's "replace")
    (b"\xef\xbb\xbf<p>a\xff</p>", "<p>a\ufffd</p>", "utf-8"),
    # a declared legacy charset other than windows-1252: ISO-8859-8 has alef at 0xE0 and nothing at 0xA1
    (b'<meta charset="iso-8859-8"><p>\xe0\xa1</p>', '<meta charset="iso-8859-8"><p>\u05d0\ufffd</p>', "iso-8859-8"),
])
def test_bytes_the_chosen_charset_cannot_decode_become_replacement_characters(data, text, encoding):
    assert decode_html(data, "page.html") == (text, encoding, None)


@pytest.mark.parametrize("pad, want", [(1, "\u0104"), (2, "\u00a5")])
def test_a_declared_name_must_end_within_the_first_4096_bytes(pad, want):
    # 0xA5 is A-ogonek in windows-1250 and the yen sign in windows-1252 (the fallback for bytes not UTF-8);
    # pad 1 puts the name's last byte at byte 4096, pad 2 at byte 4097 (then "cp125" names no charset)
    decl = b"<meta charset=cp1250>"
    data = b" " * (4096 - len(decl) + pad) + decl + b"<p>\xa5</p>"
    assert decode_html(data, "page.html")[0].endswith(f"<p>{want}</p>")


def test_the_bad_byte_warning_counts_lines_from_the_file_s_first_byte(tmp_path):
    from bibkit.manuscripts.html import read_html

    path = tmp_path / "page.html"
    path.write_bytes(b'\n<meta charset="utf-8">\n<p>ok \xff</p>\n\n<p>end</p>\n')
    message = "declared UTF-8 but byte 0xff at line 3 is not; replaced"
    assert decode_html(path.read_bytes(), str(path))[2] == message
    assert read_html(str(path))[2] == [(3, message)]


def test_an_oversized_or_unreadable_html_file_is_a_one_line_error(tmp_path, monkeypatch):
    from bibkit.infra.errors import BibkitError
    from bibkit.manuscripts import html

    big = tmp_path / "big.html"
    with open(big, "wb") as fh:
        fh.truncate(64 * 1024 * 1024 + 1)  # sparse: never read
    with pytest.raises(BibkitError) as err:
        html.read_html(str(big))
    assert str(err.value) == f"{big}: larger than 64 MiB; not read"
    with pytest.raises(BibkitError) as err:
        html.read_html(str(tmp_path))
    assert str(err.value).endswith(": is a directory, not a manuscript")
    exact = tmp_path / "exact.html"
    exact.write_bytes(b"<p>Fits.</p>")
    monkeypatch.setattr(html, "MAX_BYTES", len(b"<p>Fits.</p>"))
    assert [p.text for p in html.read_html(str(exact))[0]] == ["Fits."]


def test_a_blockquote_s_source_marks_only_its_first_text():
    page = '<main><blockquote cite="https://x.org/b"><p>One <em>two</em> three.</p><p>Four.</p></blockquote></main>'
    assert _marks(page) == [("", False, False, [("blockquote", None, "https://x.org/b", None, None)])]


def test_a_cite_attribute_on_an_element_other_than_blockquote_or_q_is_no_citation():
    assert _marks('<main><div cite="https://x.org/d"><p>Text.</p></div><p cite="https://x.org/p">P.</p></main>') == []


def test_a_line_break_is_a_space_at_the_place_of_the_br_tag():
    from bibkit.manuscripts.html import parse_html

    # columns counted by hand: "<p>" is columns 1-3, "a" 4, "<br>" 5-8, "b" 9
    assert parse_html("<p>a<br>b</p>")[0][0].positions == [(0, 1, 4, "a"), (1, 1, 5, " "), (2, 1, 9, "b")]


def test_self_closing_tags_close_only_themselves_as_lxml_reads_them():
    page = "<main><p>Line one<br/>line two <img src='x.png'/>and three.</p><p>Next.</p></main>"
    # lxml finds the same two paragraphs; a <br> reads as a space, as the README says
    assert [p.text_content() for p in lxml.html.fromstring(page).iter("p")] == ["Line oneline two and three.", "Next."]
    assert _paras(page) == [("Line one line two and three.", False), ("Next.", False)]


@pytest.mark.parametrize("page", [
    "<main><h2><span><div>Inner</div>Tail</span></h2></main>",  # text in an inline element, after a block
    "<main><h2><div>Inner</div><em>Tail</em></h2></main>",  # an inline element after a block
    "<main><h2><span><div>Inner</div></span>Tail</h2></main>",  # text after an inline element holding a block
])
def test_text_of_a_heading_after_a_block_inside_it_is_heading_whatever_wraps_it(page):
    assert _paras(page) == [("Inner", False), ("Tail", True)]


@pytest.mark.parametrize("page, want", [
    ('<main><p>Claim.<sup><a href="#n1">1</a></sup></p><ol><li id="n1">Ref.</li></ol><p>After the notes.</p>'
     '</main>', ["Claim.1", "After the notes."]),
    ("<main><p><span><div>Inside</div></span>after the span.</p><p>Next.</p></main>",
     ["Inside", "after the span.", "Next."]),
])
def test_what_follows_a_note_list_or_a_block_inside_an_inline_element_is_read(page, want):
    assert [text for text, _ in _paras(page)] == want


def test_a_pandoc_citation_in_a_superscript_keeps_its_own_place():
    page = '<main><p>Text<sup><span class="citation" data-cites="a">[@a, p. 3]</span></sup> more.</p></main>'
    assert _marks(page) == [("", True, False, [("pandoc", None, None, "a", None)])]


def test_a_cite_title_is_all_its_text_joined():
    assert _marks("<main><p>As <cite><em>Great</em> Leap</cite> says.</p></main>") == [
        ("Great Leap", False, False, [("cite", None, None, None, "Great Leap")])]


def test_a_doi_uri_that_is_no_doi_is_a_plain_link():
    assert _marks('<main><p>As <a href="doi:not-a-doi">shown</a>.</p></main>') == [
        ("shown", False, False, [("hyperlink", None, "doi:not-a-doi", None, None)])]


def test_a_citation_span_without_data_cites_cites_nothing():
    assert _marks('<main><p>As <span class="citation">(Smith 2020)</span> says.</p></main>') == []


def _pandoc_html(markdown: str) -> str:
    import subprocess

    from bibkit.formatting.pandoc_run import pandoc_path

    return subprocess.run([pandoc_path(), "-f", "markdown", "-t", "html", "--wrap=none"], input=markdown, capture_output=True,
                          text=True, check=True).stdout


def test_each_pandoc_span_and_note_keeps_its_own_locator_as_pandoc_wrote_it():
    from bibkit.manuscripts.html import parse_html

    page = _pandoc_html("See [@a, p. 3] and [@b, p. 5].\n\nClaim.[^1]\n\n[^1]: See [@c, chap. 7].\n")
    assert 'data-cites="b">[@b, p. 5]</span>' in page and 'data-cites="c">[@c, chap. 7]</span>' in page
    got = [[(i.work.citekey, i.locator) for m in p.marks for i in m.items] for p in parse_html(page)[0]]
    assert got == [[("a", "p. 3"), ("b", "p. 5")], [("c", "chap. 7")]]


def test_a_note_s_citation_span_is_read_from_all_its_text():
    page = ('<main><p>Claim.<sup><a href="#n1">1</a></sup></p><ol><li id="n1"><span class="citation" '
            'data-cites="c">[@c, p. <em>7</em>]</span></li></ol></main>')
    from bibkit.manuscripts.html import parse_html

    assert [(i.work.citekey, i.locator) for p in parse_html(page)[0] for m in p.marks for i in m.items] == [
        ("c", "p. 7")]


def test_a_number_linking_to_a_source_outside_sup_is_prose_in_a_fragment_too():
    url = "https://x.org/a"
    assert _marks(f'<p>A.<a href="{url}">1</a></p>') == [("1", False, False, [("hyperlink", None, url, None, None)])]


def test_a_note_target_in_a_menu_is_no_reference():
    assert _marks('<p>Claim.<sup><a href="#n1">1</a></sup></p><menu><li id="n1">Ref A.</li></menu>') == []


@pytest.mark.parametrize("back", ['<a href="#r1">^</a>', '<a href="#r1"><b>^</b> </a>'])
def test_a_back_link_before_the_reference_is_left_out_and_the_rest_kept(back):
    # Wikipedia puts the back link first
    page = f'<p>Claim.<sup id="r1"><a href="#n1">1</a></sup></p><ol><li id="n1">{back} Smith, J. (2020). Title.</li></ol>'
    assert _marks(page) == [("1", True, True, [("reference-list", None, None, None, "Smith, J. (2020). Title.")])]


def test_a_list_item_linking_to_itself_from_deeper_inside_stays_prose():
    assert _paras('<ol><li id="a"><p>Text with a <a href="#a">self link</a> here.</p></li></ol>') == [
        ("Text with a self link here.", False)]


def test_the_title_element_s_text_is_read_whole():
    from bibkit.manuscripts.html import parse_html

    assert parse_html("<head><title>Cats &amp; dogs: 1 < 2</title></head><body><p>x</p></body>")[1] == (
        "Cats & dogs: 1 < 2")


def test_a_second_body_after_the_first_is_read_as_body_text():
    # HTML5 (WHATWG "in body" and "after body" insertion modes): a repeated <body> start tag only adds its
    # attributes to the one body, and the content after </body> is body content
    assert _paras("<html><body><p>First.</p></body><body><p>Second.</p></body></html>") == [
        ("First.", False), ("Second.", False)]


@pytest.mark.parametrize("page, want", [
    # an empty link as the span's last child is inside the span: replaced, as one at its start is
    ('<main><p>A <span class="citation" data-cites="a">(A 2001)<a href="https://x.org/e"></a></span>.</p></main>',
     [("(A 2001)", True, False, [("pandoc", None, None, "a", None)])]),
    # an empty <q cite> just before an empty span is not inside it: kept
    ('<main><p>A <q cite="https://x.org/q"></q><span class="citation" data-cites="a"></span>.</p></main>',
     [("", False, False, [("blockquote", None, "https://x.org/q", None, None)]),
      ("", True, False, [("pandoc", None, None, "a", None)])]),
])
def test_a_pandoc_span_replaces_exactly_the_marks_made_inside_it(page, want):
    assert _marks(page) == want
