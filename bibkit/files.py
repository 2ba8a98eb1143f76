"""Reading input files: one set of one-line errors for missing, unreadable and non-UTF-8 files."""

from __future__ import annotations

from bibkit.errors import BibkitError


def read_bytes(path: str, what: str = "file") -> bytes:
    """A file's bytes; a missing, directory or unreadable path is a :class:`BibkitError` naming it."""
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except FileNotFoundError:
        raise BibkitError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise BibkitError(f"{path}: is a directory, not a {what}") from None
    except OSError as exc:
        raise BibkitError(f"{path}: cannot read: {exc.strerror}") from None


def utf8_problem(data: bytes, exc: UnicodeDecodeError) -> tuple[int, int, str]:
    """Line, column and message for the first byte that is not UTF-8."""
    line = data.count(b"\n", 0, exc.start) + 1
    column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
    return line, column, f"not valid UTF-8 (byte 0x{data[exc.start]:02x})"


def decode_utf8(data: bytes, path: str) -> str:
    """UTF-8 text (a BOM is allowed); other bytes are a :class:`BibkitError` with their line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, _, message = utf8_problem(data, exc)
        raise BibkitError(f"{path}:{line}: {message}") from None
