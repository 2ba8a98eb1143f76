"""Reading-list speed: 1,000 APA entries from the corpus, pandoc alone vs bibkit cold vs bibkit cached.

Run: .venv/bin/python benchmarks/bench_reading_list.py [N]
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bibkit.bib.bibtex import load_bibliography  # noqa: E402
from bibkit.formatting import RenderCache, format_bibliography, load_style  # noqa: E402
from bibkit.formatting.pandoc_run import pandoc_path  # noqa: E402
from bibkit.infra.diagnostics import Diagnostics  # noqa: E402
from tests.conftest import corpus_files  # noqa: E402
from tests.test_formatting_oracle import sample_corpus  # noqa: E402


def main(n: int = 1000, style: str = "apa") -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bib = Path(tmp) / "sample.bib"
        bib.write_text(sample_corpus(corpus_files(), n), encoding="utf-8")
        t = time.perf_counter()
        subprocess.run([pandoc_path(), "--citeproc", "--csl", load_style(style).path, "--bibliography", str(bib),
                        "-t", "plain"], input=b"---\nnocite: '@*'\n---\n", capture_output=True, check=True)
        t_pandoc = time.perf_counter() - t
        b = load_bibliography([str(bib)], Diagnostics())
        entries = list(b)
        cache_dir = Path(tmp) / "cache"
        t = time.perf_counter()
        cold = format_bibliography(entries, style, "text", macros=b.macros, cache=RenderCache(directory=cache_dir))
        t_cold = time.perf_counter() - t
        t = time.perf_counter()
        format_bibliography(entries, style, "text", macros=b.macros, cache=RenderCache(directory=cache_dir))
        t_warm = time.perf_counter() - t
        cmd = [sys.executable, "-m", "bibkit", "reading-list", "--bib", str(bib), "--style", style,
               "--no-annotations", "-o", str(Path(tmp) / "out.txt")]
        env = {**__import__("os").environ, "BIBKIT_CACHE_DIR": str(cache_dir)}
        for _ in range(2):  # the first CLI run fills the cache for the CLI's own reading of the file
            t = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True, env=env, cwd=tmp)
            t_cli = time.perf_counter() - t
    print(f"| {len(entries)} entries, {style} | pandoc --citeproc | {t_pandoc:.2f} s |")
    print(f"| | bibkit, cold cache | {t_cold:.2f} s ({t_pandoc / t_cold:.1f}x faster) |")
    print(f"| | bibkit, second run (cache) | {t_warm:.2f} s |")
    print(f"| | `bibkit reading-list` CLI, second run, whole process | {t_cli:.2f} s |")
    print(f"({len(cold.entries)} rendered)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
