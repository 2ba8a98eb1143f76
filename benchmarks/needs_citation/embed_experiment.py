"""Issue 25 experiment: does a sentence encoder (all-MiniLM-L6-v2, bibkit.infra.embed) help the needs-citation check?

    nice -n 15 python -m benchmarks.needs_citation.embed_experiment cache      # vectors -> /tmp/emb25/*.npy
    nice -n 15 python -m benchmarks.needs_citation.embed_experiment contextual # step 1: the transformer itself
    nice -n 15 python -m benchmarks.needs_citation.embed_experiment static     # step 2: a distilled static table
    nice -n 15 python -m benchmarks.needs_citation.embed_experiment speed      # both, on bench_speed's manuscript

Both variants train scikit-learn's logistic regression (liblinear, deterministic) on
[vector of the sentence, of the previous and of the next sentence in its paragraph (zeros where there is
none), the shipped model's logit, whether a rule signal fires], on the training papers of ``train.py``'s
split (each sentence once, bibkit's labelled general prose ``labelled.tsv`` weighted in, as the shipped
model is trained). The shipped model's logit for a training-paper sentence is out of fold (5 folds by
paper, the shipped recipe retrained without the fold), since the shipped model saw those papers. C and
the threshold (lowest score reaching precision 0.75) are chosen on the validation papers only; the test
papers and the frozen held-out v2 set (each sentence alone: no neighbours, the shipped model's LONE
context) are scored once. Nothing here is written into ``bibkit/``; vectors are cached under /tmp.

Variant "static" is model2vec's idea: every word piece of the model's vocabulary is run through the model
alone (``[CLS] piece [SEP]``, mean of the three outputs), the table reduced by PCA (fitted on the pieces
seen in the training papers) to ``--dims`` dimensions; a sentence is the SIF-weighted mean
(a / (a + p(piece)), p counted on the training papers) of its pieces' rows, stored as float16.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

from bibkit.manuscripts.cite_model import LONE, load_model
from bibkit.manuscripts.needs_citation import never_flagged, signals

from benchmarks.needs_citation.evaluate import HELDOUT_V2, row
from benchmarks.needs_citation.train import (DATA, GENERAL_WEIGHT, average_precision, learnable, matrix,
                                             pick_threshold, read_general, read_rows, split_papers)

CACHE = Path("/tmp/emb25")
SEED = 0
EXP_CS = (0.01, 0.03, 0.1, 0.3, 1.0)
PRECISION = 0.75
SIF_A = 1e-3


# ---------------------------------------------------------------- data

def load_all() -> dict:
    """Every sentence the experiment reads: paper rows (with neighbour indexes), general prose, held-out v2."""
    rows = read_rows(DATA)
    # neighbours within the paragraph: the previous / next row of the same paper whose index is one off
    # (extract.py drops a text seen before, so a neighbour may be missing: then none)
    prev = [i - 1 if i and rows[i - 1][0] == r[0] and rows[i - 1][5].index == r[5].index - 1 else -1
            for i, r in enumerate(rows)]
    nxt = [i + 1 if i + 1 < len(rows) and rows[i + 1][0] == r[0] and rows[i + 1][5].index == r[5].index + 1 else -1
           for i, r in enumerate(rows)]
    general = read_general()
    lines = [ln for ln in HELDOUT_V2.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
    v2 = [(int(e), t) for e, _g, _k, t in (ln.split("\t") for ln in lines[1:])]
    return {"rows": rows, "prev": prev, "next": nxt, "general": general, "v2": v2,
            "split": split_papers([r[0] for r in rows], SEED)}


def all_texts(d: dict) -> list[str]:
    """Paper sentences, then general prose, then held-out v2: the order of the cached vectors."""
    return [r[4] for r in d["rows"]] + [g[4] for g in d["general"]] + [t for _e, t in d["v2"]]


def cache(d: dict) -> None:
    """Embed every sentence with the transformer (bibkit.infra.embed) and keep the vectors under /tmp."""
    import numpy as np

    from bibkit.infra import embed
    texts = all_texts(d)
    key = hashlib.sha256(("\n".join(texts) + embed.MODEL_SHA256).encode()).hexdigest()[:16]
    CACHE.mkdir(exist_ok=True)
    out = CACHE / f"minilm-{key}.npy"
    if out.exists():
        print("cached", out)
        return
    t0 = time.perf_counter()
    vecs = np.zeros((len(texts), embed.DIMENSIONS), dtype=np.float32)
    for s in range(0, len(texts), 2000):
        vecs[s:s + 2000] = embed.encode(texts[s:s + 2000])
        print(f"{s + 2000}/{len(texts)} {time.perf_counter() - t0:.0f}s", flush=True)
    np.save(out, vecs)
    print("wrote", out, vecs.shape, f"{time.perf_counter() - t0:.0f}s")


def cached_vectors(d: dict):
    """The transformer vectors of all_texts (cache must have run)."""
    import numpy as np

    from bibkit.infra import embed
    texts = all_texts(d)
    key = hashlib.sha256(("\n".join(texts) + embed.MODEL_SHA256).encode()).hexdigest()[:16]
    return np.load(CACHE / f"minilm-{key}.npy")


# ---------------------------------------------------------------- the shipped model's logit, out of fold

def shipped_logits(d: dict) -> tuple[list[float], list[float], list[float]]:
    """The shipped model's logit of each paper row (out of fold for training papers), general row, v2 row."""
    import math

    from sklearn.linear_model import LogisticRegression

    out_path = CACHE / "shipped-logits.json"
    if out_path.exists():
        got = json.loads(out_path.read_text())
        return got["rows"], got["general"], got["v2"]
    rows, split = d["rows"], d["split"]
    model = load_model()

    def logit(p: float) -> float:
        p = min(max(p, 1e-9), 1 - 1e-9)
        return math.log(p / (1 - p))

    paper_l = [logit(model.score(r[4], context=r[5])) for r in rows]
    general_l = [logit(model.score(g[4], context=None)) for g in d["general"]]
    v2_l = [logit(model.score(t, context=LONE)) for _e, t in d["v2"]]
    # training papers: out of fold, the shipped recipe (C of the shipped model, drafts twice, general weighted)
    from dataclasses import replace
    train_papers = sorted(p for p, s in split.items() if s == "train")
    folds = {p: i % 5 for i, p in enumerate(sorted(train_papers, key=lambda p: hashlib.sha256(p.encode()).hexdigest()))}
    general = learnable(d["general"])
    c = json.loads(Path(__file__).resolve().parents[2].joinpath(
        "bibkit/manuscripts/needs_citation_model.json").read_text())["training"]["C"]
    for k in range(5):
        fit = learnable([r for r in rows if folds.get(r[0], -1) not in (-1, k)])
        drafts = [r[:5] + (replace(r[5], cites=False),) for r in fit]
        x = matrix(fit + drafts + general)
        y = [r[3] for r in fit + drafts + general]
        w = [1.0] * (2 * len(fit)) + [GENERAL_WEIGHT] * len(general)
        clf = LogisticRegression(C=c, solver="liblinear", random_state=SEED, max_iter=1000).fit(x, y, sample_weight=w)
        idx = [i for i, r in enumerate(rows) if folds.get(r[0], -1) == k]
        scores = clf.decision_function(matrix([rows[i] for i in idx]))
        for i, s in zip(idx, scores):
            paper_l[i] = float(s)
        print(f"fold {k}: {len(idx)} sentences out of fold", flush=True)
    out_path.write_text(json.dumps({"rows": paper_l, "general": general_l, "v2": v2_l}))
    return paper_l, general_l, v2_l


