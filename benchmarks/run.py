"""Time bibkit against pybtex, bibtexparser and pandoc in one run and write BENCHMARKS.md.

Every measurement is a fresh subprocess; wall time is the median of ``--repeat`` runs and peak RSS
comes from ``os.wait4`` (the child's own ``ru_maxrss``). Peers are timed twice: the whole process,
and the parse call alone (printed by the child), so bibkit's whole process can be held against the
peers' bare parse time.

    python benchmarks/run.py                 # 1k, 10k, 100k, pathological files; writes BENCHMARKS.md
    python benchmarks/run.py --sizes 1000 --repeat 1 --no-write   # quick look
    python benchmarks/run.py --profile long-records --sizes 100000   # issue 14's rows, goals and met/not met

``--profile long-records`` measures issue 14's workload: entries of 15-20 fields, a share of them
with 150-300-word abstracts (``--abstract-share``, 0.02 by default: 100k entries in 44 MB; 1 gives
every entry one, 272 MB), 10,000 claims. Each repeat, in one run: bibtexparser's ``parse_file``,
then with an empty cache directory a cold ``bibkit check``, the first ``bibkit claim-map`` after it,
and a warm ``bibkit claim-map --format json``. It prints the table of goals and writes it as the
"## Long records" section of BENCHMARKS.md (the other sections are kept).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PY = sys.executable
BIBKIT = [PY, "-m", "bibkit"]
TIMED = "import sys, time\n{setup}\nt = time.perf_counter()\n{call}\nprint('PARSE', time.perf_counter() - t)\n"
PEERS = {
    "pybtex": ("from pybtex.database import parse_file", "parse_file(sys.argv[1])"),
    "bibtexparser": ("import bibtexparser", "bibtexparser.parse_file(sys.argv[1])"),
}
WORKDIR = [tempfile.gettempdir()]
FLOOR = [0]  # the runner's own peak RSS (KiB): a child's ru_maxrss is never below it
PANDOC_LIMIT_MB = 12  # pandoc needs ~100 s and 5 GB for the 44 MB file (issue 7); bigger files are skipped


@dataclass
class Result:
    """The runs of one tool on one input."""

    tool: str
    input: str
    walls: list[float] = field(default_factory=list)
    parses: list[float] = field(default_factory=list)
    rss_kb: int = 0
    exit: int = 0
    note: str = ""

    @property
    def wall(self) -> float:
        """Median whole-process seconds."""
        return statistics.median(self.walls) if self.walls else float("nan")

    @property
    def parse(self) -> float | None:
        """Median parse-call seconds (peers only)."""
        return statistics.median(self.parses) if self.parses else None


def measure(cmd: list[str], env: dict | None = None, timeout: float = 900) -> tuple[float, int, int, str]:
    """Run ``cmd``; return wall seconds, peak RSS (KiB), exit code and stdout."""
    with tempfile.TemporaryFile() as out:
        import resource

        floor = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        FLOOR[0] = max(FLOOR[0], floor)
        t = time.perf_counter()
        # Run in the benchmark directory: no claims.yaml or bibkit.toml there to pick up by default.
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL, env=env, cwd=WORKDIR[0])
        deadline = t + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.005)
        wall = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        # Only the tail (where the PARSE line is): reading a 100 MB report would grow this process,
        # and Linux counts the parent's peak RSS into every later child's ru_maxrss.
        size = out.seek(0, os.SEEK_END)
        out.seek(max(0, size - 4096))
        return wall, usage.ru_maxrss, proc.returncode, out.read().decode("utf-8", "replace")


def run_tool(name: str, cmd: list[str], path: str, repeat: int, env: dict | None = None,
             ok=(0, 1), timeout: float = 900) -> Result:
    """Run one tool ``repeat`` times on ``path``."""
    res = Result(name, os.path.basename(path))
    for _ in range(repeat):
        wall, rss, code, out = measure(cmd, env, timeout)
        if wall >= timeout:
            res.walls.append(wall)
            res.note = f"stopped after {timeout:.0f} s"
            break
        res.walls.append(wall)
        res.rss_kb = max(res.rss_kb, rss)
        res.exit = code
        for line in out.splitlines():
            if line.startswith("PARSE "):
                res.parses.append(float(line.split()[1]))
        if code not in ok:
            res.note = f"exit {code}"
            break
    return res


def bibkit_env(cache_dir: str) -> dict:
    """The environment for bibkit runs: a private cache directory, no colour."""
    env = dict(os.environ, BIBKIT_CACHE_DIR=cache_dir, NO_COLOR="1")
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return env


def has_command(name: str) -> bool:
    """True when ``bibkit <name>`` exists in this checkout."""
    return os.path.exists(os.path.join(ROOT, "bibkit", "cli", name.replace("-", "_") + ".py"))


def pandoc_path() -> str | None:
    """The pandoc binary that pypandoc-binary ships, if installed."""
    try:
        import pypandoc

        return pypandoc.get_pandoc_path()
    except Exception:  # noqa: BLE001 - pandoc is optional here
        return shutil.which("pandoc")


def bench_size(n: int, workdir: str, repeat: int, peers: bool, log) -> dict:
    """All tools on the ``n``-entry file (plus bibkit warm and claim-map)."""
    bib = os.path.join(workdir, f"bench-{n}.bib")
    claims = os.path.join(workdir, f"bench-{n}-claims.yaml")
    if not os.path.exists(bib):
        # In a child process: Linux counts the parent's peak RSS into each child's ru_maxrss,
        # so the runner itself must stay small.
        subprocess.run([PY, os.path.join(HERE, "generate.py"), "--entries", str(n), "-o", bib, "--claims", "10000",
                        "--claims-output", claims], check=True)
    size_mb = os.path.getsize(bib) / 1e6
    cache = tempfile.mkdtemp(prefix="bibkit-cache-", dir=workdir)
    env = bibkit_env(cache)
    out: dict = {"n": n, "size_mb": size_mb, "results": []}
    rep_slow = repeat if n < 100_000 else max(1, min(repeat, 3))

    def add(res: Result) -> None:
        out["results"].append(res)
        parse = f" parse {res.parse:.2f}s" if res.parse is not None else ""
        log(f"  {res.tool:<22} {res.wall:8.2f}s{parse} {res.rss_kb / 1024:7.0f} MB {res.note}")

    log(f"{n} entries ({size_mb:.1f} MB)")
    add(run_tool("bibkit check (cold)", BIBKIT + ["check", "--no-cache", "--bib", bib], bib, repeat, env))
    add(run_tool("bibkit check + claims (cold)", BIBKIT + ["check", "--no-cache", "--bib", bib, "--claims", claims],
                 bib, repeat, env))
    measure(BIBKIT + ["check", "--bib", bib, "--claims", claims], env)  # fill the cache
    add(run_tool("bibkit check (warm)", BIBKIT + ["check", "--bib", bib], bib, repeat, env))
    add(run_tool("bibkit check + claims (warm)", BIBKIT + ["check", "--bib", bib, "--claims", claims], bib, repeat,
                 env))

    if has_command("claim-map"):
        add(run_tool("bibkit claim-map (warm)", BIBKIT + ["claim-map", "--bib", bib, "--claims", claims,
                                                          "--format", "json"], bib, repeat, env))
    else:
        out["claim_map_missing"] = True
    if peers:
        for name, (setup, call) in PEERS.items():
            script = TIMED.format(setup=setup, call=call)
            add(run_tool(name, [PY, "-c", script, bib], bib, 1 if name == "pybtex" and n >= 100_000 else rep_slow,
                         ok=(0,)))
        pandoc = pandoc_path()
        if pandoc is None:
            out["pandoc"] = "pandoc not installed"
        elif size_mb > PANDOC_LIMIT_MB:
            out["pandoc"] = (f"skipped: {size_mb:.0f} MB is over {PANDOC_LIMIT_MB} MB; pandoc took 98 s and 5.3 GB "
                             "on the 44 MB file when the issue was written")
        else:
            add(run_tool("pandoc", [pandoc, "-f", "bibtex", "-t", "csljson", "-o", os.devnull, bib], bib,
                         rep_slow, ok=(0,)))
    shutil.rmtree(cache, ignore_errors=True)
    return out


def bench_pathological(workdir: str, repeat: int, log) -> list[Result]:
    """bibkit (cold) on the files that would expose quadratic paths."""
    pdir = os.path.join(workdir, "pathological")
    if not os.path.isdir(pdir):
        subprocess.run([PY, os.path.join(HERE, "generate.py"), "--pathological", pdir], check=True)
    cache = tempfile.mkdtemp(prefix="bibkit-cache-", dir=workdir)
    env = bibkit_env(cache)
    results = []
    log("pathological files")
    for name in ("huge-field.bib", "many-macros.bib", "many-authors.bib"):
        path = os.path.join(pdir, name)
        res = run_tool("bibkit check (cold)", BIBKIT + ["check", "--no-cache", "--bib", path], path, repeat, env)
        res.note = f"{os.path.getsize(path) / 1e6:.1f} MB"
        bp = run_tool("bibtexparser", [PY, "-c", TIMED.format(setup=PEERS["bibtexparser"][0],
                                                             call=PEERS["bibtexparser"][1]), path], path, 1, ok=(0,),
                      timeout=120)
        results.append((res, bp))
        log(f"  {name:<18} bibkit {res.wall:6.2f}s {res.rss_kb / 1024:5.0f} MB  bibtexparser {bp.wall:6.2f}s")
    # Commands that parse names: 10,000 authors in one entry must not be quadratic there either.
    crowd = os.path.join(pdir, "many-authors.bib")
    for label, args in (("bibkit export --to csl-json", ["export", "--to", "csl-json"]),
                        ("bibkit reading-list --style plain", ["reading-list", "--style", "plain"]),
                        ("bibkit reading-list --style apa", ["reading-list", "--style", "apa"])):
        if has_command(args[0]):
            res = run_tool(label, BIBKIT + args + ["--no-cache", "--bib", crowd], crowd, repeat, env, timeout=300)
            res.note = "10,000 authors"
            results.append((res, None))
            log(f"  {label:<34} {res.wall:6.2f}s {res.rss_kb / 1024:5.0f} MB")
    shutil.rmtree(cache, ignore_errors=True)
    return results


def machine() -> str:
    """A one-line description of this machine."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        mem = 0
    import bibtexparser
    import pybtex

    return (f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GB RAM; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}; pybtex {pybtex.__version__}, "
            f"bibtexparser {bibtexparser.__version__}")


