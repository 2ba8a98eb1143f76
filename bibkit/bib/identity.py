"""What makes two entries the same work: DOI, title and first author reduced for comparison.

Used by the duplicate check (B008), the importer's de-duplication and the manuscript readers'
matching of cited works to entries.
"""

from __future__ import annotations

import re
import unicodedata

from bibkit.model import Entry


DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.I)
_AND = re.compile(r"\s+and\s+")
_COMMAND = re.compile(r"\\[A-Za-z]+\s*|\\.")
_NOT_ALNUM = re.compile(r"[\W_]+")


def normalise_doi(doi: str) -> str:
    """A DOI without URL or ``doi:`` prefix, lower-cased (DOIs are case-insensitive)."""
    return DOI_PREFIX.sub("", doi.strip()).lower()


def plain(text: str) -> str:
    """LaTeX-ish text reduced to lower-case letters and digits, accents dropped (for comparisons)."""
    if "\\" in text:
        text = _COMMAND.sub("", text)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
    return _NOT_ALNUM.sub("", text.lower())  # [\W_] is exactly "not str.isalnum()"


def normalise_title(title: str) -> str:
    """A title reduced for duplicate detection."""
    return plain(title)


def first_author_family(entry: Entry) -> str:
    """The first author's (or editor's) family name, reduced for comparisons."""
    names = entry.get("author") or entry.get("editor") or ""
    first = _AND.split(names, maxsplit=1)[0].strip()
    if "," in first:
        return plain(first.split(",", 1)[0])
    words = first.split()
    return plain(words[-1]) if words else ""
