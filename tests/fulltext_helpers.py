"""PDFs typeset with pdflatex from our own prose, for the full-text and verify tests.

The article is two-column, hyphenated, full of ligatures (fi, fl, ff, ffi) and accents, with a
running head and page numbers starting at 551. Page 551 holds the accented paragraph; pages after
it hold generated, distinct sentences that flow across page breaks; the last page a closing line.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


FIRST_PAGE_PARAGRAPH = (
    r"The office staff of the cooperative tried to make sense of fluffy reports that arrived from the "
    r"affiliated fields every Wednesday. Ren\'e Lema\^{\i}tre, a na\"{\i}ve but efficient clerk from "
    r"S\~ao Paulo, found that the official figures differed by 27 percent from the measurements taken by "
    r"the surveyors. ``It was not a small difference,'' he wrote --- and he was right: a difference of "
    r"that size could never be explained by rounding alone. The superintendent of the affiliated "
    r"cooperatives disagreed, insisting that the reconciliation of the ledgers was a straightforward "
    r"administrative affair."
)
# The same paragraph as a reader would quote it.
LEMAITRE = "Ren\u00e9 Lema\u00eetre, a na\u00efve but efficient clerk from S\u00e3o Paulo"
NOT_SMALL = "\u201cIt was not a small difference,\u201d he wrote \u2014 and he was right"
LIGATURES = "fluffy reports that arrived from the affiliated fields every Wednesday"
LAST_LINE = "The final page records that the ledger was never reconciled by anyone in the office."

ADJ = ["northern", "eastern", "coastal", "upland", "river", "forest", "valley", "mountain", "lowland", "island"]
NOUN = ["granary", "cooperative", "commune", "brigade", "warehouse", "workshop", "orchard", "mill", "depot", "school"]
VERB = ["reported", "delivered", "stored", "counted", "promised", "shipped", "recorded", "claimed", "measured", "lost"]


def flowing_sentences(n: int = 70) -> list[str]:
    """Distinct sentences (each a unique combination and number) that fill several columns."""
    out = []
    for i in range(n):
        out.append(
            f"In {1950 + i % 12} the {ADJ[i % 10]} {NOUN[(i * 3) % 10]} number {100 + i} {VERB[(i * 7) % 10]} "
            f"{(i * 37) % 900 + 101} thousand sacks of grain to the prefecture, according to the "
            f"officials responsible for the accounts of district {i + 1}."
        )
    return out


def pdflatex() -> str:
    """The pdflatex binary; skips the test without it, except in CI, where TeX is installed and required."""
    from tex_tools import require_tex

    require_tex("inputenc.sty", "hyperref.sty")
    return shutil.which("pdflatex") or "pdflatex"


def article_tex(*, hyperref: bool, first_page: int = 551, sentences: list[str] | None = None) -> str:
    """The LaTeX source of the test article."""
    body = " ".join(sentences if sentences is not None else flowing_sentences())
    return "\n".join([
        r"\documentclass[twocolumn]{article}",
        r"\usepackage[utf8]{inputenc}",
        r"\usepackage{hyperref}" if hyperref else "",
        r"\pagestyle{myheadings}\markright{Ledgers and fields}",
        r"\begin{document}",
        rf"\setcounter{{page}}{{{first_page}}}",
        r"\section{Offices and fields}",
        FIRST_PAGE_PARAGRAPH,
        r"\clearpage",
        body,
        r"\clearpage",
        LAST_LINE,
        r"\end{document}",
        "",
    ])


def build_pdf(directory: Path, name: str, tex: str) -> Path:
    """Typeset ``tex`` into ``directory/name.pdf``."""
    exe = pdflatex()
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{name}.tex").write_text(tex, encoding="utf-8")
    run = subprocess.run([exe, "-interaction=nonstopmode", "-halt-on-error", f"{name}.tex"], cwd=directory,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]
    return directory / f"{name}.pdf"


def oracle_pages(pdf: Path) -> list[str]:
    """Each page's text as pypdf (an independent extractor) reads it, reduced to lower-case letters and digits."""
    import re

    import pypdf

    reader = pypdf.PdfReader(str(pdf))
    return [re.sub(r"[^a-z0-9]", "", (p.extract_text() or "").lower()) for p in reader.pages]


def oracle_span(pages: list[str], sentence: str) -> tuple[int, int] | None:
    """0-based (first, last) PDF page of a sentence by pypdf's text: where its first and last six words are."""
    import re

    words = re.sub(r"[^a-z0-9 ]", "", sentence.lower()).split()
    head, tail = "".join(words[:6]), "".join(words[-6:])
    whole = "".join(words)
    for i, p in enumerate(pages):
        if whole in p:
            return (i, i)
    for i in range(len(pages) - 1):
        if head in pages[i] and tail in pages[i + 1]:
            return (i, i + 1)
    return None
