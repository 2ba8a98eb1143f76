"""The one place that writes outputs: stdout for ``-``, devices and pipes directly, files atomically."""

from __future__ import annotations

import hashlib
import os
import re
import signal
import stat
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

from bibkit.infra.cleanup import forget_path, track_path
from bibkit.infra.errors import BibkitError


def is_stdout(path: str | None) -> bool:
    """True when ``path`` means standard output (absent or ``-``)."""
    return path is None or path == "-"


def same_file(a: str, b: str) -> bool:
    """True when both paths name one existing file (through symlinks, hard links, ``./x`` vs ``x``)."""
    try:
        sa, sb = os.stat(a), os.stat(b)
    except (OSError, ValueError):
        return False
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


def refuse_overwriting_inputs(output: str | None, inputs: Iterable[str]) -> None:
    """Raise a one-line BibkitError when the output path is one of the command's own input files."""
    if is_stdout(output):
        return
    assert output is not None
    for path in inputs:
        if path and same_file(output, path):
            also = "" if os.path.normpath(path) == os.path.normpath(output) else f" ({path})"
            raise BibkitError(f"{output}: is an input of this command{also}; refusing to write over it "
                              "(choose another -o)")


def write_output(path: str | None, text: str) -> None:
    """Write ``text`` whole or not at all: to stdout, straight into a pipe or device, or atomically to a file."""
    if is_stdout(path):
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    assert path is not None
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise BibkitError(f"{path}: cannot write: {exc.strerror}") from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise BibkitError(f"{path}: is a directory")
    if st is not None and not stat.S_ISREG(st.st_mode):
        # /dev/stdout, a named pipe, a terminal: write in place, never replace the node.
        try:
            with open(path, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
        except OSError as exc:
            raise BibkitError(f"{path}: cannot write: {exc.strerror}") from None
        return
    atomic_write(path, text.encode("utf-8"), mode=stat.S_IMODE(st.st_mode) if st else None)


#: bibkit's own temporary files: ``.<name>.bibkit-<8 random>.tmp`` beside the file being written.
TMP_INFIX = ".bibkit-"
_TMP_NAME = re.compile(r"\..+\.bibkit-[a-z0-9_]{8}\.tmp")
#: A temporary file older than this (seconds) is left over from a killed run and is removed.
STALE_AFTER = 60.0
_swept: set[str] = set()  # folders already cleaned by this process (the cache writes many records)


def remove_stale_temporaries(directory: str, now: float | None = None) -> list[str]:
    """Delete bibkit's own temporary files in ``directory`` left over from a killed run (older than a minute).

    Only regular files that match bibkit's pattern and belong to the current user are touched; returns
    the names removed. Errors (a read-only directory, a race with another run) are ignored.
    """
    now = time.time() if now is None else now
    removed: list[str] = []
    _swept.add(os.path.abspath(directory))
    try:
        names = os.listdir(directory)
    except OSError:
        return removed
    uid = os.getuid() if hasattr(os, "getuid") else None
    for name in names:
        if not _TMP_NAME.fullmatch(name):
            continue
        path = os.path.join(directory, name)
        try:
            st = os.lstat(path)
            if not stat.S_ISREG(st.st_mode) or (uid is not None and st.st_uid != uid):
                continue
            if now - st.st_mtime < STALE_AFTER:
                continue
            os.unlink(path)
            removed.append(name)
        except OSError:
            continue
    return removed


def resolve_target(path: str) -> str:
    """The file a write to ``path`` must change: a symbolic link is followed to its target (the link stays)."""
    return os.path.realpath(path) if os.path.islink(path) else path


def atomic_write(path: str, data: bytes, mode: int | None = None,
                 before_replace: Callable[[], None] | None = None) -> None:
    """Replace ``path`` with ``data`` through a temporary file in the same directory (fsync, rename).

    ``mode`` keeps an existing file's permissions; a new file gets the usual umask-based mode.
    A symbolic link is written through to its target and stays a link. A file with several hard
    links is rewritten in place (every name keeps seeing the same file; signals are held off for
    the few system calls that takes), since a rename would silently split the links.
    Stale temporary files of killed runs beside the target are removed first. ``before_replace``
    runs at the last moment before the file changes (after the new bytes are on disk) and may
    raise to cancel the write.
    """
    target = resolve_target(path)
    directory = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(directory):
        shown = os.path.dirname(path) if target == path else directory
        raise BibkitError(f"{path}: directory {shown or '.'} does not exist")
    if directory not in _swept:
        remove_stale_temporaries(directory)
    try:
        st = os.stat(target)
    except OSError:
        st = None
    if st is not None and stat.S_ISREG(st.st_mode) and st.st_nlink > 1:
        if before_replace is not None:
            before_replace()
        _write_in_place(path, target, data)
        return
    if mode is None:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(target) + TMP_INFIX, suffix=".tmp")
    except OSError as exc:
        raise BibkitError(f"{path}: cannot write: {exc.strerror}") from None
    track_path(tmp)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        if before_replace is not None:
            before_replace()
        os.replace(tmp, target)
        forget_path(tmp)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        forget_path(tmp)
        if isinstance(exc, OSError):
            raise BibkitError(f"{path}: cannot write: {exc.strerror}") from None
        raise