def _fmt_rss(kb: int) -> str:
    return f"{kb / 1024:.0f} MB"


def render(sizes: list[dict], patho, repeat: int, started: str) -> str:
    """The benchmark section of BENCHMARKS.md."""
    lines = ["# Benchmarks", "",
             "Generated by `python benchmarks/run.py` (do not edit by hand; the *Reading list* section is "
             "written by its own benchmark).", "",
             f"- Machine: {machine()}.",
             f"- Run: {started}; wall time is the median of {repeat} runs (pybtex on 100k: one run), "
             "each a fresh process; peak RSS is the child's `ru_maxrss`.",
             "- Inputs: `benchmarks/generate.py` (1-12 authors with LaTeX accents, `@string` journal macros, "
             "month macros, 15% with abstracts; 10,000 claims).",
             "- `bibkit check` times are the whole process (start-up, load, every check, report). "
             "Peers' *parse* column is the `parse_file` call alone, without interpreter start-up.",
             "- The machine is shared (2 cores), so a few percent of noise is normal.",
             f"- Peak RSS below {FLOOR[0] / 1024:.0f} MB cannot be told apart (the runner's own peak, which "
             "Linux counts into each child's).", ""]
    goals = []
    for s in sizes:
        res = {r.tool: r for r in s["results"]}
        lines += [f"## {s['n']:,} entries ({s['size_mb']:.1f} MB)", "",
                  "| tool | wall (median) | parse only | peak RSS | this tool vs cold `bibkit check` |",
                  "|---|---:|---:|---:|---:|"]
        cold = res.get("bibkit check (cold)")
        for r in s["results"]:
            ratio = ""
            if cold and not r.tool.startswith("bibkit"):
                base = r.parse if r.parse is not None else r.wall
                ratio = f"{base / cold.wall:.1f}x slower" if base >= cold.wall else f"{cold.wall / base:.1f}x faster"
            parse = f"{r.parse:.2f} s" if r.parse is not None else ""
            lines.append(f"| {r.tool} | {r.wall:.2f} s | {parse} | {_fmt_rss(r.rss_kb)} | {ratio} |"
                         + (f" {r.note}" if r.note else ""))
        if s.get("pandoc"):
            lines += ["", f"pandoc: {s['pandoc']}."]
        if s.get("claim_map_missing"):
            lines += ["", "`bibkit claim-map` did not exist in this checkout when the run was made."]
        lines.append("")
        s["by_tool"] = res
    by_n = {s["n"]: s["by_tool"] for s in sizes}
    if 100_000 in by_n:
        r = by_n[100_000]
        cold, warm = r.get("bibkit check (cold)"), r.get("bibkit check (warm)")
        bp = r.get("bibtexparser")
        cm = r.get("bibkit claim-map (warm)")
        if cold and bp and bp.parse:
            goals.append(("cold `bibkit check` 100k ≤ ½ bibtexparser parse", f"{cold.wall:.2f} s vs "
                          f"{bp.parse:.2f} s ({cold.wall / bp.parse:.2f}x)", cold.wall <= bp.parse / 2))
        if cold:
            goals.append(("peak RSS ≤ 500 MB", _fmt_rss(cold.rss_kb), cold.rss_kb <= 500 * 1024))
        if warm:
            goals.append(("warm `bibkit check` ≤ 1.5 s", f"{warm.wall:.2f} s", warm.wall <= 1.5))
        if cm:
            goals.append(("warm `bibkit claim-map` (10,000 claims) ≤ 3 s", f"{cm.wall:.2f} s", cm.wall <= 3))
        else:
            goals.append(("warm `bibkit claim-map` (10,000 claims) ≤ 3 s", "not measured: command missing", False))
        if 10_000 in by_n and cold and by_n[10_000].get("bibkit check (cold)"):
            small = by_n[10_000]["bibkit check (cold)"]
            goals.append(("10k → 100k ≤ 11x", f"{cold.wall / small.wall:.1f}x", cold.wall / small.wall <= 11))
    if patho:
        lines += ["## No quadratic paths (bibkit cold check)", "",
                  "| file | size | bibkit | peak RSS | bibtexparser (whole process) |", "|---|---:|---:|---:|---:|"]
        for res, bp in patho:
            if bp is None:
                continue
            bpt = f"{bp.wall:.2f} s" + (f" ({bp.note})" if bp.note else "")
            lines.append(f"| {res.input} | {res.note} | {res.wall:.2f} s | {_fmt_rss(res.rss_kb)} | {bpt} |")
        others = [res for res, bp in patho if bp is None]
        if others:
            lines += ["", "Commands that parse names, on `many-authors.bib` (one entry, 10,000 authors):", "",
                      "| command | wall (median) | peak RSS |", "|---|---:|---:|"]
            lines += [f"| `{r.tool}` | {r.wall:.2f} s | {_fmt_rss(r.rss_kb)} |" for r in others]
        lines.append("")
    if goals:
        lines += ["## Goals (issue 7)", "", "| goal | measured | met |", "|---|---|---|"]
        lines += [f"| {g} | {m} | {'yes' if ok else '**no**'} |" for g, m, ok in goals]
        lines += ["", "Peers' column compares their bare `parse_file` call with bibkit's whole process "
                  "(start-up, load, every check, report): the comparison is tilted against bibkit.", ""]
        if any(not ok and "claim-map" in g for g, _, ok in goals):
            lines += ["`bibkit claim-map` misses its goal because of its report, not the load: the warm load of "
                      "the 100k file is the `bibkit check (warm)` time above; the rest is the JSON report, which "
                      "formats a citation for every one of the 100,000 sources (orphans included) at about "
                      "0.3 ms each, in `bibkit/bib/citations.py` (name parsing per call). Caching parsed names, or "
                      "citations alongside the parse cache, is the fix; `--format text` is about twice as fast.",
                      ""]
    return "\n".join(lines)


