"""Where a source's full text is: the entry's ``file`` field, or ``<key>.<suffix>`` in the full-text folder.

The ``file`` field is read in the conventions real exports use:

- JabRef: ``description:path:type`` items joined by ``;``, with ``\\:``, ``\\;`` and ``\\\\`` escaping
  colons, semicolons and backslashes inside a path (``:C\\:\\\\papers\\\\x.pdf:PDF``); Mendeley writes
  the same form with the leading ``/`` of the path left out (``:home/me/x.pdf:pdf``).
- Better BibTeX / Zotero: plain paths joined by ``;`` (``papers/x.pdf;papers/x.html``).

Relative paths are relative to the folder of the .bib file the entry was read from, or, when the
file sets one, to JabRef's library file directory (``@comment{jabref-meta: fileDirectory:papers;}``,
itself relative to the .bib file's folder).
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass

from bibkit.evidence.fulltext import FOLDER_SUFFIXES
from bibkit.model import Entry


@dataclass(frozen=True)
class Candidate:
    """A place a full text is said to be: the path, and where bibkit learned of it."""

    path: str
    origin: str  # "file field" | "fulltext folder"
    written: str = ""  # the path as the file field wrote it


def _split_unescaped(text: str, sep: str) -> list[str]:
    """Split at ``sep`` not preceded by a backslash escape (escapes are kept for later)."""
    parts, cur, i = [], [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            cur.append(text[i:i + 2])
            i += 2
            continue
        if ch == sep:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
        i += 1
    parts.append("".join(cur))
    return parts


def _unescape(text: str) -> str:
    return re.sub(r"\\([\\:;])", r"\1", text)


_TYPE = re.compile(r"^[A-Za-z0-9.+/_ -]{1,40}$")


def parse_file_field(value: str) -> list[str]:
    """The paths a ``file`` field lists, in order (JabRef, Mendeley and Better BibTeX/Zotero forms)."""
    paths: list[str] = []
    for item in _split_unescaped(value.strip(), ";"):
        item = item.strip()
        if not item:
            continue
        parts = _split_unescaped(item, ":")
        if len(parts) >= 3 and _TYPE.match(parts[-1].strip() or "x") and not re.match(r"^[A-Za-z]$", parts[0]):
            # description:path:type (an old JabRef may leave a drive letter's colon unescaped)
            path = ":".join(parts[1:-1])
        else:
            path = item
        path = _unescape(path).strip()
        if path[:7].lower() == "file://":  # a URI's scheme is case-insensitive (RFC 3986)
            path = path[len("file://"):]
        if path:
            paths.append(path)
    return paths


_JABREF_DIR = re.compile(r"@comment\s*\{\s*jabref-meta:\s*fileDirectory(?:-[^:]*)?:(.*?);?\s*\}", re.I)


@functools.lru_cache(maxsize=16)
def jabref_file_directories(text: str) -> list[str]:
    """The file directories a JabRef library names in its ``jabref-meta`` comments (user-specific ones first)."""
    found = [(m.group(0).lower().find("filedirectory:") < 0, _unescape(m.group(1).strip()))
             for m in _JABREF_DIR.finditer(text) if m.group(1).strip()]
    return [d for _, d in sorted(found, key=lambda x: not x[0])]


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+://")


def is_web_address(path: str) -> bool:
    """True for ``http://...``, ``ftp://...`` and the like (``file://`` is stripped before this)."""
    return bool(_SCHEME.match(path))


def _resolve(path: str, bases: list[str]) -> str:
    """The first existing place a written path names (the first base when none exists).

    ``~`` is not expanded: a path is the project's data, and the reader's home folder is not the project.
    """
    if os.path.isabs(path):
        return path
    for base in bases:
        joined = os.path.normpath(os.path.join(base, path))
        if os.path.exists(joined):
            return joined
    if os.path.exists("/" + path):  # Mendeley drops the leading slash
        return "/" + path
    return os.path.normpath(os.path.join(bases[0], path))


def candidates(entry: Entry, folder: str | None) -> list[Candidate]:
    """Every place the entry's full text may be, ``file`` field first, then the full-text folder."""
    out: list[Candidate] = []
    value = entry.get("file")
    if value:
        base = os.path.dirname(entry.file) or "."
        bases = [os.path.join(base, d) for d in jabref_file_directories(entry.source.text)] + [base]
        for written in parse_file_field(value):
            if not is_web_address(written):  # a link, not a file on this computer
                out.append(Candidate(_resolve(written, bases), "file field", written))
    if folder:
        for suffix in FOLDER_SUFFIXES:
            path = os.path.join(folder, entry.key + suffix)
            if os.path.lexists(path):
                out.append(Candidate(os.path.normpath(path), "fulltext folder"))
    return out