def _write_in_place(path: str, target: str, data: bytes) -> None:
    """Overwrite a hard-linked file's own bytes (same inode), with SIGINT/SIGTERM held off meanwhile."""
    blocked = {signal.SIGINT, signal.SIGTERM} if hasattr(signal, "pthread_sigmask") else set()
    old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, blocked) if blocked else None
    try:
        with open(target, "r+b") as fh:
            fh.write(data)
            fh.truncate()
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        raise BibkitError(f"{path}: cannot write: {exc.strerror}") from None
    finally:
        if old_mask is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)


# -- read-modify-write ------------------------------------------------------------------------
# The contract every command that rewrites a user's file (fmt, import, review, claims extract
# --update) goes through: read once with ``read_for_update``, compute the new bytes, then
# ``write_if_unchanged``. Two guards work together:
#
# * an advisory lock (``fcntl.flock``) on the file itself, taken by ``read_for_update`` and held
#   until the write is done, so bibkit processes queue up instead of racing (the lock is re-taken
#   when the file was replaced while waiting; a file that does not exist yet is locked through its
#   directory);
# * a content check just before the rename, for editors and tools that take no lock: the write
#   refuses (ConcurrentEditError, exit 2) when the file on disk is no longer what was read.

try:  # pragma: no cover - always there on POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows: the content check alone
    fcntl = None  # type: ignore[assignment]

#: How long (seconds) to wait for another bibkit process to finish updating the same file.
LOCK_TIMEOUT = 60.0

_held: dict[tuple[int, int], list] = {}  # (device, inode) -> [fd, count]: locks this process holds


class ConcurrentEditError(BibkitError):
    """The file changed on disk between reading it and writing it back."""


class _Lock:
    """One hold on a file's update lock; released once, at the latest when garbage collected."""

    def __init__(self, ident: tuple[int, int] | None) -> None:
        self.ident = ident

    def release(self) -> None:
        """Give the hold back; the lock is freed when the last hold in this process goes."""
        ident, self.ident = self.ident, None
        if ident is None or ident not in _held:
            return
        entry = _held[ident]
        entry[1] -= 1
        if entry[1] <= 0:
            del _held[ident]
            os.close(entry[0])  # closing the descriptor drops the flock

    def __del__(self) -> None:
        try:
            self.release()
        except Exception:  # interpreter shutdown: the kernel drops the lock with the process anyway
            pass


def _identity(st: os.stat_result) -> tuple[int, int]:
    return (st.st_dev, st.st_ino)