LONG_RECORDS_SECTION = "## Long records"
KEPT_SECTIONS = ("## Reading list", "## Full texts and verify", "## Word and HTML manuscripts",
                 LONG_RECORDS_SECTION, "## Passage suggestions", "## Registry lookups", "## Review decisions",
                 "## Needs-citation model", "## Language server",
                 "## Issue 26 goals")  # written by their own benchmarks (or run.py --profile long-records)


def write_benchmarks(text: str, path: str) -> None:
    """Replace BENCHMARKS.md but keep the sections other benchmarks write (``## Reading list``, ``## Full texts``)."""
    keep = ""
    if os.path.exists(path):
        with open(path, encoding="utf-8") as fh:
            old = fh.read()
        for title in KEPT_SECTIONS:
            at = old.find("\n" + title)
            if at >= 0:
                rest = old[at + 1:]
                nxt = rest.find("\n## ", 1)
                keep += ("\n" if keep else "") + (rest if nxt < 0 else rest[:nxt + 1]).rstrip("\n") + "\n"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text.rstrip("\n") + "\n" + ("\n" + keep.rstrip("\n") + "\n" if keep else ""))


# -- issue 14: long records -------------------------------------------------------------------

#: (workload, goal seconds or None, goal as a ratio to bibtexparser's parse or None, goal peak RSS MB or None)
LONG_RECORDS_GOALS = [
    ("cold `bibkit check` (whole process)", None, 0.5, 400),
    ("first `bibkit claim-map` after `check` (10,000 claims)", 3.0, None, None),
    ("warm `bibkit claim-map --format json`", 2.0, None, 600),
]


