"""Full texts and ``bibkit verify``: PDF extractors compared, and 500 quotes over 50 PDFs of 20 pages.

Two measurements, printed as Markdown (``--write`` puts them into BENCHMARKS.md's
"Full texts and verify" section):

1. *Extractors.* pypdf and pypdfium2 on the same PDFs: an article typeset here with pdflatex
   (two columns, hyphenation, ligatures, accents; every sentence known), and real PDFs given with
   ``--pdfs DIR`` (e.g. a checkout of py-pdf/sample-files: pdflatex, LibreOffice Writer and Google
   Docs files). For each: time to extract every page (median of 3) and how many known quotes
   bibkit's matcher finds in that extractor's text.
2. *Scale.* 50 generated articles of 20 pages each (pdflatex), 500 quoted links (most present,
   some with a word or number changed, some invented). ``bibkit verify`` cold (empty cache) and
   warm, as a whole process and as the ``verify_links`` call, against the extraction libraries
   alone on the same 50 files.

    python benchmarks/bench_verify.py --pdfs ../sample-files --write
    python benchmarks/bench_verify.py --quick          # 5 PDFs, no extractor table
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

WORDS = ("office staff cooperative report field ledger granary harvest official figure surveyor brigade "
         "commune district prefecture warehouse orchard mill depot school river valley mountain island "
         "affiliated efficient fluffy first flow effect difficult sufficient traffic offer suffer reflect "
         "clerk account measure promise deliver store count ship record claim lose weigh plant sow reap "
         "winter spring summer autumn morning evening village county province ministry committee").split()
ACCENTED = [r"Ren\'e", r"Lema\^{\i}tre", r"na\"{\i}ve", r"S\~ao", r"G\"odel", r"caf\'e", r"fa\c{c}ade"]
PLAIN = {r"Ren\'e": "René", r"Lema\^{\i}tre": "Lemaître", r"na\"{\i}ve": "naïve", r"S\~ao": "São",
         r"G\"odel": "Gödel", r"caf\'e": "café", r"fa\c{c}ade": "façade"}

# Known passages of py-pdf/sample-files PDFs (CC-BY-SA-4.0), checked by eye against the rendered pages.
KNOWN = {
    "002-trivial-libre-office-writer.pdf": [
        "Lorem ipsum dolor sit amet, consetetur sadipscing elitr, sed diam nonumy eirmod tempor invidunt ut labore",
        "Stet clita kasd gubergren, no sea takimata sanctus est Lorem ipsum dolor sit amet",
    ],
    "google-doc-document.pdf": [
        "Errors should never pass silently.", "In the face of ambiguity, refuse the temptation to guess.",
        "Although that way may not be obvious at first unless you're Dutch.", "Readability counts.",
    ],
    "multicolumn.pdf": ["Czech Republic 10.7 78,866 Prague Czech"],
    "libre-office-link.pdf": ["This is a link to an awesome blog."],
    "pdflatex-4-pages.pdf": [
        "Is there a difference between this text and some nonsense like \u201cHuardest gefburn\u201d? Kjift \u2013 not at all!",
        "If you read this text, you will get no information.",
    ],
    "GeoTopo-komprimiert.pdf": ["Beobachtung: d erzeugt die euklidische Topologie.", "Topologische Grundbegriffe",
                                "Metrische R\u00e4ume"],
}


EXTRACTOR_NOTE = (
    "Both libraries give text in which bibkit finds the same quotes on every PDF here, the messy cases "
    "included (ligatures, words hyphenated across lines, TeX's split accents, running heads between pages): "
    "those are normalised by `bibkit.evidence.quotematch`, whichever library extracts. pypdfium2 is an order of "
    "magnitude faster, marks hyphenation points, and opens PDFs locked with an empty user password, so bibkit "
    "uses it (PDFium is BSD-licensed, pypdfium2 Apache-2.0/BSD-3; no AGPL code such as PyMuPDF). doc000.pdf is "
    "the first generated article below (two columns, hyphenation, ligatures, accents; every sentence a known "
    "quote); the others are py-pdf/sample-files (CC-BY-SA-4.0): pdflatex, LibreOffice Writer and Google Docs "
    "output, and a 117-page German pdflatex book."
)


def sentence(rng: random.Random, n: int) -> tuple[str, str]:
    """A (LaTeX, plain) sentence of generated words with a unique number, sometimes with an accented name."""
    words = [rng.choice(WORDS) for _ in range(rng.randint(10, 18))]
    tex, plain = list(words), list(words)
    if rng.random() < 0.3:
        acc = rng.choice(ACCENTED)
        at = rng.randrange(len(words))
        tex.insert(at, acc)
        plain.insert(at, PLAIN[acc])
    tex.insert(len(tex) // 2, str(1000 + n))
    plain.insert(len(plain) // 2, str(1000 + n))
    return " ".join(tex).capitalize() + ".", " ".join(plain).capitalize() + "."


def article(index: int, sentences: int) -> tuple[str, list[str]]:
    """The LaTeX of one generated article and its sentences as a reader would quote them."""
    rng = random.Random(index)
    pairs = [sentence(rng, i) for i in range(sentences)]
    tex = "\n".join([r"\documentclass[twocolumn]{article}", r"\usepackage[utf8]{inputenc}", r"\usepackage{hyperref}",
                     r"\pagestyle{myheadings}\markright{Generated article " + str(index) + "}", r"\begin{document}",
                     rf"\setcounter{{page}}{{{100 * index + 1}}}", " ".join(t for t, _ in pairs), r"\end{document}", ""])
    return tex, [p for _, p in pairs]


def build(workdir: str, n_docs: int, sentences: int) -> list[tuple[str, list[str]]]:
    """Typeset the articles (reused when already built in ``workdir``)."""
    os.makedirs(workdir, exist_ok=True)
    out = []
    for i in range(n_docs):
        tex, plain = article(i, sentences)
        pdf = os.path.join(workdir, f"doc{i:03d}.pdf")
        texpath = os.path.join(workdir, f"doc{i:03d}.tex")
        if not (os.path.exists(pdf) and os.path.exists(texpath) and open(texpath, encoding="utf-8").read() == tex):
            with open(texpath, "w", encoding="utf-8") as fh:
                fh.write(tex)
            subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", os.path.basename(texpath)],
                           cwd=workdir, check=True, capture_output=True, timeout=300)
        out.append((pdf, plain))
    return out


def extract_pypdf(path: str) -> list[str]:
    import pypdf

    return [p.extract_text() or "" for p in pypdf.PdfReader(path).pages]


def extract_pdfium(path: str) -> list[str]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(path)
    try:
        return [doc[i].get_textpage().get_text_bounded() for i in range(len(doc))]
    finally:
        doc.close()


EXTRACTORS = {"pypdf": extract_pypdf, "pypdfium2": extract_pdfium}


def timed(fn, *args, repeat: int = 1):
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn(*args)
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def compare_extractors(files: list[tuple[str, list[str]]]) -> list[str]:
    """Markdown rows: per file and extractor, extraction time and quotes found."""
    import logging

    from bibkit.evidence.quotematch import Document

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    rows = ["| PDF | pages | extractor | extraction (median of 3) | known quotes found |", "|---|---:|---|---:|---:|"]
    for path, quotes in files:
        for name, fn in EXTRACTORS.items():
            try:
                secs, pages = timed(fn, path, repeat=3)
            except Exception as exc:  # noqa: BLE001 - a failure is a result here
                rows.append(f"| {os.path.basename(path)} | | {name} | failed: {type(exc).__name__} | |")
                continue
            doc = Document(pages)
            found = sum(doc.find(q).kind == "exact" for q in quotes)
            rows.append(f"| {os.path.basename(path)} | {len(pages)} | {name} | {secs * 1000:.0f} ms | "
                        f"{found}/{len(quotes)} |" if quotes else
                        f"| {os.path.basename(path)} | {len(pages)} | {name} | {secs * 1000:.0f} ms | (speed only) |")
    return rows


def difflib_closest(qkey: str, hay: str) -> tuple[float, int]:
    """Hand-written peer of rapidfuzz's alignment: anchor on difflib's longest common block, score that window."""
    import difflib

    sm = difflib.SequenceMatcher(None, hay, qkey, autojunk=False)
    m = sm.find_longest_match(0, len(hay), 0, len(qkey))
    start = max(0, m.a - m.b)
    window = hay[start:start + len(qkey)]
    return difflib.SequenceMatcher(None, qkey, window, autojunk=False).ratio(), start


def compare_fuzzy(docs: list[tuple[str, list[str]]], n: int = 40) -> list[str]:
    """Markdown rows: rapidfuzz's partial alignment against a difflib hand version, on near and invented quotes."""
    from rapidfuzz import fuzz

    from bibkit.evidence.quotematch import Document, key

    pdf, plain = docs[0]
    doc = Document(extract_pdfium(pdf))
    rng = random.Random(7)
    near = []
    for s in rng.sample(plain, n):
        words = s.split()
        words[rng.randrange(len(words))] = "zeppelin"
        near.append(" ".join(words))
    invented = ["The orchestra rehearsed the second symphony twice before the visiting ministers arrived"] * 5
    rows = ["| fuzzy search over one 20-page article | per quote | near quotes scored >= 0.8 | invented quotes scored < 0.8 |",
            "|---|---:|---:|---:|"]
    for name, fn in (("rapidfuzz `partial_ratio_alignment`", lambda q: fuzz.partial_ratio_alignment(q, doc.key).score / 100),
                     ("difflib, longest block + window ratio", lambda q: difflib_closest(q, doc.key)[0])):
        t = time.perf_counter()
        near_scores = [fn(key(q)) for q in near]
        per = (time.perf_counter() - t) / len(near)
        inv_scores = [fn(key(q)) for q in invented]
        rows.append(f"| {name} | {per * 1000:.1f} ms | {sum(x >= 0.8 for x in near_scores)}/{len(near)} | "
                    f"{sum(x < 0.8 for x in inv_scores)}/{len(invented)} |")
    return rows


