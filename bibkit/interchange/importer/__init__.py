"""``bibkit import``: read RIS, CSL-JSON, CSL-YAML or BibTeX, skip (or merge) duplicates, append the rest.

One reader per format, mirroring :mod:`bibkit.interchange.export`: :mod:`~bibkit.interchange.importer.ris`,
:mod:`~bibkit.interchange.importer.csl` (CSL-JSON and CSL-YAML), :mod:`~bibkit.interchange.importer.bibtex`; then
:mod:`~bibkit.interchange.importer.plan` (duplicates, keys, merging) and :mod:`~bibkit.interchange.importer.write`.

Flow: read each file into :class:`Record` objects (BibTeX type, incoming id, BibTeX-ready fields) ->
:func:`plan` decides per record (add / skip / merge) against the target bibliography -> :func:`apply`
returns the new file text: new entries appended at the end, merged entries rewritten in place,
every other byte left as it was. How duplicates are found and keys chosen: :mod:`bibkit.interchange.importer.plan`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from bibkit.bib.bibtex import decode as decode_bib, read_bib_file, reporting_reads
from bibkit.bib.fmt import FmtOptions
from bibkit.infra.diagnostics import Diagnostics
from bibkit.infra.errors import BibkitError
from bibkit.infra.files import decode_utf8, read_bytes
from bibkit.infra.progress import ProgressFn, split
from bibkit.interchange.importer.bibtex import read_bibtex
from bibkit.interchange.importer.csl import csl_items_to_entries, read_csl_items, read_csl_json, read_csl_yaml
from bibkit.interchange.importer.plan import (DEFAULT_KEY_PATTERN, STOP_WORDS, as_biblatex, identity, make_key,
                                              merge_fields, plan, record_entry)
from bibkit.interchange.importer.records import Decision, Record, is_biblatex
from bibkit.interchange.importer.ris import read_ris
from bibkit.interchange.importer.write import apply, merged_entry_text
from bibkit.model import BibFile, Entry

__all__ = ["DEFAULT_KEY_PATTERN", "FORMATS", "Decision", "ImportResult", "Record", "STOP_WORDS", "apply",
           "csl_items_to_entries", "describe", "encode_result", "guess_format", "identity", "import_files",
           "load_target", "make_key", "merge_fields", "merged_entry_text", "plan", "read_bibtex",
           "read_csl_items", "read_csl_json", "read_csl_yaml", "read_file", "read_ris", "record_entry"]

FORMATS = ("ris", "csl-json", "csl-yaml", "bibtex")


def guess_format(text: str, path: str) -> str:
    """The format of a file from its content (then its extension)."""
    head = text.lstrip("\ufeff \t\r\n")
    if re.match(r"TY {1,2}- ", head) or re.search(r"(?m)^TY {1,2}- ", head[:2000]):
        return "ris"
    if head.startswith(("[", "{")):
        return "csl-json"
    if re.search(r"@[A-Za-z]+\s*[{(]", head):
        return "bibtex"
    if head.startswith(("---", "references:", "- id:")) or re.search(r"(?m)^\s*-?\s*id:", head[:2000]):
        return "csl-yaml"
    ext = os.path.splitext(path)[1].lower()
    by_ext = {".ris": "ris", ".json": "csl-json", ".yaml": "csl-yaml", ".yml": "csl-yaml", ".bib": "bibtex"}
    if ext in by_ext:
        return by_ext[ext]
    raise BibkitError(f"{path}: cannot tell the format; give --from ris|csl-json|csl-yaml|bibtex")


def read_file(path: str, fmt: str | None = None, progress: ProgressFn | None = None,
              diags: Diagnostics | None = None) -> tuple[list[Record], str]:
    """Read one import file; returns its records and the format used. ``progress`` hears of the records read.

    RIS and CSL must be UTF-8 (or UTF-16), as their specifications say; a BibTeX file in CP1252 or Latin-1
    is read as ``check`` and ``fmt`` read it, with the same located B007 warning in ``diags``.
    """
    data = read_bytes(path, "file to import")
    try:
        text = decode_utf8(data, path)
    except BibkitError:
        if (fmt or guess_format(data.decode("latin-1"), path)) != "bibtex":
            raise
        text = decode_bib(data, path, diags if diags is not None else Diagnostics())[0]
    fmt = fmt or guess_format(text, path)
    reader = {"ris": read_ris, "csl-json": read_csl_json, "csl-yaml": read_csl_yaml, "bibtex": read_bibtex}[fmt]
    return reader(text, path, progress), fmt


@dataclass
class ImportResult:
    """What an import did (or would do)."""

    target: str
    decisions: list[Decision]
    new_text: str
    original: str
    encoding: str = "utf-8"
    bom: bool = False
    diagnostics: Diagnostics = field(default_factory=Diagnostics)  # what reading the files and the target found

    def count(self, action: str) -> int:
        """How many records got this action."""
        return sum(1 for d in self.decisions if d.action == action)


def load_target(path: str, diags: Diagnostics | None = None,
                progress: ProgressFn | None = None) -> tuple[str, list[Entry], str, bool]:
    """The target bibliography's text, entries, encoding and BOM (empty when the file does not exist yet)."""
    if not os.path.exists(path):
        return "", [], "utf-8", False
    with reporting_reads(progress):
        bibfile: BibFile = read_bib_file(path, diags if diags is not None else Diagnostics())
    return bibfile.source.text, bibfile.entries, bibfile.encoding, bibfile.bom


