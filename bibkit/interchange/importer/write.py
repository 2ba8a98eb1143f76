"""Writing an import: merged entries rewritten in place, new entries appended, every other byte kept.

Every entry import writes is laid out by ``bibkit fmt``'s own formatter with the project's ``[fmt]``
options (field order, alignment, month macros...), so a fresh import passes ``bibkit fmt --check``.
"""

from __future__ import annotations

from bibkit.bib.bibtex import parse_text
from bibkit.bib.fmt import FmtOptions, format_entry
from bibkit.bib.lexer import MONTH_MACROS
from bibkit.infra.diagnostics import Diagnostics
from bibkit.interchange.export.bibtex import write_entry
from bibkit.interchange.export.text import month_macro, month_number
from bibkit.interchange.importer.records import Decision, Record
from bibkit.model import Entry, Field, ValuePart


def _part(name: str, value: str) -> list[ValuePart]:
    if name == "month" and month_number(value):
        return [ValuePart("macro", month_macro(month_number(value)))]
    return [ValuePart("brace", value)]


def merged_entry_text(entry: Entry, record: Record, changed: list[str], options: FmtOptions | None = None) -> str:
    """The entry rewritten with the record's values for ``changed`` fields (``fmt``'s layout and field order)."""
    values = {}
    for name, value in record.fields:
        values.setdefault(name, value)
    fields: list[Field] = []
    done = set()
    for f in entry.fields:
        lname = f.name.lower()
        if lname in changed and lname not in done:
            done.add(lname)
            fields.append(Field(f.name, _part(lname, values[lname]), values[lname], f.offset, f.comments))
        else:
            fields.append(f)
    for name in changed:
        if name not in done:
            fields.append(Field(name, _part(name, values[name]), values[name], 0))
    copy = Entry(entry.type, entry.key, fields, entry.source, entry.start, entry.end, entry.type_raw,
                 trailing_comments=entry.trailing_comments)
    return format_entry(copy, options or FmtOptions())


def new_entry_text(etype: str, key: str, fields: list[tuple[str, str]], options: FmtOptions | None = None) -> str:
    """A new entry as ``bibkit fmt`` writes it: written, read back and formatted with ``options``."""
    text = write_entry(etype, key, fields)
    entries = parse_text(text, "<import>", Diagnostics(), dict(MONTH_MACROS)).entries
    if len(entries) != 1 or entries[0].broken:  # pragma: no cover - records are checked when planned
        return text
    return format_entry(entries[0], options or FmtOptions())


def apply(original: str, target: list[Entry], decisions: list[Decision], options: FmtOptions | None = None) -> str:
    """The target file's new text: merged entries replaced in place, new entries appended (``fmt``'s layout)."""
    by_key = {}
    for entry in target:
        by_key.setdefault(entry.key, entry)
    text = original
    merges = sorted((d for d in decisions if d.action == "merge"), key=lambda d: by_key[d.key].start, reverse=True)
    for d in merges:
        entry = by_key[d.key]
        text = text[:entry.start] + merged_entry_text(entry, d.record, d.changed_fields, options) + text[entry.end:]
    added = [new_entry_text(d.record.type, d.key, d.record.fields, options) for d in decisions if d.action == "add"]
    if added:
        if text and not text.endswith("\n"):
            text += "\n"
        if text and not text.endswith("\n\n"):
            text += "\n"
        text += "\n\n".join(added) + "\n"
    return text
