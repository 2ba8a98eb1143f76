"""What a run must undo if it is killed while cleaning up: its child processes and its temporary files.

The first SIGTERM or Ctrl-C unwinds the stack, and ``finally`` blocks kill children and remove
temporary files in order. A second SIGTERM that lands during that unwinding cannot wait for it: the
CLI's handler calls :func:`emergency_cleanup`, which kills every registered child and removes every
registered temporary path at once, then the process exits. Whatever starts a child or creates a
temporary file registers it here for as long as it lives.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from contextlib import contextmanager
from typing import Iterator, Protocol


class _Killable(Protocol):
    pid: int

    def kill(self) -> None: ...


_CHILDREN: dict[int, _Killable] = {}
_PATHS: dict[str, None] = {}


def track_child(proc: _Killable) -> None:
    """Remember a running child process until :func:`forget_child`."""
    _CHILDREN[id(proc)] = proc


def forget_child(proc: _Killable) -> None:
    """The child has ended (or was reaped): nothing to kill any more."""
    _CHILDREN.pop(id(proc), None)


def track_path(path: str) -> None:
    """Remember a temporary file or folder until :func:`forget_path`."""
    _PATHS[path] = None


def forget_path(path: str) -> None:
    """The temporary path was removed or renamed into place."""
    _PATHS.pop(path, None)


@contextmanager
def temporary_directory(prefix: str) -> Iterator[str]:
    """:class:`tempfile.TemporaryDirectory`, registered for :func:`emergency_cleanup` while it exists."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        track_path(tmp)
        try:
            yield tmp
        finally:
            forget_path(tmp)


def emergency_cleanup() -> None:
    """Kill every registered child and remove every registered path, now (called from a signal handler).

    Only system calls that cannot block for long: ``kill`` and ``unlink``/``rmtree`` of local files.
    """
    for proc in list(_CHILDREN.values()):
        try:
            os.kill(proc.pid, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
    for path in list(_PATHS):
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                os.unlink(path)
        except OSError:
            pass
