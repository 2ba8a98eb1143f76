"""Lenient, lossless BibTeX reader: every readable entry is kept, every problem is a located diagnostic.

The scanner works on the whole decoded buffer with regular expressions and ``str.find``/``str.count``;
there is no per-character Python loop. Recovery follows biber and bibtexparser: a ``%`` line inside
an entry is a comment, an entry that breaks is kept with the fields read so far, and reading goes on
at the next line that starts with ``@``. Outside entries, a ``%`` starts a comment that runs to the
end of its line (as biber, JabRef and bibtex-tidy read it): a commented-out ``% @article{...`` is
text, never an entry. Lines may end in LF, CRLF or CR alone.
"""

from __future__ import annotations

import gc
import os
import re
from array import array
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Callable, Iterator

from bibkit.infra.diagnostics import Diagnostics, Severity
from bibkit.infra.files import decode_utf16, read_bytes, sniff_utf16, utf8_problem
from bibkit.model import (
    KEPT,
    KINDS,
    MACRO,
    NO_COMMENTS,
    NO_TRAILING,
    SPACE_RUN,
    Bibliography,
    BibFile,
    Block,
    Comment,
    Entry,
    Field,
    FieldStore,
    PackedEntry,
    Preamble,
    SourceText,
    StringDef,
    Text,
    ValuePart,
    collapse_space,
    read_value,
)

MONTH_MACROS = {
    "jan": "January", "feb": "February", "mar": "March", "apr": "April",
    "may": "May", "jun": "June", "jul": "July", "aug": "August",
    "sep": "September", "oct": "October", "nov": "November", "dec": "December",
}

_ENTRY_START = re.compile(r"@[ \t]*([A-Za-z_][\w:.+-]*)\s*([{(])")
_WS = re.compile(r"\s*")
_WS_COMMENTS = re.compile(r"(?:\s+|%[^\r\n]*)*")
_COMMENT = re.compile(r"%[^\r\n]*")
_EOL = re.compile(r"[\r\n]")
_KEY = re.compile(r"[^\s,{}()\"#=%]*")
_NAME = re.compile(r"[^\s=,{}()\"#%]+")
_RESYNC = re.compile(r"(?:^|(?<=\r))[ \t]*@", re.M)
_FIELD_INSIDE = re.compile(r",\s*[A-Za-z][\w-]*\s*=\s*[{\"\d]")
_ENTRY_LINE = re.compile(r"[\r\n][ \t]*@[ \t]*[A-Za-z_][\w:.+-]*\s*[{(]")
# Inside a value that swallowed the fields after it: a comma ending a line, then ``name =`` on the next.
_FIELD_LINE = re.compile(r",[ \t]*(?:%[^\r\n]*)?(?:\r\n?|\n)\s*[A-Za-z][\w-]*\s*=")
# Right after an entry's end: more ``name = value`` (an extra closing brace ended the entry early).
_STRAY_FIELD = re.compile(r"[\s})]*,?\s*([A-Za-z][\w-]*)[ \t]*=[ \t]*[{\"\w]")
_HIDDEN_ENTRY = re.compile(r"(?:^|[\r\n])[ \t]*@[ \t]*([A-Za-z_][\w:.+-]*)\s*[{(]\s*([^\s,{}()]*)")
_NO_COMMENTS = NO_COMMENTS
_SPACE_RUN = SPACE_RUN  # BibTeX's white space is ASCII (see bibkit.model)

# The fast path: one match reads a whole ``name = value,`` when the value is a single braced value
# (two levels of nested braces at most), a quoted value, a number or a macro, with no ``%`` comment
# and no ``#`` around it. Anything else falls back to the general reader from the field's start.
_BRACED = r"[^{}]*(?:\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}[^{}]*)*"
_QUOTED = r'[^"{}]*(?:\{[^{}]*\}[^"{}]*)*'
# Group 2 is the value with its delimiters; group 3 the comma after it, when there is one.
_FAST_FIELD = {
    closer: re.compile(r"\s*([^\s=,{}()\"#%]+)\s*=\s*(\{" + _BRACED + r"\}|\"" + _QUOTED + r"\"|"
                       r"[^\s=,{}()\"#%]+)\s*(?:(,)|(?=" + re.escape(closer) + "))")
    for closer in "})"
}


#: The start of the B001 message for a missing comma between two fields (``fmt`` adds the comma and says so).
MISSING_COMMA = "missing ','"

# Set by the command line to draw a progress bar: called as hook(path, characters read, characters in all).
READ_PROGRESS: ContextVar[Callable[[str, int, int], None] | None] = ContextVar("READ_PROGRESS", default=None)