def import_files(paths: list[str], into: str, fmt: str | None = None, *, merge: bool = False,
                 overwrite: bool = False, key_pattern: str = DEFAULT_KEY_PATTERN,
                 progress: ProgressFn | None = None, fmt_options: FmtOptions | None = None) -> ImportResult:
    """Read the files, plan against ``into`` and compute its new text (nothing is written).

    New and merged entries are laid out as ``bibkit fmt`` with ``fmt_options`` (the ``[fmt]`` table) lays them out.

    ``progress`` hears of each file's records read (files take equal shares), the target read and the plan.
    """
    reading, loading, planning = split(progress, 2, 1, 2)  # reading and planning cost about the same
    records: list[Record] = []
    diags = Diagnostics()
    for path, file_progress in zip(paths, split(reading, *[1] * len(paths))):
        records.extend(read_file(path, fmt, file_progress, diags)[0])
    original, entries, encoding, bom = load_target(into, diags, loading)
    if is_biblatex(entries):  # write what the bibliography's own entries use: journaltitle, date, location
        records = [as_biblatex(r) for r in records]
    decisions = plan(records, entries, merge=merge, overwrite=overwrite, key_pattern=key_pattern, progress=planning)
    return ImportResult(into, decisions, apply(original, entries, decisions, fmt_options), original, encoding, bom,
                        diags)


def encode_result(result: ImportResult) -> bytes:
    """The new file's bytes in the target's own encoding (UTF-8 unless it was something else)."""
    try:
        data = result.new_text.encode(result.encoding)
    except UnicodeEncodeError:
        raise BibkitError(f"{result.target}: is {result.encoding.upper()} and the imported text does not fit; "
                          "convert it to UTF-8 first") from None
    return (b"\xef\xbb\xbf" if result.bom else b"") + data


def describe(result: ImportResult) -> list[str]:
    """One line per record, then a summary line."""
    lines = []
    for d in result.decisions:
        title = d.record.get("title") or ""
        title = (title[:60] + "...") if len(title) > 63 else title
        if d.action == "add":
            lines.append(f"add   {d.key}  ({d.record.type}, \u201c{title}\u201d, from {d.record.origin})")
        elif d.action == "merge":
            lines.append(f"merge {d.key}  +{', +'.join(d.changed_fields)}  ({d.reason}, from {d.record.origin})")
        else:
            lines.append(f"skip  {d.record.key or '-'}  duplicate of {d.key} ({d.reason}, from {d.record.origin})")
        if d.record.ignored:
            lines.append(f"      note: fields not imported from {d.record.origin}: {', '.join(d.record.ignored)}")
    lines.append(f"{result.count('add')} to add, {result.count('skip')} duplicate"
                 f"{'s' if result.count('skip') != 1 else ''} skipped, {result.count('merge')} merged "
                 f"into {result.target}")
    return lines
