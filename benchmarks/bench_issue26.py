"""Every row of issue 26's table in one run, each beside its peer: one table of workload, measured, peer, ratio,
goal, met.

Each group is one of the existing benchmark scripts, run as a subprocess (so each measures as it does alone):

- reading lists: ``benchmarks/bench_reading_list.py --edit N apa --no-pandoc`` (warm, then one title edited, one
  author added, one year changed; the peer is the cold run of the same script; pandoc over 4,401 APA entries does
  not finish on 2 cores);
- cold reading lists: ``benchmarks/bench_cold_ratio.py`` (every profile at 1,000 and 5,000 entries beside one
  plain ``pandoc --citeproc`` run of the same file; a pandoc run cut off at ``--cold-limit`` seconds makes the
  ratio an upper bound, and the entries are then compared only where pandoc finished);
- 100k entries: ``benchmarks/run.py --profile long-records`` (bibtexparser's ``parse_file`` of the same file in the
  same run is the peer of the cold ``check`` and of the first ``claim-map`` after it);
- the language server: ``benchmarks/bench_lsp.py`` (an edit of one entry of 5,000, with and without 400 entries in
  the lookup cache; the peer is reading the whole edited buffer again).

    python benchmarks/bench_issue26.py --cold-limit 240     # everything (about 25 min on 2 cores, idle)
    python benchmarks/bench_issue26.py --only lsp,100k --shares 0.02,1 --write

``--write`` puts the table into BENCHMARKS.md as the "## Issue 26 goals (one run)" section. The load average
before and after the run is printed with it: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = sys.executable
TITLE = "## Issue 26 goals (one run)"
GROUPS = ("reading-list", "cold", "100k", "lsp")


class Table:
    """Rows of (workload, measured, peer, ratio, goal, met)."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, ...]] = []

    def add(self, workload: str, measured: str, peer: str, ratio: str, goal: str, met: bool | None) -> None:
        """One row (``met`` None: no goal, or not measured)."""
        self.rows.append((workload, measured, peer, ratio, goal, "—" if met is None else "yes" if met else "**no**"))
        print(" | ".join(self.rows[-1]), flush=True)

    def markdown(self) -> str:
        """The table as Markdown."""
        head = ["| workload | measured | peer (same run) | ratio | goal | met |", "|---|---|---|---|---|---|"]
        return "\n".join(head + ["| " + " | ".join(r) + " |" for r in self.rows])


def script(args: list[str], env: dict | None = None, timeout: float = 3600) -> str:
    """Run a benchmark script; its stdout (a failure stops the run with the script's own words)."""
    cmd = [PY, *args]
    print("$ python " + " ".join(args), flush=True)
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} exited {proc.returncode}:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return proc.stdout


def reading_lists(t: Table, entries: int) -> None:
    """The edit-then-render rows: warm with nothing changed, and after one title edit (4,401 entries, APA)."""
    out = script(["benchmarks/bench_reading_list.py", "--edit", str(entries), "apa", "--no-pandoc"])
    rows = {}
    for line in out.splitlines():
        m = re.match(r"\| \| `bibkit reading-list`, (.+?) \| ([\d.]+) s \| ([\d.]+) s \|", line)
        if m:
            rows[m.group(1)] = (float(m.group(2)), float(m.group(3)))
    same = "byte-identical" in out
    cold = rows.get("cold (empty cache)")
    peer = f"cold run {cold[0]:.2f} s (CPU {cold[1]:.2f} s)" if cold else "cold run: not measured"
    for label, key, goal in ((f"reading list, {entries:,} entries APA, warm, nothing changed",
                              "warm, nothing changed", None),
                             (f"reading list, {entries:,} entries APA, one title edited", "one title edited", 1.5),
                             (f"reading list, {entries:,} entries APA, one author added", "one author added", 1.5),
                             (f"reading list, {entries:,} entries APA, one year changed", "one year changed", 1.5)):
        wall, cpu = rows.get(key, (float("nan"), float("nan")))
        ratio = f"{wall / cold[0]:.3f}x cold" if cold else ""
        t.add(label, f"{wall:.2f} s (CPU {cpu:.2f} s)" + ("" if same else "; output DIFFERS from a cold run"),
              peer, ratio, f"≤ {goal:g} s, output = cold output" if goal else "keep (≈ 1.1 s)",
              (wall <= goal and same) if goal else None)


