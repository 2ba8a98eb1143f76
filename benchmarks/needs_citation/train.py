"""Train the needs-citation model on the extracted sentences and write bibkit's model file, bit for bit reproducibly.

    python -m benchmarks.needs_citation.extract            # data/sentences.tsv from the fetched mirrors
    python -m benchmarks.needs_citation.train --seed 0     # bibkit/manuscripts/needs_citation_model.json

Papers (never sentences) are split into train / validation / test by a seeded hash of their id. Only
sentences the rules could ever flag are learned from (questions, first-person, hedged, too short and
document-pointing sentences stay negatives whatever the score, see ``never_flagged``). scikit-learn's
logistic regression (liblinear, deterministic) is fitted on the training papers for each C in
``CS`` (with bibkit's labelled general-prose sentences, ``GENERAL``, weighted in); the C with the best average precision on the validation papers wins. Its weights are stored
as 16-bit integers with one scale, and the default threshold is the lowest score at which the stored model reaches a
precision of at least ``--precision`` on the validation papers (the most recall at that precision).
The test papers are not read here. Needs the ``train`` extra (scikit-learn, numpy, scipy).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import astuple, replace
from pathlib import Path

from bibkit.manuscripts.cite_model import FORMAT, HASHING, MODEL_PATH, Context, hashed, pack_weights, parse_model
from bibkit.manuscripts.needs_citation import never_flagged

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "sentences.tsv"
# bibkit's own labelled development set of general prose (news, history, science writing, fiction,
# opinion; written for bibkit, MIT), learned from beside the papers so that the model also knows prose
# that is not a paper's. Each of its sentences weighs GENERAL_WEIGHT paper sentences. The frozen
# held-out sets (heldout.tsv, heldout-v2.tsv) are never read here.
GENERAL = HERE.parent.parent / "tests" / "data" / "scan" / "labelled.tsv"
GENERAL_WEIGHT = 60.0  # twice the 30 of version 1: each paper sentence is learned twice (see train)
CS = (0.01, 0.03, 0.1)
SPLIT = (0.70, 0.15)  # train, validation; the rest is test
VERSION = "2"


HEADER = "paper\tfield\tpart\tlabel\ttext\tprev\tnext\tindex\tothers\tsection"


def read_rows(path: Path = DATA) -> list[tuple[str, str, str, int, str, Context]]:
    """(paper, field, part, label, text, context) rows of the extracted TSV."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if lines[0] != HEADER:
        raise SystemExit(f"{path}: not the columns this script reads; run python -m benchmarks.needs_citation.extract")
    out = []
    for ln in lines[1:]:
        paper, field, part, label, text, prev, nxt, index, others, section = ln.split("\t")
        # every paper carries citations (each has cited sentences), so each context is one of a citing manuscript
        out.append((paper, field, part, int(label), text,
                    Context(prev, nxt, int(index), int(others), section, cites=True)))
    return out


def split_papers(papers: list[str], seed: int) -> dict[str, str]:
    """paper -> "train" | "validation" | "test", by a seeded SHA-256 order of the paper ids."""
    order = sorted(set(papers), key=lambda p: hashlib.sha256(f"{seed}:{p}".encode()).hexdigest())
    n = len(order)
    a, b = round(n * SPLIT[0]), round(n * (SPLIT[0] + SPLIT[1]))
    return {p: ("train" if i < a else "validation" if i < b else "test") for i, p in enumerate(order)}


def read_general(path: Path = GENERAL) -> list[tuple]:
    """labelled.tsv's rows in the shape of read_rows (paper "bibkit:labelled.tsv"), without a context: they
    stand in no paper, so the context features are learned from the papers alone."""
    out = []
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
    for ln in lines[1:]:
        expected, _reason, register, text = ln.split("\t")
        out.append(("bibkit:labelled.tsv", register, "", int(expected), text, None))
    return out


def learnable(rows):
    """The rows the model decides on: sentences the rules do not rule out whatever their signals."""
    return [r for r in rows if not never_flagged(r[4])]


def matrix(rows) -> object:
    """A binary sparse matrix (scipy CSR) of the rows' hashed features."""
    from scipy.sparse import csr_matrix
    indptr, indices = [0], []
    for r in rows:
        indices.extend(sorted(hashed(r[4], context=r[5])))
        indptr.append(len(indices))
    data = [1.0] * len(indices)
    return csr_matrix((data, indices, indptr), shape=(len(rows), 1 << HASHING["bits"]), dtype="float64")


