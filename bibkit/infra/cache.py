"""Content-addressed parse cache: a file whose bytes have been read before is not parsed again.

The key is the SHA-256 of the file's bytes, the bibkit version and the ``@string`` macros that
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
from bibkit.infra.diagnostics import Diagnostic, Diagnostics, Severity
from bibkit.model import (
    BibFile, Claim, ClaimSet, Comment, Document, Entry, Field, FieldStore, Link, PackedEntry, Preamble, SourceText,
    StringDef, Text, ValuePart,
)

log = logging.getLogger("bibkit.infra.cache")

MAGIC = b"BIBKITC1"
FORMAT = 2  # 2: packed fields (bibkit.model.FieldStore)
_HEADER = len(MAGIC) + 32
_SEVERITY = {s.value: s for s in Severity}


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


# -- BibTeX files ------------------------------------------------------------


def _parts(parts: list[ValuePart]) -> list:
    return [(p.kind, p.text) for p in parts]


def _dump_field(f: Field) -> tuple:
    return (f.name, _parts(f.parts), f.value, f.offset, f.comments)


def _load_field(raw) -> Field:
    n, parts, v, o, c = raw
    return Field(n, [ValuePart(k, t) for k, t in parts], v, o, c)


def _dump_block(b) -> tuple:
    if isinstance(b, PackedEntry) and b._lnames is not None:
        # the store keeps the fields: the entry is where its fields start and their names
        return (0, b.type, b.key, b.start, b.end, b.type_raw, b.delimiters, b.trailing_comments,
                b._base, b._lnames, b._names)
    if isinstance(b, Entry):
        return (5, b.type, b.key, b.start, b.end, b.type_raw, b.delimiters, b.broken, b.trailing_comments,
                [_dump_field(f) for f in b.fields])
    if isinstance(b, StringDef):
        return (1, b.name, _parts(b.parts), b.value, b.start, b.end)
    if isinstance(b, Preamble):
        return (2, _parts(b.parts), b.value, b.start, b.end)
    if isinstance(b, Comment):
        return (3, b.text, b.start, b.end)
    return (4, b.text, b.start, b.end, b.invalid)


def dump_bibfile(bibfile: BibFile, diags: list[Diagnostic], macros: dict[str, str]) -> tuple:
    """A parsed file, the diagnostics its reading produced and the macros after it, as plain tuples.

    The packed fields go in as the bytes of their array (see :class:`bibkit.model.FieldStore`).
    """
    store = bibfile.store or FieldStore()
    return (bibfile.encoding, bibfile.bom, store.spans.typecode, store.spans.tobytes(),
            {g: _dump_field(f) for g, f in store.kept.items()}, store.expansions, [_dump_block(b) for b in bibfile.blocks],
            [(d.line, d.column, d.severity.value, d.code, d.message, d.key) for d in diags], macros)


def load_bibfile(record: tuple, path: str, text: str, diags: Diagnostics, macros: dict[str, str]) -> BibFile:
    """Rebuild a :class:`BibFile` from :func:`dump_bibfile`'s tuples; ``macros`` is updated in place."""
    encoding, bom, typecode, spans_raw, kept_raw, expansions, blocks_raw, diags_raw, macros_after = record
    spans = array(typecode)
    spans.frombytes(spans_raw)
    store = FieldStore(spans, {g: _load_field(f) for g, f in kept_raw.items()}, expansions)
    source = SourceText(path, text)
    VP, packed = ValuePart, PackedEntry.packed
    blocks: list = []
    add = blocks.append
    for b in blocks_raw:
        tag = b[0]
        if tag == 0:
            _, typ, key, start, end, type_raw, delims, trailing, base, lnames, names = b
            add(packed(typ, key, source, start, end, type_raw, delims, trailing, store, base, lnames, names))
        elif tag == 5:
            _, typ, key, start, end, type_raw, delims, broken, trailing, fields = b
            add(Entry(typ, key, [_load_field(f) for f in fields], source, start, end, type_raw, delims, broken,
                      trailing))
        elif tag == 1:
            add(StringDef(b[1], [VP(k, t) for k, t in b[2]], b[3], b[4], b[5]))
        elif tag == 2:
            add(Preamble([VP(k, t) for k, t in b[1]], b[2], b[3], b[4]))
        elif tag == 3:
            add(Comment(b[1], b[2], b[3]))
        else:
            add(Text(b[1], b[2], b[3], b[4]))
    for line, column, severity, code, message, key in diags_raw:
        diags.add(path, line, column, _SEVERITY[severity], code, message, key)
    macros.clear()
    macros.update(macros_after)
    return BibFile(source, blocks, encoding, bom, store=store)