class _Broken(Exception):
    """Raised inside the entry reader; carries where reading may resume."""

    def __init__(self, offset: int, message: str, code: str = "B001", resume_from: int | None = None):
        super().__init__(message)
        self.offset = offset
        self.message = message
        self.code = code
        self.resume_from = offset if resume_from is None else resume_from


def decode(data: bytes, path: str, diags: Diagnostics) -> tuple[str, str, bool]:
    """Decode a file's bytes: UTF-8 (BOM allowed) or UTF-16, else CP1252 or Latin-1 with a located warning.

    UTF-16 and UTF-32 (with a BOM, or UTF-16 sniffed from its NUL bytes) are read with a warning,
    since BibTeX and biber cannot read them.
    """
    utf16 = decode_utf16(data, path, lenient=True)  # else read as UTF-8 or CP1252, with a located B007
    if utf16 is not None:
        codec = sniff_codec(data)
        diags.add(path, 1, 1, Severity.WARNING, "B007",
                  f"file is {codec.upper()}, which BibTeX and biber cannot read; 'bibkit fmt' rewrites it as UTF-8")
        return utf16, codec, False
    bom = data.startswith(b"\xef\xbb\xbf")
    if bom:
        data = data[3:]
    try:
        return data.decode("utf-8"), "utf-8", bom
    except UnicodeDecodeError as exc:
        line, column, message = utf8_problem(data, exc)
        for encoding in ("cp1252", "latin-1"):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            diags.add(path, line, column, Severity.WARNING, "B007", f"file is {message}; read as {encoding.upper()}")
            return text, encoding, bom
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


def sniff_codec(data: bytes) -> str:
    """The codec that re-encodes a file :func:`bibkit.infra.files.sniff_utf16` recognised (with its BOM when it had one)."""
    codec, bom = sniff_utf16(data) or ("utf-8", 0)
    return codec.split("-")[0] + "-" + codec.split("-")[1] if bom else codec


def read_bib_file(path: str, diags: Diagnostics, macros: dict[str, str] | None = None,
                  use_cache: bool = False) -> BibFile:
    """Read and parse one BibTeX file (through the parse cache if asked); unreadable files are a :class:`BibkitError`."""
    if macros is None:
        macros = dict(MONTH_MACROS)
    if use_cache:
        from bibkit.bib.cache import cached_bibfile

        # the cache reads the bytes itself, so that nothing here keeps them once they are decoded
        return cached_bibfile(path, lambda: read_bytes(path, "BibTeX file"), diags, macros,
                              lambda d, ds: decode(d, path, ds), lambda t, ds: parse_text(t, path, ds, macros))
    data = read_bytes(path, "BibTeX file")
    text, encoding, bom = decode(data, path, diags)
    del data  # a big file's bytes need not outlive its decoding
    bibfile = parse_text(text, path, diags, macros)
    bibfile.encoding, bibfile.bom = encoding, bom
    return bibfile


def parse_bytes(data: bytes, path: str, diags: Diagnostics, macros: dict[str, str] | None = None) -> BibFile:
    """Decode and parse a file's bytes."""
    text, encoding, bom = decode(data, path, diags)
    bibfile = parse_text(text, path, diags, macros)
    bibfile.encoding, bibfile.bom = encoding, bom
    return bibfile


def parse_text(text: str, path: str, diags: Diagnostics, macros: dict[str, str] | None = None) -> BibFile:
    """Parse BibTeX text into blocks; ``macros`` (name to value) is read and extended by ``@string``."""
    return _Reader(text, path, diags, macros).read()


@contextmanager
def reporting_reads(progress: Callable[[int, int], None] | None) -> Iterator[None]:
    """While inside, the reader reports ``(characters read, characters in the file)`` to ``progress``.

    The bridge from :data:`READ_PROGRESS` to a library function's ``progress`` callback
    (:mod:`bibkit.infra.progress`); with None it changes nothing.
    """
    if progress is None:
        yield
        return
    token = READ_PROGRESS.set(lambda _path, done, total: progress(done, total))
    try:
        yield
    finally:
        READ_PROGRESS.reset(token)


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of acyclic records are built.

    Reading allocates a few objects per field and keeps them all, which makes CPython's collector
    run over a growing heap again and again: pausing it makes a 100k-entry load twice as fast.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_bibliography(paths: list[str], diags: Diagnostics, use_cache: bool = False,
                      texts: dict[str, str] | None = None) -> Bibliography:
    """Read several files into one bibliography; later files see earlier ``@string`` macros.

    ``texts`` gives the text of some paths instead of their files (an editor's unsaved buffer).
    """
    with paused_gc():
        return _load_bibliography(paths, diags, use_cache, texts or {})