def bench_long_records(n: int, share: float, workdir: str, repeat: int, log) -> dict:
    """Issue 14's three workloads on ``n`` long records, with bibtexparser's parse measured in the same run."""
    tag = f"{n}-{share:g}"
    bib = os.path.join(workdir, f"long-records-{tag}.bib")
    claims = os.path.join(workdir, f"long-records-{tag}-claims.yaml")
    if not os.path.exists(bib) or not os.path.exists(claims):
        subprocess.run([PY, os.path.join(HERE, "generate.py"), "--entries", str(n), "--profile", "long-records",
                        "--abstract-share", str(share), "-o", bib, "--claims", "10000", "--claims-output", claims],
                       check=True)
    size_mb = os.path.getsize(bib) / 1e6
    log(f"{n} long records, abstract share {share:g} ({size_mb:.1f} MB), 10,000 claims")
    peer = Result("bibtexparser", os.path.basename(bib))
    rows = [Result(name, os.path.basename(bib)) for name, *_ in LONG_RECORDS_GOALS]
    bp_script = TIMED.format(setup=PEERS["bibtexparser"][0], call=PEERS["bibtexparser"][1])
    for _ in range(repeat):
        wall, rss, code, out = measure([PY, "-c", bp_script, bib])
        peer.walls.append(wall)
        peer.rss_kb = max(peer.rss_kb, rss)
        peer.parses += [float(line.split()[1]) for line in out.splitlines() if line.startswith("PARSE ")]
        cache = tempfile.mkdtemp(prefix="bibkit-cache-", dir=workdir)
        env = bibkit_env(cache)
        steps = [BIBKIT + ["check", "--bib", bib, "--claims", claims],
                 BIBKIT + ["claim-map", "--bib", bib, "--claims", claims],
                 None,  # one JSON map to warm the cache for its own citations, not timed
                 BIBKIT + ["claim-map", "--bib", bib, "--claims", claims, "--format", "json"]]
        timed = iter(rows)
        for cmd in steps:
            if cmd is None:
                measure(BIBKIT + ["claim-map", "--bib", bib, "--claims", claims, "--format", "json"], env)
                continue
            res = next(timed)
            wall, rss, code, _ = measure(cmd, env)
            res.walls.append(wall)
            res.rss_kb = max(res.rss_kb, rss)
            if code not in (0, 1):
                res.note = f"exit {code}"
        shutil.rmtree(cache, ignore_errors=True)
        log(f"  bibtexparser parse {peer.parses[-1] if peer.parses else float('nan'):6.2f}s   "
            + "   ".join(f"{r.walls[-1]:6.2f}s {r.rss_kb / 1024:4.0f} MB" for r in rows))
    return {"n": n, "share": share, "size_mb": size_mb, "peer": peer, "rows": rows}


