"""Word (.docx) manuscripts: citation fields, notes, links, locations, bad input; judged by pandoc's docx reader."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pypandoc
import pytest

from bibkit.bib.bibtex import read_bib_file
from bibkit.infra.diagnostics import Diagnostics
from bibkit.infra.errors import BibkitError
from bibkit.manuscripts import read_manuscript
from bibkit.manuscripts.markdown import parse_markdown
from bibkit.manuscripts.scan import find_needs_citation, scan
from bibkit.model import Bibliography
from docx_builder import (DocxBuilder, deleted, endnote_field, endnote_xml, field, mendeley_code, page_break,
                          simple_field, word_sources_xml, zotero_code)

PANDOC_DOCX = Path(__file__).parent / "data" / "docx" / "pandoc"

BIB = r"""
@article{smil1999,
  author = {Smil, Vaclav},
  title = {{China}'s Great Famine: 40 Years Later},
  journal = {BMJ}, year = {1999}, volume = {319}, pages = {1619},
  doi = {10.1136/bmj.319.7225.1619},
}
@article{kung2003,
  author = {Kung, James Kai-sing and Lin, Justin Yifu},
  title = {The Causes of {China}'s {Great Leap} Famine, 1959--1961},
  journal = {Economic Development and Cultural Change}, year = {2003},
  url = {https://www.jstor.org/stable/3203085},
}
@article{ograda2011,
  author = {Ó Gráda, Cormac},
  title = {Great Leap into Famine: A Review Essay},
  journal = {Population and Development Review}, year = {2011},
}
@article{peng1987,
  author = {Peng, Xizhe},
  title = {Demographic Consequences of the {Great Leap Forward} in {China}'s Provinces},
  journal = {Population and Development Review}, year = {1987},
}
"""

SMIL = {"id": 41, "type": "article-journal", "title": "China's great famine: 40 years later", "container-title": "BMJ",
        "volume": "319", "page": "1619", "DOI": "10.1136/BMJ.319.7225.1619",
        "author": [{"family": "Smil", "given": "Vaclav"}], "issued": {"date-parts": [["1999", 12, 18]]}}
KUNG = {"id": 42, "type": "article-journal", "title": "The causes of China's Great Leap famine, 1959-1961",
        "container-title": "Economic Development and Cultural Change",
        "author": [{"family": "Kung", "given": "James Kai-sing"}, {"family": "Lin", "given": "Justin Yifu"}],
        "issued": {"date-parts": [["2003", 10]]}}
OGRADA = {"id": "ITEM-1", "type": "article-journal", "title": "Great leap into famine: a review essay",
          "author": [{"dropping-particle": "", "family": "Ó Gráda", "given": "Cormac", "non-dropping-particle": "",
                      "parse-names": False, "suffix": ""}], "issued": {"date-parts": [["2011"]]}}
DIKOTTER = {"id": 43, "type": "book", "title": "Mao's Great Famine", "publisher": "Walker",
            "author": [{"family": "Dikötter", "given": "Frank"}], "issued": {"date-parts": [["2010"]]}}
BBT = {"id": 44, "type": "article-journal", "title": "Something else entirely", "note": "Citation Key: peng1987",
       "author": [{"family": "Nobody", "given": "A."}], "issued": {"date-parts": [["1900"]]}}


def item(data: dict, uri: str, **extra) -> dict:
    """A Zotero citationItems entry."""
    return {"id": data["id"], "uris": [uri], "uri": [uri], "itemData": data, **extra}


@pytest.fixture
def bib(tmp_path: Path) -> Bibliography:
    path = tmp_path / "references.bib"
    path.write_text(BIB, encoding="utf-8")
    bibfile = read_bib_file(str(path), Diagnostics())
    return Bibliography(files=[bibfile], entries={e.key: e for e in bibfile.entries})


def build_article(tmp_path: Path) -> Path:
    """A document with every kind of citation this reader knows."""
    b = DocxBuilder()
    b.document.core_properties.title = "A test article"
    b.heading("Origins", 1)
    zot_multi = zotero_code([item(SMIL, "http://zotero.org/users/1/items/AAAA1111", locator="1619", label="page",
                                  prefix="see"),
                             item(KUNG, "http://zotero.org/users/1/items/BBBB2222", locator="51-53")],
                            "(see Smil, 1999, p. 1619; Kung & Lin, 2003, pp. 51–53)")
    b.para("The campaign began in 1958 ", field(zot_multi, "(see Smil, 1999, p. 1619; Kung & Lin, 2003, pp. 51–53)",
                                                pieces=7), ". Grain left the villages.")
    zot_suppress = zotero_code([item(SMIL, "http://zotero.org/users/1/items/AAAA1111", **{"suppress-author": True})],
                               "(1999)")
    b.para("Smil ", field(zot_suppress, "(1999)", pieces=3), " wrote about the famine in the BMJ.")
    men = mendeley_code([{"id": "ITEM-1", "itemData": OGRADA, "locator": "195", "prefix": "cf.",
                          "uris": ["http://www.mendeley.com/documents/?uuid=0b1e0c55"]}], "(cf. Ó Gráda, 2011, p. 195)")
    b.para("The highest count in circulation, 45 million, is disputed ", field(men, "(cf. Ó Gráda, 2011, p. 195)"), ".")
    b.heading("Missing and footnotes", 1)
    b.para("A book put the toll at 45 million ", field(zotero_code([item(DIKOTTER, "http://zotero.org/users/1/items/DDDD")],
                                                                  "(Dikötter, 2010)"), "(Dikötter, 2010)"), ".")
    note_cite = zotero_code([item(KUNG, "http://zotero.org/users/1/items/BBBB2222", locator="60", label="page")],
                            "Kung and Lin, 60.")
    b.para("Procurement rose in 1959.", b.footnote(1, field(note_cite, "Kung and Lin, “Causes,” 60.")),
           " Rural death rates doubled.", b.footnote(2, "Peng, X. (1987). Demographic consequences of the Great "
                                                        "Leap Forward in China's provinces. Population and Development "
                                                        "Review 13: 639–670, p. 650."),
           " Communal kitchens closed in 1961.", b.footnote(3, "Ibid., p. 655."))
    b.para(page_break(), "After the break, a link to ", b.link("https://doi.org/10.1136/bmj.319.7225.1619", "Smil's essay"),
           " and one to ", b.link("http://jstor.org/stable/3203085/", "the JSTOR page"), " and one to ",
           b.link("https://example.org/weather", "a weather site"), ".")
    b.para("Word's own citation ", field(" CITATION Pen87 \\l 1033 \\p 641 ", "(Peng, 1987)", pieces=2),
           " and an EndNote one ", endnote_field(endnote_xml("Smil, Vaclav", "1999", "China's great famine: 40 years later",
                                                             "BMJ", "10.1136/bmj.319.7225.1619", pages="1620"),
                                                 "(Smil, 1999)"), deleted(" and deleted words"), ".")
    b.para("Better BibTeX keys win ", field(zotero_code([item(BBT, "http://zotero.org/users/1/items/EEEE")], "(Nobody)"),
                                            "(Nobody, 1900)"), ".")
    b.heading("References", 1)
    b.para(field(' ADDIN ZOTERO_BIBL {"uncited":[],"omitted":[],"custom":[]} CSL_BIBLIOGRAPHY ',
                 "Smil, V. (1999). China's great famine: 40 years later. BMJ, 319, 1619."))
    b.sources_xml = word_sources_xml([{"tag": "Pen87", "authors": [("Peng", "Xizhe")], "year": "1987",
                                       "title": "Demographic Consequences of the Great Leap Forward in China's Provinces",
                                       "journal": "Population and Development Review"}])
    return b.save(tmp_path / "article.docx")


def test_citations_keys_locators_modes_and_paragraphs(tmp_path, bib):
    m = read_manuscript(str(build_article(tmp_path)), bibliography=bib)
    got = [(c.key, c.paragraph, c.locator, c.prefix, c.mode, c.via, c.matched_by) for c in m.citations]
    assert got == [
        ("smil1999", 2, "p. 1619", "see", "normal", "zotero", "doi"),
        ("kung2003", 2, "pp. 51-53", None, "normal", "zotero", "title"),
        ("smil1999", 3, None, None, "suppress-author", "zotero", "doi"),
        ("ograda2011", 4, "p. 195", "cf.", "normal", "mendeley", "title"),
        ("dikotter2010mao", 6, None, None, "normal", "zotero", None),
        ("kung2003", 7, "p. 60", None, "normal", "zotero", "title"),
        ("peng1987", 7, "p. 650", None, "normal", "footnote", "text"),
        ("peng1987", 7, "p. 655", None, "normal", "footnote", "text"),
        ("smil1999", 8, None, None, "normal", "hyperlink", "doi"),
        ("kung2003", 8, None, None, "normal", "hyperlink", "url"),
        ("peng1987", 9, "p. 641", None, "normal", "word", "title"),
        ("smil1999", 9, "p. 1620", None, "normal", "endnote", "doi"),
        ("peng1987", 10, None, None, "normal", "zotero", "citekey"),
    ]
    # Columns point at the rendered citation in the paragraph's text.
    para2 = m.source.text.split("\n")[1]
    assert para2[m.citations[0].column - 1:].startswith("(see Smil, 1999")
    # The page count starts at 1 and the explicit break moves paragraph 8 to page 2.
    assert [c.page for c in m.citations] == [1] * 8 + [2] * 5
    missing = scan([str(tmp_path / "article.docx")], bib).documents[0]
    assert missing.missing_keys == ["dikotter2010mao"]
    assert m.citations[4].to_dict()["work"] == {"author": "Dikötter", "year": "2010", "title": "Mao's Great Famine"}
    assert m.title == "A test article"


def test_headings_bibliography_and_deletions(tmp_path, bib):
    m = read_manuscript(str(build_article(tmp_path)), bibliography=bib)
    headings = [s.text for s in m.sentences if s.heading]
    assert headings == ["Origins", "Missing and footnotes", "References"]
    texts = " ".join(s.text for s in m.sentences)
    assert "deleted words" not in texts
    assert "BMJ, 319, 1619" not in texts  # the ZOTERO_BIBL result is not prose
    assert "Procurement rose in 1959." in [s.text for s in m.sentences]
    # The rendered citation is blanked out of the sentence, as [@key] is in Markdown.
    assert "The campaign began in 1958." in [s.text for s in m.sentences]


def pandoc_paragraphs(path: Path) -> list[str]:
    """Paragraph and heading texts by pandoc's docx reader (notes left out), whitespace as pandoc's Space."""
    doc = json.loads(pypandoc.convert_file(str(path), "json", format="docx"))

    def inline(items) -> str:
        out = []
        for x in items:
            t, c = x["t"], x.get("c")
            if t == "Str":
                out.append(c)
            elif t in ("Space", "SoftBreak", "LineBreak"):
                out.append(" ")
            elif t in ("Emph", "Strong", "Strikeout", "Superscript", "Subscript", "SmallCaps", "Underline"):
                out.append(inline(c))
            elif t in ("Link", "Span", "Quoted", "Cite"):
                out.append(inline(c[1] if t != "Quoted" else c[1]))
            elif t == "Note":
                continue
        return "".join(out)

    paras = []
    for block in doc["blocks"]:
        if block["t"] in ("Para", "Plain"):
            paras.append(inline(block["c"]))
        elif block["t"] == "Header":
            paras.append(inline(block["c"][2]))
    return [" ".join(p.split()) for p in paras if p.strip()]


@pytest.mark.parametrize("name", ["zotero_citations.docx", "mendeley_citations.docx", "notes.docx"])
def test_paragraph_text_agrees_with_pandoc_on_real_documents(name):
    m = read_manuscript(str(PANDOC_DOCX / name))
    ours = [" ".join(p.text.split()) for p in m.source.paragraphs if p.note_items is None]
    assert ours == pandoc_paragraphs(PANDOC_DOCX / name)


def test_paragraph_text_agrees_with_pandoc_on_built_document(tmp_path, bib):
    path = build_article(tmp_path)
    m = read_manuscript(str(path), bibliography=bib)
    ours = [" ".join(p.text.split()) for p in m.source.paragraphs if p.note_items is None]
    theirs = pandoc_paragraphs(path)
    # pandoc reads Word's "Title" metadata as metadata and has no "References" body difference: compare bodies.
    assert ours == theirs


def pandoc_citations(path: Path) -> list[list[tuple[str, str]]]:
    """Per paragraph: (item id, suffix text) of each citation pandoc's +citations reader finds."""
    doc = json.loads(pypandoc.convert_file(str(path), "json", format="docx+citations"))
    out = []

    def walk(items, acc):
        for x in items:
            if x["t"] == "Cite":
                for c in x["c"][0]:
                    acc.append((c["citationId"], "".join(s.get("c", " ") for s in c["citationSuffix"]).strip()))
            elif isinstance(x.get("c"), list) and x["t"] in ("Emph", "Strong", "Span", "Link"):
                walk(x["c"] if x["t"] in ("Emph", "Strong") else x["c"][1], acc)

    for block in doc["blocks"]:
        if block["t"] in ("Para", "Plain"):
            acc: list = []
            walk(block["c"], acc)
            if acc:
                out.append(acc)
    return out


def test_zotero_fixture_citations_agree_with_pandoc():
    path = PANDOC_DOCX / "zotero_citations.docx"
    m = read_manuscript(str(path))
    theirs = pandoc_citations(path)
    ours: dict[int, list] = {}
    for c in m.citations:
        ours.setdefault(c.paragraph, []).append(c)
    assert [len(v) for v in ours.values()] == [len(v) for v in theirs]
    # pandoc keys each cited item by its Zotero item id; the DOIs tell the same items apart here.
    ids = [[cid for cid, _ in para] for para in theirs]
    dois = [[c.work.doi for c in v] for v in ours.values()]
    assert ids == [["109"], ["6", "109"], ["10"]]
    assert dois == [["10.1007/s00382-013-1683-2"], ["10.5194/gmd-9-3751-2016", "10.1007/s00382-013-1683-2"],
                    ["10.1002/2016gl069961"]]
    last = m.citations[-1]
    assert (last.locator, last.prefix, last.suffix) == ("p. 2", "prefix", "suffix")
    assert theirs[-1][0][1].startswith(",") and "2" in theirs[-1][0][1] and "suffix" in theirs[-1][0][1]


def test_mendeley_fixture_items_locators_and_notes():
    # Expected values are those of pandoc's own test (test/docx/mendeley_citations_plus.native).
    m = read_manuscript(str(PANDOC_DOCX / "mendeley_citations.docx"))
    got = [(c.paragraph, c.work.author, c.work.year, c.locator, c.prefix, c.suffix) for c in m.citations]
    assert got == [(1, "Hadwen-Bennett", "2018", "p. 123", "prefix", "suffix"),
                   (2, "Seo", "2019", "pp. 10-20", "prefix", "suffix"),
                   (3, "Lee", "2011", None, None, None),
                   (3, "Koh", "2015", None, None, None)]
    # Every Mendeley item is "ITEM-1" or "ITEM-2": keys must come from the data, not from those ids.
    assert len(set(m.cited_keys)) == 4
    assert [s.text for s in m.sentences if s.heading] == ["References"]
    assert not [s for s in m.sentences if not s.heading and "Computational Thinking" in s.text]


def test_same_flags_as_the_same_text_in_markdown(tmp_path):
    sentences = [
        "In 1957 the target was raised to 10.7 million tonnes of steel.",
        "The campaign was wound down in January 1961.",
        "We think this is interesting.",
        "Grain output fell by a quarter between 1958 and 1960, the largest drop on record.",
        "Was the Leap a single catastrophe?",
        "Officials declared that \"the people's communes are the golden bridge to communism\" in 1958.",
    ]
    b = DocxBuilder()
    b.heading("Numbers", 1)
    for s in sentences[:3]:
        b.para(s)
    b.para(" ".join(sentences[3:]))
    b.para("Cited sentences are never flagged in 1959 ", field(zotero_code([item(SMIL, "u")], "(Smil, 1999)"),
                                                              "(Smil, 1999)"), ".")
    path = b.save(tmp_path / "flags.docx")
    md = parse_markdown("# Numbers\n\n" + "\n\n".join(sentences[:3]) + "\n\n" + " ".join(sentences[3:])
                        + "\n\nCited sentences are never flagged in 1959 [@smil1999].\n")
    ours = [(f.text, f.reason) for f in find_needs_citation(read_manuscript(str(path)))]
    assert ours == [(f.text, f.reason) for f in find_needs_citation(md)]
    assert len(ours) == 4


def test_example_docx_flags_what_article_md_flags(root):
    example = root / "examples" / "great-leap-forward"
    bibfile = read_bib_file(str(root / "references.bib"), Diagnostics())
    bibliography = Bibliography(files=[bibfile], entries={e.key: e for e in bibfile.entries})
    md = scan([str(example / "article.md")], bibliography).documents[0]
    word = scan([str(example / "article.docx")], bibliography).documents[0]
    assert [f.text for f in word.needs_citation] == [f.text for f in md.needs_citation]
    assert [(c.key, c.locator) for c in word.citations] == [(c.key, c.locator) for c in md.citations]
    assert word.missing_keys == [] and sorted(word.cited_keys) == sorted(bibliography.entries)


# -- bad input -----------------------------------------------------------------


def test_not_a_zip(tmp_path):
    path = tmp_path / "a.docx"
    path.write_bytes(b"This is plain text pretending to be Word.\n")
    with pytest.raises(BibkitError, match=r"a\.docx: not a Word \.docx file: not a zip archive"):
        read_manuscript(str(path))


def test_old_binary_doc(tmp_path):
    path = tmp_path / "old.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(BibkitError, match=r"old binary \.doc"):
        read_manuscript(str(path))


def test_zip_without_document(tmp_path):
    path = tmp_path / "empty.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(BibkitError, match=r"empty\.docx: not a Word \.docx file: the archive has no word/document\.xml"):
        read_manuscript(str(path))


def test_package_without_main_part(tmp_path):
    b = DocxBuilder()
    b.para("Text.")
    good = b.save(tmp_path / "good.docx")
    path = tmp_path / "broken.docx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            if info.filename != "word/document.xml":
                dst.writestr(info, src.read(info.filename))
    with pytest.raises(BibkitError, match=r"broken\.docx: not a readable Word \.docx file"):
        read_manuscript(str(path))


def test_huge_document_xml_is_refused_before_reading(tmp_path):
    path = tmp_path / "bomb.docx"
    b = DocxBuilder()
    b.para("Text.")
    good = b.save(tmp_path / "good.docx")
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "word/document.xml":
                data = data.replace(b"<w:body>", b"<w:body>" + b" " * (65 * 1024 * 1024))
            dst.writestr(info.filename, data)
    assert path.stat().st_size < 2 * 1024 * 1024  # a small file that unpacks to 65 MiB
    with pytest.raises(BibkitError, match=r"word/document\.xml is 65 MiB uncompressed; refusing"):
        read_manuscript(str(path))


def test_broken_field_json_is_a_located_warning(tmp_path, bib):
    b = DocxBuilder()
    b.para("First paragraph.")
    broken = zotero_code([item(SMIL, "u")], "(Smil, 1999)")[:-40]  # cut off: not valid JSON
    b.para("In 1958 the campaign began ", field(broken, "(Smil, 1999)", pieces=4), ".")
    b.para("Later it ended ", field(zotero_code([item(KUNG, "v")], "(Kung & Lin, 2003)"), "(Kung & Lin, 2003)"), ".")
    path = b.save(tmp_path / "broken.docx")
    m = read_manuscript(str(path), bibliography=bib)
    assert [(w.line, w.code) for w in m.warnings] == [(2, "M003")]
    assert "broken JSON" in m.warnings[0].message
    assert [c.key for c in m.citations] == ["kung2003"]


def test_endnote_field_without_record_is_a_warning(tmp_path):
    b = DocxBuilder()
    b.para("Text ", field(" ADDIN EN.CITE ", "(X, 2000)"), ".")
    m = read_manuscript(str(b.save(tmp_path / "en.docx")))
    assert [w.message for w in m.warnings] == ["EndNote citation field carries no EndNote XML"]


def test_pandoc_reads_our_built_zotero_fields_as_citations(tmp_path, bib):
    """pandoc (an independent reader) finds the same Zotero and Mendeley items, paragraph by paragraph."""
    path = build_article(tmp_path)
    theirs = [[cid for cid, _ in para] for para in pandoc_citations(path)]
    m = read_manuscript(str(path), bibliography=bib)
    ours: dict[int, list[str]] = {}
    for c in m.citations:
        if c.via in ("zotero", "mendeley") and c.paragraph != 7:  # pandoc's walk here leaves notes out
            ours.setdefault(c.paragraph, []).append(str(c.work.csl["id"]))
    assert list(ours.values()) == theirs == [["41", "42"], ["41"], ["ITEM-1"], ["43"], ["44"]]


def test_simple_fields(tmp_path, bib):
    b = DocxBuilder()
    b.para("A simple Word citation ", simple_field("CITATION Pen87 \\l 1033 \\p 641 \\m Smi99 \\n", "(Peng, 1987; 1999)"),
           " and a simple link ", simple_field('HYPERLINK "https://doi.org/10.1136/bmj.319.7225.1619"', "to Smil"), ".")
    b.sources_xml = word_sources_xml([
        {"tag": "Pen87", "authors": [("Peng", "Xizhe")], "year": "1987",
         "title": "Demographic Consequences of the Great Leap Forward in China's Provinces"},
        {"tag": "Smi99", "authors": [("Smil", "Vaclav")], "year": "1999", "title": "Unrelated title",
         "doi": "https://doi.org/10.1136/BMJ.319.7225.1619"}])
    m = read_manuscript(str(b.save(tmp_path / "simple.docx")), bibliography=bib)
    assert [(c.key, c.locator, c.mode, c.via, c.matched_by) for c in m.citations] == [
        ("peng1987", "p. 641", "normal", "word", "title"),
        ("smil1999", None, "suppress-author", "word", "doi"),
        ("smil1999", None, "normal", "hyperlink", "doi"),
    ]
    assert m.source.text == "A simple Word citation (Peng, 1987; 1999) and a simple link to Smil."


def test_endnotes_links_inline_endnote_xml_and_mendeley_cite(tmp_path, bib):
    import base64

    from docx_builder import W, endnote_xml

    b = DocxBuilder()
    inline_en = " ADDIN EN.CITE " + endnote_xml("Peng, Xizhe", "1987", "Demographic consequences of the Great Leap "
                                                "Forward in China's provinces", "PDR", "", pages="645")
    v3 = {"citationID": "MENDELEY_CITATION_1", "citationItems": [{"id": "x", "itemData": OGRADA, "locator": "7"}]}
    tag = "MENDELEY_CITATION_v3_" + base64.b64encode(json.dumps(v3).encode()).decode()
    sdt = (f'<w:sdt {W}><w:sdtPr><w:tag w:val="{tag}"/></w:sdtPr><w:sdtContent><w:r><w:t>(Ó Gráda, 2011)</w:t></w:r>'
           f'</w:sdtContent></w:sdt>')
    b.para("EndNote in the code itself ", field(inline_en, "(Peng, 1987)", pieces=5), " and Mendeley Cite ", sdt, ".")
    note_link = b.link("https://www.jstor.org/stable/3203085", "JSTOR")  # relationship of the document part
    b.para("An endnote with a link.", b.endnote(1, "See ", note_link, "."))
    b.heading("Sources", 1)
    b.para("Smil, V. (1999). China's great famine. ", b.link("https://doi.org/10.1136/bmj.319.7225.1619", "doi"))
    m = read_manuscript(str(b.save(tmp_path / "more.docx")), bibliography=bib)
    got = [(c.key, c.locator, c.via, c.matched_by) for c in m.citations]
    assert got[:2] == [("peng1987", "p. 645", "endnote", "title"), ("ograda2011", "p. 7", "mendeley", "title")]
    # The endnote's link is resolved through the endnotes part's own relationships (absent here: no citation),
    # and the list under "Sources" is not prose and cites nothing.
    assert all(c.paragraph < 3 for c in m.citations)
    assert not any("China's great famine" in s.text for s in m.sentences)


def test_broken_footnotes_part_is_one_error(tmp_path):
    b = DocxBuilder()
    b.para("Text.", b.footnote(1, "A note."))
    good = b.save(tmp_path / "good.docx")
    path = tmp_path / "badnotes.docx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "word/footnotes.xml":
                data = data[:-20]
            dst.writestr(info, data)
    with pytest.raises(BibkitError, match=r"badnotes\.docx: word/footnotes\.xml is not well-formed XML \(line 1\)"):
        read_manuscript(str(path))


def test_plain_references_line_starts_a_source_list(tmp_path, bib):
    b = DocxBuilder()
    b.para("In 1959 grain left the villages ", b.link("https://doi.org/10.1136/bmj.319.7225.1619", "(Smil)"), ".")
    b.para("References")  # typed in bold by hand, not in a heading style
    b.para("Smil, V. (1999). China's great famine: 40 years later. BMJ 319, 1619. ",
           b.link("https://doi.org/10.1136/bmj.319.7225.1619", "https://doi.org/10.1136/bmj.319.7225.1619"))
    b.para("Kung, J. (2003). The causes of China's Great Leap famine, 1959-1961.")
    m = read_manuscript(str(b.save(tmp_path / "refs.docx")), bibliography=bib)
    assert [(c.key, c.paragraph) for c in m.citations] == [("smil1999", 1)]
    assert find_needs_citation(m) == []
    assert [s.text for s in m.sentences] == ["In 1959 grain left the villages (Smil).", "References"]


def test_link_inside_a_footnote_uses_the_notes_relationships(tmp_path, bib):
    b = DocxBuilder()
    b.para("Exports continued in 1960.", b.footnote(1, "See ", b.footnote_link("https://www.jstor.org/stable/3203085",
                                                                               "the JSTOR page"), "."))
    b.para("Nothing else in 1961 had a source.", b.footnote(2, "A remark of the author's, not a reference."))
    m = read_manuscript(str(b.save(tmp_path / "fnlink.docx")), bibliography=bib)
    assert [(c.key, c.paragraph, c.via, c.matched_by) for c in m.citations] == [("kung2003", 1, "hyperlink", "url")]
    assert [f.text for f in find_needs_citation(m)] == ["Nothing else in 1961 had a source."]


def test_note_text_and_its_link_to_the_same_entry_are_one_citation(tmp_path, bib):
    b = DocxBuilder()
    b.para("Exports continued in 1960.", b.footnote(1, "Kung, J. (2003). The causes of China's Great Leap famine, "
                                                       "1959-1961. ", b.footnote_link("http://jstor.org/stable/3203085",
                                                                                      "JSTOR"), ", p. 61."))
    m = read_manuscript(str(b.save(tmp_path / "fn2.docx")), bibliography=bib)
    assert [(c.key, c.via, c.locator) for c in m.citations] == [("kung2003", "footnote", "p. 61")]


def test_footnotes_of_prose_are_read_at_their_mark(tmp_path, bib):
    b = DocxBuilder()
    b.para("The first paragraph has no note.")
    b.para("Exports continued.", b.footnote(1, "Grain exports doubled between 1958 and 1960 according to later counts."),
           " Procurement rose.", b.footnote(2, "Peng, X. (1987). Demographic consequences of the Great Leap Forward in "
                                               "China's provinces."),
           " Prices held.", b.footnote(3, "Dikötter, F. (2010). Mao's Great Famine. Walker."))
    m = read_manuscript(str(b.save(tmp_path / "prose.docx")), bibliography=bib)
    flagged = [(f.line, f.text) for f in find_needs_citation(m)]
    # Note 1 is prose (flagged at paragraph 2, where its mark stands); note 2 is a reference to peng1987;
    # note 3 reads like a reference ("(2010)") to a source we lack: neither is prose.
    assert flagged == [(2, "Grain exports doubled between 1958 and 1960 according to later counts.")]
    assert [c.key for c in m.citations] == ["peng1987"]