_COLD_ROW = re.compile(r"\| (\S+) \| ([\d,]+) \| ([\d.]+) s / ([\d.]+) s \| (>?) ?([\d.]+) s / >? ?([\d.]+) s[^|]* \| "
                       r"[^|]+ \| ([^|]+) \|")


def cold_reading_lists(t: Table, sizes: str, limit: float) -> None:
    """Every profile cold at each size, beside one plain ``pandoc --citeproc`` run of the same file
    (``benchmarks/bench_cold_ratio.py``); a pandoc run cut off at ``limit`` seconds gives an upper bound."""
    out = script(["benchmarks/bench_cold_ratio.py", "--sizes", sizes, "--limit", f"{limit:g}"])
    for m in _COLD_ROW.finditer(out):
        profile, n, b_wall, b_cpu, cut, p_wall, p_cpu, same = m.groups()
        b_wall, p_wall = float(b_wall), float(p_wall)
        if cut:
            peer = f"pandoc cut off at {p_wall:.0f} s (> {float(p_cpu):.0f} s CPU), no output"
            ratio, met = f"< {b_wall / p_wall:.3f}x", b_wall <= 0.5 * p_wall
        else:
            peer = f"pandoc {p_wall:.2f} s (CPU {float(p_cpu):.2f} s)"
            ratio, met = f"{b_wall / p_wall:.3f}x", b_wall <= 0.5 * p_wall and same.strip().startswith("yes")
        t.add(f"reading list cold, {profile}, {n} entries APA", f"{b_wall:.2f} s (CPU {float(b_cpu):.2f} s); "
              f"entries equal pandoc's: {same.strip()}", peer, ratio, "≤ 0.5x pandoc, same entries", met)


