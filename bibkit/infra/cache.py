"""The cache store: records keyed by content, so a file whose bytes have been read before is not parsed again.

What is stored is each layer's business: parsed BibTeX files (:mod:`bibkit.bib.cache`), claims files
(:mod:`bibkit.claims.cache`), full texts, passage-suggestion indexes (keyed by a full text's extracted
text), check findings and citations computed from cached files.

The key of a parsed file is the SHA-256 of the file's bytes, the bibkit version and the ``@string`` macros that
earlier files passed in, so a cached result is never stale. Records are ``marshal`` dumps of plain
tuples (``marshal`` builds only str/int/bytes/tuple/list/dict values and never runs code; a file's
packed fields are one bytes value, loaded into an ``array`` as they are), behind a header
of magic bytes and a SHA-256 of the payload: a corrupt, truncated or foreign cache file is ignored
(with a debug log message) and rebuilt, never trusted, never fatal. Writes go through
:func:`bibkit.infra.output.atomic_write`, so concurrent runs at worst both write the same record.

``BIBKIT_CACHE_DIR`` moves the cache; by default it is ``platformdirs.user_cache_dir("bibkit")``.
``BIBKIT_CACHE_MAX_MB`` (1024 by default) bounds its size: least recently used records go first.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import math
import os
from array import array
from typing import Any, Callable

from bibkit import __version__
from bibkit.infra.diagnostics import Diagnostic, Severity

log = logging.getLogger("bibkit.infra.cache")

MAGIC = b"BIBKITC1"
FORMAT = 2  # 2: packed fields (bibkit.model.FieldStore)
_HEADER = len(MAGIC) + 32
SEVERITIES = {s.value: s for s in Severity}


def cache_dir() -> str:
    """Where cache records live: ``$BIBKIT_CACHE_DIR``, else the platform's user cache directory."""
    env = os.environ.get("BIBKIT_CACHE_DIR")
    if env:
        return env
    import platformdirs

    return platformdirs.user_cache_dir("bibkit")


