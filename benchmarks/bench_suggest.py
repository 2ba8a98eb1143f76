"""Passage suggestions (``bibkit verify --suggest``) measured on the frozen set in benchmarks/suggest/.

For each claim of ``benchmarks/suggest/claims.yaml`` the ranker suggests three passages of its PDF;
a suggestion is *right* when it is on the expected physical page and holds the claim's snippet
(compared on :func:`bibkit.evidence.quotematch.key`: the snippet's key inside the passage's key, or,
for a passage shorter than the snippet, the passage's key at least half as long as the snippet's and
aligned inside it by rapidfuzz's ``partial_ratio`` at 90 or more). Reported separately for
paraphrases and generalisations: top-1 and top-3; and, for the ``strong`` flag, the scores of right
first suggestions against the best suggestion for each claim the source does not support.

The set is split into a tuning half and a held-out half by the rule written in claims.yaml (within
each document and kind, in file order, alternately). Tune on ``--split tune`` (``--show`` lists its
misses, and only its); the held-out numbers are the ones to report. ``claims-v2.yaml`` ("held-out
v2", ``--split held2``) and ``claims-v3.yaml`` ("held-out v3", ``--split held3``) are later frozen parts,
written over the same PDFs; every claim in them is held out. ``--lexical`` ranks by words alone (as when
``bibkit[semantic]`` is not installed), for comparison.

Besides top-1/top-3, each report gives the scores of right first suggestions against the best
suggestion of each unsupported claim: their quartiles, how many of each fall inside the other's
range (the overlap), and the AUC (the chance that a right first suggestion outscores an unsupported
claim's best one, ties counting half).

    python benchmarks/bench_suggest.py --grobid /path/to/grobid-clone            # every split
    python benchmarks/bench_suggest.py --grobid /path/to/grobid-clone --split tune --show
    python benchmarks/bench_suggest.py --grobid /path/to/grobid-clone --write    # into BENCHMARKS.md

``--grobid`` names a clone of github.com/kermitt2/grobid (a working tree, or a bare git directory:
the files are then read with ``git show COMMIT:PATH``); the PDFs committed here need nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

import yaml  # noqa: E402

from bibkit.evidence import quotematch  # noqa: E402
from bibkit.evidence.fulltext import read_fulltext  # noqa: E402
from bibkit.evidence.fulltext.base import Extracted  # noqa: E402
from bibkit.evidence import suggest_vectors  # noqa: E402
from bibkit.evidence.suggest import Index, _labels  # noqa: E402

SET = os.path.join(HERE, "suggest")


def pdf_bytes(doc: dict, grobid: str | None) -> bytes | None:
    """The PDF's bytes: committed here, or from a GROBID clone at the pinned commit (None when missing)."""
    if "path" in doc:
        with open(os.path.join(ROOT, doc["path"]), "rb") as fh:
            return fh.read()
    if not grobid:
        return None
    tree = os.path.join(grobid, doc["file"])
    if os.path.isfile(tree):
        with open(tree, "rb") as fh:
            return fh.read()
    try:
        return subprocess.run(["git", "-C", grobid, "show", f"{doc['commit']}:{doc['file']}"],
                              check=True, capture_output=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None


def load_docs(grobid: str | None, tmp: str, semantic: bool = True) -> dict[str, Index]:
    """Each document's suggestion index, built exactly as :func:`bibkit.evidence.suggest.suggest` builds it."""
    sources = yaml.safe_load(open(os.path.join(SET, "sources.yaml"), encoding="utf-8"))["docs"]
    out = {}
    for name, doc in sources.items():
        data = pdf_bytes(doc, grobid)
        if data is None:
            print(f"bench_suggest: {name}: PDF not available (pass --grobid)", file=sys.stderr)
            continue
        if hashlib.sha256(data).hexdigest() != doc["sha256"]:
            sys.exit(f"bench_suggest: {name}: sha256 differs from sources.yaml")
        path = os.path.join(tmp, name + ".pdf")
        with open(path, "wb") as fh:
            fh.write(data)
        ft = read_fulltext(path, use_cache=False)
        extracted = Extracted(ft.pages, ft.labels)
        out[name] = Index(quotematch.strip_running_lines(extracted.pages), _labels(extracted), semantic=semantic)
        out[name].vectors()  # embed the sentences now (None when lexical), so the time is counted as indexing
    return out


def load_claims() -> tuple[list[dict], dict[str, str]]:
    """Every claim of claims.yaml, claims-v2.yaml and claims-v3.yaml, and the split of each ("tune", "held",
    "held2", "held3")."""
    claims = yaml.safe_load(open(os.path.join(SET, "claims.yaml"), encoding="utf-8"))["claims"]
    split_of = splits(claims)
    v2 = yaml.safe_load(open(os.path.join(SET, "claims-v2.yaml"), encoding="utf-8"))["claims"]
    split_of.update({c["id"]: "held2" for c in v2})
    v3 = yaml.safe_load(open(os.path.join(SET, "claims-v3.yaml"), encoding="utf-8"))["claims"]
    split_of.update({c["id"]: "held3" for c in v3})
    return claims + v2 + v3, split_of


def splits(claims: list[dict]) -> dict[str, str]:
    """claim id -> "tune" | "held": alternately within each document and kind, in file order."""
    seen: dict[tuple[str, str], int] = {}
    out = {}
    for c in claims:
        k = (c["doc"], c["kind"])
        out[c["id"]] = "tune" if seen.get(k, 0) % 2 == 0 else "held"
        seen[k] = seen.get(k, 0) + 1
    return out


def right(claim: dict, page: int, text: str) -> bool:
    """True when a suggestion is the claim's passage (see the module docstring)."""
    from rapidfuzz import fuzz

    if page != claim["page"]:
        return False
    ks, kt = quotematch.key(claim["snippet"]), quotematch.key(text)
    if ks in kt:
        return True
    return len(kt) >= len(ks) / 2 and fuzz.partial_ratio(kt, ks) >= 90


def run(indexes: dict[str, Index], claims: list[dict], which: str, split_of: dict[str, str]) -> list[dict]:
    """One result per claim of the split: its kind, the rank of the right passage (or None), the top scores."""
    results = []
    for c in claims:
        if (split_of[c["id"]] in ("held2", "held3") if which == "all" else split_of[c["id"]] != which) or c["doc"] not in indexes:
            continue
        got = indexes[c["doc"]].search(c["claim"], 3)
        rank = None
        if c["kind"] != "unsupported":
            for i, s in enumerate(got):
                if right(c, s.pdf_page, s.text):
                    rank = i + 1
                    break
        results.append({"claim": c, "rank": rank, "got": got})
    return results


def pct(n: int, d: int) -> str:
    return f"{n}/{d} ({100 * n / d:.0f}%)" if d else "-"


def quartiles(xs: list[float]) -> str:
    if not xs:
        return "-"
    xs = sorted(xs)
    q = statistics.quantiles(xs, n=4) if len(xs) > 1 else [xs[0]] * 3
    return f"min {xs[0]:.2f}, q1 {q[0]:.2f}, median {q[1]:.2f}, q3 {q[2]:.2f}, max {xs[-1]:.2f}"


def auc(pos: list[float], neg: list[float]) -> float | None:
    """The chance that a score of ``pos`` is higher than one of ``neg`` (ties count half); None when either is empty."""
    if not pos or not neg:
        return None
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def report(results: list[dict], title: str) -> str:
    """A Markdown table of top-1/top-3 per kind and the score distributions."""
    lines = [f"**{title}**", "", "| claims | n | top-1 | top-3 | right first suggestion strong |", "|---|---:|---:|---:|---:|"]
    for kind in ("paraphrase", "generalisation"):
        rs = [r for r in results if r["claim"]["kind"] == kind]
        top1 = sum(1 for r in rs if r["rank"] == 1)
        top3 = sum(1 for r in rs if r["rank"] is not None)
        strong = sum(1 for r in rs if r["rank"] == 1 and r["got"][0].strong)
        lines.append(f"| {kind}s | {len(rs)} | {pct(top1, len(rs))} | {pct(top3, len(rs))} | {pct(strong, top1)} |")
    firsts = [r["got"][0].score for r in results if r["rank"] == 1]
    unsup = [r for r in results if r["claim"]["kind"] == "unsupported"]
    best = [r["got"][0].score if r["got"] else 0.0 for r in unsup]
    strong_unsup = sum(1 for r in unsup if r["got"] and r["got"][0].strong)
    area = auc(firsts, best)
    overlap = "-"
    if firsts and best:
        low = sum(1 for x in firsts if x <= max(best))
        high = sum(1 for x in best if x >= min(firsts))
        overlap = (f"{low}/{len(firsts)} right first suggestions score at or below the highest unsupported best "
                   f"({max(best):.2f}); {high}/{len(best)} unsupported bests score at or above the lowest right first "
                   f"({min(firsts):.2f})")
    lines += ["", f"- scores of right first suggestions ({len(firsts)}): {quartiles(firsts)}",
              f"- scores of the best suggestion for unsupported claims ({len(best)}): {quartiles(best)}",
              f"- AUC, right first against unsupported best: {'-' if area is None else f'{area:.3f}'}",
              f"- overlap: {overlap}",
              f"- unsupported claims with a strong suggestion: {pct(strong_unsup, len(unsup))}"]
    return "\n".join(lines) + "\n"


def show(results: list[dict]) -> str:
    """The misses (and the unsupported claims' strong suggestions) of the tuning half, for tuning."""
    out = []
    for r in results:
        c = r["claim"]
        if c["kind"] == "unsupported":
            if r["got"] and r["got"][0].strong:
                out.append(f"STRONG-UNSUPPORTED {c['id']}: {c['claim']}\n    {r['got'][0].score} {r['got'][0].text[:200]}")
            continue
        if r["rank"] != 1:
            out.append(f"{'MISS' if r['rank'] is None else 'RANK' + str(r['rank'])} {c['id']} ({c['kind']}, p{c['page']}): "
                       f"{c['claim']}\n    want: {c['snippet']}")
            for s in r["got"]:
                out.append(f"    got p{s.pdf_page} {s.score} {s.text[:160]}")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--grobid", help="a clone of kermitt2/grobid (working tree or git directory)")
    ap.add_argument("--split", choices=["tune", "held", "held2", "held3", "all"], default=None, help="one split only")
    ap.add_argument("--lexical", action="store_true", help="rank by words alone (no sentence embeddings)")
    ap.add_argument("--show", action="store_true", help="list the tuning half's misses")
    ap.add_argument("--write", action="store_true", help="write the results into BENCHMARKS.md")
    args = ap.parse_args()
    claims, split_of = load_claims()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        indexes = load_docs(args.grobid, tmp, semantic=not args.lexical)
        built = time.perf_counter() - t0
    which = [args.split] if args.split else ["held", "held2", "held3", "tune", "all"]
    parts = []
    timing = ""
    for w in which:
        t0 = time.perf_counter()
        results = run(indexes, claims, w, split_of)
        took = time.perf_counter() - t0
        if w == "all":
            timing = (f"- time: {built:.2f} s to read, index and embed the {len(indexes)} PDFs, "
                      f"{1000 * took / max(1, len(results)):.1f} ms per claim")
        title = {"held": "Held-out half (the reported numbers)", "held2": "Held-out v2 (claims-v2.yaml, all held out)",
                 "held3": "Held-out v3 (claims-v3.yaml, all held out)",
                 "tune": "Tuning half", "all": "Whole set (claims.yaml)"}[w]
        parts.append(report(results, title))
        if args.show and w == "tune":
            print(show(results))
    mode = ("words alone (--lexical)" if args.lexical or not suggest_vectors.enabled()
            else "meaning and words (sentence embeddings, bibkit[semantic])")
    text = f"Ranker: {mode}.\n\n" + "\n".join(parts) + (timing + "\n" if timing else "")
    print(text)
    if args.write:
        write(text)


def write(text: str) -> None:
    """Add this run (its date and commit) to BENCHMARKS.md's "Passage suggestions (issue 23)" section, just
    before the end-of-results marker; earlier runs are kept (the section is added at the end if missing)."""
    path = os.path.join(ROOT, "BENCHMARKS.md")
    doc = open(path, encoding="utf-8").read()
    head = "## Passage suggestions (issue 23)\n"
    marker = "<!-- end of passage suggestions results -->\n"
    stamp = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    try:
        commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], check=True,
                                capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    run_text = (f"### Run of {stamp} UTC, commit {commit}\n\nGenerated by `python benchmarks/bench_suggest.py "
                f"--grobid DIR --write` (the frozen sets in benchmarks/suggest/).\n\n{text}\n")
    if head in doc and marker in doc[doc.index(head):]:
        at = doc.index(marker, doc.index(head))
        doc = doc[:at] + run_text + doc[at:]
    else:
        doc = doc.rstrip("\n") + "\n\n" + head + "\n" + run_text + marker
    open(path, "w", encoding="utf-8").write(doc)


if __name__ == "__main__":
    main()
