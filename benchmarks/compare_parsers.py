"""Compare BibTeX readers on the bibtex-tidy corpus: files read, entries recovered, time.

Usage: python benchmarks/compare_parsers.py [CORPUS_DIR]   (default ../shared/corpus/bibtex-tidy)
Prints a Markdown table; the README's "Which parser" section quotes it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import warnings
from pathlib import Path


def bibkit_count(path: Path) -> int:
    from bibkit.bib.bibtex import read_bib_file
    from bibkit.infra.diagnostics import Diagnostics

    return len(read_bib_file(str(path), Diagnostics()).entries)


def bibtexparser_count(path: Path) -> int:
    import bibtexparser

    return len(bibtexparser.parse_file(str(path)).entries)


def pybtex_count(path: Path, strict: bool) -> int:
    import pybtex.errors
    from pybtex.database import parse_file

    pybtex.errors.set_strict_mode(strict)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return len(parse_file(str(path), bib_format="bibtex").entries)


def pandoc_count(path: Path) -> int:
    import pypandoc

    out = subprocess.run([pypandoc.get_pandoc_path(), "-f", "bibtex", "-t", "csljson", str(path)],
                         capture_output=True, timeout=120)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.decode(errors="replace")[:200])
    return len(json.loads(out.stdout or b"[]"))


def main() -> None:
    corpus = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/corpus/bibtex-tidy")
    files = sorted(p for p in corpus.rglob("*.bib") if p.is_file())
    readers = {
        "bibkit": bibkit_count,
        "bibtexparser 2": bibtexparser_count,
        "pybtex (strict)": lambda p: pybtex_count(p, True),
        "pybtex (non-strict)": lambda p: pybtex_count(p, False),
        "pandoc": pandoc_count,
    }
    rows = []
    for name, reader in readers.items():
        ok = entries = 0
        start = time.perf_counter()
        for path in files:
            try:
                entries += reader(path)
                ok += 1
            except Exception:  # noqa: BLE001 - a reader that gives up on a file is what we count
                pass
        rows.append((name, ok, entries, time.perf_counter() - start))
    print(f"{len(files)} files in {corpus}\n")
    print("| reader | files read without giving up | entries recovered | time (s) |")
    print("|---|---:|---:|---:|")
    for name, ok, entries, seconds in rows:
        print(f"| {name} | {ok} | {entries} | {seconds:.1f} |")


if __name__ == "__main__":
    main()
