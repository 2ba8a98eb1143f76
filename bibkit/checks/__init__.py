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
import os
import threading

from bibkit.checks.bibliography import (check_citable_keys, check_crossrefs, check_csl_readable,
                                        check_duplicate_entries, check_field_formats, check_journal_pairs,
                                        check_required_fields)
from bibkit.checks.claims import check_claim_sources, check_link_reviews, check_quotes
from bibkit.checks.common import Rule, read_through_cache
from bibkit.checks.documents import check_anchors, check_manuscripts
from bibkit.checks.registry import check_lookup_findings
from bibkit.infra.diagnostics import Diagnostics
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

#: Children computing the bibliography rules' findings (see :func:`start_bib_findings`), by cache key.
_PENDING: dict[str, int] = {}


def _bib_key(project: Project) -> tuple:
    files = project.bibliography.files
    return ([f.digest for f in files], [f.path for f in files], [r.__name__ for r in BIB_RULES])


def start_bib_findings(project: Project) -> None:
    """Start computing the bibliography rules' findings in a forked child, while this process goes on
    (with the claims file, on a big project the other half of a cold ``check``).

    The child stores them as the cache record :func:`run_checks` reads (so the findings are those of
    a warm run, by construction) and exits; :func:`run_checks` waits for it. Nothing is started where
    it would not help or could not be done safely: no ``os.fork`` (Windows), the cache off or the
    record already there, ``BIBKIT_JOBS=1``, one CPU, or other threads running.
    """
    from bibkit.infra.cache import cached_diagnostics, has_diagnostics

    if not (hasattr(os, "fork") and read_through_cache(project)) or threading.active_count() > 1:
        return
    jobs = os.environ.get("BIBKIT_JOBS", "").strip()
    if (jobs.isdigit() and int(jobs) <= 1) or (os.cpu_count() or 1) < 2:
        return
    key = _bib_key(project)
    if repr(key) in _PENDING or has_diagnostics(*key):
        return
    try:
        pid = os.fork()
    except OSError as exc:
        log.debug("checks: cannot fork (%s); the rules run here", exc)
        return
    if pid == 0:  # the child: the findings into the cache, then out without running anything of the parent's
        code = 1
        try:
            cached_diagnostics(*key, lambda: [d for r in BIB_RULES for d in r(project)])
            code = 0
        finally:
            os._exit(code)
    _PENDING[repr(key)] = pid


def _wait_for(key: tuple) -> None:
    """Wait for the child computing ``key``'s findings, if one was started (its record is then in the cache)."""
    pid = _PENDING.pop(repr(key), None)
    if pid is not None:
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:  # pragma: no cover - reaped elsewhere
            pass


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
        _wait_for(key)  # a child started by start_bib_findings has stored them: read, not computed
        result.extend(cached_diagnostics(*key, lambda: [d for r in BIB_RULES for d in r(project)]))
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