def hundred_k(t: Table, shares: list[str], repeat: int, workdir: str) -> None:
    """Cold ``check`` and the first ``claim-map`` after it on 100k long records, bibtexparser beside them."""
    raw = os.path.join(workdir, "long-records.json")
    script(["benchmarks/run.py", "--profile", "long-records", "--sizes", "100000", "--abstract-share",
            ",".join(shares), "--repeat", str(repeat), "--no-write", "--workdir", workdir, "--json", raw])
    with open(raw, encoding="utf-8") as fh:
        runs = json.load(fh)
    for run in runs:
        rows = run["rows"]
        parses = run["bibtexparser_parses"]
        base = sorted(parses)[len(parses) // 2] if parses else float("nan")
        peer = f"bibtexparser parse_file {base:.2f} s ({rows['bibtexparser']['rss_kb'] / 1024:.0f} MB)"
        shape = f"100k long records, abstract share {run['share']:g} ({run['size_mb']:.0f} MB)"
        check = rows["cold `bibkit check` (whole process)"]
        wall = sorted(check["walls"])[len(check["walls"]) // 2]
        mb = check["rss_kb"] / 1024
        t.add(f"cold `check`, {shape}, 10,000 claims", f"{wall:.2f} s, {mb:.0f} MB", peer,
              f"{wall / base:.2f}x", "≤ 0.5x, ≤ 400 MB", wall <= 0.5 * base and mb <= 400)
        first = rows["first `bibkit claim-map` after `check` (10,000 claims)"]
        wall = sorted(first["walls"])[len(first["walls"]) // 2]
        t.add(f"first `claim-map` after `check`, {shape}", f"{wall:.2f} s, {first['rss_kb'] / 1024:.0f} MB", peer,
              f"{wall / base:.3f}x", "≤ 0.375x", wall <= 0.375 * base)


def language_server(t: Table, entries: int, looked_up: int) -> None:
    """An edit of one entry of ``entries``, with and without ``looked_up`` entries in the lookup cache."""
    out = script(["benchmarks/bench_lsp.py", str(entries), "300", str(looked_up)])

    def ms(label: str) -> tuple[float, float]:
        m = re.search(re.escape(label) + r"[^\n]*?\s+(\d+) ms\s+\(CPU (\d+) ms", out)
        return (float(m.group(1)), float(m.group(2))) if m else (float("nan"), float("nan"))

    whole = ms("reload after an unsaved .bib edit")
    peer = f"whole buffer read again {whole[0]:.0f} ms (CPU {whole[1]:.0f} ms)"
    for label, key in ((f"language server, one entry of {entries:,} edited", "reload after editing one entry"),
                       (f"the same, {looked_up} entries looked up (`bibkit lookup` cache)",
                        f"the same, {looked_up} entries looked up")):
        wall, cpu = ms(key)
        t.add(label, f"{wall:.0f} ms (CPU {cpu:.0f} ms)", peer, f"{wall / whole[0]:.2f}x", "≤ 50 ms", wall <= 50)


def load() -> str:
    """The load averages (1, 5, 15 minutes)."""
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def write_section(text: str, path: Path) -> None:
    """Replace (or append) this runner's section of BENCHMARKS.md."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    at = old.find("\n" + TITLE)
    if at >= 0:
        nxt = old.find("\n## ", at + 1)
        old = old[:at + 1] + (old[nxt + 1:] if nxt >= 0 else "")
        path.write_text(old.rstrip("\n") + "\n\n" + text.rstrip("\n") + "\n", encoding="utf-8")
    else:
        path.write_text(old.rstrip("\n") + "\n\n" + text.rstrip("\n") + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", default=",".join(GROUPS), help=f"comma-separated groups of {', '.join(GROUPS)}")
    p.add_argument("--shares", default="0.02", help="100k: the abstract shares (0.02: issue 14's 44 MB file; "
                                                    "1: every entry a long record, 272 MB)")
    p.add_argument("--repeat", type=int, default=1, help="100k: repeats (medians)")
    p.add_argument("--reading-list-entries", type=int, default=4401)
    p.add_argument("--cold-sizes", default="1000,5000", help="cold: the list sizes")
    p.add_argument("--cold-limit", type=float, default=600,
                   help="cold: seconds one pandoc run may take (a cut-off run gives an upper bound on the ratio)")
    p.add_argument("--lsp-entries", type=int, default=5000)
    p.add_argument("--looked-up", type=int, default=400)
    p.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "bibkit-bench"))
    p.add_argument("--write", action="store_true", help=f"write the table into BENCHMARKS.md ({TITLE!r})")
    args = p.parse_args(argv)
    groups = [g for g in args.only.split(",") if g]
    unknown = set(groups) - set(GROUPS)
    if unknown:
        p.error(f"unknown group(s) {', '.join(sorted(unknown))}; choose from {', '.join(GROUPS)}")
    os.makedirs(args.workdir, exist_ok=True)
    started, before = time.strftime("%Y-%m-%d %H:%M"), load()
    t = Table()
    if "reading-list" in groups:
        reading_lists(t, args.reading_list_entries)
    if "cold" in groups:
        cold_reading_lists(t, args.cold_sizes, args.cold_limit)
    if "100k" in groups:
        hundred_k(t, args.shares.split(","), args.repeat, args.workdir)
    if "lsp" in groups:
        language_server(t, args.lsp_entries, args.looked_up)
    sys.path.insert(0, str(HERE))
    import run as runner  # benchmarks/run.py: the machine line

    text = (f"{TITLE}\n\n`python benchmarks/bench_issue26.py{' ' + ' '.join(argv or sys.argv[1:]) if (argv or sys.argv[1:]) else ''}`, "
            f"{started}, {runner.machine()}; load average {before} before the run, {load()} after "
            "(1, 5, 15 minutes; the 2 cores are shared). Each group is its own script run as a subprocess; "
            "the peer of each row was measured in the same run.\n\n" + t.markdown() + "\n")
    print()
    print(text)
    if args.write:
        write_section(text, ROOT / "BENCHMARKS.md")
        print("wrote BENCHMARKS.md")


if __name__ == "__main__":
    main()
