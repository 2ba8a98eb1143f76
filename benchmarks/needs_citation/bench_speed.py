"""Time the needs-citation model on a 2,000-sentence manuscript: model load plus scoring, then the whole scan.

    python -m benchmarks.needs_citation.bench_speed [--sentences 2000] [--repeat 5]

The manuscript is Markdown written here from a fixed list of sentence shapes (no data needed), some of
them citing, as a paper does. The model part is reading the model file (the cache emptied first, as
in a fresh process), computing every sentence's context (its neighbours' citations, its section)
and scoring every sentence the rules do not rule out, given the rule signals scan has already found
(the rules ran before there was a model and are timed on their own); the goal is under 0.3 s. Medians of
``--repeat`` runs, in CPU seconds of this process (``time.process_time``: on a shared machine the
wall clock mostly measures the other processes) and, beside them, wall seconds and the load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bibkit.manuscripts.cite_model import _token_hashes, load_model, sentence_contexts
from bibkit.manuscripts.needs_citation import never_flagged, signals
from bibkit.manuscripts.scan import scan

SHAPES = [
    "Several groups have proposed methods to correct for batch effects in sequencing run {i} [@a{i}].",
    "The average yield of field {i} rose by 12 percent between 1990 and 2010.",
    "Sample {i} was stored at low temperature until the measurements were made.",
    "Earlier surveys reported that most laboratories share code for project {i} on request [@b{i}].",
    "The remaining parameters of configuration {i} are listed in the appendix.",
    "Coral reefs near site {i} are among the most diverse ecosystems on the planet.",
    "The committee met again in the spring to discuss proposal number {i} in detail.",
    "Deep networks have been applied widely to the images of survey {i} in recent years.",
]


def manuscript(n: int) -> str:
    """Markdown with ``n`` sentences, four to a paragraph."""
    sentences = [SHAPES[i % len(SHAPES)].format(i=i) for i in range(n)]
    return "\n\n".join(" ".join(sentences[i:i + 4]) for i in range(0, n, 4)) + "\n"


def real_manuscript(n: int) -> str | None:
    """Markdown of the first ``n`` extracted sentences of real papers (when extract.py has run), four to a
    paragraph, those cited in their paper with a citation before their full stop."""
    data = Path(__file__).resolve().parent / "data" / "sentences.tsv"
    if not data.exists():
        return None
    rows = [ln.split("\t") for ln in data.read_text(encoding="utf-8").splitlines()[1:n + 1]]
    sentences = [(r[4][:-1] + f" [@c{i}]" + r[4][-1] if r[3] == "1" else r[4]).replace("*", r"\*")
                 for i, r in enumerate(rows)]
    return "\n\n".join(" ".join(sentences[i:i + 4]) for i in range(0, len(sentences), 4)) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command line: print the medians."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sentences", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    for label, text in (("template sentences", manuscript(args.sentences)),
                        ("real paper sentences (data/sentences.tsv)", real_manuscript(args.sentences))):
        if text is not None:
            print(label + ": ", end="")
            measure(text, args.repeat)
    return 0


def measure(text: str, repeat: int) -> None:
    """Time one manuscript and print the line."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "long.md"
        path.write_text(text, encoding="utf-8")
        sentences = scan([str(path)], None).documents[0].manuscript.sentences
        texts = [s.text for s in sentences if not s.heading]
        model_times, wall_times, rule_times, scan_times = [], [], [], []
        _token_hashes.cache_clear()
        for _ in range(repeat):
            t0 = time.process_time()
            found = [None if s.heading or s.citations or never_flagged(s.text) else signals(s.text) for s in sentences]
            rule_times.append(time.process_time() - t0)
            left = [f for f in found if f is not None]
            load_model.cache_clear()
            _token_hashes.cache_clear()
            t0, w0 = time.process_time(), time.perf_counter()
            model = load_model()
            contexts = sentence_contexts(sentences, lambda s: bool(s.citations))
            for s, f, c in zip(sentences, found, contexts):
                if f is not None:
                    model.score(s.text, f, c)
            model_times.append(time.process_time() - t0)
            wall_times.append(time.perf_counter() - w0)
            load_model.cache_clear()
            t0 = time.process_time()
            result = scan([str(path)], None)
            scan_times.append(time.process_time() - t0)
    model_s, scan_s = statistics.median(model_times), statistics.median(scan_times)
    print(f"{len(texts)} sentences ({len(left)} left to the model): model load + scoring {model_s:.3f} s CPU "
          f"(goal < 0.3 s: {'met' if model_s < 0.3 else 'not met'}; wall {statistics.median(wall_times):.3f} s at "
          f"load average {os.getloadavg()[0]:.1f}); the rules alone {statistics.median(rule_times):.3f} s; "
          f"whole scan (read, rules, model) {scan_s:.3f} s; {result.flagged} flagged")


if __name__ == "__main__":
    sys.exit(main())
