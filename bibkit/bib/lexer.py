"""The BibTeX lexicon: the patterns the reader scans with, brace and quote matching, and the month
macros BibTeX predefines. The reader (:mod:`bibkit.bib.reader`) and its recovery
(:mod:`bibkit.bib.recovery`) are built on these; nothing here keeps state.
"""

from __future__ import annotations

import re

MONTH_MACROS = {
    "jan": "January", "feb": "February", "mar": "March", "apr": "April",
    "may": "May", "jun": "June", "jul": "July", "aug": "August",
    "sep": "September", "oct": "October", "nov": "November", "dec": "December",
}

ENTRY_START = re.compile(r"@[ \t]*([A-Za-z_][\w:.+-]*)\s*([{(])")
WS = re.compile(r"\s*")
WS_COMMENTS = re.compile(r"(?:\s+|%[^\r\n]*)*")
COMMENT = re.compile(r"%[^\r\n]*")
EOL = re.compile(r"[\r\n]")
KEY = re.compile(r"[^\s,{}()\"#=%]*")
NAME = re.compile(r"[^\s=,{}()\"#%]+")
RESYNC = re.compile(r"(?:^|(?<=\r))[ \t]*@", re.M)
FIELD_INSIDE = re.compile(r",\s*[A-Za-z][\w-]*\s*=\s*[{\"\d]")
ENTRY_LINE = re.compile(r"[\r\n][ \t]*@[ \t]*[A-Za-z_][\w:.+-]*\s*[{(]")
# Inside a value that swallowed the fields after it: a comma ending a line, then ``name =`` on the next.
FIELD_LINE = re.compile(r",[ \t]*(?:%[^\r\n]*)?(?:\r\n?|\n)\s*[A-Za-z][\w-]*\s*=")
# Right after an entry's end: more ``name = value`` (an extra closing brace ended the entry early).
STRAY_FIELD = re.compile(r"[\s})]*,?\s*([A-Za-z][\w-]*)[ \t]*=[ \t]*[{\"\w]")
HIDDEN_ENTRY = re.compile(r"(?:^|[\r\n])[ \t]*@[ \t]*([A-Za-z_][\w:.+-]*)\s*[{(]\s*([^\s,{}()]*)")

# The fast path: one match reads a whole ``name = value,`` when the value is a single braced value
# (two levels of nested braces at most), a quoted value, a number or a macro, with no ``%`` comment
# and no ``#`` around it. Anything else falls back to the general reader from the field's start.
BRACED = r"[^{}]*(?:\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}[^{}]*)*"
QUOTED = r'[^"{}]*(?:\{[^{}]*\}[^"{}]*)*'
# Group 2 is the value with its delimiters; group 3 the comma after it, when there is one.
FAST_FIELD = {
    closer: re.compile(r"\s*([^\s=,{}()\"#%]+)\s*=\s*(\{" + BRACED + r"\}|\"" + QUOTED + r"\"|"
                       r"[^\s=,{}()\"#%]+)\s*(?:(,)|(?=" + re.escape(closer) + "))")
    for closer in "})"
}

#: The start of the B001 message for a missing comma between two fields (``fmt`` adds the comma and says so).
MISSING_COMMA = "missing ','"


class Broken(Exception):
    """Raised inside the entry reader; carries where reading may resume."""

    def __init__(self, offset: int, message: str, code: str = "B001", resume_from: int | None = None):
        super().__init__(message)
        self.offset = offset
        self.message = message
        self.code = code
        self.resume_from = offset if resume_from is None else resume_from


def braces_balanced(text: str) -> bool:
    """True when the braces of ``text`` nest properly, as BibTeX counts them (so it can go inside ``{...}``)."""
    depth = 0
    for c in re.findall(r"[{}]", text):
        depth += 1 if c == "{" else -1
        if depth < 0:
            return False
    return depth == 0


def match_brace(text: str, pos: int) -> int:
    """Offset of the ``}`` that closes a ``{`` opened just before ``pos``, or -1."""
    depth = 1
    find, count = text.find, text.count
    while True:
        close = find("}", pos)
        if close < 0:
            return -1
        depth += count("{", pos, close) - 1
        if depth == 0:
            return close
        pos = close + 1


def match_quote(text: str, pos: int) -> int:
    """Offset of the ``"`` that ends a quoted value begun just before ``pos`` (braces must balance), or -1."""
    depth = 0
    find, count = text.find, text.count
    while True:
        q = find('"', pos)
        if q < 0:
            return -1
        depth += count("{", pos, q) - count("}", pos, q)
        if depth == 0:
            return q
        pos = q + 1
