"""Language-server latency: diagnostics for a 300-line manuscript against a 5,000-entry bibliography.

The issue's target: diagnostics within 200 ms warm. Also measured: loading the project (cold and
with the parse cache warm) and reloading it after an unsaved edit of the .bib: reading the whole
edited buffer again (as before issue 26), and as the server does now, from the project before the
edit, reading again only the entries the edit touched (issue 26's goal: 50 ms for one entry). The
server reloads on a worker thread and answers from the old project meanwhile.

The last row (issue 26): the same edit with ``LOOKED_UP`` of the entries (400 by default) known to
the ``bibkit lookup`` cache, filled by a real lookup against the recorded registry answers the tests
use (``tests/data/lookup``, served on 127.0.0.1 by ``benchmarks/lookup_registry.py``): the server
shows their findings, so every reload reads them back from the cache.

Run: .venv/bin/python benchmarks/bench_lsp.py [ENTRIES] [LINES] [LOOKED_UP]
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bibkit import lsp  # noqa: E402


def best(fn, runs: int = 5, clock=time.perf_counter) -> float:
    """The fastest of ``runs`` calls, in milliseconds (wall time, or ``clock``'s)."""
    times = []
    for _ in range(runs):
        t = clock()
        fn()
        times.append(clock() - t)
    return 1000 * min(times)


def editing_session(config, path: str, text: str, entries: int):
    """A function that reloads the project after one more edit of one entry in the middle (an open buffer)."""
    middle = f"title = {{Title {entries // 2}}}"
    assert middle in text
    texts = [text.replace(middle, middle[:-1] + "x" * n + "}") for n in range(1, 7)]
    states = [lsp.load_state(config, {path: text})]
    count = [0]

    def edit_once() -> None:
        count[0] += 1
        states[0] = lsp.load_state(config, {path: texts[count[0] % len(texts)]}, states[0])

    return edit_once, states


def looked_up_row(entries: int, looked_up: int) -> tuple[float, float, int]:
    """(ms, CPU ms, lookup findings shown) for one-entry edits of ``entries`` entries, ``looked_up`` of them in the
    lookup cache (a real ``bibkit lookup`` run against the recorded answers, on 127.0.0.1)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from lookup_fixtures import BIB, MAILTO, registries

    from bibkit.bib.bibtex import load_bibliography
    from bibkit.evidence.lookup import Settings, lookup_entries
    from bibkit.infra.cache import cache_dir
    from bibkit.infra.diagnostics import Diagnostics

    recorded = re.findall(r"@\w+\{.*?\n\}\n", BIB, re.S)
    with tempfile.TemporaryDirectory() as tmp, registries() as server:
        old = {k: os.environ.get(k) for k in ("BIBKIT_CACHE_DIR", "BIBKIT_CROSSREF_URL", "BIBKIT_OPENALEX_URL")}
        os.environ.update(BIBKIT_CACHE_DIR=os.path.join(tmp, "cache"), BIBKIT_CROSSREF_URL=server.url + "/crossref",
                          BIBKIT_OPENALEX_URL=server.url + "/openalex")
        try:
            root = Path(tmp)
            copies = [re.sub(r"^(@\w+\{)(\w+),", lambda m: f"{m.group(1)}{m.group(2)}x{i},", recorded[i % len(recorded)])
                      for i in range(looked_up)]
            plain = [f"@article{{k{i}, author = {{Author{i}, A. and Other, B.}}, title = {{Title {i}}}, "
                     f"journal = {{J}}, year = {{{1900 + i % 120}}}, pages = {{1--10}}}}\n"
                     for i in range(entries - looked_up)]
            step = max(1, len(plain) // max(1, looked_up))  # the looked-up entries spread over the file
            parts = []
            for i, entry in enumerate(plain):
                parts.append(entry)
                if i % step == 0 and copies:
                    parts.append(copies.pop())
            bib = "".join(parts + copies)
            path = str(root / "references.bib")
            (root / "references.bib").write_text(bib, encoding="utf-8")
            (root / "bibkit.toml").write_text("", encoding="utf-8")
            known = [e for e in load_bibliography([path], Diagnostics()) if not e.key.startswith("k")]
            lookup_entries(known, Settings(crossref_url=server.url + "/crossref",
                                           openalex_url=server.url + "/openalex", mailto=MAILTO,
                                           cache_path=os.path.join(cache_dir(), "lookup.sqlite"), backoff=0.01))
            config = lsp.config_for(path)
            edit_once, states = editing_session(config, path, bib, entries - looked_up)
            shown = len(states[0].lookup)
            if os.environ.get("BENCH_PROFILE"):  # a cProfile of five edits, written to this path
                import cProfile
                cProfile.runctx("for _ in range(5): edit_once()", globals(), locals(), os.environ["BENCH_PROFILE"])
            wall = best(edit_once, 5)
            cpu = best(edit_once, 5, time.process_time)
            return wall, cpu, shown
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


def main(entries: int = 5000, lines: int = 300, looked_up: int = 400) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("BIBKIT_CACHE_DIR", os.path.join(tmp, "cache"))
        root = Path(tmp)
        bib = "".join(f"@article{{k{i}, author = {{Author{i}, A. and Other, B.}}, title = {{Title {i}}}, "
                      f"journal = {{J}}, year = {{{1900 + i % 120}}}, pages = {{1--10}}}}\n" for i in range(entries))
        (root / "references.bib").write_text(bib, encoding="utf-8")
        (root / "bibkit.toml").write_text("", encoding="utf-8")
        body = []
        for i in range(lines):
            body.append([f"In {1950 + i % 20} output fell by {i % 40} percent [@k{(i * 7) % entries}, p. {i}].",
                         f"The largest campaign of the decade cost {i} million lives.", ""][i % 3])
        text = "\n".join(body) + "\n"
        path = str(root / "article.md")
        config = lsp.config_for(path)
        t = time.perf_counter()
        state = lsp.load_state(config, {})
        cold = 1000 * (time.perf_counter() - t)
        warm_load = best(lambda: lsp.load_state(config, {}), 3)
        diag = best(lambda: lsp.diagnostics(state, path, text))
        edited = {str(root / "references.bib"): bib + "@book{new, title = {New}}\n"}
        reload = best(lambda: lsp.load_state(config, edited), 3)
        reload_cpu = best(lambda: lsp.load_state(config, edited), 3, time.process_time)
        # an editing session: the buffer open, one entry in the middle edited again and again
        before = lsp.load_state(config, edited)
        middle = f"title = {{Title {entries // 2}}}"
        texts = [edited[str(root / "references.bib")].replace(middle, middle[:-1] + "x" * n + "}") for n in range(1, 7)]
        states = [before]

        def edit_once() -> None:
            text = texts[len(states) % len(texts)]
            states.append(lsp.load_state(config, {str(root / "references.bib"): text}, states[-1]))

        incremental = best(edit_once, 5)
        incremental_cpu = best(edit_once, 5, time.process_time)
        print(f"{entries:,} entries, {lines}-line manuscript")
        print(f"  load project, cold:                 {cold:7.0f} ms")
        print(f"  load project, parse cache warm:     {warm_load:7.0f} ms")
        print(f"  diagnostics, warm (target 200 ms):  {diag:7.0f} ms")
        print(f"  reload after an unsaved .bib edit:  {reload:7.0f} ms  (CPU {reload_cpu:.0f} ms; whole buffer read again)")
        print(f"  reload after editing one entry:     {incremental:7.0f} ms  (CPU {incremental_cpu:.0f} ms; only the"
              " edited entries read again; target 50 ms)")
        if looked_up:
            wall, cpu, shown = looked_up_row(entries, looked_up)
            print(f"  the same, {looked_up} entries looked up:  {wall:7.0f} ms  (CPU {cpu:.0f} ms; {shown} entries with"
                  " lookup findings shown; target 50 ms)")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:4]))
