"""Evaluate the needs-citation check on papers no part of training saw, on the frozen held-out set, and across formats.

    python -m benchmarks.needs_citation.evaluate            # prints the Markdown tables of BENCHMARKS.md

Three deciders in the same run: the rules alone (``classify``), the model alone (its score at the
threshold, with what the rules rule out still ruled out), and bibkit's decision (``decide``: the
rules' flags, plus the model's). Precision and recall carry Wilson 95% intervals; F1 a percentile
bootstrap interval (2,000 resamples, seed 0) over papers on the test papers, over sentences on the
held-out set. The format check writes the same sentences as one Markdown manuscript, converts it
with the real pandoc to Word, HTML and LaTeX, scans each and compares the flags sentence by sentence.
"""

from __future__ import annotations

import argparse
import random
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from bibkit.manuscripts.cite_model import LONE, decide, load_model
from bibkit.manuscripts.needs_citation import classify, never_flagged

from benchmarks.needs_citation.train import DATA, read_rows, split_papers

ROOT = Path(__file__).resolve().parents[2]
HELDOUT_V2 = ROOT / "tests" / "data" / "scan" / "heldout-v2.tsv"
Z = 1.959964


def wilson(k: int, n: int) -> tuple[float, float]:
    """The Wilson score interval (95%) of k successes in n."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * (p * (1 - p) / n + Z * Z / (4 * n * n)) ** 0.5 / (1 + Z * Z / n)
    return centre - half, centre + half


def counts(items: list[tuple[bool, bool]]) -> tuple[int, int, int]:
    """(TP, FP, FN) of (expected, got) pairs."""
    tp = sum(1 for e, g in items if e and g)
    fp = sum(1 for e, g in items if g and not e)
    fn = sum(1 for e, g in items if e and not g)
    return tp, fp, fn


def f1(tp: int, fp: int, fn: int) -> float:
    """F1 from counts (0 when nothing is flagged or expected)."""
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def bootstrap_f1(groups: list[list[tuple[bool, bool]]], seed: int = 0, n: int = 2000) -> tuple[float, float]:
    """2.5th and 97.5th percentiles of F1 over resamples of the groups (papers, or single sentences)."""
    rng = random.Random(seed)
    per = [counts(g) for g in groups]
    values = []
    for _ in range(n):
        tp = fp = fn = 0
        for _ in range(len(per)):
            a, b, c = per[rng.randrange(len(per))]
            tp, fp, fn = tp + a, fp + b, fn + c
        values.append(f1(tp, fp, fn))
    values.sort()
    return values[int(0.025 * n)], values[int(0.975 * n) - 1]


def deciders(threshold: float) -> dict:
    """name -> function(text, context) -> flagged?"""
    model = load_model()
    return {
        "rules alone": lambda t, c: classify(t) is not None,
        "model alone": lambda t, c: not never_flagged(t) and model.score(t, context=c) >= threshold,
        "bibkit (rules + model)": lambda t, c: decide(t, threshold=threshold, context=c) is not None,
    }


def row(name: str, groups: list[list[tuple[bool, bool]]]) -> str:
    """One Markdown table row: counts, P and R with Wilson intervals, F1 with its bootstrap interval."""
    tp, fp, fn = counts([x for g in groups for x in g])
    p, r = (tp / (tp + fp) if tp + fp else 0.0), tp / (tp + fn) if tp + fn else 0.0
    (plo, phi), (rlo, rhi) = wilson(tp, tp + fp), wilson(tp, tp + fn)
    flo, fhi = bootstrap_f1(groups)
    return (f"| {name} | {tp + fp} | {tp} | {fp} | {fn} | {p:.3f} ({plo:.3f}-{phi:.3f}) | "
            f"{r:.3f} ({rlo:.3f}-{rhi:.3f}) | {f1(tp, fp, fn):.3f} ({flo:.3f}-{fhi:.3f}) |")


HEADER = ("| decider | flagged | TP | FP | FN | precision (Wilson 95%) | recall (Wilson 95%) | F1 (bootstrap 95%) |\n"
          "|---|---:|---:|---:|---:|---|---|---|")


def test_papers(threshold: float, seed: int) -> tuple[str, list[tuple[int, str]]]:
    """The table for the test papers and their (label, text) sentences."""
    rows = read_rows(DATA)
    split = split_papers([r[0] for r in rows], seed)
    test = [r for r in rows if split[r[0]] == "test"]
    papers = sorted({r[0] for r in test})
    out = [f"Test papers ({len(papers)} papers, {len(test)} sentences, {sum(r[3] for r in test)} cited in the "
           f"paper): {', '.join(papers)}", "", HEADER]
    for name, fn in deciders(threshold).items():
        groups = [[(bool(r[3]), fn(r[4], r[5])) for r in test if r[0] == p] for p in papers]
        out.append(row(name, groups))
    return "\n".join(out), [(r[3], r[4]) for r in test]


def heldout_v2(threshold: float) -> tuple[str, list[tuple[int, str]]]:
    """The table for the frozen held-out v2 set and its (label, text) sentences."""
    lines = [ln for ln in HELDOUT_V2.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
    items = [(int(e), t) for e, _g, _k, t in (ln.split("\t") for ln in lines[1:])]
    out = [f"Held-out v2 ({len(items)} sentences, {sum(e for e, _ in items)} need a source)", "", HEADER]
    for name, fn in deciders(threshold).items():
        out.append(row(name, [[(bool(e), fn(t, LONE))] for e, t in items]))
    return "\n".join(out), items


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())[:60]


def formats(items: list[tuple[int, str]], threshold: float) -> str:
    """Scan the sentences as Markdown, and as Word, HTML and LaTeX made by pandoc from it; compare the flags."""
    import pypandoc

    from bibkit.manuscripts.scan import scan
    keys = {_key(t): i for i, (_e, t) in enumerate(items)}
    out = ["| format | sentences read | flagged | same flags as Markdown | precision | recall |",
           "|---|---:|---:|---:|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        md = Path(tmp) / "sentences.md"
        md.write_text("\n\n".join(t.replace("*", r"\*") for _e, t in items) + "\n", encoding="utf-8")
        paths = {"Markdown": md}
        for name, ext, extra in (("Word (.docx)", ".docx", []), ("HTML", ".html", ["--standalone"]),
                                 ("LaTeX", ".tex", ["--standalone"])):
            paths[name] = md.with_suffix(ext)
            subprocess.run([pypandoc.get_pandoc_path(), str(md), "-o", str(paths[name]), *extra], check=True,
                           timeout=300)
        base = None
        for name, path in paths.items():
            doc = scan([str(path)], None, threshold).documents[0]
            flagged = {keys[_key(f.text)] for f in doc.needs_citation if _key(f.text) in keys}
            read = sum(1 for s in doc.manuscript.sentences if not s.heading)
            base = flagged if base is None else base
            tp = sum(1 for i in flagged if items[i][0])
            pos = sum(e for e, _ in items)
            same = len(items) - len(flagged ^ base)
            out.append(f"| {name} | {read} | {len(flagged)} | {same}/{len(items)} | "
                       f"{tp / max(1, len(flagged)):.3f} | {tp / pos:.3f} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Command line: print every table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threshold", type=float, default=None, help="the model's threshold (default: the model's)")
    args = ap.parse_args(argv)
    if not DATA.exists():
        print(f"{DATA}: no sentences; run python -m benchmarks.needs_citation.extract first", file=sys.stderr)
        return 2
    model = load_model()
    threshold = model.threshold if args.threshold is None else args.threshold
    print(f"Model version {model.version}, threshold {threshold}\n")
    table, paper_items = test_papers(threshold, args.seed)
    print(table + "\n")
    table, v2_items = heldout_v2(threshold)
    print(table + "\n")
    print("Same sentences in four formats: held-out v2\n")
    print(formats(v2_items, threshold) + "\n")
    print("Same sentences in four formats: 400 sentences of the test papers (every 5th)\n")
    print(formats(paper_items[::5][:400], threshold))
    return 0


if __name__ == "__main__":
    sys.exit(main())
