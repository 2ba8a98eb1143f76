r"""bibtexparser v2 as the independent reference for reading BibTeX: entries, keys, field names, exact values.

bibtexparser is run with an empty parse stack, so each value is the raw text between ``=`` and the
``,`` or ``}`` that ends it, delimiters included, nothing resolved or normalised. bibkit's side is
rendered into the same raw form from the parts it read (``{text}``, ``"text"``, number, macro name).
No white space is normalised on either side.

Where the two readers legitimately differ, the difference is recognised here by name, with the
reason, and counted; every other difference is a failure:

* ``percent-line``: a ``%`` line inside an entry is a comment for bibkit (and biber, JabRef);
  bibtexparser knows no comments and makes it part of the next field's name (or a field of its own),
  or gives up on the entry when the line stands before its closing brace.
* ``commented-out``: a ``% @type{...`` line outside entries is a comment for bibkit (and biber,
  JabRef, bibtex-tidy); bibtexparser reads an entry there.
* ``comment-block``: an entry inside an ``@comment{...}`` block is a comment for bibkit (as for
  biber), reported as B020 at its line; bibtexparser breaks the block off there and reads the entry.
* ``escaped-delimiter``: bibtexparser does not count a brace or quote after a backslash (``\{``,
  ``\"``); BibTeX counts every one, and so does bibkit, so the two end such a value (or entry) at
  different places. bibkit's value must then nest its braces as BibTeX counts them.
* ``quote-in-braces``: inside ``"..."``, BibTeX (and bibkit) ignore a ``"`` within braces;
  bibtexparser only knows the ``{"}`` spelling and ends the value at ``{saint"}``. bibkit's value
  must then start with bibtexparser's.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import bibtexparser
from bibtexparser import model as bm

from bibkit.bib.bibtex import parse_text
from bibkit.infra.diagnostics import Diagnostics
from bibkit.model import Entry, Field

ASCII_WS = " \t\r\n\f\v"


def bibtexparser_library(text: str) -> bm.Block:
    """The raw library: blocks as bibtexparser splits them, values as written."""
    return bibtexparser.parse_string(text, parse_stack=[])


def bibtexparser_entries(text: str) -> list[bm.Entry]:
    """Every entry bibtexparser reads, those with a duplicate field name included (it files them as failed)."""
    lib = bibtexparser_library(text)
    out = []
    for block in lib.blocks:
        if isinstance(block, bm.Entry):
            out.append(block)
        elif isinstance(block, bm.DuplicateFieldKeyBlock):
            out.append(block.ignore_error_block)
    return out


def raw_value(f: Field) -> str:
    """A bibkit field's value in bibtexparser's raw form: the parts with their delimiters, joined by ``#``."""
    rendered = []
    for part in f.parts:
        if part.kind == "brace":
            rendered.append("{" + part.text + "}")
        elif part.kind == "quote":
            rendered.append('"' + part.text + '"')
        else:
            rendered.append(part.text)
    return rendered[0] if len(rendered) == 1 else rendered  # type: ignore[return-value]


def split_concatenation(raw: str) -> list[str]:
    """bibtexparser's raw ``a # "b" # {c}`` split at the top-level ``#`` (each piece without outer white space)."""
    pieces, depth, quoted, start = [], 0, False, 0
    for i, c in enumerate(raw):
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif c == '"' and depth == 0:
            quoted = not quoted
        elif c == "#" and depth == 0 and not quoted:
            pieces.append(raw[start:i].strip(ASCII_WS))
            start = i + 1
    pieces.append(raw[start:].strip(ASCII_WS))
    return pieces


def theirs_fields(entry: bm.Entry) -> tuple[list[tuple[str, str | list[str]]], Counter]:
    """bibtexparser's fields as (name, raw value); ``%`` comment lines it mistook for names are taken out."""
    out: list[tuple[str, str | list[str]]] = []
    skipped: Counter = Counter()
    for f in entry.fields:
        name = f.key
        if "%" in name:
            lines = [line.strip(ASCII_WS) for line in name.splitlines()]
            kept = [line for line in lines if line and not line.startswith("%")]
            skipped["percent-line"] += 1
            if not kept:
                continue  # the comment line had an '=': bibtexparser made a field of it
            name = kept[-1]
        value: str | list[str] = f.value
        pieces = split_concatenation(f.value)
        if len(pieces) > 1:
            value = pieces
        out.append((name, value))
    return out, skipped


def ours_fields(entry: Entry) -> list[tuple[str, str | list[str]]]:
    """bibkit's fields as (name as written, raw value)."""
    return [(f.name, raw_value(f)) for f in entry.fields]