def _acquire(path: str, timeout: float | None = None) -> _Lock:
    """Take the update lock of ``path`` (its real file, through symlinks and hard links); re-entrant."""
    if fcntl is None:
        return _Lock(None)
    timeout = LOCK_TIMEOUT if timeout is None else timeout
    deadline = time.monotonic() + timeout
    while True:
        real = os.path.realpath(path)
        try:
            st = os.stat(real)
        except FileNotFoundError:
            st = None
        except OSError:
            return _Lock(None)  # unreadable: the read reports it
        if st is not None and not stat.S_ISREG(st.st_mode):
            return _Lock(None)  # pipes and devices: nothing to lock
        node = real if st is not None else os.path.dirname(real)
        try:
            fd = os.open(node, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except OSError:
            return _Lock(None)
        ident = _identity(os.fstat(fd))
        if ident in _held:
            os.close(fd)
            _held[ident][1] += 1
            return _Lock(ident)
        delay = 0.005
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise BibkitError(f"{path}: another bibkit process has been updating it for "
                                      f"{timeout:g} s; nothing written (try again)") from None
                time.sleep(delay)
                delay = min(delay * 2, 0.1)
            except OSError:  # a file system without flock: the content check alone
                os.close(fd)
                return _Lock(None)
        # The holder may have replaced the file (rename) or created it: lock what the path names now.
        try:
            now = _identity(os.stat(real)) if st is not None else None
        except FileNotFoundError:
            now = None
        if (st is not None and now == ident) or (st is None and not os.path.exists(real)):
            _held[ident] = [fd, 1]
            return _Lock(ident)
        os.close(fd)


@contextmanager
def update_lock(path: str, timeout: float | None = None) -> Iterator[None]:
    """Hold ``path``'s update lock for a whole read-modify-write done by other code (re-entrant)."""
    lock = _acquire(path, timeout)
    try:
        yield
    finally:
        lock.release()


@dataclass(frozen=True)
class Snapshot:
    """What a read-modify-write command read: the bytes and the identity of the file they came from.

    It holds the file's update lock until ``write_if_unchanged`` or ``release`` (or until it is
    garbage collected); use it as a context manager when the command may decide not to write.
    """

    path: str
    data: bytes
    digest: str
    lock: _Lock | None = field(default=None, compare=False, repr=False)

    def release(self) -> None:
        """Give up the update lock without writing."""
        if self.lock is not None:
            self.lock.release()

    def __enter__(self) -> "Snapshot":
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def snapshot_of(path: str, data: bytes) -> Snapshot:
    """A snapshot of bytes read by other code (the caller should hold ``update_lock`` since reading them)."""
    return Snapshot(path=path, data=data, digest=hashlib.sha256(data).hexdigest())


def read_for_update(path: str, timeout: float | None = None) -> Snapshot:
    """Take ``path``'s update lock and read the file whole for a later ``write_if_unchanged``."""
    lock = _acquire(path, timeout)
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        lock.release()
        raise BibkitError(f"{path}: cannot read: {exc.strerror}") from None
    return Snapshot(path=path, data=data, digest=hashlib.sha256(data).hexdigest(), lock=lock)


def write_if_unchanged(snapshot: Snapshot, data: bytes) -> None:
    """Atomically replace the snapshot's file with ``data``, refusing if it changed since it was read.

    The check and the rename happen under the update lock, so no bibkit process can slip in between;
    the lock is released afterwards.
    """
    lock = _acquire(snapshot.path)

    def unchanged() -> None:
        try:
            with open(snapshot.path, "rb") as fh:
                now = hashlib.sha256(fh.read()).hexdigest()
        except FileNotFoundError:
            now = None
        except OSError as exc:
            raise BibkitError(f"{snapshot.path}: cannot read: {exc.strerror}") from None
        if now != snapshot.digest and not (now is None and not snapshot.data):
            raise ConcurrentEditError(
                f"{snapshot.path}: changed on disk since bibkit read it; nothing written (run the command again)"
            )

    try:
        unchanged()  # fail early, before writing anything
        try:
            mode = stat.S_IMODE(os.stat(snapshot.path).st_mode)
        except OSError:
            mode = None
        atomic_write(snapshot.path, data, mode=mode, before_replace=unchanged)
    finally:
        lock.release()
        snapshot.release()