def oracle_check(path: str, n: int = 300) -> str:
    """Prose sentences of a real PDF as pypdf reads them, looked for by bibkit (pypdfium2 + quotematch) on that page."""
    import logging
    import re

    from bibkit.evidence.quotematch import Document

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    ref = extract_pypdf(path)
    doc = Document(extract_pdfium(path))
    sentences = []
    for i, page in enumerate(ref):
        for s in re.split(r"(?<=[.!?])\s+", " ".join(page.split())):
            words = s.split()
            # prose only: formulas come out differently from every extractor, and nobody quotes them
            if 8 <= len(words) <= 40 and not re.search(r"[0-9\x00-\x1f=+<>\\()\[\]{}|!:;]", s) and all(
                    len(w) > 1 or w.lower() in "aoeiu" for w in words):
                sentences.append((i, s))
    sample = random.Random(1).sample(sentences, min(n, len(sentences)))
    found = [s for i, s in sample if (m := doc.find(s, [i])).kind == "exact" and i in m.pages]
    missed = [s for i, s in sample if s not in found]
    return (f"{os.path.basename(path)}: {len(found)} of {len(sample)} prose sentences (as pypdf reads them) found by bibkit "
            f"on the same page" + (f"; missed: {'; '.join(repr(s) for s in missed[:3])}" if missed else ""))


