"""pandoc as the tests run it on files they did not write: with a heap limit and a time limit.

pandoc's BibTeX reader never returns on some real files (the @xdata files of biber's tests) and
grows until the machine has no memory left (19 GB in 70 s, measured), stalling every other process
until the kernel kills it. ``+RTS -M1g`` caps pandoc's heap: it stops with "heap overflow" within
seconds, and the file counts as refused by pandoc, as it did when the kernel killed it.
"""

from __future__ import annotations

import subprocess

import pypandoc

HEAP_LIMIT = ["+RTS", "-M1g", "-RTS"]


def run_bounded_pandoc(args: list[str], *, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess | None:
    """pandoc with ``args`` and the heap limit; None when it has not ended within ``timeout`` seconds."""
    try:
        return subprocess.run([pypandoc.get_pandoc_path(), *HEAP_LIMIT, *args], timeout=timeout, **kwargs)
    except subprocess.TimeoutExpired:
        return None
