"""Full texts: extractors per format, the file field's conventions, page numbering, bad files (bibkit.evidence.fulltext)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bibkit.evidence.fulltext import FullText, Unreadable, read_fulltext
from bibkit.evidence.fulltext.discover import candidates, parse_file_field
from bibkit.evidence.fulltext.pages import page_labels, pages_range
from bibkit.model import Entry, Field, SourceText, ValuePart

from fulltext_helpers import article_tex, build_pdf, oracle_pages


def entry(key: str = "x2020", bib: str = "references.bib", **fields: str) -> Entry:
    src = SourceText(bib, "")
    return Entry("article", key, [Field(k, [ValuePart("brace", v)], v, 0) for k, v in fields.items()], src, 0, 0)


# -- the file field --------------------------------------------------------------------------


@pytest.mark.parametrize("value, paths", [
    (":papers/kung2003.pdf:PDF", ["papers/kung2003.pdf"]),                                   # JabRef
    (":papers/a.pdf:PDF;:papers/a.html:URL", ["papers/a.pdf", "papers/a.html"]),             # JabRef, two files
    (r"Full text:C\:\\Users\\me\\a.pdf:PDF", [r"C:\Users\me\a.pdf"]),                       # JabRef, escaped Windows path
    (r":C:\\Users\\me\\a.pdf:PDF", [r"C:\Users\me\a.pdf"]),                                 # old JabRef, unescaped drive
    (r":papers/semi\;colon.pdf:PDF", ["papers/semi;colon.pdf"]),                            # escaped ';' in a name
    (":home/me/Mendeley/a.pdf:pdf", ["home/me/Mendeley/a.pdf"]),                            # Mendeley (no leading /)
    ("papers/a.pdf", ["papers/a.pdf"]),                                                     # Better BibTeX / Zotero
    ("/abs/one.pdf;/abs/two.pdf", ["/abs/one.pdf", "/abs/two.pdf"]),                        # BBT, several
    (r"C:\Users\me\a.pdf", [r"C:\Users\me\a.pdf"]),                                         # Zotero on Windows
    (":application/pdf:", []) if False else ("file:///tmp/a.pdf", ["/tmp/a.pdf"]),
    (" ; ", []),
    (":a.pdf:PDF; ;:b.pdf:PDF", ["a.pdf", "b.pdf"]),                                       # an empty item skipped
    ("  papers/a.pdf  ", ["papers/a.pdf"]),
    (":  papers/a.pdf :PDF", ["papers/a.pdf"]),
    ("Notes:papers/a.pdf:", ["papers/a.pdf"]),                                              # JabRef without a type
    ("a:b", ["a:b"]),                                                                       # two parts: a path
    ("desc:path/x.pdf:not a type!", ["desc:path/x.pdf:not a type!"]),                      # not JabRef's form
    ("D:papers/x.pdf:PDF", ["D:papers/x.pdf:PDF"]),                                         # a drive letter first
    ("d:papers/x.pdf:PDF", ["d:papers/x.pdf:PDF"]),                                         # in lower case too
    (r"papers/x\;", ["papers/x;"]), (r":papers/x.pdf\;:PDF", ["papers/x.pdf;"]),            # an escaped ";" last
    (":" + "a" * 3 + ".pdf:" + "T" * 40, ["aaa.pdf"]), (":aaa.pdf:" + "T" * 41, [":aaa.pdf:" + "T" * 41]),
    (r"papers/back\slash.pdf", [r"papers/back\slash.pdf"]),
    ("file://", []),
    ("FILE:///tmp/a.pdf", ["/tmp/a.pdf"]), ("File:///tmp/a.pdf", ["/tmp/a.pdf"]),  # any case of the scheme
    (":a.pdf:\tPDF", ["a.pdf"]),                                                         # a type after a tab
    (":papers/x.odt:OpenDocument text", ["papers/x.odt"]),                                  # JabRef type with a space
    ("Full Text PDF:/home/me/Zotero/storage/AB12/x.pdf:application/pdf", ["/home/me/Zotero/storage/AB12/x.pdf"]),
])
def test_file_field_conventions(value, paths):
    assert parse_file_field(value) == paths


def test_candidates_are_relative_to_the_bib_folder_then_the_folder(tmp_path):
    (tmp_path / "bib" / "papers").mkdir(parents=True)
    (tmp_path / "bib" / "papers" / "a.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "x2020.txt").write_text("text")
    (tmp_path / "sources" / "x2020.html").write_text("<p>text</p>")
    e = entry(bib=str(tmp_path / "bib" / "refs.bib"), file=":papers/a.pdf:PDF")
    got = candidates(e, str(tmp_path / "sources"))
    assert [(os.path.relpath(c.path, tmp_path), c.origin) for c in got] == [
        ("bib/papers/a.pdf", "file field"), ("sources/x2020.txt", "fulltext folder"),
        ("sources/x2020.html", "fulltext folder")]


def test_jabref_file_directory(tmp_path):
    (tmp_path / "papers").mkdir()
    (tmp_path / "papers" / "a.pdf").write_bytes(b"%PDF-1.4")
    bib = tmp_path / "refs.bib"
    text = "@article{x2020, file = {:a.pdf:PDF}}\n\n@comment{jabref-meta: fileDirectory:papers;}\n"
    bib.write_text(text, encoding="utf-8")
    e = Entry("article", "x2020", [Field("file", [ValuePart("brace", ":a.pdf:PDF")], ":a.pdf:PDF", 0)],
              SourceText(str(bib), text), 0, 0)
    assert [c.path for c in candidates(e, None)] == [str(tmp_path / "papers" / "a.pdf")]


# -- extractors ---------------------------------------------------------------------------------


def test_text_and_markdown_pages_split_at_form_feeds(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text("first page\fsecond page\f", encoding="utf-8")
    ft = read_fulltext(str(p), use_cache=False)
    assert (ft.kind, ft.pages, ft.labels, ft.printed) == ("text", ["first page", "second page"], None, False)
    m = tmp_path / "a.md"
    m.write_bytes("# Title\n\nCaf\u00e9 *society*.".encode("cp1252"))  # not UTF-8: read as CP1252
    assert read_fulltext(str(m), use_cache=False).pages == ["# Title\n\nCaf\u00e9 *society*."]


def test_html_visible_text_only(tmp_path):
    p = tmp_path / "a.html"
    p.write_text("<html><head><title>T</title><style>p{color:red}</style></head><body>"
                 "<script>var hidden = 'not text';</script><p>First&nbsp;para&shy;graph with &amp; and"
                 " <em>emphasis</em>.</p><p>Second</p><ul><li>one</li><li>two</li></ul></body></html>",
                 encoding="utf-8")
    ft = read_fulltext(str(p), use_cache=False)
    assert ft.pages == ["First para\u00adgraph with & and emphasis.\nSecond\none\ntwo"]
    # Checked against lxml's reading of the same markup (an independent HTML parser).
    lxml_html = pytest.importorskip("lxml.html")
    doc = lxml_html.fromstring(p.read_text())
    for bad in doc.xpath("//script|//style|//head"):
        bad.drop_tree()
    assert ft.pages[0].split("\n") == [" ".join(el.text_content().split()) for el in doc.iter("p", "li")]


def test_pdf_pages_and_labels_from_pdflatex(tmp_path):
    pdf = build_pdf(tmp_path, "labelled", article_tex(hyperref=True))
    ft = read_fulltext(str(pdf), use_cache=False)
    n = len(oracle_pages(pdf))
    assert len(ft.pages) == n >= 3
    assert ft.labels == [str(551 + i) for i in range(n)]
    assert "Wednesday" in ft.pages[0]
    plain = build_pdf(tmp_path, "plain", article_tex(hyperref=False))
    ft2 = read_fulltext(str(plain), use_cache=False)
    assert ft2.labels is None


def test_extraction_is_cached_by_content(tmp_path, monkeypatch):
    monkeypatch.setenv("BIBKIT_CACHE_DIR", str(tmp_path / "cache"))
    p = tmp_path / "a.txt"
    p.write_text("cached words", encoding="utf-8")
    calls = []
    import bibkit.evidence.fulltext.text as text_mod

    real = text_mod.extract
    monkeypatch.setattr(text_mod, "extract", lambda data, path: calls.append(path) or real(data, path))
    assert read_fulltext(str(p)).pages == ["cached words"]
    assert read_fulltext(str(p)).pages == ["cached words"]
    assert len(calls) == 1
    copy = tmp_path / "b.txt"  # same bytes elsewhere: still one extraction
    copy.write_text("cached words", encoding="utf-8")
    assert read_fulltext(str(copy)).path == str(copy)
    assert len(calls) == 1
    p.write_text("changed words", encoding="utf-8")
    assert read_fulltext(str(p)).pages == ["changed words"]
    assert len(calls) == 2


# -- bad files ------------------------------------------------------------------------------------


def _blank_pdf(path: Path, encrypt: str | None = None) -> None:
    import pypdf

    w = pypdf.PdfWriter()
    w.add_blank_page(200, 200)
    if encrypt:
        w.encrypt(user_password=encrypt, owner_password="owner", algorithm="RC4-128")
    with open(path, "wb") as fh:
        w.write(fh)


@pytest.mark.parametrize("make, reason", [
    (lambda p: None, "file not found"),
    (lambda p: p.mkdir(), "is a directory"),
    (lambda p: p.write_bytes(b""), "empty file (0 bytes)"),
    (lambda p: p.write_text("<html>not a pdf</html>"), "not a PDF"),
    (lambda p: p.write_bytes(b"%PDF-1.4\n" + b"\x00garbage" * 50), "damaged PDF"),
    (lambda p: _blank_pdf(p), "no text layer"),
    (lambda p: _blank_pdf(p, encrypt="secret"), "encrypted (needs a password)"),
])
def test_unreadable_pdfs_say_why(tmp_path, make, reason):
    p = tmp_path / "x.pdf"
    make(p)
    with pytest.raises(Unreadable) as exc:
        read_fulltext(str(p), use_cache=False)
    assert reason in str(exc.value)


def test_pdf_with_owner_password_only_is_read(tmp_path):
    import pypdf

    src = build_pdf(tmp_path, "open", article_tex(hyperref=False))
    w = pypdf.PdfWriter(clone_from=str(src))
    w.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    locked = tmp_path / "locked.pdf"
    with open(locked, "wb") as fh:
        w.write(fh)
    ft = read_fulltext(str(locked), use_cache=False)
    assert "Wednesday" in ft.pages[0]


def test_unsupported_suffix(tmp_path):
    p = tmp_path / "a.docx"
    p.write_bytes(b"PK")
    with pytest.raises(Unreadable, match="unsupported format .docx"):
        read_fulltext(str(p), use_cache=False)


# -- page numbering -----------------------------------------------------------------------------


def ft(n: int, labels=None, printed=True) -> FullText:
    return FullText("x.pdf", "pdf" if printed else "text", ["p"] * n, labels, printed)


def test_page_numbering_order():
    assert page_labels(ft(3), entry(pages="551--553")) == (["551", "552", "553"], "pages field")
    assert page_labels(ft(3), entry(pages="551-3")) == (["551", "552", "553"], "pages field")
    assert page_labels(ft(4), entry(pages="551--553")) == (["1", "2", "3", "4"], "PDF page numbers")  # cover page
    assert page_labels(ft(4), entry(pages="551--553", fulltext_first_page="550")) == (
        ["550", "551", "552", "553"], "fulltext_first_page")
    assert page_labels(ft(2, ["i", "ii"]), entry(pages="551--552")) == (["i", "ii"], "PDF page labels")
    assert page_labels(ft(2, ["i", "ii"]), entry(fulltext_first_page="7")) == (["7", "8"], "fulltext_first_page")
    assert page_labels(ft(1, printed=False), entry()) == (None, "no pages")
    assert page_labels(ft(1, printed=False), entry(fulltext_first_page="12")) == (["12"], "fulltext_first_page")
    assert page_labels(ft(2, printed=False), entry(pages="9--10")) == (["9", "10"], "pages field")


def test_pages_range():
    assert pages_range("551--558") == (551, 558)
    assert pages_range("1619-20") == (1619, 1620)
    assert pages_range("pp. 12–14") == (12, 14)
    assert pages_range("e1234") is None
    assert pages_range("1619") == (1619, 1619)
    assert pages_range("20-10") is None


def test_scan_with_only_page_numbers_is_no_text_layer(tmp_path):
    """Page images with a page number each (as scans with a stamp often are): reported, not searched."""
    tex = "\n".join([r"\documentclass{article}", r"\begin{document}", r"\rule{5cm}{5cm}\clearpage" * 4,
                     r"\rule{5cm}{5cm}", r"\end{document}", ""])
    pdf = build_pdf(tmp_path, "scan", tex)
    with pytest.raises(Unreadable, match=r"almost no text layer \(\d+ characters of text on 5 pages"):
        read_fulltext(str(pdf), use_cache=False)


def test_file_fields_of_the_corpus(corpus):
    """Every real `file` field of the bibtex-tidy corpus parses; the JabRef and Zotero ones as their tools mean them."""
    import re

    from bibkit.bib.bibtex import load_bibliography
    from bibkit.infra.diagnostics import Diagnostics
    from bibkit.evidence.fulltext.discover import is_web_address

    seen = {}
    for path in corpus:
        text = path.read_text(encoding="utf-8", errors="replace")
        if not re.search(r"^\s*file\s*=", text, re.I | re.M):
            continue
        bib = load_bibliography([str(path)], Diagnostics())
        for e in bib.all_entries():
            value = e.get("file")
            if value:
                seen[value] = parse_file_field(value)
    assert len(seen) >= 8
    assert seen[":2.pdf:PDF;stuff:1.pdf:PDF"] == ["2.pdf", "1.pdf"]
    assert seen[":Nail2020a.epub:ePUB;:Nail2020a.pdf:PDF"] == ["Nail2020a.epub", "Nail2020a.pdf"]
    published = next(v for k, v in seen.items() if k.startswith("Published:"))
    assert published == [r"C:\Users\jfd1\jfd1\group\papers\2019\TEMC_PCB\08922890.pdf"]
    robinson = next(v for k, v in seen.items() if k.startswith("Robinson_2007"))
    assert robinson == ["Better BibTeX.015/F64PVIN4/Robinson_2007_Theories of globalization.pdf"]
    urls = [v for k, v in seen.items() if k.startswith(("http", "ftp"))]
    assert urls and all(len(v) == 1 and is_web_address(v[0]) for v in urls)


def test_markdown_links_and_comments_are_not_words(tmp_path):
    p = tmp_path / "a.md"
    p.write_text("<!-- a note -->\nThe [harbour committee](https://example.org/c) met, see ![the map](map.png) and\n"
                 "[the minutes][m].\n\n[m]: https://example.org/minutes\n", encoding="utf-8")
    assert read_fulltext(str(p), use_cache=False).pages == ["\nThe harbour committee met, see the map and\nthe minutes.\n\n\n"]
    t = tmp_path / "a.txt"  # plain text is taken as it is
    t.write_text("[x](y)", encoding="utf-8")
    assert read_fulltext(str(t), use_cache=False).pages == ["[x](y)"]


def _jabref_entry(bib: Path, text: str, file_value: str) -> Entry:
    bib.write_text(text, encoding="utf-8")
    return Entry("article", "x2020", [Field("file", [ValuePart("brace", file_value)], file_value, 0)],
                 SourceText(str(bib), text), 0, 0)


def test_jabref_file_directory_precedence(tmp_path):
    """JabRef's user-specific directory, then its library directory, then the .bib's folder; none there: the first."""
    for folder in ("mine", "papers", "."):
        (tmp_path / folder).mkdir(exist_ok=True)
        (tmp_path / folder / "a.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "papers" / "b.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "c.pdf").write_bytes(b"%PDF-1.4")
    general = "@comment{jabref-meta: fileDirectory:papers;}\n"
    user = "@comment{jabref-meta: fileDirectory-ana-laptop:mine;}\n"
    e = _jabref_entry(tmp_path / "refs.bib", "@article{x2020, file = {:a.pdf:PDF}}\n" + general + user,
                      ":a.pdf:PDF;:b.pdf:PDF;:c.pdf:PDF;:d.pdf:PDF")
    assert [os.path.relpath(c.path, tmp_path) for c in candidates(e, None)] == [
        os.path.join("mine", "a.pdf"), os.path.join("papers", "b.pdf"), "c.pdf", os.path.join("mine", "d.pdf")]
    assert [c.written for c in candidates(e, None)] == ["a.pdf", "b.pdf", "c.pdf", "d.pdf"]
    e = _jabref_entry(tmp_path / "refs.bib", "@article{x2020}\n" + general, ":a.pdf:PDF")
    assert [c.path for c in candidates(e, None)] == [str(tmp_path / "papers" / "a.pdf")]
    e = _jabref_entry(tmp_path / "refs.bib", "@article{x2020}\n", ":a.pdf:PDF")
    assert [c.path for c in candidates(e, None)] == [str(tmp_path / "a.pdf")]


def test_jabref_file_directories_are_read_from_the_comments():
    from bibkit.evidence.fulltext.discover import jabref_file_directories

    text = ("@Comment{jabref-meta: fileDirectory:papers;}\n"
            "@comment{ jabref-meta: fileDirectory-ana-laptop:/home/ana/pdfs;}\n"
            "@comment{jabref-meta: fileDirectory:;}\n"
            "@comment{jabref-meta: fileDirectory:C\\:\\\\papers}\n")
    assert jabref_file_directories(text) == ["/home/ana/pdfs", "papers", "C:\\papers"]
    assert jabref_file_directories("@comment{jabref-meta: databaseType:bibtex;}") == []


def test_full_text_folder_files_by_suffix_order_and_symlinks(tmp_path):
    from bibkit.evidence.fulltext import FOLDER_SUFFIXES

    assert FOLDER_SUFFIXES == (".pdf", ".txt", ".md", ".html")
    (tmp_path / "x2020.html").write_text("h")
    (tmp_path / "x2020.md").write_text("m")
    (tmp_path / "x2020.pdf").symlink_to(tmp_path / "nowhere.pdf")  # a dangling link is still a candidate
    (tmp_path / "x2020.PDF.bak").write_text("no")
    (tmp_path / "x20201.txt").write_text("no")
    got = candidates(entry(), str(tmp_path))
    assert [(c.path, c.origin, c.written) for c in got] == [
        (str(tmp_path / "x2020.pdf"), "fulltext folder", ""), (str(tmp_path / "x2020.md"), "fulltext folder", ""),
        (str(tmp_path / "x2020.html"), "fulltext folder", "")]
    assert candidates(entry(), None) == []
    assert candidates(entry(file="http://example.org/a.pdf;ftp://x.org/b.pdf"), None) == []


def test_file_field_paths_resolve_against_the_bib_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.pdf").write_bytes(b"%PDF")
    e = entry(bib="refs.bib", file="a.pdf;/abs/x.pdf;sub/../b.pdf;missing.pdf")
    assert [(c.path, c.written) for c in candidates(e, None)] == [
        ("a.pdf", "a.pdf"), ("/abs/x.pdf", "/abs/x.pdf"), ("b.pdf", "sub/../b.pdf"), ("missing.pdf", "missing.pdf")]
    e = entry(bib=str(tmp_path / "lib" / "refs.bib"), file="../a.pdf")
    assert [c.path for c in candidates(e, None)] == [str(tmp_path / "a.pdf")]


def test_web_addresses_and_paths_that_look_like_them():
    from bibkit.evidence.fulltext.discover import is_web_address

    assert [is_web_address(p) for p in ("https://x.org/a.pdf", "svn+ssh://h/a.pdf", "ftp://h/a", "x-y.z://h")] == [
        True, True, True, True]
    assert [is_web_address(p) for p in ("C://papers/a.pdf", "papers/http://a.pdf", "1ab://h", "a.pdf", "/x")] == [
        False, False, False, False, False]


def test_mendeley_paths_without_their_leading_slash_and_absolute_paths(tmp_path, monkeypatch):
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "a.pdf").write_bytes(b"%PDF")
    monkeypatch.chdir(tmp_path / "m")
    written = str(tmp_path / "m" / "a.pdf").lstrip("/")
    e = entry(bib="refs.bib", file=f":{written}:pdf;:/abs/sub/../x.pdf:PDF")
    assert [c.path for c in candidates(e, None)] == [str(tmp_path / "m" / "a.pdf"), "/abs/sub/../x.pdf"]
    (tmp_path / "m" / "sources").mkdir()
    (tmp_path / "m" / "sources" / "x2020.txt").write_text("t")
    assert [c.path for c in candidates(entry(), "./sources/")] == [os.path.join("sources", "x2020.txt")]