def make_project(root: str, docs: list[tuple[str, list[str]]], quotes_per_doc: int) -> dict[str, int]:
    """references.bib, claims.yaml and sources/ for the scale run; returns the intended status counts."""
    import yaml

    os.makedirs(os.path.join(root, "sources"), exist_ok=True)
    bib, claims = [], []
    intended = {"found": 0, "close": 0, "not-found": 0}
    for i, (pdf, plain) in enumerate(docs):
        key = f"doc{i:03d}"
        shutil.copy(pdf, os.path.join(root, "sources", key + ".pdf"))
        bib.append(f"@article{{{key}, author = {{Author, A.}}, title = {{Generated article {i}}}, "
                   f"journal = {{J}}, year = {{2020}}}}\n")
        rng = random.Random(1000 + i)
        for j in range(quotes_per_doc):
            s = rng.choice(plain)
            if j % 10 == 8:  # one word changed
                words = s.split()
                at = rng.randrange(len(words))
                words[at] = "zeppelin" if words[at] != "zeppelin" else "balloon"
                s, want = " ".join(words), "close"
            elif j % 10 == 9:
                s, want = "The orchestra rehearsed the second symphony twice before the visiting ministers arrived", "not-found"
            else:
                want = "found"
            intended[want] += 1
            claims.append({"id": f"c{i}-{j}", "text": "A claim.", "sources": [{"key": key, "quote": s}]})
    with open(os.path.join(root, "references.bib"), "w", encoding="utf-8") as fh:
        fh.writelines(bib)
    with open(os.path.join(root, "claims.yaml"), "w", encoding="utf-8") as fh:
        yaml.safe_dump({"version": 1, "claims": claims}, fh, allow_unicode=True, sort_keys=False)
    return intended


def run_cli(root: str, cache: str) -> tuple[float, dict]:
    env = dict(os.environ, BIBKIT_CACHE_DIR=cache, BIBKIT_NO_PROGRESS="1")
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "bibkit", "verify", "--format", "json", "--fail-on", "never"],
                          cwd=root, env=env, capture_output=True, text=True)
    secs = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    return secs, json.loads(proc.stdout)["summary"]


