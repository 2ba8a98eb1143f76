"""Word and HTML manuscript reading: bibkit vs pandoc's docx reader and lxml, and linear growth.

Run: .venv/bin/python benchmarks/bench_manuscripts.py [N]
Makes a .docx of N paragraphs, each with two sentences and one Zotero citation field (its code
split over three runs, a distinct item each), and an HTML page of N paragraphs, each with a DOI
link and a superscript into an N-item reference list; then times reading them into citations and
sentences, against the peers measured in the same run, at N and 4N.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import lxml.html  # noqa: E402

from bibkit.bib.bibtex import load_bibliography  # noqa: E402
from bibkit.formatting.pandoc_run import pandoc_path  # noqa: E402
from bibkit.infra.diagnostics import Diagnostics  # noqa: E402
from bibkit.manuscripts import read_manuscript  # noqa: E402
from docx_builder import DocxBuilder, field, zotero_code  # noqa: E402


def make_docx(path: Path, n: int) -> None:
    b = DocxBuilder()
    for i in range(n):
        item = {"id": i, "type": "article-journal", "title": f"Work number {i} on famine and grain",
                "DOI": f"10.1000/{i}", "author": [{"family": f"Author{i}", "given": "A."}],
                "issued": {"date-parts": [[str(1950 + i % 60)]]}}
        b.para(f"Paragraph {i} says that in 1959 grain output fell by {i % 90} percent. Another sentence follows. ",
               field(zotero_code([{"id": i, "uris": [f"u{i}"], "itemData": item}], "(A)"), f"(Author{i})", pieces=3),
               ".")
    b.save(path)


def make_html(path: Path, n: int) -> None:
    body = "".join(f"<p>Paragraph {i} says in 1959 output fell by {i % 90} percent, as "
                   f"<a href='https://doi.org/10.1000/{i}'>this study</a> shows.<sup><a href='#n{i}'>{i}</a></sup></p>\n"
                   for i in range(n))
    refs = "".join(f"<li id='n{i}'>Author{i}, A. ({1950 + i % 60}). Work number {i} on famine and grain.</li>\n"
                   for i in range(n))
    path.write_text(f"<html><body><nav>menu</nav><main>{body}<h2>Sources</h2><ol>{refs}</ol></main></body></html>",
                    encoding="utf-8")


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main(n: int = 2000) -> None:
    bib = load_bibliography([str(ROOT / "references.bib")], Diagnostics())
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in (n, 4 * n):
            docx_path, html_path = Path(tmp) / f"m{size}.docx", Path(tmp) / f"m{size}.html"
            make_docx(docx_path, size)
            make_html(html_path, size)
            m = None

            def ours_docx():
                nonlocal m
                m = read_manuscript(str(docx_path), bibliography=bib)

            t_docx = timed(ours_docx)
            assert len(m.citations) == size
            t_pandoc = timed(lambda: subprocess.run([pandoc_path(), "-f", "docx+citations", "-t", "json",
                                                     str(docx_path)], check=True, capture_output=True))
            h = None

            def ours_html():
                nonlocal h
                h = read_manuscript(str(html_path), bibliography=bib)

            t_html = timed(ours_html)
            assert len(h.citations) == size  # the DOI links (missing); list items match nothing here
            t_lxml = timed(lambda: lxml.html.parse(str(html_path)))
            rows.append((size, t_docx, t_pandoc, t_html, t_lxml))
    print("| paragraphs | bibkit .docx (citations + sentences) | pandoc -f docx+citations | "
          "bibkit .html | lxml.html parse only |")
    print("|---:|---:|---:|---:|---:|")
    for size, t_docx, t_pandoc, t_html, t_lxml in rows:
        print(f"| {size:,} | {t_docx:.2f} s | {t_pandoc:.2f} s | {t_html:.2f} s | {t_lxml:.2f} s |")
    (s1, d1, _, h1, _), (s4, d4, _, h4, _) = rows
    print(f"\n4x the paragraphs: .docx {d4 / d1:.1f}x the time, .html {h4 / h1:.1f}x the time")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
