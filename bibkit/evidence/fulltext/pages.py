"""Page numbers as a citation means them, for each page of a full text.

In order: the entry's ``fulltext_first_page`` field (PDF page 1 is that printed page); the PDF's
own page labels; the entry's ``pages`` range when it spans as many pages as the PDF has; else
the PDF's page numbers from 1. Text and HTML full texts have no printed pages unless they hold
form feeds (one page each) or the entry sets ``fulltext_first_page``.
"""

from __future__ import annotations

import re

from bibkit.evidence.fulltext import FullText
from bibkit.model import Entry

_RANGE = re.compile(r"^\s*(?:pp?\.?\s*)?(\d+)\s*(?:-+|–|—)\s*(\d+)\s*$")



def pages_range(value: str | None) -> tuple[int, int] | None:
    """``551--558`` -> (551, 558); abbreviated ends (``551-8``) are completed; ``1619`` -> (1619, 1619); else None."""
    if not value:
        return None
    single = re.fullmatch(r"\s*(?:pp?\.?\s*)?(\d+)\s*", value)
    if single:
        return int(single.group(1)), int(single.group(1))
    m = _RANGE.match(value)
    if not m:
        return None
    first, last = m.group(1), m.group(2)
    if len(last) < len(first):
        last = first[: len(first) - len(last)] + last
    a, b = int(first), int(last)
    return (a, b) if b >= a else None


def first_page_override(entry: Entry | None) -> tuple[int | None, str | None]:
    """The entry's ``fulltext_first_page`` as a number, and a problem message if it is not one."""
    value = entry.get("fulltext_first_page") if entry is not None else None
    if value is None:
        return None, None
    text = value.strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text), None
    return None, f"fulltext_first_page {value!r} is not a page number (ignored)"


def page_labels(fulltext: FullText, entry: Entry | None) -> tuple[list[str] | None, str]:
    """The printed label of each page (None when the pages are not printed pages) and how it was found."""
    n = len(fulltext.pages)
    first, _ = first_page_override(entry)
    if first is not None:
        return [str(first + i) for i in range(n)], "fulltext_first_page"
    if fulltext.labels and any(fulltext.labels):
        return [lab or str(i + 1) for i, lab in enumerate(fulltext.labels)], "PDF page labels"
    if not fulltext.printed and n == 1:
        return None, "no pages"
    rng = pages_range(entry.get("pages") if entry is not None else None)
    if rng and rng[1] - rng[0] + 1 == n:
        return [str(rng[0] + i) for i in range(n)], "pages field"
    return [str(i + 1) for i in range(n)], "PDF page numbers" if fulltext.printed else "form feeds"