# ---------------------------------------------------------------- the static table (model2vec's idea)

def piece_table():
    """(vocabulary, float32 table of every word piece run alone through the model), cached under /tmp."""
    import numpy as np

    from bibkit.infra import embed
    path = CACHE / "pieces-minilm.npy"
    tok = embed._tokenizer()
    vocab = tok.get_vocab()
    if path.exists():
        return vocab, np.load(path)
    session = embed._session()
    n = len(vocab)
    table = np.zeros((n, embed.DIMENSIONS), dtype=np.float32)
    cls, sep = vocab["[CLS]"], vocab["[SEP]"]
    t0 = time.perf_counter()
    for s in range(0, n, 512):
        ids = np.array([[cls, i, sep] for i in range(s, min(n, s + 512))], dtype=np.int64)
        hidden = session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids),
                                    "token_type_ids": np.zeros_like(ids)})[0]
        table[s:s + len(ids)] = hidden.mean(axis=1)
    np.save(path, table)
    print(f"pieces: {n} in {time.perf_counter() - t0:.0f}s", flush=True)
    return vocab, table


class Static:
    """A distilled static embedder: float16 rows of the pieces seen in training, SIF weights folded in."""

    def __init__(self, d: dict, dims: int):
        import numpy as np

        from bibkit.infra import embed
        vocab, table = piece_table()
        self.tok = embed._tokenizer()
        train_texts = [r[4] for r in d["rows"] if d["split"][r[0]] == "train"] + [g[4] for g in d["general"]]
        counts_ = np.zeros(len(vocab), dtype=np.float64)
        for e in self.tok.encode_batch(train_texts):
            np.add.at(counts_, [i for i in e.ids if i not in (0, 101, 102)], 1)
        seen = np.flatnonzero(counts_)
        p = counts_ / counts_.sum()
        # PCA on the pieces seen in training (centred, deterministic SVD)
        x = table[seen].astype(np.float64)
        mean = x.mean(axis=0)
        _u, _s, vt = np.linalg.svd(x - mean, full_matrices=False)
        reduced = (table.astype(np.float64) - mean) @ vt[:dims].T
        weight = SIF_A / (SIF_A + p)
        rows = reduced * weight[:, None]
        rows[counts_ == 0] = 0.0  # pieces never seen in training are not stored
        self.table = rows.astype(np.float16)
        self.stored = len(seen)
        self.bytes = len(seen) * dims * 2 + len(seen) * 4  # rows + their piece ids
        self.dims = dims

    def encode(self, texts: list[str]):
        """Unit vectors: the weighted mean of each text's pieces' rows (seen pieces only)."""
        import numpy as np

        out = np.zeros((len(texts), self.dims), dtype=np.float32)
        t = self.table
        for k, e in enumerate(self.tok.encode_batch(texts)):
            ids = [i for i, m in zip(e.ids, e.attention_mask) if m and i not in (101, 102)]
            if ids:
                v = t[ids].astype(np.float32).sum(axis=0)
                n = float(np.linalg.norm(v))
                out[k] = v / n if n else v
        return out


