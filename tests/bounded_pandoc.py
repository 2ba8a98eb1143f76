"""pandoc as the tests run it on files they did not write: with a heap limit and a CPU-time limit.

pandoc's BibTeX reader never returns on some real files (the @xdata files of biber's tests) and
grows until the machine has no memory left (19 GB in 70 s, measured), stalling every other process
until the kernel kills it. ``+RTS -M1g`` caps pandoc's heap: it stops with "heap overflow" within
seconds, and the file counts as refused by pandoc, as it did when the kernel killed it.
"""

from __future__ import annotations

import math
import resource
import signal
import subprocess

import pypandoc

HEAP_LIMIT = ["+RTS", "-M1g", "-RTS"]


def run_bounded_pandoc(args: list[str], *, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess | None:
    """pandoc with ``args``, the heap limit and ``timeout`` seconds of CPU time; None when it used them up.

    The limit is on CPU time, not on the clock: a pandoc that never returns spins, and is stopped after the
    same work on a busy machine as on a quiet one, where a wall-clock limit stopped legitimate runs on
    big files when other processes took the cores (seen in .ci/under-load). The clock still bounds a
    pandoc that waits without working, at twenty times the limit."""
    seconds = math.ceil(timeout)

    def limit_cpu() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 5))

    try:
        proc = subprocess.run([pypandoc.get_pandoc_path(), *HEAP_LIMIT, *args], timeout=20 * timeout,
                              preexec_fn=limit_cpu, **kwargs)
    except subprocess.TimeoutExpired:
        return None
    if proc.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return None
    return proc
