"""What the check rules share: located diagnostics for entries and fields, and the project's folders."""

from __future__ import annotations

import os
from typing import Callable, Iterable

from bibkit.infra.diagnostics import Diagnostic, Severity
from bibkit.model import Entry
from bibkit.project import Project


Rule = Callable[[Project], Iterable[Diagnostic]]


def read_through_cache(project: Project) -> bool:
    """True when the project's bibliography was read through the cache (so results may be cached too)."""
    files = project.bibliography.files
    return bool(files) and all(f.digest for f in files)


def project_roots(project: Project) -> list[str]:
    """The folders a project's files may live in: the claims file's folder and the config's."""
    roots = [os.path.dirname(os.path.abspath(project.claims.path)) if project.claims and project.claims.path
             else os.path.abspath(".")]
    if project.config.path:
        roots.append(os.path.abspath(project.config.root))
    return list(dict.fromkeys(roots))


def inside_any(path: str, roots: list[str]) -> bool:
    """True when ``path``, with symbolic links resolved, lies inside one of ``roots`` (also resolved)."""
    real = os.path.realpath(path)
    for root in roots:
        real_root = os.path.realpath(root)
        try:
            if os.path.commonpath([real, real_root]) == real_root:
                return True
        except ValueError:  # different drives
            continue
    return False


def entry_diagnostic(entry: Entry, severity: Severity, code: str, message: str) -> Diagnostic:
    return Diagnostic(entry.file, entry.line, entry.column, severity, code, message, entry.key)


def field_diagnostic(entry: Entry, offset: int, severity: Severity, code: str, message: str) -> Diagnostic:
    src = entry.source
    return Diagnostic(entry.file, src.line_of(offset), src.column_of(offset), severity, code, message, entry.key)