def in_process(root: str, cache: str) -> float:
    code = ("import os, sys, time\nfrom bibkit.project import load_project\nfrom bibkit.evidence.verify import verify_links\n"
            "p = load_project()\nt = time.perf_counter()\nverify_links(p)\nprint(time.perf_counter() - t)\n")
    env = dict(os.environ, BIBKIT_CACHE_DIR=cache)
    out = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def scale(docs: list[tuple[str, list[str]]], quotes_per_doc: int) -> list[str]:
    root = tempfile.mkdtemp(prefix="bibkit-verify-")
    cache = os.path.join(root, ".cache")
    try:
        intended = make_project(root, docs, quotes_per_doc)
        pages = sum(len(extract_pdfium(p)) for p, _ in docs)
        lib_pdfium, _ = timed(lambda: [extract_pdfium(p) for p, _ in docs])
        lib_pypdf, _ = timed(lambda: [extract_pypdf(p) for p, _ in docs])
        cold, summary = run_cli(root, cache)
        warm_runs = [run_cli(root, cache)[0] for _ in range(3)]
        warm_call = statistics.median(in_process(root, cache) for _ in range(3))
        shutil.rmtree(cache)
        cold_call = in_process(root, cache)
        n = sum(intended.values())
        return [
            f"{len(docs)} PDFs, {pages} pages, {n} quoted links (intended: {intended['found']} found, "
            f"{intended['close']} with one word changed, {intended['not-found']} invented); "
            f"bibkit's statuses: {json.dumps(summary)}", "",
            "| what | time |", "|---|---:|",
            f"| pypdfium2 alone: text of every page of the 50 PDFs | {lib_pdfium:.2f} s |",
            f"| pypdf alone: the same | {lib_pypdf:.2f} s |",
            f"| `bibkit verify`, cold (empty cache), whole process | {cold:.2f} s |",
            f"| `verify_links`, cold, the call alone | {cold_call:.2f} s |",
            f"| `bibkit verify`, warm (texts cached), whole process, median of 3 | {statistics.median(warm_runs):.2f} s |",
            f"| `verify_links`, warm, the call alone, median of 3 | {warm_call:.2f} s |",
            "",
            f"Warm, the 500 quotes take {statistics.median(warm_runs):.2f} s for the whole process (goal: under 2 s): "
            "the texts and their prepared keys come from the cache, and each quote is a substring search, or for "
            "the near and missing ones a rapidfuzz alignment over the source. Cold, the whole process takes "
            f"{cold / lib_pdfium:.1f}x the time pypdfium2 alone needs to extract the same pages; the rest is "
            "writing the cache records (fsync'ed), preparing the keys and the matching itself. pypdf would "
            f"need {lib_pypdf / lib_pdfium:.0f}x as long as pypdfium2 for the extraction alone.",
        ]
    finally:
        shutil.rmtree(root, ignore_errors=True)


def write_section(text: str, path: str) -> None:
    """Replace (or append) the ``## Full texts and verify`` section of BENCHMARKS.md."""
    title = "## Full texts and verify"
    old = open(path, encoding="utf-8").read() if os.path.exists(path) else ""
    at = old.find("\n" + title)
    if at < 0:
        new = old.rstrip("\n") + "\n\n" + text.rstrip("\n") + "\n"
    else:
        rest = old[at + 1:]
        nxt = rest.find("\n## ", 1)
        new = old[:at + 1] + text.rstrip("\n") + "\n" + (rest[nxt:] if nxt >= 0 else "")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(new)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--pdfs", help="a folder of real PDFs to compare the extractors on (e.g. py-pdf/sample-files)")
    p.add_argument("--docs", type=int, default=50)
    p.add_argument("--quotes", type=int, default=500)
    p.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "bibkit-bench-verify"))
    p.add_argument("--quick", action="store_true", help="5 PDFs, 50 quotes, no extractor table")
    p.add_argument("--write", action="store_true", help="write the section into BENCHMARKS.md")
    p.add_argument("--fuzzy-only", action="store_true", help="only compare the fuzzy searches (prints, never writes)")
    args = p.parse_args()
    if args.quick:
        args.docs, args.quotes = 5, 50
    # About 42 sentences fill a two-column page: 840 make 20 pages.
    docs = build(args.workdir, args.docs, 840)
    if args.fuzzy_only:
        print("\n".join(compare_fuzzy(docs)))
        return
    out = ["## Full texts and verify", "",
           f"Generated by `python benchmarks/bench_verify.py{' --pdfs DIR' if args.pdfs else ''}` on "
           f"{time.strftime('%Y-%m-%d %H:%M')} (the 2-core machine shared with other jobs).", ""]
    if not args.quick:
        files = [docs[0]]
        if args.pdfs:
            for dirpath, _, names in os.walk(args.pdfs):
                for name in sorted(names):
                    if name in KNOWN:
                        files.append((os.path.join(dirpath, name), KNOWN.get(name, [])))
        out += ["### PDF extractors", ""] + compare_extractors(files) + ["", EXTRACTOR_NOTE, ""]
        out += [oracle_check(p) for p, _ in files if os.path.basename(p) == "GeoTopo-komprimiert.pdf"] + [""]
        out += ["### Fuzzy search", ""] + compare_fuzzy(docs) + [""]
    out += ["### 500 quotes over 50 PDFs of 20 pages", ""] + scale(docs, args.quotes // args.docs) + [""]
    text = "\n".join(out)
    print(text)
    if args.write:
        write_section(text, os.path.join(ROOT, "BENCHMARKS.md"))


if __name__ == "__main__":
    main()
