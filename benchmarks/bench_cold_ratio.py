"""The cold reading-list row of issue 26: bibkit cold against one plain ``pandoc --citeproc`` run.

For each profile (``default``, ``dense-authors``, ``long-records`` of :mod:`benchmarks.generate`, and
``corpus``: the readable bibtex-tidy corpus entries topped up with generated ones, as the ``--edit``
row of :mod:`benchmarks.bench_reading_list` builds them) at 1,000 and 5,000 entries: build the file,
run ``bibkit reading-list --no-cache`` on it (a whole process, a fresh cache folder), then one plain
``pandoc --citeproc`` over the same file with the same style, under a memory cap (``+RTS -M8g``) and a
time limit; print wall and CPU time of each, the ratio, and whether bibkit's entries equal pandoc's.

Run: python benchmarks/bench_cold_ratio.py [--style apa] [--sizes 1000,5000] [--limit 600] [--profiles ...]
     python benchmarks/bench_cold_ratio.py --bisect [--limit 1200]   (which corpus entries blow pandoc up:
         halves under a 2 GB cap and 120 s of CPU each)
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_reading_list import edit_list  # noqa: E402
from benchmarks.generate import bibliography, keys_of  # noqa: E402
from bibkit.bib.latex import compose_dotless  # noqa: E402
from bibkit.formatting import load_style  # noqa: E402
from bibkit.formatting.pandoc_run import pandoc_path  # noqa: E402

PROFILES = ("default", "dense-authors", "long-records", "corpus")
#: bibkit's entries one per paragraph, not wrapped: what is compared with pandoc's plain output
TEMPLATE = "{% for g in rl.groups %}{% for i in g.items %}{{ i.reference }}\n\n{% endfor %}{% endfor %}"


def build(profile: str, n: int) -> str:
    """The benchmark file of ``n`` entries in ``profile``."""
    if profile == "corpus":
        return edit_list(n)
    return bibliography(n, seed=26, profile=profile)


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_bibkit(bib: Path, style: str, work: Path) -> tuple[float, float, list[str]]:
    """``bibkit reading-list --no-cache`` over ``bib``, a fresh cache folder: (wall, CPU, its entries)."""
    tdir = work / "templates"
    tdir.mkdir(exist_ok=True)
    (tdir / "reading-list.txt").write_text(TEMPLATE, encoding="utf-8")
    out = work / "bibkit.txt"
    env = {**os.environ, "BIBKIT_CACHE_DIR": str(work / "fresh-cache"), "BIBKIT_NO_PROGRESS": "1"}
    cmd = [sys.executable, "-m", "bibkit", "reading-list", "--bib", str(bib), "--style", style, "--no-cache",
           "--no-annotations", "--template-dir", str(tdir), "-o", str(out)]
    cpu, t = _children_cpu(), time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env, cwd=work)
    wall = time.perf_counter() - t
    return wall, _children_cpu() - cpu, [p for p in out.read_text(encoding="utf-8").split("\n\n") if p.strip()]


def run_pandoc(bib: Path, style: str, limit: float, memory: str = "8g",
               cpu_limit: int | None = None) -> tuple[float, float, list[str] | None, str]:
    """One plain ``pandoc --citeproc`` over ``bib`` (nocite @*), under ``+RTS -M{memory}``, ``limit``
    seconds of wall time and ``cpu_limit`` seconds of CPU: (wall, CPU, its entries or None, why it was
    cut off or '')."""
    cmd = [pandoc_path(), "+RTS", f"-M{memory}", "-RTS", "--citeproc", "--csl", load_style(style).path,
           "--bibliography", str(bib), "-f", "markdown", "-t", "plain", "--wrap=none"]
    cpu, t = _children_cpu(), time.perf_counter()
    def cap() -> None:
        if cpu_limit:
            resource.setrlimit(resource.RLIMIT_CPU, (cpu_limit, cpu_limit + 5))

    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=cap)
    why = ""
    try:
        out, err = proc.communicate(b"---\nnocite: '@*'\n---\n", timeout=limit)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        why = f"time limit {limit:.0f} s"
    wall = time.perf_counter() - t
    used = _children_cpu() - cpu
    if not why and proc.returncode != 0:
        text = err.decode("utf-8", "replace")
        if "heap overflow" in text.lower():
            why = f"memory cap {memory}"
        elif cpu_limit and proc.returncode in (-24, -9):  # SIGXCPU, then SIGKILL at the hard limit
            why = f"CPU limit {cpu_limit} s"
        else:
            why = f"exit {proc.returncode}: {text[:100]}"
    if why:
        return wall, used, None, why
    entries = [" ".join(p.split()) for p in re.split(r"\n\s*\n", out.decode("utf-8")) if p.strip()]
    return wall, used, [compose_dotless(e) for e in entries], ""


def compare(ours: list[str], theirs: list[str]) -> str:
    """Whether bibkit's entries are pandoc's, entry by entry (bibkit composes "ı́" to "í" on purpose)."""
    if len(ours) != len(theirs):
        return f"no: {len(ours)} entries vs pandoc's {len(theirs)}"
    bad = sum(a != b for a, b in zip(ours, theirs))
    # bibkit keeps "Farrar, Straus and Giroux" whole where pandoc reads a list (tests/test_formatting_oracle.py)
    deliberate = sum(a != b and a.replace(" and ", "; ") == b.replace(" and ", "; ") for a, b in zip(ours, theirs))
    if not bad:
        return f"yes, all {len(ours)}"
    if bad == deliberate:
        return f"yes, {len(ours) - bad} identical + {bad} deliberate publisher-list deviations"
    return f"no: {bad - deliberate} of {len(ours)} differ"


def ratio_table(profiles: list[str], sizes: list[int], style: str, limit: float, keep: str | None = None) -> None:
    print(f"load average at start: {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f} {os.getloadavg()[2]:.1f}",
          flush=True)
    print("| profile | entries | bibkit cold wall / CPU | pandoc wall / CPU | ratio wall / CPU | entries equal | load |")
    print("|---|---|---|---|---|---|---|", flush=True)
    for n in sizes:
        for profile in profiles:
            with tempfile.TemporaryDirectory() as tmp:
                work = Path(tmp)
                bib = work / "list.bib"
                text = build(profile, n)
                bib.write_text(text, encoding="utf-8")
                count = len(keys_of(text))
                b_wall, b_cpu, ours = run_bibkit(bib, style, work)
                p_wall, p_cpu, theirs, why = run_pandoc(bib, style, limit)
                load = os.getloadavg()[0]
                if why:
                    pandoc = f"> {p_wall:.1f} s / > {p_cpu:.1f} s (cut off at {why})"
                    ratio = f"< {b_wall / p_wall:.3f}x / < {b_cpu / max(p_cpu, 1e-9):.3f}x"
                    same = "pandoc gave no output"
                else:
                    pandoc = f"{p_wall:.2f} s / {p_cpu:.2f} s"
                    ratio = f"{b_wall / p_wall:.3f}x / {b_cpu / p_cpu:.3f}x"
                    same = compare(ours, theirs or [])
                if keep:  # the file and both outputs, to look at a difference afterwards
                    import json

                    Path(keep).mkdir(parents=True, exist_ok=True)
                    (Path(keep) / f"{profile}-{n}.bib").write_text(text, encoding="utf-8")
                    (Path(keep) / f"{profile}-{n}.json").write_text(json.dumps({"bibkit": ours, "pandoc": theirs}))
                print(f"| {profile} | {count:,} | {b_wall:.2f} s / {b_cpu:.2f} s | {pandoc} | {ratio} | {same} "
                      f"| {load:.1f} |", flush=True)


def bisect(style: str, limit: float, memory: str = "2g", n: int = 4401, cpu_limit: int = 120) -> None:
    """Which entries of the corpus list make one pandoc run blow up: halves run apart under a small memory cap,
    the half that still hits the cap is halved again (both halves reported at each step)."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        full = work / "full.bib"
        full.write_text(edit_list(n), encoding="utf-8")
        parts = re.split(r"\n(?=@)", full.read_text(encoding="utf-8"))
        chunks = [p for p in parts if p.strip()]
        step = 0
        while len(chunks) > 1:
            half = len(chunks) // 2
            results = []
            for name, part in (("first", chunks[:half]), ("second", chunks[half:])):
                bib = work / f"{name}.bib"
                bib.write_text("\n".join(part), encoding="utf-8")
                wall, cpu, _, why = run_pandoc(bib, style, limit, memory, cpu_limit)
                results.append((part, why))
                print(f"step {step}: {name} half, {len(part)} entries: {wall:.1f} s wall, {cpu:.1f} s CPU, "
                      f"{why or 'finished'}", flush=True)
            step += 1
            blown = [part for part, why in results if why.startswith("memory")]
            if len(blown) != 1:
                print("neither half alone (or both) hits the cap: the blow-up is the size of the run, not one entry"
                      if not blown else "both halves hit the cap: halving the first", flush=True)
                if not blown:
                    return
            chunks = blown[0]
        print("the entry that blows pandoc up alone:\n" + chunks[0], flush=True)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--style", default="apa")
    p.add_argument("--sizes", default="1000,5000")
    p.add_argument("--profiles", default=",".join(PROFILES))
    p.add_argument("--limit", type=float, default=600, help="seconds one pandoc run may take")
    p.add_argument("--keep", metavar="DIR", help="keep each file and both outputs in DIR")
    p.add_argument("--bisect", action="store_true", help="find the corpus entries that blow pandoc up")
    args = p.parse_args(argv)
    if args.bisect:
        bisect(args.style, args.limit)
        return
    ratio_table(args.profiles.split(","), [int(s) for s in args.sizes.split(",")], args.style, args.limit, args.keep)


if __name__ == "__main__":
    main()