# ---------------------------------------------------------------- training and report

USE_LOGIT = True


def design(vec, neighbour_idx_prev, neighbour_idx_next, logits, rule):
    """[vector, previous vector, next vector, shipped logit, rule signal] rows (``USE_LOGIT`` False: the
    shipped logit left out, to see what the vectors carry alone)."""
    import numpy as np

    if not USE_LOGIT:
        logits = [0.0] * len(logits)

    zero = np.zeros((1, vec.shape[1]), dtype=np.float32)
    padded = np.vstack([vec, zero])  # index -1 -> the zero row
    p = padded[np.asarray(neighbour_idx_prev)]
    n = padded[np.asarray(neighbour_idx_next)]
    return np.hstack([vec, p, n, np.asarray(logits, dtype=np.float32)[:, None] / 4.0,
                      np.asarray(rule, dtype=np.float32)[:, None]])


def run(d: dict, paper_vecs, general_vecs, v2_vecs, label: str, extra: dict) -> dict:
    """Fit on the training papers, choose C and threshold on validation, report test papers and held-out v2."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    rows, split = d["rows"], d["split"]
    paper_l, general_l, v2_l = shipped_logits(d)
    rule = [bool(signals(r[4].strip())) for r in rows]
    x_all = design(paper_vecs, d["prev"], d["next"], paper_l, rule)
    gen = [i for i, g in enumerate(d["general"]) if not never_flagged(g[4])]
    x_gen = design(general_vecs[gen], [-1] * len(gen), [-1] * len(gen), [general_l[i] for i in gen],
                   [bool(signals(d["general"][i][4].strip())) for i in gen])
    y_gen = [d["general"][i][3] for i in gen]
    ok = [not never_flagged(r[4]) for r in rows]
    idx = {k: [i for i, r in enumerate(rows) if split[r[0]] == k and ok[i]] for k in ("train", "validation", "test")}
    x_tr = np.vstack([x_all[idx["train"]], x_gen])
    y_tr = [rows[i][3] for i in idx["train"]] + y_gen
    w_tr = [1.0] * len(idx["train"]) + [GENERAL_WEIGHT / 2] * len(y_gen)
    y_va = [rows[i][3] for i in idx["validation"]]
    best = None
    aps = {}
    for c in EXP_CS:
        clf = LogisticRegression(C=c, solver="liblinear", random_state=SEED, max_iter=2000)
        clf.fit(x_tr, y_tr, sample_weight=w_tr)
        s_va = clf.predict_proba(x_all[idx["validation"]])[:, 1]
        aps[c] = round(average_precision(list(s_va), y_va), 4)
        if best is None or aps[c] > best[0]:
            best = (aps[c], c, clf)
    _ap, c, clf = best
    s_va = clf.predict_proba(x_all[idx["validation"]])[:, 1]
    threshold = pick_threshold([float(s) for s in s_va], y_va, PRECISION)
    # the shipped model's validation AP on the same sentences, for comparison
    ship_ap = average_precision([paper_l[i] for i in idx["validation"]], y_va)
    # the most F1 any threshold reaches on validation (model alone), as a ceiling of this model at any precision
    ceiling = {}
    for name, sc in (("this", [float(s) for s in s_va]), ("shipped", [paper_l[i] for i in idx["validation"]])):
        pairs, tp, fp, pos, top = sorted(zip(sc, y_va), key=lambda q: -q[0]), 0, 0, sum(y_va), (0.0, 0.0, 0.0)
        for s_, y_ in pairs:
            tp, fp = tp + y_, fp + 1 - y_
            top = max(top, (2 * tp / (tp + fp + pos), tp / (tp + fp), tp / pos))
        ceiling[name] = "F1 %.3f at P %.3f R %.3f" % top
    score = np.zeros(len(rows))
    score[idx["test"]] = clf.predict_proba(x_all[idx["test"]])[:, 1]
    test_papers = sorted({r[0] for r in rows if split[r[0]] == "test"})
    rules_flag = [rule[i] and ok[i] for i in range(len(rows))]
    out = [f"{label}: validation average precision by C {aps} (the shipped model: {ship_ap:.4f}); "
           f"C = {c}, threshold {threshold}; best validation F1 at any threshold: {ceiling}", "",
           "| decider | flagged | TP | FP | FN | precision (Wilson 95%) | recall (Wilson 95%) | F1 (bootstrap 95%) |",
           "|---|---:|---:|---:|---:|---|---|---|"]
    for name, flag in (("rules alone", lambda i: rules_flag[i]),
                       ("model alone", lambda i: ok[i] and score[i] >= threshold),
                       ("rules + model", lambda i: rules_flag[i] or (ok[i] and score[i] >= threshold))):
        groups = [[(bool(rows[i][3]), bool(flag(i))) for i in range(len(rows)) if rows[i][0] == p] for p in test_papers]
        out.append(row(name, groups))
    v2_ok = [not never_flagged(t) for _e, t in d["v2"]]
    v2_rule = [bool(signals(t.strip())) and o for (_e, t), o in zip(d["v2"], v2_ok)]
    x_v2 = design(v2_vecs, [-1] * len(v2_ok), [-1] * len(v2_ok), v2_l, [bool(signals(t.strip())) for _e, t in d["v2"]])
    s_v2 = clf.predict_proba(x_v2)[:, 1]
    out += ["", "Held-out v2 (each sentence alone):", "",
            "| decider | flagged | TP | FP | FN | precision (Wilson 95%) | recall (Wilson 95%) | F1 (bootstrap 95%) |",
            "|---|---:|---:|---:|---:|---|---|---|"]
    for name, flag in (("rules alone", lambda i: v2_rule[i]),
                       ("model alone", lambda i: v2_ok[i] and s_v2[i] >= threshold),
                       ("rules + model", lambda i: v2_rule[i] or (v2_ok[i] and s_v2[i] >= threshold))):
        out.append(row(name, [[(bool(e), bool(flag(i)))] for i, (e, _t) in enumerate(d["v2"])]))
    text = "\n".join(out)
    print(text, flush=True)
    return {"C": c, "threshold": threshold, "aps": aps, "table": text, **extra}


def split_vectors(d: dict, vecs):
    """(paper, general, v2) slices of all_texts-ordered vectors."""
    a, b = len(d["rows"]), len(d["rows"]) + len(d["general"])
    return vecs[:a], vecs[a:b], vecs[b:]


# ---------------------------------------------------------------- speed

def speed_texts() -> list[str]:
    """The sentences of bench_speed.py's 2,000-sentence template manuscript, as scan reads them."""
    import tempfile

    from bibkit.manuscripts.scan import scan

    from benchmarks.needs_citation.bench_speed import manuscript
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "long.md"
        path.write_text(manuscript(2000), encoding="utf-8")
        return [s.text for s in scan([str(path)], None).documents[0].manuscript.sentences if not s.heading]