@dataclass
class Comparison:
    """The result of comparing one text as the two readers read it."""

    entries: int = 0
    fields: int = 0
    differences: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    differing_keys: set[str] = field(default_factory=set)  # entries bibtexparser reads otherwise, for a listed reason


def commented_out_keys(text: str) -> set[str]:
    """Keys of ``@type{key`` that stand after a ``%`` on their line (commented-out entries)."""
    return {m.group(1) for m in re.finditer(r"%[^\n\r@]*@[ \t]*[A-Za-z_][\w:.+-]*[ \t]*[{(][ \t]*([^\s,{}()]*)", text)}


def compare(text: str, name: str = "x.bib") -> Comparison:
    """Compare bibkit with bibtexparser on ``text``: every entry bibtexparser reads, field by field, exactly.

    An entry bibtexparser reads must be in bibkit with the same type, key, field names (as written,
    in order) and raw values, unless bibkit reports it as broken at its line; a difference that is
    neither a listed one nor reported is a failure.
    """
    result = Comparison()
    diags = Diagnostics()
    ours = parse_text(text, name, diags).entries
    in_comment_blocks = {d.message.split("{", 1)[1].split(":", 1)[0] for d in diags if d.code == "B020"}
    commented = commented_out_keys(text)
    by_key: dict[str, list[Entry]] = {}
    for e in ours:
        by_key.setdefault(e.key, []).append(e)
    for theirs in bibtexparser_entries(text):
        result.entries += 1
        candidates = by_key.get(theirs.key, [])
        if not candidates:
            if theirs.key in commented:
                result.differences["commented-out"] += 1
                continue
            if theirs.key in in_comment_blocks:
                result.differences["comment-block"] += 1
                continue
            result.failures.append(f"{name}: entry {theirs.key!r} (line {theirs.start_line + 1}) not read by bibkit")
            continue
        mine = candidates.pop(0)
        if mine.type_raw.lower() != theirs.entry_type.lower():
            result.failures.append(f"{name}: {theirs.key}: type {mine.type_raw!r} != {theirs.entry_type!r}")
        want, skipped = theirs_fields(theirs)
        result.differences.update(skipped)
        got = ours_fields(mine)
        result.fields += len(want)
        if got != want:
            if mine.broken and any(d.code in ("B019", "B001") and d.key in (mine.key, None) for d in diags):
                result.differences["broken-reported"] += 1
                result.differing_keys.add(theirs.key)
                continue
            known = _known_difference(got, want)
            if known:
                result.differences[known] += 1
                result.differing_keys.add(theirs.key)
                continue
            for i, (g, w) in enumerate(zip(got + [None] * len(want), want)):
                if g != w:
                    result.failures.append(f"{name}: {theirs.key}: field {i}: bibkit {g!r} != bibtexparser {w!r}")
                    break
            else:
                result.failures.append(f"{name}: {theirs.key}: bibkit has extra fields {got[len(want):]!r}")
    for key, left in by_key.items():
        for e in left:
            if e.key and not e.broken and re.search(r"(?m)^[ \t]*%", text[e.start:e.end]):
                result.differences["percent-line"] += 1  # bibtexparser gives up on the entry
                result.differing_keys.add(key)
            elif e.key and not e.broken and re.search(r'\\[{}"]', text[e.start:e.end]):
                result.differences["escaped-delimiter"] += 1  # bibtexparser runs past the entry's end
                result.differing_keys.add(key)
            elif e.key and not e.broken:
                result.failures.append(f"{name}: bibkit reads entry {key!r} (line {e.line}) that bibtexparser does not")
    return result


def _braces_nest(text: str) -> bool:
    depth = 0
    for c in text:
        depth += (c == "{") - (c == "}")
        if depth < 0:
            return False
    return depth == 0


def _known_difference(got: list, want: list) -> str | None:
    """The name of a listed bibtexparser defect that explains the first differing field, else None."""
    for g, w in zip(got, want):
        if g == w:
            continue
        if g[0] != w[0]:
            return None
        mine = g[1] if isinstance(g[1], str) else " # ".join(g[1])
        theirs = w[1] if isinstance(w[1], str) else " # ".join(w[1])
        if re.search(r'\\[{}"]', mine + theirs) and all(
                _braces_nest(p) for p in (g[1] if isinstance(g[1], list) else [g[1]])):
            return "escaped-delimiter"
        if mine.startswith('"') and theirs.startswith('"') and mine.startswith(theirs[:-1]) and '{' in theirs:
            return "quote-in-braces"
        return None
    return None