def _load_bibliography(paths: list[str], diags: Diagnostics, use_cache: bool, texts: dict[str, str]) -> Bibliography:
    bib = Bibliography(macros=dict(MONTH_MACROS))
    seen_lower: dict[str, Entry] = {}
    relative: dict[str, str] = {}  # a file's path as B002 names it (os.path.relpath is slow, duplicates many)
    for path in paths:
        if path in texts:
            bibfile = parse_text(texts[path], path, diags, bib.macros)
        else:
            bibfile = read_bib_file(path, diags, bib.macros, use_cache)
        bib.files.append(bibfile)
        for entry in bibfile.entries:
            if not entry.key:
                continue
            first = seen_lower.get(entry.key.lower())
            if first is not None:
                if first.file not in relative:
                    relative[first.file] = _rel(first.file)
                where = f"{relative[first.file]}:{first.line}"
                diags.add(entry.file, entry.line, entry.column, Severity.ERROR, "B002",
                          f"duplicate key {entry.key} (first defined at {where})", entry.key)
                continue
            seen_lower[entry.key.lower()] = entry
            bib.entries[entry.key] = entry
    return bib


def _rel(path: str) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:  # pragma: no cover - other drive on Windows
        return path
    return path if rel.startswith("..") else rel


class _Reader:
    """One pass over one file's text."""

    def __init__(self, text: str, path: str, diags: Diagnostics, macros: dict[str, str] | None):
        self.text = text
        self.source = SourceText(path, text)
        self.path = path
        self.diags = diags
        self.macros = macros if macros is not None else dict(MONTH_MACROS)
        # Fields of well-formed entries go into one store (see bibkit.model.FieldStore), not into Field objects;
        # those of the entry being read are packed as they come (``packed_lnames``, ``spelling``) and unpacked
        # if it breaks.
        self.store = FieldStore(array("i" if len(text) < 2**31 else "q"))
        self.lower: dict[str, str] = {}  # field name as written -> lower case, one string object per name
        self.spelled: dict[str, str] = {}  # one string object per field name spelled otherwise than in lower case
        self.expansions: dict[str, int] = {}  # macro expansion -> its index in the store
        self.macro_kinds: dict[str, int] = {}  # macro as written -> its store kind, while the macros stay as they are
        self.types: dict[str, tuple[str, str]] = {}  # entry type as written -> (it, lower case), one object each
        self.packed_lnames: list[str] = []
        self.spelling: dict[int, str] = {}  # field index -> its name as written, where not in lower case
        self.packed_base = 0

    # -- diagnostics -------------------------------------------------------

    def report(self, offset: int, severity: Severity, code: str, message: str, key: str | None = None) -> None:
        """Record a diagnostic at a character offset."""
        self.diags.add(self.path, self.source.line_of(offset), self.source.column_of(offset),
                       severity, code, message, key)

    # -- top level ---------------------------------------------------------

    def read(self) -> BibFile:
        """Split the text into blocks."""
        text = self.text
        blocks: list[Block] = []
        pos = 0
        n = len(text)
        search = _ENTRY_START.search
        hook = READ_PROGRESS.get()
        next_report = 0  # the hook hears every 2048 blocks or so (a count, not a modulus: blocks come in pairs)
        scan = 0  # where to look for the next block; ahead of ``pos`` after a commented-out ``@``
        while pos < n:
            if hook is not None and len(blocks) >= next_report:
                hook(self.path, pos, n)
                next_report = len(blocks) + 2048
            m = search(text, scan)
            if m is None:
                blocks.append(Text(text[pos:], pos, n))
                if blocks[-2:-1] and isinstance(blocks[-2], Entry):
                    self.stray_fields(blocks[-2], pos, n)
                break
            if self.commented_out(pos, m.start()):
                eol = _EOL.search(text, m.end())
                scan = eol.end() if eol else n
                continue
            if m.start() > pos:
                blocks.append(Text(text[pos:m.start()], pos, m.start()))
                if blocks[-2:-1] and isinstance(blocks[-2], Entry):
                    self.stray_fields(blocks[-2], pos, m.start())
            kind = m.group(1).lower()
            if kind == "comment":
                block = self.read_comment(m)
            elif kind == "string":
                block = self.read_string(m)
            elif kind == "preamble":
                block = self.read_preamble(m)
            else:
                block = self.read_entry(m)
            blocks.append(block)
            pos = scan = block.end
        return BibFile(self.source, blocks, store=self.store)

    def stray_fields(self, entry: Entry, start: int, end: int) -> None:
        """B019 when the text right after an entry reads as its fields: an extra ``}`` closed it early."""
        if self.text.find("=", start, end) < 0:
            return  # no '=' in the text: no field there
        fm = _STRAY_FIELD.match(self.text, start, end)
        if fm is not None:
            self.report(fm.start(1), Severity.ERROR, "B019",
                        f"entry {entry.key or entry.type_raw} (line {self.source.line_of(entry.start)}) is closed "
                        f"before field {fm.group(1)!r}: an extra '}}' or ')'? The text after it is not read",
                        entry.key or None)

    def commented_out(self, free: int, at: int) -> bool:
        """True when a ``%`` stands before the ``@`` at ``at`` on its line, in free text that starts at ``free``."""
        text = self.text
        if text.find("%", free, at) < 0:
            return False
        line_start = max(text.rfind("\n", free, at), text.rfind("\r", free, at)) + 1
        return "%" in text[max(line_start, free):at]

    def closer(self, opener: str) -> str:
        """The closing delimiter for ``{`` or ``(``."""
        return "}" if opener == "{" else ")"

    def resync(self, offset: int) -> int:
        """Where reading resumes after a broken block: the next line starting with ``@``, or the end."""
        m = _RESYNC.search(self.text, offset)
        return m.start() if m else len(self.text)

    def read_comment(self, m: re.Match) -> Block:
        """``@comment{...}``: balanced braces, or the rest of the line when they do not balance."""
        start, body = m.start(), m.end()
        if m.group(2) == "{":
            end = _match_brace(self.text, body)
            if end >= 0:
                inner = self.text[body:end]
                if "@" in inner:
                    self.hidden_entries(inner, body)
                return Comment(inner, start, end + 1)
        em = _EOL.search(self.text, body)
        eol = em.start() if em else len(self.text)
        return Comment(self.text[body:eol], start, eol)

    def read_string(self, m: re.Match) -> Block:
        """``@string{name = value}``: defines a macro for the rest of the file (and later files)."""
        start, close = m.start(), self.closer(m.group(2))
        try:
            pos = self.skip(m.end())
            nm = _NAME.match(self.text, pos)
            if not nm:
                raise _Broken(pos, "@string without a macro name")
            name = nm.group()
            pos = self.skip(nm.end())
            if not self.text.startswith("=", pos):
                raise _Broken(pos, f"expected '=' after @string name {name}")
            parts, value, pos = self.read_value(self.skip(pos + 1), None)
            pos = self.skip(pos)
            if not self.text.startswith(close, pos):
                if self.text.startswith("@", pos) and self.starts_entry(pos):
                    self.macros[name.lower()] = value  # the value is whole: only the closer is missing
                    self.macro_kinds.clear()
                    raise _Broken(pos, f"@string {name} (line {self.source.line_of(start)}) is not closed: "
                                       f"'{close}' is missing before the entry at line {self.source.line_of(pos)}",
                                  "B019", resume_from=pos)
                raise _Broken(pos, f"expected '{close}' to close @string {name}")
        except _Broken as exc:
            return self.invalid(start, exc)
        self.macros[name.lower()] = value
        self.macro_kinds.clear()
        return StringDef(name, parts, value, start, pos + 1)

    def read_preamble(self, m: re.Match) -> Block:
        """``@preamble{...}``: kept with its value."""
        start, close = m.start(), self.closer(m.group(2))
        try:
            parts, value, pos = self.read_value(self.skip(m.end()), None)
            pos = self.skip(pos)
            if not self.text.startswith(close, pos):
                raise _Broken(pos, f"expected '{close}' to close @preamble")
        except _Broken as exc:
            return self.invalid(start, exc)
        return Preamble(parts, value, start, pos + 1)

    def invalid(self, start: int, exc: _Broken) -> Text:
        """Keep an unreadable non-entry block verbatim and report it."""
        self.report(exc.offset, Severity.ERROR, exc.code, exc.message)
        end = self.resync(max(exc.resume_from, start + 1))
        return Text(self.text[start:end], start, end, invalid=True)

    # -- entries -----------------------------------------------------------

    def skip(self, pos: int) -> int:
        """Skip white space."""
        return _WS.match(self.text, pos).end()

    def skip_comments(self, pos: int, sink: list[str]) -> int:
        """Skip white space and ``%`` comment lines (collected into ``sink`` and reported)."""
        text = self.text
        end = _WS_COMMENTS.match(text, pos).end()
        if "%" in text[pos:end]:
            for cm in _COMMENT.finditer(text, pos, end):
                sink.append(cm.group())
                self.report(cm.start(), Severity.WARNING, "B006",
                            "'%' comment line inside an entry (read as a comment, as biber does)")
        return end

    def read_entry(self, m: re.Match) -> Entry:
        """An entry: ``@type{key, name = value, ...}``; on a syntax error keep what was read.

        When the entry breaks because one value ran on over the fields after it (an unclosed ``{`` or
        ``"``), the value is cut at the end of its line, its braces closed, and the fields after it are
        read again as fields: the entry is then kept whole (marked broken, with a B019 error).
        """
        text = self.text
        start = m.start()
        known = self.types.get(m.group(1))
        if known is None:
            known = self.types[m.group(1)] = (m.group(1), m.group(1).lower())
        type_raw, type_lower = known
        opener = m.group(2)
        close = self.closer(opener)
        # one object from the start: an ordinary entry while it is read, packed once it is read whole
        entry = PackedEntry.packed(type_lower, "", self.source, start, start, type_raw, "{}" if opener == "{" else "()",
                                   NO_TRAILING, None, 0, None, None, [])
        self.pending = []
        self.current = None
        self.packed_lnames, self.spelling = [], {}
        self.packed_base = len(self.store.spans) // 4
        try:
            pos = self.skip_comments(m.end(), self.pending)
            km = _KEY.match(text, pos)
            key = km.group()
            after = self.skip(km.end())
            if text.startswith("=", after) and key:
                # "@article{title = ..." : the key is missing and this is a field.
                self.report(pos, Severity.ERROR, "B018", f"{type_raw} entry without a key")
                entry.key = ""
            else:
                entry.key = key
                if not key:
                    self.report(pos, Severity.ERROR, "B018", f"{type_raw} entry without a key")
                pos = after
                if text.startswith(close, pos):
                    entry.end = pos + 1
                    return entry
                if not text.startswith(",", pos):
                    if text.startswith("@", pos) and self.starts_entry(pos):
                        raise self.not_closed(entry, pos)
                    raise _Broken(pos, f"expected ',' after key {key!r}")
                pos += 1
        except _Broken as exc:
            return self.give_up(entry, exc)
        recovered: list[tuple[int, str]] = []  # (offset, message) of each value cut at its line's end
        while True:
            try:
                entry.end = self.read_fields(entry, pos, close)
                entry.trailing_comments = self.pending
                break
            except _Broken as exc:
                self.unpack(entry)
                cut = self.recover(entry, exc) if exc.code == "B019" else None
                if cut is None or (recovered and cut[0] <= recovered[-1][0]):
                    for offset, message in recovered:
                        self.report(offset, Severity.ERROR, "B019", message, entry.key or None)
                    return self.give_up(entry, exc)
                pos = cut[0]
                recovered.append((cut[1], cut[2]))
        for offset, message in recovered:
            self.report(offset, Severity.ERROR, "B019", message, entry.key or None)
        entry.broken = bool(recovered)
        if entry.broken or entry.fields:
            self.unpack(entry)
            return entry
        entry.trailing_comments = entry.trailing_comments or NO_TRAILING
        entry.pack(self.store, self.packed_base, *self.packed_names())
        return entry

    def packed_names(self) -> tuple[tuple[str, ...], tuple[str, ...] | None]:
        """The lower-case names of the fields packed for the current entry, and their spellings (None: the same)."""
        lnames = tuple(self.packed_lnames)
        if not self.spelling:
            return lnames, None
        return lnames, tuple(self.spelling.get(i, n) for i, n in enumerate(lnames))

    def unpack(self, entry: Entry) -> None:
        """Move the fields packed so far for ``entry`` into Field objects at the end of ``entry.fields``."""
        if not self.packed_lnames:
            return
        base = self.packed_base
        probe = PackedEntry.packed(entry.type, entry.key, self.source, entry.start, entry.end, entry.type_raw,
                                   entry.delimiters, [], self.store, base, *self.packed_names())
        entry.fields.extend(probe.fields)
        kept = self.store.kept
        for g in range(base, base + len(self.packed_lnames)):
            kept.pop(g, None)
        del self.store.spans[4 * base:]
        self.packed_lnames, self.spelling = [], {}

    def starts_entry(self, pos: int) -> bool:
        """True when ``pos`` is an ``@type{`` at the start of a line (white space before it allowed)."""
        text = self.text
        line_start = max(text.rfind("\n", 0, pos), text.rfind("\r", 0, pos)) + 1
        return not text[line_start:pos].strip(" \t") and _ENTRY_START.match(text, pos) is not None

    def not_closed(self, entry: Entry, at: int) -> _Broken:
        """B019 for an entry whose closing delimiter is missing before the entry that starts at ``at``."""
        text = self.text
        end = at
        while end > entry.start and text[end - 1] in " \t\r\n":
            end -= 1
        name = entry.key or entry.type_raw
        return _Broken(end, f"entry {name} (line {self.source.line_of(entry.start)}) is not closed: "
                            f"'{self.closer(entry.delimiters[0])}' is missing before the entry at line "
                            f"{self.source.line_of(at)}", "B019",
                       resume_from=max(text.rfind("\n", 0, at), text.rfind("\r", 0, at)) + 1)

    def field_name(self, name: str) -> str:
        """The lower case of a field name as written, one string object per distinct name (also remembered)."""
        lname = self.lower[name] = self.lower.setdefault(name.lower(), name.lower())
        return lname

    def macro_kind(self, name: str, at: int, key: str) -> int:
        """The store kind of a field that is one macro: 4 + the index of its expansion (B005 when undefined)."""
        value = self.macros.get(name.lower())
        if value is None:
            self.report(at, Severity.ERROR, "B005", f"undefined macro {name}", key)
            value = name
        elif _SPACE_RUN.search(value):
            value = collapse_space(value)
        index = self.expansions.get(value)
        if index is None:
            index = self.expansions[value] = len(self.store.expansions)
            self.store.expansions.append(value)
        if name.lower() in self.macros:
            self.macro_kinds[name] = MACRO + index  # until an @string changes the macros
        return MACRO + index

    def whole_field(self, name: str, kind: int, vs: int, ve: int, name_at: int, comments: list[str]) -> Field:
        """A field of the fast path as a Field object (it has comments before it: the store keeps it whole)."""
        raw = self.text[vs:ve]
        if kind >= MACRO:
            part, value = ValuePart("macro", raw), self.store.expansions[kind - MACRO]
        else:
            part, value = ValuePart(KINDS[kind], raw), read_value(raw)
        return Field(self.spelled.setdefault(name, name), [part], value, name_at, comments)

    def read_fields(self, entry: Entry, pos: int, close: str) -> int:
        """Read ``name = value`` fields into ``entry`` from ``pos``; the offset after the closing delimiter.

        Fields are packed into the file's store (see :meth:`unpack`), not appended to ``entry.fields``.
        This loop runs once per field of the file: it is kept to the few operations each field needs.
        """
        text = self.text
        start, type_raw = entry.start, entry.type_raw
        fast = _FAST_FIELD[close].match
        lower = self.lower
        earlier = {f.name.lower() for f in entry.fields}  # read before a value was cut (see recover); usually none
        pending = self.pending
        store = self.store
        spans_extend = store.spans.extend
        kept = store.kept
        lnames = self.packed_lnames
        add_lname = lnames.append
        find = text.find
        at = find("@", pos)  # the next '@': a value that ends before it cannot swallow an entry
        if at < 0:
            at = len(text)
        while True:
            fm = fast(text, pos)
            while fm is not None:
                name = fm.group(1)
                lname = lower.get(name)
                if lname is None:
                    lname = self.field_name(name)
                vs, ve = fm.span(2)
                c = text[vs]
                if c == "{" or c == '"':
                    kind = 0 if c == "{" else 1
                    vs += 1
                    ve -= 1
                    if ve > at:
                        at = find("@", vs)
                        if at < 0:
                            at = len(text)
                        if at < ve and _ENTRY_LINE.search(text, vs, ve):
                            break  # swallows an entry: the general reader reports it
                else:
                    bare = text[vs:ve]
                    kind = 2 if bare.isdigit() else self.macro_kinds.get(bare) or self.macro_kind(bare, vs, entry.key)
                if lname != name:
                    self.spelling[len(lnames)] = self.spelled.setdefault(name, name)
                if pending:
                    kept[len(store.spans) // 4] = self.whole_field(name, kind, vs, ve, fm.start(1), pending)
                    kind = KEPT
                    pending = self.pending = []
                if lname in lnames or lname in earlier:
                    self.report(fm.start(1), Severity.WARNING, "B004",
                                f"duplicate field {lname} in {entry.key} (the first is used)", entry.key)
                add_lname(lname)
                spans_extend((kind, vs, ve, fm.start(1)))
                pos = fm.end()
                fm = fast(text, pos) if fm.lastindex == 3 else None
            pos = self.skip_comments(pos, pending)
            if text.startswith(close, pos):
                return pos + 1
            if text.startswith(",", pos):  # stray comma
                pos += 1
                continue
            if text.startswith("@", pos) and self.starts_entry(pos):
                raise self.not_closed(entry, pos)
            nm = _NAME.match(text, pos)
            if not nm:
                if pos >= len(text):
                    raise _Broken(start, f"entry {entry.key or type_raw} (line {self.source.line_of(start)}) is "
                                         f"not closed: '{close}' is missing at the end of the file", "B019",
                                  resume_from=start)
                raise _Broken(pos, f"unexpected {text[pos]!r} in entry {entry.key or type_raw}")
            name, name_at = nm.group(), pos
            pos = self.skip_comments(nm.end(), pending)
            if not text.startswith("=", pos):
                raise _Broken(pos, f"expected '=' after field name {name!r}")
            pos = self.skip_comments(pos + 1, pending)
            self.current = (name, name_at, pos)
            parts, value, pos = self.read_value(pos, entry.key)
            self.current = None
            lname = lower.get(name) or self.field_name(name)
            if lname != name:
                name = self.spelling[len(lnames)] = self.spelled.setdefault(name, name)
            else:
                name = lname
            if lname in lnames or lname in earlier:
                self.report(name_at, Severity.WARNING, "B004",
                            f"duplicate field {lname} in {entry.key} (the first is used)", entry.key)
            kept[len(store.spans) // 4] = Field(name, parts, value, name_at, pending)
            add_lname(lname)
            spans_extend((KEPT, 0, 0, name_at))
            pending = self.pending = []
            pos = self.skip_comments(pos, pending)
            if text.startswith(",", pos):
                pos += 1
            elif text.startswith(close, pos):
                continue
            elif _NAME.match(text, pos) and re.match(r"[^\s=,{}()\"#%]+\s*=", text[pos:pos + 200]):
                self.report(pos, Severity.ERROR, "B001",
                            f"{MISSING_COMMA} before field {_NAME.match(text, pos).group()!r} in {entry.key}",
                            entry.key)
            elif text.startswith("@", pos) and self.starts_entry(pos):
                raise self.not_closed(entry, pos)
            else:
                raise _Broken(pos, f"expected ',' or '{close}' after field {name!r} in {entry.key}")

    def recover(self, entry: Entry, exc: _Broken) -> tuple[int, int, str] | None:
        """Cut a value that ran on over the fields after it at the end of its line.

        Returns where reading resumes (the comma that ended the value's line), where the value starts
        and the B019 message; None when no value of the entry has a line ending in ``,`` followed by a
        ``name =`` line. The cut value gets its field back, with its unclosed braces closed.
        """
        text = self.text
        candidates: list[tuple[int, str, int, list[str] | tuple[str, ...], int]] = []
        for i, f in enumerate(entry.fields):
            if len(f.parts) == 1 and f.parts[0].kind in ("brace", "quote"):
                vm = _WS_COMMENTS.match(text, text.find("=", f.offset) + 1)
                candidates.append((i, f.name, f.offset, f.comments, vm.end()))
        if self.current is not None:
            name, name_at, value_at = self.current
            if text[value_at:value_at + 1] in ('{', '"'):
                candidates.append((len(entry.fields), name, name_at, self.pending, value_at))
        for index, name, name_at, comments, value_at in candidates:
            region_end = (value_at + 1 + len(entry.fields[index].parts[0].text)) if index < len(entry.fields) \
                else self.resync(value_at + 1)
            cm = _FIELD_LINE.search(text, value_at + 1, max(region_end, value_at + 1))
            if cm is None:
                continue
            inner = text[value_at + 1:cm.start()]
            depth = inner.count("{") - inner.count("}")
            kind = "brace" if text[value_at] == "{" else "quote"
            if depth > 0:
                inner += "}" * depth
            what = "unbalanced braces" if kind == "brace" else "unterminated quoted value"
            opener = "'{'" if kind == "brace" else "'\"'"
            message = (f"{what} in field {name} of {entry.key or entry.type_raw}: {opener} is not closed "
                       f"on line {self.source.line_of(cm.start())}; {name} is read up to the end of that line "
                       "and the fields after it as fields")
            self.forget_diagnostics_from(value_at)
            del entry.fields[index:]
            value = collapse_space(inner) if _SPACE_RUN.search(inner) else inner
            entry.fields.append(Field(name, [ValuePart(kind, inner)], value, name_at, comments))
            self.pending = []
            self.current = None
            return cm.start(), name_at, message
        return None

    def forget_diagnostics_from(self, offset: int) -> None:
        """Drop this file's diagnostics at or after ``offset``: that text is about to be read again."""
        where = (self.source.line_of(offset), self.source.column_of(offset))
        items = self.diags.items
        while items and items[-1].file == self.path and (items[-1].line, items[-1].column) >= where:
            items.pop()

    def give_up(self, entry: Entry, exc: _Broken) -> Entry:
        """Keep a broken entry with the fields read so far, report why, and resume at the next ``@`` line."""
        text = self.text
        start, type_raw = entry.start, entry.type_raw
        entry.broken = True
        entry.trailing_comments = self.pending
        code = exc.code
        message = exc.message
        if code == "B001" and exc.offset < len(text) and text[exc.offset] == "@":
            code = "B019"
            next_line = self.source.line_of(exc.offset)
            message = f"entry {entry.key or type_raw} is not closed before the next entry (line {next_line})"
        if code == "B019":
            swallowed = next((f for f in entry.fields if _FIELD_INSIDE.search(f.value)), None)
            if swallowed is not None:
                message = (f"unbalanced braces in field {swallowed.name} of {entry.key or type_raw}: "
                           f"its value swallows the fields after it ({message})")
                exc.offset = swallowed.offset
        self.report(exc.offset if exc.offset < len(text) else start, Severity.ERROR, code, message,
                    entry.key or None)
        entry.end = self.resync(max(exc.resume_from, start + 1))
        return entry

    def hidden_entries(self, inner: str, at: int) -> None:
        """Warn about entries inside an ``@comment{...}`` block: biber skips them, BibTeX and bibtexparser read them."""
        for m in _HIDDEN_ENTRY.finditer(inner):
            if m.group(1).lower() in ("comment", "string", "preamble"):
                continue
            self.report(at + m.start(1) - 1, Severity.WARNING, "B020",
                        f"@comment block holds @{m.group(1)}{{{m.group(2)}: read as a comment (as biber does), "
                        "though BibTeX would read the entry; move it out of the block to keep it")

    def stop_at_entry(self, inner: str, at: int, message: str) -> None:
        """A value that runs over a line starting with ``@type{`` has swallowed entries: break it there.

        Its delimiter only closes further on by accident (a stray brace or quote later in the file);
        as biber and bibtexparser do, the ``@`` at the start of a line begins the next entry.
        """
        if "@" in inner:
            m = _ENTRY_LINE.search(inner)
            if m is not None:
                raise _Broken(at - 1, f"unbalanced delimiters: {message} (line {self.source.line_of(at + m.start())})",
                              "B019", resume_from=at + m.start())

    def read_value(self, pos: int, key: str | None) -> tuple[list[ValuePart], str, int]:
        """A value: parts joined by ``#``; returns the parts, the expanded text and the end offset."""
        text = self.text
        parts: list[ValuePart] = []
        pieces: list[str] = []
        while True:
            c = text[pos:pos + 1]
            if c == "{":
                end = _match_brace(text, pos + 1)
                if end < 0:
                    raise _Broken(pos, "unbalanced braces: '{' is never closed", "B019", resume_from=pos)
                inner = text[pos + 1:end]
                self.stop_at_entry(inner, pos + 1, "'{' is not closed before the next entry")
                parts.append(ValuePart("brace", inner))
                pieces.append(inner)
                pos = end + 1
            elif c == '"':
                end = _match_quote(text, pos + 1)
                if end < 0:
                    raise _Broken(pos, "unterminated quoted value", "B019", resume_from=pos)
                inner = text[pos + 1:end]
                self.stop_at_entry(inner, pos + 1, "quoted value is not closed before the next entry")
                parts.append(ValuePart("quote", inner))
                pieces.append(inner)
                pos = end + 1
            else:
                mm = _NAME.match(text, pos)
                if not mm:
                    what = repr(c) if c else "end of file"
                    raise _Broken(pos, f"expected a value, found {what}")
                name = mm.group()
                if name.isdigit():
                    parts.append(ValuePart("number", name))
                    pieces.append(name)
                else:
                    parts.append(ValuePart("macro", name))
                    expansion = self.macros.get(name.lower())
                    if expansion is None:
                        self.report(pos, Severity.ERROR, "B005", f"undefined macro {name}", key)
                        expansion = name
                    pieces.append(expansion)
                pos = mm.end()
            after = self.skip(pos)
            if text.startswith("#", after):
                pos = self.skip(after + 1)
                continue
            value = pieces[0] if len(pieces) == 1 else "".join(pieces)
            if _SPACE_RUN.search(value):
                value = collapse_space(value)
            return parts, value, pos


def braces_balanced(text: str) -> bool:
    """True when the braces of ``text`` nest properly, as BibTeX counts them (so it can go inside ``{...}``)."""
    depth = 0
    for c in re.findall(r"[{}]", text):
        depth += 1 if c == "{" else -1
        if depth < 0:
            return False
    return depth == 0


def _match_brace(text: str, pos: int) -> int:
    """Offset of the ``}`` that closes a ``{`` opened just before ``pos``, or -1."""
    depth = 1
    find, count = text.find, text.count
    while True:
        close = find("}", pos)
        if close < 0:
            return -1
        depth += count("{", pos, close) - 1
        if depth == 0:
            return close
        pos = close + 1


def _match_quote(text: str, pos: int) -> int:
    """Offset of the ``"`` that ends a quoted value begun just before ``pos`` (braces must balance), or -1."""
    depth = 0
    find, count = text.find, text.count
    while True:
        q = find('"', pos)
        if q < 0:
            return -1
        depth += count("{", pos, q) - count("}", pos, q)
        if depth == 0:
            return q
        pos = q + 1
