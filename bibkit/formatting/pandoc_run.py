"""Running pandoc: finding the binary, one run, many runs side by side, and stopping them all on Ctrl-C.

Every pandoc process bibkit starts goes through :func:`run_pandoc`, so an interrupt kills each one still
running and a run taken after it starts none. May import :mod:`bibkit.infra` only.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Callable, Sequence, TypeVar

from bibkit.infra.cleanup import forget_child, track_child
from bibkit.infra.errors import BibkitError
from bibkit.infra.progress import ProgressFn, batched


def pandoc_path() -> str:
    """The pandoc binary: ``$BIBKIT_PANDOC``, the one pypandoc-binary ships, or ``pandoc`` on PATH."""
    env = os.environ.get("BIBKIT_PANDOC")
    if env:
        return env
    try:
        import pypandoc

        path = pypandoc.get_pandoc_path()
        if path:
            return path
    except (ImportError, OSError):
        pass
    found = shutil.which("pandoc")
    if found:
        return found
    raise BibkitError("CSL styles need pandoc: install bibkit's dependency pypandoc-binary, or put pandoc on PATH")


def pandoc_fingerprint() -> tuple:
    """Path, size and modification time of every pandoc :func:`pandoc_path` may pick, found without running
    one or importing pypandoc: part of cache keys, so a pandoc installed, upgraded or chosen by
    ``$BIBKIT_PANDOC`` invalidates what an older one produced."""
    import importlib.util
    import sys

    candidates = [os.environ.get("BIBKIT_PANDOC"), os.environ.get("PYPANDOC_PANDOC"), shutil.which("pandoc"),
                  os.path.expanduser("~/bin/pandoc"), os.path.expanduser("~/.bin/pandoc"),
                  os.path.join(sys.exec_prefix, "bin", "pandoc")]
    spec = importlib.util.find_spec("pypandoc")
    if spec is not None and spec.origin:
        candidates.append(os.path.join(os.path.dirname(os.path.realpath(spec.origin)), "files", "pandoc"))
    out = []
    for path in candidates:
        try:
            st = os.stat(path) if path else None
        except OSError:
            st = None
        out.append((path, st.st_size, st.st_mtime_ns) if st else (path,))
    return tuple(out)


#: The pandoc processes running now, each with the stop signal of the :func:`run_parallel` call whose worker
#: started it (None outside one); a worker's own signal is in ``_WORKER.stopped``.
_LIVE: dict[subprocess.Popen, threading.Event | None] = {}
_LIVE_LOCK = threading.Lock()
_WORKER = threading.local()


def run_pandoc(args: list[str], stdin: str) -> str:
    stopped = getattr(_WORKER, "stopped", None)
    with _LIVE_LOCK:
        if stopped is not None and stopped.is_set():
            raise PandocFailed("interrupted")  # a run taken from the queue after Ctrl-C: start no pandoc
        proc = subprocess.Popen([pandoc_path(), *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        _LIVE[proc] = stopped
        track_child(proc)
    try:
        out, err = proc.communicate(stdin.encode("utf-8"))
    finally:
        with _LIVE_LOCK:
            _LIVE.pop(proc, None)
        if proc.returncode is None:  # communicate() was interrupted: leave no pandoc behind
            proc.kill()
            proc.wait()
        forget_child(proc)
    if proc.returncode in (-signal.SIGINT, 128 + signal.SIGINT):
        # Ctrl-C at a terminal reaches the whole process group: pandoc may die of it before this process
        # raises KeyboardInterrupt itself. It is an interruption, not a pandoc failure.
        raise KeyboardInterrupt
    if proc.returncode != 0:
        raise PandocFailed(err.decode("utf-8", "replace"))
    return out.decode("utf-8")


def _stop(stopped: threading.Event) -> None:
    """End the pandocs the workers of one :func:`run_parallel` call run, and let them start no new one."""
    with _LIVE_LOCK:
        stopped.set()
        for proc, signal in _LIVE.items():
            if signal is stopped:
                proc.kill()


class PandocFailed(Exception):
    pass


T = TypeVar("T")
R = TypeVar("R")


def workers() -> int:
    """How many pandoc processes run at once: ``$BIBKIT_JOBS``, else the number of CPUs (at most 8)."""
    env = os.environ.get("BIBKIT_JOBS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, min(8, os.cpu_count() or 1))


def run_parallel(fn: Callable[[T], R], jobs: Sequence[T], progress: ProgressFn | None = None) -> list[R]:
    """``fn`` over ``jobs`` in :func:`workers` threads (each one waits on a pandoc process), results in order."""
    if progress:
        progress(0, len(jobs))
    if len(jobs) <= 1 or workers() == 1:
        out = []
        for i, job in enumerate(jobs):
            out.append(fn(job))
            if progress:
                progress(i + 1, len(jobs))
        return out
    stopped = threading.Event()

    def work(job: T) -> R:
        _WORKER.stopped = stopped
        try:
            return fn(job)
        finally:
            _WORKER.stopped = None

    pool = ThreadPoolExecutor(max_workers=min(workers(), len(jobs)))
    try:
        futures = [pool.submit(work, job) for job in jobs]
        out = []
        for i, fut in enumerate(futures):
            out.append(fut.result())
            if progress:
                progress(i + 1, len(jobs))
        return out
    except BaseException:
        # Ctrl-C, SIGTERM or a failed run: the running pandocs end now and the queued runs never start,
        # so the worker threads (which the interpreter waits for on exit) return at once
        _stop(stopped)
        raise
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def chunks(items: Sequence[T], n: int, minimum: int = 1) -> list[Sequence[T]]:
    """``items`` cut into at most ``n`` runs of nearly equal length, none shorter than ``minimum`` unless alone."""
    n = max(1, min(n, len(items) // max(1, minimum)))
    return batched(items, -(-len(items) // n))


_API_LOCK = threading.Lock()


def api_version() -> list[int]:
    """The pandoc JSON API version of the installed pandoc (asked once a process, even when two
    parallel runs need it at the same moment)."""
    with _API_LOCK:
        return _api_version()


@lru_cache(maxsize=1)
def _api_version() -> list[int]:
    return json.loads(run_pandoc(["-f", "markdown", "-t", "json"], ""))["pandoc-api-version"]