def timed(fn, repeat: int = 3) -> tuple[float, float]:
    """Median (CPU s, wall s) of repeat calls."""
    import statistics
    cpu, wall = [], []
    for _ in range(repeat):
        c0, w0 = time.process_time(), time.perf_counter()
        fn()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return statistics.median(cpu), statistics.median(wall)


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("step", choices=("cache", "contextual", "static", "speed"))
    ap.add_argument("--dims", type=int, nargs="*", default=[64, 128])
    ap.add_argument("--no-logit", action="store_true", help="leave the shipped model's logit out (ablation)")
    args = ap.parse_args(argv)
    global USE_LOGIT
    USE_LOGIT = not args.no_logit
    d = load_all()
    if args.step == "cache":
        cache(d)
        shipped_logits(d)
        return 0
    if args.step == "contextual":
        p, g, v = split_vectors(d, cached_vectors(d))
        run(d, p, g, v, "contextual (all-MiniLM-L6-v2, 384 d)", {})
        return 0
    if args.step == "static":
        for dims in args.dims:
            st = Static(d, dims)
            p, g, v = split_vectors(d, st.encode(all_texts(d)))
            run(d, p, g, v, f"static ({dims} d, {st.stored} pieces stored, {st.bytes / 1e6:.2f} MB float16)", {})
        return 0
    import os

    from bibkit.infra import embed
    texts = speed_texts()
    embed.encode(texts[:8])  # session built once, as a long-lived process would; the load is timed below
    c, w = timed(lambda: embed.encode(texts))
    print(f"contextual: {len(texts)} sentences embedded in {c:.2f} s CPU, {w:.2f} s wall (median of 3; "
          f"load average {os.getloadavg()[0]:.1f})")
    embed._session.cache_clear()
    embed._tokenizer.cache_clear()
    c, w = timed(lambda: (embed._session(), embed._tokenizer()), repeat=1)
    print(f"contextual: model load {c:.2f} s CPU, {w:.2f} s wall")
    for dims in args.dims:
        st = Static(d, dims)
        c, w = timed(lambda: st.encode(texts))
        print(f"static {dims} d: {len(texts)} sentences embedded in {c:.3f} s CPU, {w:.3f} s wall (median of 3)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
