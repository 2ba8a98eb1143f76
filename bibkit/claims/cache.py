"""Claims files through the cache store (:mod:`bibkit.infra.cache`), keyed by the file's bytes."""

from __future__ import annotations

from typing import Callable

from bibkit.infra.cache import SEVERITIES, cache_key, code_fingerprint, log, read_record, write_record
from bibkit.infra.diagnostics import Diagnostic, Diagnostics
from bibkit.model import Claim, ClaimSet, Document, Link


def dump_claims(claim_set: ClaimSet, diags: list[Diagnostic]) -> tuple:
    """A claims file as read (before bibliography links are merged) and its diagnostics, as plain tuples."""
    doc = claim_set.document
    claims = [(c.id, c.text, c.section, c.anchor, list(c.tags), c.note,
               [(k.key, k.stance, k.locator, k.quote, k.verified, k.note, k.line, k.origin,
                 k.verified_by, k.verified_on, k.fingerprint, k.review, k.reason, k.forced) for k in c.links],
               c.line, c.origin) for c in claim_set.claims]
    return ((doc.title, doc.path), claims,
            [(d.line, d.column, d.severity.value, d.code, d.message, d.key) for d in diags])


def load_claim_set(record: tuple, path: str, diags: Diagnostics) -> ClaimSet:
    """Rebuild a :class:`ClaimSet` from :func:`dump_claims`'s tuples."""
    (title, doc_path), claims_raw, diags_raw = record
    claims = [Claim(cid, text, section, anchor, tags, note, [Link(*link) for link in links], line, origin)
              for cid, text, section, anchor, tags, note, links, line, origin in claims_raw]
    for line, column, severity, code, message, key in diags_raw:
        diags.add(path, line, column, SEVERITIES[severity], code, message, key)
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