def cached_bibfile(
    path: str,
    read: Callable[[], bytes],
    diags: Diagnostics,
    macros: dict[str, str],
    decode: Callable[[bytes, Diagnostics], tuple[str, str, bool]],
    parse: Callable[[str, Diagnostics], BibFile],
) -> BibFile:
    """``parse(decode(read()))`` through the cache: a hit rebuilds the file without parsing it.

    The bytes are hashed and decoded, then let go before anything else is built: on a big file they
    are as large as its text.
    """
    data = read()
    key = cache_key("bib", data, (code_fingerprint(), sorted(macros.items())))
    local = Diagnostics()
    text, encoding, bom = decode(data, local)
    del data
    record = read_record("bib", key)
    bibfile = None
    if record is not None:
        try:
            bibfile = load_bibfile(record, path, text, diags, macros)  # the record holds the decoding's findings
        except Exception as exc:  # noqa: BLE001 - a bad record must never be fatal
            log.debug("cache: record for %s is unusable (%s); parsing again", path, exc)
    if bibfile is None:
        bibfile = parse(text, local)
        bibfile.encoding, bibfile.bom = encoding, bom
        diags.extend(local)
        write_record("bib", key, dump_bibfile(bibfile, local.items, macros))
    bibfile.digest = key
    return bibfile


def code_fingerprint(extra: tuple[str, ...] = ()) -> tuple:
    """Size and mtime of the modules whose code shapes cached results (a development checkout changes them);
    ``extra`` names more modules, relative to the package (``formatting/pandoc_engine.py``)."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # bibkit/
    out = []
    for name in ("bib/bibtex.py", "model.py", "infra/cache.py", "checks/__init__.py", "claims/loader.py",
                 "infra/diagnostics.py", "bib/key_index.py", "bib/citations.py", "bib/names.py", "bib/latex.py", *extra):
        try:
            st = os.stat(os.path.join(here, name))
            out.append((name, st.st_size, st.st_mtime_ns))
        except OSError:
            out.append((name, 0, 0))
    return tuple(out)


# -- check results -----------------------------------------------------------


def cached_diagnostics(digests: list[str], paths: list[str], rules: list[str],
                       compute: Callable[[], list[Diagnostic]]) -> list[Diagnostic]:
    """The findings of rules that read only the bibliography, keyed by the files' digests."""
    key = cache_key("checks", repr((digests, paths, rules, code_fingerprint())).encode())
    record = read_record("checks", key)
    if record is not None:
        try:
            return [Diagnostic(f, line, col, _SEVERITY[sev], code, msg, k) for f, line, col, sev, code, msg, k in record]
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


# -- claims files ------------------------------------------------------------


def dump_claims(claim_set: ClaimSet, diags: list[Diagnostic]) -> tuple:
    """A claims file as read (before bibliography links are merged) and its diagnostics, as plain tuples."""
    doc = claim_set.document
    claims = [(c.id, c.text, c.section, c.anchor, list(c.tags), c.note,
               [(k.key, k.stance, k.locator, k.quote, k.verified, k.note, k.line, k.origin,
                 k.verified_by, k.verified_on, k.fingerprint, k.review, k.reason) for k in c.links],
               c.line, c.origin) for c in claim_set.claims]
    return ((doc.title, doc.path), claims,
            [(d.line, d.column, d.severity.value, d.code, d.message, d.key) for d in diags])


def load_claim_set(record: tuple, path: str, diags: Diagnostics) -> ClaimSet:
    """Rebuild a :class:`ClaimSet` from :func:`dump_claims`'s tuples."""
    (title, doc_path), claims_raw, diags_raw = record
    claims = [Claim(cid, text, section, anchor, tags, note, [Link(*link) for link in links], line, origin)
              for cid, text, section, anchor, tags, note, links, line, origin in claims_raw]
    for line, column, severity, code, message, key in diags_raw:
        diags.add(path, line, column, _SEVERITY[severity], code, message, key)
    return ClaimSet(path, Document(title, doc_path), claims)


def cached_claims(path: str, diags: Diagnostics, load: Callable[[str, Diagnostics], ClaimSet]) -> ClaimSet:
    """``load(path, diags)`` through the cache, keyed by the claims file's bytes."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        return load(path, diags)  # the loader reports the problem in its own words
    key = cache_key("claims", data, code_fingerprint())
    record = read_record("claims", key)
    if record is not None:
        try:
            return load_claim_set(record, path, diags)
        except Exception as exc:  # noqa: BLE001 - a bad record must never be fatal
            log.debug("cache: claims record for %s is unusable (%s); reading again", path, exc)
    local = Diagnostics()
    claim_set = load(path, local)
    diags.extend(local)
    write_record("claims", key, dump_claims(claim_set, local.items))
    return claim_set
