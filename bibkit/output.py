"""The one place that writes outputs: stdout for ``-``, devices and pipes directly, files atomically."""

from __future__ import annotations

import hashlib
import os
import stat
import sys
import tempfile
from dataclasses import dataclass

from bibkit.errors import BibkitError


def is_stdout(path: str | None) -> bool:
    """True when ``path`` means standard output (absent or ``-``)."""
    return path is None or path == "-"


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


def atomic_write(path: str, data: bytes, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` through a temporary file in the same directory (fsync, rename).

    ``mode`` keeps an existing file's permissions; a new file gets the usual umask-based mode.
    """
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise BibkitError(f"{path}: directory {os.path.dirname(path) or '.'} does not exist")
    if mode is None:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    except OSError as exc:
        raise BibkitError(f"{path}: cannot write: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise BibkitError(f"{path}: cannot write: {exc.strerror}") from None
        raise


# -- read-modify-write ------------------------------------------------------------------------
# The contract every command that rewrites a user's file (fmt, import, review, claims extract
# --update) goes through: read once with ``read_for_update``, compute the new bytes, then
# ``write_if_unchanged``. The write refuses (ConcurrentEditError, exit 2) when the file on disk is
# no longer what was read, so a concurrent edit is never silently overwritten.


class ConcurrentEditError(BibkitError):
    """The file changed on disk between reading it and writing it back."""


@dataclass(frozen=True)
class Snapshot:
    """What a read-modify-write command read: the bytes and the identity of the file they came from."""

    path: str
    data: bytes
    digest: str


def read_for_update(path: str) -> Snapshot:
    """Read ``path`` whole for a later ``write_if_unchanged``."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise BibkitError(f"{path}: cannot read: {exc.strerror}") from None
    return Snapshot(path=path, data=data, digest=hashlib.sha256(data).hexdigest())


def write_if_unchanged(snapshot: Snapshot, data: bytes) -> None:
    """Atomically replace the snapshot's file with ``data``, refusing if it changed since it was read."""
    try:
        with open(snapshot.path, "rb") as fh:
            now = hashlib.sha256(fh.read()).hexdigest()
    except FileNotFoundError:
        now = None
    except OSError as exc:
        raise BibkitError(f"{snapshot.path}: cannot read: {exc.strerror}") from None
    if now != snapshot.digest:
        raise ConcurrentEditError(
            f"{snapshot.path}: changed on disk since bibkit read it; nothing written (run the command again)"
        )
    try:
        mode = stat.S_IMODE(os.stat(snapshot.path).st_mode)
    except OSError:
        mode = None
    atomic_write(snapshot.path, data, mode=mode)