def long_records_goals(run: dict) -> list[tuple[str, str, str, bool]]:
    """(workload, measured, goal, met) for each of issue 14's rows."""
    peer = run["peer"]
    base = peer.parse if peer.parse is not None else peer.wall
    out = []
    for (name, seconds, ratio, rss_mb), res in zip(LONG_RECORDS_GOALS, run["rows"]):
        measured = [f"{res.wall:.2f} s"]
        goal, met = [], not res.note
        if ratio is not None:
            measured[0] += f" = {res.wall / base:.2f}x bibtexparser's parse ({base:.2f} s)"
            goal.append(f"≤ {ratio:g}x")
            met = met and res.wall <= ratio * base
        if seconds is not None:
            goal.append(f"≤ {seconds:g} s")
            met = met and res.wall <= seconds
        measured.append(_fmt_rss(res.rss_kb))
        if rss_mb is not None:
            goal.append(f"≤ {rss_mb} MB")
            met = met and res.rss_kb <= rss_mb * 1024
        out.append((name, ", ".join(measured) + (f" ({res.note})" if res.note else ""), ", ".join(goal), met))
    return out


def render_long_records(runs: list[dict], repeat: int, started: str) -> str:
    """The "Long records" section: issue 14's goals, measured and met, per file shape."""
    lines = [f"{LONG_RECORDS_SECTION} (issue 14)", "",
             f"`python benchmarks/run.py --profile long-records`, {started}, on {machine()}. Entries of 15-20 "
             "fields; a share of them carry a 150-300-word abstract (`generate.py --profile long-records "
             "--abstract-share`); 10,000 claims. Each repeat runs bibtexparser's `parse_file` and the three "
             "bibkit commands (whole processes, the cache directory emptied before `check`) one after "
             f"another; times are medians of {repeat}, peak RSS the largest.", ""]
    for run in runs:
        lines += [f"### {run['n']:,} entries, abstract share {run['share']:g} ({run['size_mb']:.1f} MB)", "",
                  "| workload | measured | goal | met |", "|---|---|---|---|"]
        lines += [f"| {w} | {m} | {g} | {'yes' if ok else '**no**'} |" for w, m, g, ok in long_records_goals(run)]
        peer = run["peer"]
        lines += ["", f"bibtexparser: parse {peer.parse:.2f} s, whole process {peer.wall:.2f} s, "
                      f"{_fmt_rss(peer.rss_kb)}." if peer.parse is not None else "", ""]
    return "\n".join(lines)


