"""The BibTeX/BibLaTeX reader: another ``.bib`` file's entries as :class:`Record` objects."""

from __future__ import annotations

from bibkit.bib.bibtex import parse_text, reporting_reads
from bibkit.bib.lexer import MONTH_MACROS
from bibkit.infra.diagnostics import Diagnostics
from bibkit.infra.errors import BibkitError
from bibkit.infra.progress import ProgressFn
from bibkit.interchange.importer.records import Record


def read_bibtex(text: str, path: str, progress: ProgressFn | None = None) -> list[Record]:
    """BibTeX entries (macros expanded); broken entries are an error naming their line. ``progress``: the reading."""
    diags = Diagnostics()
    with reporting_reads(progress):
        bibfile = parse_text(text, path, diags, dict(MONTH_MACROS))
    records = []
    for entry in bibfile.entries:
        if entry.broken or not entry.key:
            raise BibkitError(f"{path}:{entry.line}: entry {entry.key or entry.type_raw} cannot be read; "
                              "fix it (bibkit check names the problem) before importing")
        records.append(Record(entry.type, entry.key, [(f.name.lower(), f.value) for f in entry.fields],
                              f"{path}:{entry.line}"))
    return records
