"""Full texts of sources: one extractor per format behind one interface that yields pages.

``read_fulltext(path)`` returns a :class:`FullText` (pages of text, and the page labels the file
itself carries, if any) or raises :class:`Unreadable` with the reason in words. Extraction goes
through the parse cache (:mod:`bibkit.infra.cache`), keyed by the file's bytes, so a long PDF is read
once. Where a source's full text lives is :mod:`bibkit.evidence.fulltext.discover`'s business; which
printed page a PDF page is, :mod:`bibkit.evidence.fulltext.pages`'.
"""

from __future__ import annotations

import importlib
import logging
import os
import stat
from dataclasses import dataclass

from bibkit.evidence.fulltext.base import Extracted, Unreadable

log = logging.getLogger("bibkit.evidence.fulltext")

# File suffix -> extractor module; each module has ``KIND``, ``VERSION`` and ``extract(data, path) -> Extracted``.
EXTRACTORS: dict[str, str] = {
    ".pdf": "bibkit.evidence.fulltext.pdf",
    ".html": "bibkit.evidence.fulltext.html",
    ".htm": "bibkit.evidence.fulltext.html",
    ".xhtml": "bibkit.evidence.fulltext.html",
    ".txt": "bibkit.evidence.fulltext.text",
    ".text": "bibkit.evidence.fulltext.text",
    ".md": "bibkit.evidence.fulltext.text",
    ".markdown": "bibkit.evidence.fulltext.text",
}
# The suffixes looked for in the full-text folder, in this order.
FOLDER_SUFFIXES = (".pdf", ".txt", ".md", ".html")


@dataclass
class FullText:
    """A source's full text, ready for matching."""

    path: str
    kind: str  # "pdf" | "html" | "text"
    pages: list[str]
    labels: list[str] | None  # the file's own page labels (PDF /PageLabels), or None
    printed: bool  # True when pages are printed pages (PDF), so running heads may be stripped
    digest: str | None = None  # the cache key of the file's content (None when read without the cache)


def extractor(path: str):
    """The extractor module for a path (by suffix), or None for a format bibkit does not read."""
    name = EXTRACTORS.get(os.path.splitext(path)[1].lower())
    return importlib.import_module(name) if name else None


def read_bytes(path: str) -> bytes:
    """The file's bytes, at most :func:`~bibkit.infra.files.max_input_bytes` of them; a missing file, a
    directory, a device, an empty, oversized or unreadable file raise :class:`Unreadable`."""
    from bibkit.infra.files import max_input_bytes

    limit = max_input_bytes()
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise Unreadable("file not found") from None
    except IsADirectoryError:
        raise Unreadable("is a directory, not a file") from None
    except OSError as exc:
        raise Unreadable(f"cannot read: {exc.strerror}") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise Unreadable("is a directory, not a file")
        if not stat.S_ISREG(st.st_mode):
            raise Unreadable("is not a regular file")
        if st.st_size == 0:
            raise Unreadable("empty file (0 bytes)")
        if st.st_size > limit:
            raise Unreadable(_too_big(st.st_size, limit))
        with os.fdopen(fd, "rb", closefd=True) as fh:
            fd = -1
            data = fh.read(limit + 1)
    except OSError as exc:
        raise Unreadable(f"cannot read: {exc.strerror}") from None
    finally:
        if fd >= 0:
            os.close(fd)
    if len(data) > limit:  # it grew while being read
        raise Unreadable(_too_big(len(data), limit))
    return data


def _too_big(size: int, limit: int) -> str:
    return (f"{size / 1024 / 1024:,.0f} MB, larger than the {limit // (1024 * 1024)} MB input limit "
            f"(raise it with BIBKIT_MAX_INPUT_MB)")


#: The most characters of text one full text may yield (about 25,000 printed pages); matching needs
#: some 18 bytes a character, so this keeps a source within about a gigabyte.
MAX_TEXT_CHARS = 50_000_000


def _bounded(extracted: Extracted) -> Extracted:
    """``extracted``, or :class:`Unreadable` when its text passes :data:`MAX_TEXT_CHARS`."""
    total = sum(map(len, extracted.pages))
    if total > MAX_TEXT_CHARS:
        raise Unreadable(f"{total:,} characters of text, more than bibkit's limit of {MAX_TEXT_CHARS:,}")
    return extracted


def extract(module, data: bytes, path: str) -> Extracted:
    """Run the module's extractor: in the bounded worker process for PDFs (PDFium is C code that a crafted file
    can make allocate gigabytes, abort or loop), in this process for text and HTML (bounded by their size)."""
    if module.KIND == "pdf":
        from bibkit.evidence.fulltext.worker import extract_in_worker

        return extract_in_worker(module.__name__, data, path)
    return module.extract(data, path)


def read_fulltext(path: str, *, use_cache: bool = True) -> FullText:
    """Extract a file's pages (through the cache); raises :class:`Unreadable` with the reason."""
    module = extractor(path)
    data = read_bytes(path)
    if module is None:
        raise Unreadable(f"unsupported format {os.path.splitext(path)[1] or '(no suffix)'} "
                         f"(bibkit reads {', '.join(sorted(set(EXTRACTORS)))})")
    record = None
    ckey = None
    if use_cache:
        from bibkit.infra.cache import cache_key, read_record

        ckey = cache_key("fulltext", data, (module.KIND, module.VERSION))
        record = read_record("fulltext", ckey)
    if isinstance(record, tuple) and len(record) == 3:
        ok, pages, labels = record
        if not ok:
            raise Unreadable(pages)
        return FullText(path, module.KIND, list(pages), list(labels) if labels is not None else None,
                        module.KIND == "pdf", ckey)
    try:
        extracted = _bounded(extract(module, data, path))
    except Unreadable as exc:
        if ckey is not None and not exc.transient:
            from bibkit.infra.cache import write_record

            write_record("fulltext", ckey, (False, str(exc), None))
        raise
    if ckey is not None:
        from bibkit.infra.cache import write_record

        write_record("fulltext", ckey, (True, list(extracted.pages), extracted.labels))
    return FullText(path, module.KIND, extracted.pages, extracted.labels, module.KIND == "pdf", ckey)


__all__ = ["EXTRACTORS", "FOLDER_SUFFIXES", "Extracted", "FullText", "Unreadable", "extractor", "read_fulltext"]
