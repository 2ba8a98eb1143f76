"""PDF extraction in a bounded child process: a memory ceiling, a time limit, and no harm to the run.

PDFium is C code. A crafted PDF (a 5 MB file whose one stream inflates to 1.5 GB) makes it allocate
gigabytes and abort the whole process, or work for minutes while Ctrl-C waits. Here extraction runs
in one long-lived child (``python -m bibkit.evidence.fulltext.worker``) with its address space
limited (``RLIMIT_AS``, :func:`memory_limit`); the parent waits for each answer at most
:func:`time_limit` seconds. A child that dies or overruns costs that one file: it is
:class:`~bibkit.evidence.fulltext.Unreadable` with the reason, the child is replaced for the next
file, and the run goes on. Ctrl-C and SIGTERM reach the child with the terminal's process group; the
parent kills it on the way out either way.

The protocol is one request, one answer: the parent writes a JSON header line (extractor module,
path, byte count) and the file's bytes; the child answers with one JSON line.
"""

from __future__ import annotations

import atexit
import json
import os
import selectors
import signal
import subprocess
import sys
import time

from bibkit.evidence.fulltext.base import Extracted, Unreadable
from bibkit.infra.cleanup import forget_child, track_child

#: Defaults for ``BIBKIT_PDF_MEMORY_MB`` and ``BIBKIT_PDF_TIMEOUT`` (seconds per file).
DEFAULT_MEMORY_MB = 1536
DEFAULT_TIMEOUT = 60


def _setting(name: str, default: int, low: int, high: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        from bibkit.infra.errors import BibkitError

        raise BibkitError(f"{name}={raw!r}: expected a whole number from {low} to {high}")
    return value


def memory_limit() -> int:
    """The child's address-space limit in bytes (``BIBKIT_PDF_MEMORY_MB``, 1536 MB by default)."""
    return _setting("BIBKIT_PDF_MEMORY_MB", DEFAULT_MEMORY_MB, 256, 1024 * 1024) * 1024 * 1024


def time_limit() -> int:
    """Seconds one PDF may take (``BIBKIT_PDF_TIMEOUT``, 60 by default)."""
    return _setting("BIBKIT_PDF_TIMEOUT", DEFAULT_TIMEOUT, 1, 24 * 3600)


class Worker:
    """The running child, started on first use and replaced after a failure."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> subprocess.Popen[bytes]:
        limit = memory_limit()

        def child_setup() -> None:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        self.proc = subprocess.Popen([sys.executable, "-m", "bibkit.evidence.fulltext.worker"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     preexec_fn=child_setup if hasattr(os, "fork") else None, env=env)
        track_child(self.proc)
        return self.proc

    def stop(self) -> None:
        """Kill the child (if any) and reap it."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        forget_child(proc)
        try:
            proc.kill()
        except OSError:
            pass
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - a kill is not refused
            pass
        for stream in (proc.stdin, proc.stdout):
            try:
                stream.close()
            except (OSError, AttributeError):
                pass

    def extract(self, module: str, data: bytes, path: str) -> Extracted:
        """The child's extraction of ``data``, or :class:`Unreadable` (also when the child dies or overruns)."""
        proc = self.proc if self.proc is not None and self.proc.poll() is None else self.start()
        done = False
        try:
            try:
                header = json.dumps({"module": module, "path": path, "size": len(data)}).encode() + b"\n"
                proc.stdin.write(header)
                proc.stdin.write(data)
                proc.stdin.flush()
            except (BrokenPipeError, OSError):
                pass  # the child died at once; its exit status below says how
            line, timed_out = _read_line(proc, time_limit())
            if line is None:
                raise self.failure(proc, timed_out=timed_out)
            answer = json.loads(line)
            done = True
        finally:
            if not done:
                self.stop()
        if not answer.get("ok"):
            raise Unreadable(answer.get("reason") or "the PDF reader failed")
        return Extracted(answer["pages"], answer.get("labels"))

    def failure(self, proc: subprocess.Popen[bytes], *, timed_out: bool) -> Unreadable:
        """Why the child gave no answer: a time limit, or the way it ended."""
        if timed_out:
            return Unreadable(f"reading it took longer than {time_limit()} s (the limit, BIBKIT_PDF_TIMEOUT)",
                              transient=True)
        try:
            code = proc.wait(timeout=10)  # it closed its end of the pipe: it is ending
        except subprocess.TimeoutExpired:
            code = None
        if code is not None and code < 0 and -code in (signal.SIGABRT, signal.SIGSEGV, signal.SIGKILL, signal.SIGBUS):
            return Unreadable(f"the PDF reader crashed ({signal.Signals(-code).name}), most likely by passing the "
                              f"{memory_limit() // 1024 // 1024} MB memory limit (BIBKIT_PDF_MEMORY_MB): "
                              f"a decompression bomb or a damaged file", transient=True)
        return Unreadable(f"the PDF reader stopped (exit status {code}), most likely by passing the "
                          f"{memory_limit() // 1024 // 1024} MB memory limit (BIBKIT_PDF_MEMORY_MB)", transient=True)


def _read_line(proc: subprocess.Popen[bytes], seconds: float) -> tuple[bytes | None, bool]:
    """One line from the child within ``seconds``: ``(line, False)``, or ``(None, timed_out)`` when none came."""
    stdout = proc.stdout
    assert stdout is not None
    fd = stdout.fileno()
    chunks: list[bytes] = []
    deadline = time.monotonic() + seconds
    with selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not sel.select(left):
                return None, True
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return None, False
            chunks.append(chunk)
            if chunk.endswith(b"\n"):
                return b"".join(chunks), False


_WORKER = Worker()
atexit.register(_WORKER.stop)


def extract_in_worker(module: str, data: bytes, path: str) -> Extracted:
    """Extract ``data`` with ``module`` in the bounded child (:meth:`Worker.extract` kills the child when anything,
    Ctrl-C or SIGTERM included, interrupts the wait for its answer)."""
    return _WORKER.extract(module, data, path)


def _serve() -> None:
    """The child's loop: read a request, extract, answer; end when the parent closes the pipe."""
    import importlib

    signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C at the terminal ends the child at once
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        header = stdin.readline()
        if not header:
            return
        request = json.loads(header)
        data = stdin.read(request["size"])
        try:
            extracted = importlib.import_module(request["module"]).extract(data, request["path"])
            answer = {"ok": True, "pages": extracted.pages, "labels": extracted.labels}
        except Unreadable as exc:
            answer = {"ok": False, "reason": str(exc)}
        except MemoryError:
            answer = {"ok": False, "reason": f"the PDF needs more than the {memory_limit() // 1024 // 1024} MB "
                                             f"memory limit (BIBKIT_PDF_MEMORY_MB)"}
        except Exception as exc:  # noqa: BLE001 - any failure of the reader costs this one file
            answer = {"ok": False, "reason": f"the PDF reader failed ({type(exc).__name__}: {exc})"}
        stdout.write(json.dumps(answer).encode() + b"\n")
        stdout.flush()


if __name__ == "__main__":
    _serve()
