"""What the last ``bibkit lookup`` found, read back from its cache alone (for ``check`` and ``claim-map``).

Nothing here goes online: the cached answers are judged again for the entries a lookup answered,
unchanged since (by a fingerprint of their fields); the others are left out.

Within one process the judged results are remembered (:class:`Memo`): the language server reads
them after every edit, and ``check`` on its heels. A result is reused while the lookup cache file,
the settings and the entry's fingerprint (the raw values a lookup reads) are what they were when it
was made; any write to the cache file (another ``bibkit lookup``) forgets them all.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import threading

from bibkit.evidence.lookup.core import Result, Settings, fingerprint, lookup_entries, settings_from
from bibkit.evidence.lookup.store import FILE_NAME, Store
from bibkit.infra.cache import cache_dir
from bibkit.model import Entry
from bibkit.project import Project


def _file_identity(path: str | None) -> tuple | None:
    """What tells one version of a file from another: inode, size, modification time (ns) and, for a SQLite
    file, the change counter in its header (bytes 24-27, raised by every committed write); None when absent."""
    if not path:
        return None
    try:
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())
            header = fh.read(28)[24:28]
    except OSError:
        return None
    return (path, st.st_ino, st.st_size, st.st_mtime_ns, header)


@dataclasses.dataclass
class Memo:
    """The judged results of one version of the lookup cache and settings, by (key, file, fingerprint)."""

    identity: tuple | None = None  # (store file identity, settings, retractions file identity)
    known: frozenset[str] = frozenset()  # the fingerprints a lookup answered
    results: dict[tuple[str, str, str], Result] = dataclasses.field(default_factory=dict)
    #: fingerprints by entry text as written (for the macros hashed in ``prints_tag``): an unchanged entry is not
    #: hashed again
    prints: dict[str, str] = dataclasses.field(default_factory=dict)
    prints_tag: int = 0
    judged: int = 0  # entries judged from the cache (not from the memo) since this process started: for tests


MEMO = Memo()
_LOCK = threading.Lock()  # the language server reads on a worker thread


def _fingerprints(entries: list[Entry], macros: dict[str, str]) -> list[str]:
    """Each entry's lookup fingerprint, remembered by its text as written (for the same ``@string`` macros)."""
    tag = hash(frozenset(macros.items()))
    prints = MEMO.prints if MEMO.prints_tag == tag else {}
    fresh: dict[str, str] = {}
    out = []
    add = out.append
    for e in entries:
        k = e.source.text[e.start:e.end]
        fp = prints.get(k)
        if fp is None or e.broken:  # a broken entry's reading looked past its own text
            fp = fingerprint(e)
        fresh[k] = fp
        add(fp)
    MEMO.prints, MEMO.prints_tag = fresh, tag  # only the entries of the latest reading are kept
    return out


def cached_results(project: Project) -> list[Result]:
    """The lookup result, from the cache, of every entry a lookup answered as it is now ([] without a lookup cache).

    Entries never looked up, or changed since in a field that decides the lookup, are left out before any
    decoding: on a big bibliography with a small lookup cache this costs one hash per entry.
    """
    path = os.path.join(cache_dir(), FILE_NAME)
    store_id = _file_identity(path)
    if store_id is None:
        return []
    config = project.config
    settings = settings_from(config.section("lookup"), f"{config.path}: [lookup]", config.root)
    settings.offline = True
    if settings.retractions and not os.path.exists(settings.retractions):
        settings.retractions = None  # lookup reports a missing file; these readers stay about the cache
    with _LOCK:
        return _judged(project, path, (store_id, repr(settings), _file_identity(settings.retractions)), settings)


def _judged(project: Project, path: str, identity: tuple, settings: Settings) -> list[Result]:
    """:func:`cached_results` under the lock: the memo's results where they hold, the others judged from the cache."""
    if MEMO.identity != identity:  # another lookup wrote the cache, or the settings changed: start afresh
        store = Store(path, read_only=True)
        try:
            known = frozenset(store.known_entries())
        finally:
            store.close()
        MEMO.identity, MEMO.known, MEMO.results = identity, known, {}
    known = MEMO.known
    if not known:
        return []
    every = list(project.bibliography)
    entries = [(e, fp) for e, fp in zip(every, _fingerprints(every, project.bibliography.macros)) if fp in known]
    if not entries or not settings.urls():
        return []
    memo = MEMO.results
    todo = [(e, fp) for e, fp in entries if (e.key, e.file, fp) not in memo]
    if todo:
        MEMO.judged += len(todo)
        for (e, fp), r in zip(todo, lookup_entries([e for e, _ in todo], settings)):
            memo[(e.key, e.file, fp)] = r
    kept: dict[tuple[str, str, str], Result] = {}
    out = []
    for e, fp in entries:
        r = kept[(e.key, e.file, fp)] = memo[(e.key, e.file, fp)]
        mine = copy.copy(r)  # a copy: the memo's own is never handed out
        mine.line = e.line
        out.append(mine)
    MEMO.results = kept  # only the entries of the latest reading are kept
    return out


def source_flags(results: list[Result]) -> dict[str, str]:
    """``{key: retracted | wrong-doi | not-found}`` for the claim map (a retraction wins over the status)."""
    out = {}
    for r in results:
        if r.retracted:
            out[r.key] = "retracted"
        elif r.status in ("wrong-doi", "not-found"):
            out[r.key] = r.status
    return out


def source_notices(results: list[Result]) -> dict[str, list[tuple[str, str | None, str | None]]]:
    """``{key: [(type, date, notice DOI), ...]}`` for the claim map's reports."""
    return {r.key: [(n.type, n.date, n.doi) for n in r.notices] for r in results if r.notices}