def write_section(text: str, title: str, path: str) -> None:
    """Put ``text`` in place of the ``title`` section of ``path`` (added at the end when it has none)."""
    old = ""
    if os.path.exists(path):
        with open(path, encoding="utf-8") as fh:
            old = fh.read()
    at = old.find("\n" + title)
    if at < 0:
        new = old.rstrip("\n") + "\n\n" + text.rstrip("\n") + "\n"
    else:
        nxt = old.find("\n## ", at + 1)
        new = old[:at + 1] + text.rstrip("\n") + "\n" + (old[nxt:] if nxt >= 0 else "")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(new.lstrip("\n"))


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default=None, help="entry counts (default 1000,10000,100000; long-records: 100000)")
    p.add_argument("--profile", choices=("default", "long-records"), default="default",
                   help="default: the generator's default data against every peer; long-records: issue 14's "
                        "three workloads with their goals")
    p.add_argument("--abstract-share", default="0.02", metavar="F[,F...]",
                   help="long-records: the share of entries with a long abstract (0.02: 100k entries in 44 MB; "
                        "1: every entry); several make several files")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "bibkit-bench"))
    p.add_argument("--no-peers", action="store_true")
    p.add_argument("--no-pathological", action="store_true")
    p.add_argument("--no-write", action="store_true")
    p.add_argument("-o", "--output", default=os.path.join(ROOT, "BENCHMARKS.md"))
    p.add_argument("--json", metavar="PATH", help="long-records: also write the raw measurements here (for "
                   "benchmarks/bench_issue26.py)")
    args = p.parse_args(argv)
    os.makedirs(args.workdir, exist_ok=True)
    WORKDIR[0] = args.workdir
    started = time.strftime("%Y-%m-%d %H:%M")
    log = lambda msg: print(msg, flush=True)  # noqa: E731
    if args.profile == "long-records":
        runs = [bench_long_records(int(n), float(share), args.workdir, args.repeat, log)
                for n in (args.sizes or "100000").split(",") for share in args.abstract_share.split(",")]
        text = render_long_records(runs, args.repeat, started)
        print(text)
        if args.json:
            with open(args.json, "w", encoding="utf-8") as fh:
                json.dump([{"n": r["n"], "share": r["share"], "size_mb": r["size_mb"],
                            "rows": {res.tool: {"walls": res.walls, "rss_kb": res.rss_kb, "note": res.note}
                                     for res in [r["peer"], *r["rows"]]},
                            "bibtexparser_parses": r["peer"].parses} for r in runs], fh, indent=1)
        if not args.no_write:
            write_section(text, LONG_RECORDS_SECTION, args.output)
            print(f"wrote {args.output}")
        return
    sizes = [bench_size(int(n), args.workdir, args.repeat, not args.no_peers, log)
             for n in (args.sizes or "1000,10000,100000").split(",")]
    patho = [] if args.no_pathological else bench_pathological(args.workdir, args.repeat, log)
    text = render(sizes, patho, args.repeat, started)
    if args.no_write:
        print(text)
    else:
        write_benchmarks(text, args.output)
        print(f"wrote {args.output}")
    json.dumps([s["n"] for s in sizes])


if __name__ == "__main__":
    main()
