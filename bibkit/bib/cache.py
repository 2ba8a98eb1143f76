"""Parsed BibTeX files through the cache store (:mod:`bibkit.infra.cache`).

A file whose bytes were read before is rebuilt from its record, not parsed again.
"""

from __future__ import annotations

from array import array
from typing import Callable

from bibkit.infra.cache import SEVERITIES, cache_key, code_fingerprint, log, read_record, write_record
from bibkit.infra.diagnostics import Diagnostic, Diagnostics
from bibkit.model import (BibFile, Comment, Entry, Field, FieldStore, PackedEntry, Preamble, SourceText, StringDef,
                          Text, ValuePart)


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
        diags.add(path, line, column, SEVERITIES[severity], code, message, key)
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
