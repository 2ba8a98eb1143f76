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


class Unreadable(Exception):
    """A full text exists (or is listed) but cannot be read; ``str()`` says why in a few words."""


@dataclass
class Extracted:
    """What an extractor returns: the text of each page, and the file's own page labels if it has any."""

    pages: list[str]
    labels: list[str] | None = None


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
    """The file's bytes; a missing file, a directory, an empty or unreadable file raise :class:`Unreadable`."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise Unreadable("file not found") from None
    except OSError as exc:
        raise Unreadable(f"cannot read: {exc.strerror}") from None
    if stat.S_ISDIR(st.st_mode):
        raise Unreadable("is a directory, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise Unreadable("is not a regular file")
    if st.st_size == 0:
        raise Unreadable("empty file (0 bytes)")
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise Unreadable(f"cannot read: {exc.strerror}") from None


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
        extracted = module.extract(data, path)
    except Unreadable as exc:
        if ckey is not None:
            from bibkit.infra.cache import write_record

            write_record("fulltext", ckey, (False, str(exc), None))
        raise
    if ckey is not None:
        from bibkit.infra.cache import write_record

        write_record("fulltext", ckey, (True, list(extracted.pages), extracted.labels))
    return FullText(path, module.KIND, extracted.pages, extracted.labels, module.KIND == "pdf", ckey)


__all__ = ["EXTRACTORS", "FOLDER_SUFFIXES", "Extracted", "FullText", "Unreadable", "extractor", "read_fulltext"]
