"""Reading input files: one set of one-line errors for missing, unreadable, oversized and non-UTF-8 files.

Every input file bibkit reads (bibliographies, claims, manuscripts, files to import) goes through
:func:`read_bytes`: regular files and pipes are read, at most :func:`max_input_bytes` of them;
devices (``/dev/zero``), sockets and directories are refused with one line.
"""

from __future__ import annotations

import os
import stat

from bibkit.infra.errors import BibkitError

#: The default limit on an input file's size, in megabytes (``BIBKIT_MAX_INPUT_MB`` overrides it).
DEFAULT_MAX_INPUT_MB = 512


def max_input_bytes() -> int:
    """The largest input file bibkit reads: ``BIBKIT_MAX_INPUT_MB`` megabytes, 512 by default."""
    raw = os.environ.get("BIBKIT_MAX_INPUT_MB")
    if raw is None or raw.strip() == "":
        return DEFAULT_MAX_INPUT_MB * 1024 * 1024
    try:
        mb = int(raw.strip())
    except ValueError:
        mb = -1
    if not 1 <= mb <= 1024 * 1024:
        raise BibkitError(f"BIBKIT_MAX_INPUT_MB={raw!r}: expected a whole number of megabytes from 1 to 1048576")
    return mb * 1024 * 1024


def _too_big(path: str, limit: int) -> BibkitError:
    return BibkitError(f"{path}: larger than the {limit // (1024 * 1024)} MB input limit "
                       "(raise it with BIBKIT_MAX_INPUT_MB)")


def read_bytes(path: str, what: str = "file") -> bytes:
    """A file's bytes, read once; a missing, special, oversized or unreadable path is a :class:`BibkitError`."""
    limit = max_input_bytes()
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise BibkitError(f"{_shown(path)}: no such file") from None
    except IsADirectoryError:
        raise BibkitError(f"{_shown(path)}: is a directory, not a {what}") from None
    except OSError as exc:
        raise BibkitError(f"{_shown(path)}: cannot read: {exc.strerror}") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise BibkitError(f"{_shown(path)}: is a directory, not a {what}")
        if not (stat.S_ISREG(st.st_mode) or stat.S_ISFIFO(st.st_mode)):
            raise BibkitError(f"{_shown(path)}: is a device or socket, not a {what}")
        if stat.S_ISREG(st.st_mode) and st.st_size > limit:
            raise _too_big(_shown(path), limit)
        with os.fdopen(fd, "rb", closefd=True) as fh:
            fd = -1
            data = fh.read(limit + 1)
    except OSError as exc:
        raise BibkitError(f"{_shown(path)}: cannot read: {exc.strerror}") from None
    finally:
        if fd >= 0:
            os.close(fd)
    if len(data) > limit:
        raise _too_big(_shown(path), limit)
    return data


def _shown(path: str) -> str:
    """A path as it can be printed: bytes that are not UTF-8 (kept by Python as surrogates) become ``\\xNN``."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return os.fsencode(path).decode("utf-8", "backslashreplace")


def utf8_problem(data: bytes, exc: UnicodeDecodeError) -> tuple[int, int, str]:
    """Line, column and message for the first byte that is not UTF-8."""
    line = data.count(b"\n", 0, exc.start) + 1
    column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
    return line, column, f"not valid UTF-8 (byte 0x{data[exc.start]:02x})"


def sniff_utf16(data: bytes) -> tuple[str, int] | None:
    """``(codec, BOM length)`` for UTF-32 or UTF-16 bytes (a BOM, or UTF-16 with NULs in every other byte), else None."""
    for bom, codec in ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
                       (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            return codec, len(bom)
    head = data[:4096]
    if len(head) < 4 or len(head) % 2:
        return None
    even, odd = head[0::2], head[1::2]
    # Text that is mostly ASCII has a NUL in (nearly) every high byte and in no low byte.
    if odd.count(0) >= 0.9 * len(odd) and even.count(0) == 0:
        return "utf-16-le", 0
    if even.count(0) >= 0.9 * len(even) and odd.count(0) == 0:
        return "utf-16-be", 0
    return None


def decode_utf16(data: bytes, path: str, lenient: bool = False) -> str | None:
    """The text of a UTF-16/32 file (BOM dropped), None when it is not one.

    Bytes that start like UTF-16/32 but do not decode are a :class:`BibkitError`, or None if ``lenient``.
    """
    sniffed = sniff_utf16(data)
    if sniffed is None:
        return None
    codec, bom = sniffed
    try:
        return data[bom:].decode(codec)
    except UnicodeDecodeError as exc:
        if lenient:
            return None
        raise BibkitError(f"{_shown(path)}: starts as {codec.upper()} but byte {exc.start + bom} "
                          f"is not valid {codec.upper()[:6]}") from None


def decode_utf8(data: bytes, path: str) -> str:
    """UTF-8 text (a BOM is allowed) or UTF-16; other bytes are a :class:`BibkitError` with their line."""
    utf16 = decode_utf16(data, path)
    if utf16 is not None:
        return utf16
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, _, message = utf8_problem(data, exc)
        raise BibkitError(f"{_shown(path)}:{line}: {message}") from None
