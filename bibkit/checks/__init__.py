"""The checks behind ``bibkit check``: one function per rule, each yielding diagnostics with a stable code.

Rules are grouped by what they check: :mod:`~bibkit.checks.bibliography` (the .bib files alone),
:mod:`~bibkit.checks.claims` (claims, their links and quotes) and :mod:`~bibkit.checks.documents`
(the writing: anchors and manuscripts), over the helpers in :mod:`~bibkit.checks.common`. A new
rule is a function ``(Project) -> Iterable[Diagnostic]`` in one of them, listed in :data:`RULES`
(and in :data:`BIB_RULES` when it reads only the .bib files, so its findings are cached), with its
code in :data:`bibkit.infra.diagnostics.CODES`.
May import every layer below it (review, manuscripts, interchange, formatting, evidence, ...).
"""

from __future__ import annotations

import logging
import marshal
import os
import threading

from bibkit.checks.bibliography import (check_citable_keys, check_crossrefs, check_csl_readable,
                                        check_duplicate_entries, check_field_formats, check_journal_pairs,
                                        check_required_fields)
from bibkit.checks.claims import check_claim_sources, check_link_reviews, check_quotes
from bibkit.checks.common import Rule, read_through_cache
from bibkit.checks.documents import check_anchors, check_manuscripts
from bibkit.checks.registry import check_lookup_findings
from bibkit.infra.diagnostics import Diagnostic, Diagnostics, Severity
from bibkit.project import Project

RULES: list[Rule] = [
    check_required_fields,
    check_duplicate_entries,
    check_field_formats,
    check_crossrefs,
    check_csl_readable,
    check_journal_pairs,
    check_citable_keys,
    check_claim_sources,
    check_anchors,
    check_link_reviews,
    check_manuscripts,
    check_quotes,
    check_lookup_findings,
]


# Rules that read only the bibliography: their findings are cached with the parse (bibkit.infra.cache).
BIB_RULES: list[Rule] = [check_required_fields, check_duplicate_entries, check_field_formats, check_crossrefs,
                         check_csl_readable, check_journal_pairs, check_citable_keys]


log = logging.getLogger("bibkit.checks")

#: The bibliography rules a child computes (see :func:`start_bib_findings`): the first three, about as long as
#: the other four and the reading of a claims file together on 100,000 entries.
CHILD_RULES = 3

#: Children computing their share of the bibliography rules' findings: cache key -> (pid, pipe to read).
_PENDING: dict[str, tuple[int, int]] = {}


def _bib_key(project: Project) -> tuple:
    files = project.bibliography.files
    return ([f.digest for f in files], [f.path for f in files], [r.__name__ for r in BIB_RULES])


def start_bib_findings(project: Project) -> None:
    """Start the first :data:`CHILD_RULES` bibliography rules in a forked child, while this process goes on
    (the claims file, then the other rules in :func:`run_checks`): on a big project a cold ``check`` uses
    both cores where it used one.

    The child sends its findings through a pipe and exits; :func:`run_checks` puts them before its own, in
    the order of :data:`BIB_RULES`, and stores the whole as the cache record a warm run reads. A child that
    fails changes nothing but the time (its rules then run here). Nothing is started where it would not
    help or could not be done safely: no ``os.fork`` (Windows), the cache off or the record already there,
    ``BIBKIT_JOBS=1``, one CPU, or other threads running.
    """
    from bibkit.infra.cache import has_diagnostics

    if not (hasattr(os, "fork") and read_through_cache(project)) or threading.active_count() > 1:
        return
    jobs = os.environ.get("BIBKIT_JOBS", "").strip()
    if (jobs.isdigit() and int(jobs) <= 1) or (os.cpu_count() or 1) < 2:
        return
    key = _bib_key(project)
    if repr(key) in _PENDING or has_diagnostics(*key):
        return
    try:
        read_end, write_end = os.pipe()
        pid = os.fork()
    except OSError as exc:
        log.debug("checks: cannot fork (%s); the rules run here", exc)
        return
    if pid == 0:  # the child: its findings down the pipe, then out without running anything of the parent's
        code = 1
        try:
            os.close(read_end)
            found = [tuple(_as_row(d)) for r in BIB_RULES[:CHILD_RULES] for d in r(project)]
            with os.fdopen(write_end, "wb") as out:
                out.write(marshal.dumps(found))
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    _PENDING[repr(key)] = (pid, read_end)


def _as_row(d: Diagnostic) -> tuple:
    return (d.file, d.line, d.column, d.severity.value, d.code, d.message, d.key)


def _child_findings(pending: tuple[int, int]) -> list[Diagnostic] | None:
    """What the child sent (None when it failed), once it has exited."""
    pid, read_end = pending
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:  # pragma: no cover - reaped elsewhere
        status = 1
    if status != 0:
        log.debug("checks: the child computing rules exited with status %s; they run here", status)
        return None
    try:
        severities = {s.value: s for s in Severity}
        return [Diagnostic(f, line, col, severities[sev], code, msg, k) for f, line, col, sev, code, msg, k
                in marshal.loads(data)]
    except (ValueError, EOFError, TypeError, KeyError) as exc:  # pragma: no cover - a child that sent garbage
        log.debug("checks: the child's findings are unreadable (%s); its rules run here", exc)
        return None


def bib_findings(project: Project, pending: tuple[int, int] | None) -> list[Diagnostic]:
    """Every bibliography rule's findings, in rule order; the first rules' from the child, if one was started."""
    if pending is None:
        return [d for r in BIB_RULES for d in r(project)]
    mine = [d for r in BIB_RULES[CHILD_RULES:] for d in r(project)]
    theirs = _child_findings(pending)
    if theirs is None:
        theirs = [d for r in BIB_RULES[:CHILD_RULES] for d in r(project)]
    return theirs + mine


def run_checks(project: Project, rules: list[Rule] | None = None, *, hints: bool = True,
               suggest: bool = False) -> Diagnostics:
    """Loading diagnostics plus every rule's findings, in file and line order.

    ``hints=False`` leaves out the "did you mean" of C008 (for a caller that does not show C008);
    ``suggest`` adds V008 (a passage of the source that likely backs a link without a quote).
    """
    result = Diagnostics(list(project.diagnostics))
    rules = list(rules or RULES)
    if read_through_cache(project) and all(r in rules for r in BIB_RULES):
        from bibkit.infra.cache import cached_diagnostics

        key = _bib_key(project)
        pending = _PENDING.pop(repr(key), None)  # a child started by start_bib_findings computes some of them
        used = []
        result.extend(cached_diagnostics(*key, lambda: used.append(1) or bib_findings(project, pending)))
        if pending is not None and not used:  # another run stored the record meanwhile: reap the child
            _child_findings(pending)
        rules = [r for r in rules if r not in BIB_RULES]
    for rule in rules:
        if rule is check_claim_sources:
            result.extend(check_claim_sources(project, hints))
        elif rule is check_quotes:
            result.extend(check_quotes(project, suggest=suggest))
        else:
            result.extend(rule(project))
    result.items = result.sorted()
    return result