def average_precision(scores: list[float], labels: list[int]) -> float:
    """Average precision of a ranking (ties broken by input order)."""
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    tp = 0
    total = 0.0
    for rank, i in enumerate(order, 1):
        if labels[i]:
            tp += 1
            total += tp / rank
    return total / max(1, sum(labels))


def pick_threshold(scores: list[float], labels: list[int], precision: float) -> float:
    """The lowest score threshold whose flags reach ``precision`` (most recall at that precision)."""
    best = 1.0
    pairs = sorted(zip(scores, labels), key=lambda p: -p[0])
    tp = fp = 0
    for i, (s, y) in enumerate(pairs):
        tp += y
        fp += 1 - y
        nxt = pairs[i + 1][0] if i + 1 < len(pairs) else -1.0
        if nxt == s:
            continue
        if tp / (tp + fp) >= precision:
            best = s
    return round(best, 4)


def train(rows, seed: int, precision: float) -> tuple[dict, dict]:
    """(model document, report) from the rows."""
    from sklearn.linear_model import LogisticRegression
    split = split_papers([r[0] for r in rows], seed)
    part = {k: learnable([r for r in rows if split[r[0]] == k]) for k in ("train", "validation")}
    general = learnable(read_general())
    # each training sentence twice: where it stands in its paper, and as in a draft without citations
    # (the neighbours' citations unknown), so that the model knows both forms scan meets
    drafts = [r[:5] + (replace(r[5], cites=False),) for r in part["train"]]
    x_tr, y_tr = matrix(part["train"] + drafts + general), [r[3] for r in part["train"] + drafts + general]
    weights = [1.0] * (2 * len(part["train"])) + [GENERAL_WEIGHT] * len(general)
    y_va = [r[3] for r in part["validation"]]
    x_va = matrix(part["validation"])
    best = None
    report: dict = {"seed": seed, "papers": {k: sorted(p for p, s in split.items() if s == k)
                                              for k in ("train", "validation", "test")},
                    "sentences": {k: len(v) for k, v in part.items()}, "C": {}}
    for c in CS:
        clf = LogisticRegression(C=c, solver="liblinear", random_state=seed, max_iter=1000)
        clf.fit(x_tr, y_tr, sample_weight=weights)
        ap = average_precision(list(clf.decision_function(x_va)), y_va)
        report["C"][str(c)] = round(ap, 4)
        if best is None or ap > best[0]:
            best = (ap, c, clf)
    _ap, c, clf = best
    packed, scale = pack_weights([float(w) for w in clf.coef_[0]])
    doc = {"format": FORMAT, "version": VERSION, "hashing": HASHING, "bias": round(float(clf.intercept_[0]), 6),
           "weights": packed, "scale": scale, "threshold": 0.5,
           "training": {"script": "python -m benchmarks.needs_citation.train --seed %d" % seed, "seed": seed,
                        "C": c, "sources": "benchmarks/needs_citation/SOURCES.md",
                        "data_sha256": hashlib.sha256("\n".join("\t".join(map(str, r[:5] + astuple(r[5])))
                                                                for r in rows).encode()).hexdigest(),
                        "train_papers": len(report["papers"]["train"]),
                        "general_prose": f"tests/data/scan/labelled.tsv, {len(general)} sentences x {GENERAL_WEIGHT:g}",
                        "train_sentences": len(part["train"]), "validation_precision_target": precision}}
    model = parse_model(doc)
    doc["threshold"] = pick_threshold([model.score(r[4], context=r[5]) for r in part["validation"]], y_va, precision)
    report["C_chosen"] = c
    report["threshold"] = doc["threshold"]
    return doc, report


def dump(doc: dict) -> str:
    """The model file's exact text (sorted keys, fixed separators, final newline)."""
    return json.dumps(doc, sort_keys=True, indent=1, ensure_ascii=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command line: train and write the model file."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--precision", type=float, default=0.75, help="validation precision the threshold must reach")
    ap.add_argument("-o", "--out", type=Path, default=MODEL_PATH)
    args = ap.parse_args(argv)
    if not args.data.exists():
        print(f"{args.data}: no sentences; run python -m benchmarks.needs_citation.extract first", file=sys.stderr)
        return 2
    doc, report = train(read_rows(args.data), args.seed, args.precision)
    args.out.write_text(dump(doc), encoding="utf-8")
    print(json.dumps({k: v for k, v in report.items() if k != "papers"}, indent=1))
    print({k: len(v) for k, v in report["papers"].items()}, "papers;", "model ->", args.out)
    print("sha256", hashlib.sha256(args.out.read_bytes()).hexdigest())
    return 0


if __name__ == "__main__":
    sys.exit(main())
