"""Unified diffs of BibTeX files in linear time: entries are anchors, difflib diffs between them.

``difflib.unified_diff`` over a whole file is quadratic where most lines change (``fmt --check``
on a file that was never formatted: 17 s for 5,000 entries). Here the lines that start an entry
(``@type{key,``) are matched first, case and white space aside; difflib then diffs only the few
lines between two matched anchors, and the pieces are joined and grouped into hunks as difflib
groups them. The result is a valid unified diff (``patch`` applies it) of the same two texts.
"""

from __future__ import annotations

import difflib
import re
from typing import Iterator

from bibkit.infra.progress import ProgressFn

Opcode = tuple[str, int, int, int, int]

_ANCHOR = re.compile(r"@\s*[A-Za-z]+\s*[{(]")


def unified_diff(before: str, after: str, fromfile: str, tofile: str, context: int = 3,
                 progress: ProgressFn | None = None) -> str:
    """A unified diff from ``before`` to ``after``; empty when they are equal.

    ``progress`` hears of the lines of ``before`` compared so far, segment by segment.
    """
    if before == after:
        return ""
    a, b = _lines(before), _lines(after)
    opcodes = list(_merge(_anchored_opcodes(a, b, progress)))
    out: list[str] = []
    for group in _grouped(opcodes, context):
        if not out:
            out += [f"--- {fromfile}\n", f"+++ {tofile}\n"]
        out.append(_hunk_header(group))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out += [" " + line for line in a[i1:i2]]
                continue
            out += ["-" + line for line in a[i1:i2]]
            out += ["+" + line for line in b[j1:j2]]
    return "".join(out)


#: What follows a last line without a newline, so the diff stays a valid patch (as GNU diff writes it).
NO_NEWLINE = "\n\\ No newline at end of file\n"


def _lines(text: str) -> list[str]:
    """Lines ended by ``\n`` only (``str.splitlines`` would also split at form feeds, which patch keeps);
    a last line without one ends in :data:`NO_NEWLINE` (still unequal to the same line with a newline)."""
    parts = text.split("\n")
    last = parts.pop()
    lines = [part + "\n" for part in parts]
    if last:
        lines.append(last + NO_NEWLINE)
    return lines


def _anchor_key(line: str) -> str | None:
    """The comparable head of a line that starts an entry, else None."""
    if not _ANCHOR.match(line):
        return None
    return "".join(line.split()).lower().rstrip(",")


def _anchors(lines: list[str]) -> list[tuple[int, str]]:
    """(line index, key) of every line that starts an entry."""
    found = []
    for i, line in enumerate(lines):
        if line.startswith("@"):
            key = _anchor_key(line)
            if key is not None:
                found.append((i, key))
    return found


def _anchored_opcodes(a: list[str], b: list[str], progress: ProgressFn | None = None) -> Iterator[Opcode]:
    """difflib opcodes for ``a`` -> ``b``, computed segment by segment between matched anchors."""
    anchors_a, anchors_b = _anchors(a), _anchors(b)
    matcher = difflib.SequenceMatcher(None, [k for _, k in anchors_a], [k for _, k in anchors_b], autojunk=False)
    pairs = [(anchors_a[i + n][0], anchors_b[j + n][0])
             for i, j, size in matcher.get_matching_blocks() for n in range(size)]
    start_a = start_b = 0
    for end_a, end_b in pairs + [(len(a), len(b))]:
        yield from _segment(a, b, start_a, end_a, start_b, end_b)
        start_a, start_b = end_a, end_b
        if progress is not None:
            progress(end_a, len(a))


def _segment(a: list[str], b: list[str], a0: int, a1: int, b0: int, b1: int) -> Iterator[Opcode]:
    """difflib opcodes of one segment, shifted to whole-file line numbers."""
    if a0 == a1 and b0 == b1:
        return
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a[a0:a1], b[b0:b1], autojunk=False).get_opcodes():
        yield tag, a0 + i1, a0 + i2, b0 + j1, b0 + j2


def _merge(opcodes: Iterator[Opcode]) -> Iterator[Opcode]:
    """Adjacent opcodes of the same tag joined, as one difflib run over the whole file would give them."""
    last: Opcode | None = None
    for op in opcodes:
        if last is not None and last[0] == op[0] and last[2] == op[1] and last[4] == op[3]:
            last = (last[0], last[1], op[2], last[3], op[4])
            continue
        if last is not None:
            yield last
        last = op
    if last is not None:
        yield last


def _grouped(codes: list[Opcode], n: int) -> Iterator[list[Opcode]]:
    """Hunks of changes with up to ``n`` lines of context (difflib's ``get_grouped_opcodes``)."""
    if not codes:
        return
    codes = list(codes)
    if codes[0][0] == "equal":
        tag, i1, i2, j1, j2 = codes[0]
        codes[0] = tag, max(i1, i2 - n), i2, max(j1, j2 - n), j2
    if codes[-1][0] == "equal":
        tag, i1, i2, j1, j2 = codes[-1]
        codes[-1] = tag, i1, min(i2, i1 + n), j1, min(j2, j1 + n)
    nn = n + n
    group: list[Opcode] = []
    for tag, i1, i2, j1, j2 in codes:
        if tag == "equal" and i2 - i1 > nn:
            group.append((tag, i1, min(i2, i1 + n), j1, min(j2, j1 + n)))
            yield group
            group = []
            i1, j1 = max(i1, i2 - n), max(j1, j2 - n)
        group.append((tag, i1, i2, j1, j2))
    if group and not (len(group) == 1 and group[0][0] == "equal"):
        yield group


def _hunk_header(group: list[Opcode]) -> str:
    """``@@ -l,s +l,s @@`` for one hunk, in difflib's notation."""
    first, last = group[0], group[-1]
    return f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n"


def _range(start: int, stop: int) -> str:
    """A unified diff range (difflib's ``_format_range_unified``)."""
    beginning = start + 1
    length = stop - start
    if length == 1:
        return f"{beginning}"
    if not length:
        beginning -= 1
    return f"{beginning},{length}"
