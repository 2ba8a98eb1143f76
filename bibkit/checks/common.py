"""What the check rules share: located diagnostics for entries and fields, and the project's folders."""

from __future__ import annotations

from typing import Callable, Iterable

from bibkit.infra.diagnostics import Diagnostic, Severity
from bibkit.model import Entry
from bibkit.project import Project


Rule = Callable[[Project], Iterable[Diagnostic]]


def read_through_cache(project: Project) -> bool:
    """True when the project's bibliography was read through the cache (so results may be cached too)."""
    files = project.bibliography.files
    return bool(files) and all(f.digest for f in files)


def entry_diagnostic(entry: Entry, severity: Severity, code: str, message: str) -> Diagnostic:
    return Diagnostic(entry.file, entry.line, entry.column, severity, code, message, entry.key)


def field_diagnostic(entry: Entry, offset: int, severity: Severity, code: str, message: str) -> Diagnostic:
    src = entry.source
    return Diagnostic(entry.file, src.line_of(offset), src.column_of(offset), severity, code, message, entry.key)