def cache_key(kind: str, data: bytes, extra: Any = None) -> str:
    """The hex key of one input: its bytes, the bibkit version and whatever else shapes the result."""
    h = hashlib.sha256()
    h.update(f"{kind}\0{__version__}\0{FORMAT}\0".encode())
    if extra is not None:
        h.update(repr(extra).encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    h.update(data)
    return h.hexdigest()


def record_path(kind: str, key: str, directory: str | None = None) -> str:
    """The file that holds the record for ``key`` (in ``directory``, default :func:`cache_dir`)."""
    return os.path.join(directory or cache_dir(), f"{kind}-{key}.marshal")


def read_record(kind: str, key: str, directory: str | None = None) -> Any | None:
    """The payload stored under ``key``, or None when absent, corrupt, truncated or foreign."""
    path = record_path(kind, key, directory)
    try:
        with open(path, "rb") as fh:
            blob = fh.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.debug("cache: cannot read %s: %s", path, exc)
        return None
    if len(blob) < _HEADER or not blob.startswith(MAGIC):
        log.debug("cache: %s is not a bibkit cache record; ignored", path)
        return None
    payload = memoryview(blob)[_HEADER:]
    if hashlib.sha256(payload).digest() != blob[len(MAGIC):_HEADER]:
        log.debug("cache: %s is corrupt or truncated (checksum mismatch); ignored", path)
        return None
    try:
        stored = marshal.loads(payload)
    except (ValueError, EOFError, TypeError) as exc:  # pragma: no cover - checksum already matched
        log.debug("cache: %s does not unmarshal (%s); ignored", path, exc)
        return None
    if not (isinstance(stored, tuple) and len(stored) == 4 and stored[:3] == (FORMAT, __version__, key)):
        log.debug("cache: %s was written for another key or bibkit version; ignored", path)
        return None
    try:
        os.utime(path)  # recently used: pruned last
    except OSError:
        pass
    return stored[3]


def write_record(kind: str, key: str, value: Any, directory: str | None = None) -> None:
    """Store ``value`` (plain tuples, lists, dicts, str, int, bool, None) under ``key``; failures are logged only."""
    from bibkit.infra.errors import BibkitError
    from bibkit.infra.output import atomic_write

    directory = directory or cache_dir()
    try:
        os.makedirs(directory, exist_ok=True)
        payload = marshal.dumps((FORMAT, __version__, key, value))
        atomic_write(record_path(kind, key, directory), MAGIC + hashlib.sha256(payload).digest() + payload, mode=0o600)
    except (OSError, BibkitError, ValueError) as exc:
        log.debug("cache: cannot write to %s: %s", directory, exc)
        return
    prune(directory)


#: The largest ``BIBKIT_CACHE_MAX_MB`` accepted (a million megabytes, about a terabyte).
MAX_CACHE_MB = 1_000_000


def max_bytes() -> int:
    """The cache's size limit: ``$BIBKIT_CACHE_MAX_MB`` megabytes, 1024 by default.

    Raises :class:`BibkitError` (one line, exit 2) for anything but a number from 0 to
    :data:`MAX_CACHE_MB`: ``inf``, ``nan``, a negative number or text is a mistake to report,
    not to guess around (a negative limit would empty the cache on every run).
    """
    from bibkit.infra.errors import BibkitError

    raw = os.environ.get("BIBKIT_CACHE_MAX_MB")
    if raw is None or not raw.strip():
        return 1024 * 1024 * 1024
    try:
        mb = float(raw)
    except ValueError:
        mb = math.nan
    if not (0 <= mb <= MAX_CACHE_MB):  # also false for nan
        raise BibkitError(f"BIBKIT_CACHE_MAX_MB={raw!r}: expected a number of megabytes from 0 to {MAX_CACHE_MB:,}")
    return int(mb * 1024 * 1024)


def prune(directory: str, limit: int | None = None) -> None:
    """Delete the least recently used records until the directory holds at most ``limit`` bytes."""
    limit = max_bytes() if limit is None else limit
    try:
        records = []
        with os.scandir(directory) as it:
            for e in it:
                if e.name.endswith(".marshal") and e.is_file(follow_symlinks=False):
                    st = e.stat(follow_symlinks=False)
                    records.append((st.st_mtime_ns, st.st_size, e.path))
    except OSError:
        return
    total = sum(size for _, size, _ in records)
    for _, size, path in sorted(records):
        if total <= limit:
            break
        try:
            os.unlink(path)
            total -= size
            log.debug("cache: pruned %s", path)
        except OSError:
            pass


# -- what the cached results depend on --------------------------------------


def code_fingerprint(extra: tuple[str, ...] = ()) -> tuple:
    """Size and mtime of the modules whose code shapes cached results (a development checkout changes them);
    ``extra`` names more modules, relative to the package (``formatting/pandoc_engine.py``)."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # bibkit/
    out = []
    for name in ("bib/bibtex.py", "bib/lexer.py", "bib/reader.py", "bib/recovery.py", "bib/cache.py", "model.py",
                 "infra/cache.py", "checks/bibliography.py", "checks/common.py", "bib/identity.py",
                 "claims/loader.py", "claims/cache.py", "infra/diagnostics.py", "bib/key_index.py", "bib/citations.py",
                 "bib/names.py", "bib/latex.py", *extra):
        try:
            st = os.stat(os.path.join(here, name))
            out.append((name, st.st_size, st.st_mtime_ns))
        except OSError:
            out.append((name, 0, 0))
    return tuple(out)


# -- results computed from cached files (check findings, citations) ----------


def _diagnostics_key(digests: list[str], paths: list[str], rules: list[str]) -> str:
    return cache_key("checks", repr((digests, paths, rules, code_fingerprint())).encode())


def has_diagnostics(digests: list[str], paths: list[str], rules: list[str]) -> bool:
    """True when the findings of these rules on these files are in the cache (not checked further)."""
    return os.path.exists(record_path("checks", _diagnostics_key(digests, paths, rules)))


def cached_diagnostics(digests: list[str], paths: list[str], rules: list[str],
                       compute: Callable[[], list[Diagnostic]]) -> list[Diagnostic]:
    """The findings of rules that read only the bibliography, keyed by the files' digests."""
    key = _diagnostics_key(digests, paths, rules)
    record = read_record("checks", key)
    if record is not None:
        try:
            return [Diagnostic(f, line, col, SEVERITIES[sev], code, msg, k) for f, line, col, sev, code, msg, k in record]
        except Exception as exc:  # noqa: BLE001
            log.debug("cache: check record unusable (%s); checking again", exc)
    found = compute()
    write_record("checks", key, [(d.file, d.line, d.column, d.severity.value, d.code, d.message, d.key)
                                 for d in found])
    return found


def cached_citations(digests: list[str], compute: Callable[[], dict[str, str]], form: str = "short") -> dict[str, str]:
    """Every entry's built-in citation in one form (``short`` or ``full``), keyed by the bibliography files' digests.

    The forms are kept apart so that a report that shows only short citations never formats the full ones.
    """
    kind = f"citations-{form}"
    key = cache_key(kind, repr((digests, code_fingerprint())).encode())
    record = read_record(kind, key)
    if isinstance(record, dict):
        return record
    table = compute()
    write_record(kind, key, table)
    return table
