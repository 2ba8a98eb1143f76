"""Fit the meaning-level score of passage suggestions (bibkit.evidence.suggest.MEANING) on the TUNING half only.

For every claim of the tuning half of claims.yaml (the split rule of bench_suggest.py; held-out, v2 and v3
claims are never read), each candidate window of :meth:`Index.candidates` is a training row: label 1 when it
is the claim's passage (bench_suggest.right), else 0 (every candidate of an unsupported claim is a 0). A
logistic regression over ``cos`` and ``lex`` (Newton's method, L2 penalty 1.0 on the weights, not
the bias; deterministic) gives the score. Then, on the same tuning half, a small grid picks the ranking's
extra log-odds terms (relative BM25, the place prior, a cost per extra sentence; ``size`` is left out of the
regression, where it would learn only that a longer window holds the snippet more often) by top-3 and top-1
of the supported claims (on a tie, the first in the grid's order: the smaller BM25 and place weights, the
larger cost per sentence, so shorter passages), and ``strong`` is
the lowest 0.05 step above every unsupported claim's best score.

    nice -n 10 python benchmarks/suggest/train_meaning.py --grobid /path/to/grobid-clone
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))

import numpy as np  # noqa: E402

import bench_suggest as bench  # noqa: E402
from bibkit.evidence import suggest as sg  # noqa: E402

FEATURES = ("cos", "lex")


def fit(x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 50) -> np.ndarray:
    """Logistic regression weights (bias first) by Newton's method with an L2 penalty on the non-bias weights."""
    x1 = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(x1.shape[1])
    pen = np.diag([0.0] + [l2] * x.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-x1 @ w))
        grad = x1.T @ (p - y) + pen @ w
        hess = x1.T @ (x1 * (p * (1 - p))[:, None]) + pen
        w -= np.linalg.solve(hess, grad)
    return w


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--grobid", help="a clone of kermitt2/grobid (as bench_suggest.py)")
    args = ap.parse_args()
    claims, split_of = bench.load_claims()
    tune = [c for c in claims if split_of[c["id"]] == "tune"]
    with tempfile.TemporaryDirectory() as tmp:
        indexes = bench.load_docs(args.grobid, tmp)
    rows = []  # (claim, window, features, label)
    for c in tune:
        if c["doc"] not in indexes:
            continue
        ix = indexes[c["doc"]]
        for w, f in ix.candidates(c["claim"]):
            label = c["kind"] != "unsupported" and bench.right(c, ix.sentences[w[1]][0] + 1, ix.text(w))
            rows.append((c, w, f, float(label)))
    x = np.array([[f[k] for k in FEATURES] for _, _, f, _ in rows])
    y = np.array([r[3] for r in rows])
    w = fit(x, y)
    print(f"{len(rows)} rows, {int(y.sum())} positive, from {len(tune)} tuning claims")
    print("weights: bias %.3f, " % w[0] + ", ".join(f"{k} {v:.3f}" for k, v in zip(FEATURES, w[1:])))
    sg.MEANING.update({"bias": round(float(w[0]), 3), **{k: round(float(v), 3) for k, v in zip(FEATURES, w[1:])}})
    best = None
    for rb, rp, rs in [(rb, rp, rs) for rb in (0.0, 0.25, 0.5, 1.0, 2.0) for rp in (0.0, 0.25, 0.5)
                       for rs in (1.0, 0.5, 0.25, 0.0)]:
        if True:
            sg.MEANING.update({"rank_bm25": rb, "rank_place": rp, "rank_size": rs})
            res = bench.run(indexes, claims, "tune", split_of)
            sup = [r for r in res if r["claim"]["kind"] != "unsupported"]
            top3 = sum(r["rank"] is not None for r in sup)
            top1 = sum(r["rank"] == 1 for r in sup)
            gen3 = sum(r["rank"] is not None for r in sup if r["claim"]["kind"] == "generalisation")
            print(f"rank_bm25 {rb}, rank_place {rp}, rank_size {rs}: top-3 {top3}/{len(sup)}, top-1 {top1}, generalisations top-3 {gen3}")
            if best is None or (top3, top1) > best[0]:
                best = ((top3, top1), rb, rp, rs, res)
    _, rb, rp, rs, res = best
    unsup = [r["got"][0].score for r in res if r["claim"]["kind"] == "unsupported" and r["got"]]
    strong = (int(max(unsup) * 20) + 1) / 20 if unsup else 0.5
    print(f"chosen: rank_bm25 {rb}, rank_place {rp}, rank_size {rs}; highest unsupported best {max(unsup):.3f} -> strong {strong:.2f}")


if __name__ == "__main__":
    main()
