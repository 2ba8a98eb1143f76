r"""Canonical, lossless formatting of BibTeX files (``bibkit fmt``).

The formatter re-emits the blocks :mod:`bibkit.bib.bibtex` reads (:mod:`bibkit.model`); nothing is dropped. The layout:

* entry types and field names in lower case; keys as written; ``{...}`` around the entry;
* one field per line, indented by two spaces (``indent``), names padded so the ``=`` line up
  (``align``), a comma after every field including the last (``trailing_comma``);
* fields in the order of :data:`FIELD_ORDER` for the entry's type (``order`` in the config puts
  your own list first); fields it does not name keep their relative order after the known ones;
  duplicate fields keep their relative order, so the first still wins;
* one blank line between blocks; a comment directly above an entry stays attached to it;
  ``%`` comment lines inside an entry are kept, each before the field it stood before.

Value normalisations (each one leaves the value BibTeX reads unchanged, except the last two,
which only change spelling):

1. ``"..."`` becomes ``{...}`` when the braces inside balance both as BibTeX counts them and with
   ``\{``/``\}`` left out, as bibtexparser and pandoc count them (else the quotes stay);
2. runs of ASCII white space inside a field value become one space and a single-part value loses
   leading and trailing ASCII white space (BibTeX reads values this way); no-break, thin and other
   Unicode spaces are characters of the value and stay; verbatim fields (url, doi, file, eprint,
   verba...) and ``@string``/``@preamble`` text are kept exactly as written;
3. numbers and ``@string`` macros stay bare; ``#`` concatenations are kept;
4. ``month`` written as a month name, a three-letter abbreviation or a number 1-12 becomes the
   month macro (``month = dec``), unless the file redefines that macro (``month_macros``);
5. a numeric page range written with ``-``, ``---`` or an en dash gets ``--`` (``page_dashes``).

Text that cannot be read (an invalid block, a broken entry, an entry without a key) is kept
verbatim where it stood and reported as a warning; a comma that was missing between two fields is
added, with a warning naming the entry. Text outside entries (comments, commented-out ``% @entries``)
is kept line by line. A file in which no entry was read and that does not look like BibTeX (a PDF
named by mistake) is refused, never rewritten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from bibkit.bib import textdiff
from bibkit.bib.bibtex import parse_bytes, parse_text, reporting_reads
from bibkit.bib.lexer import MISSING_COMMA, MONTH_MACROS, braces_balanced
from bibkit.infra.diagnostics import Diagnostics, Severity
from bibkit.infra.errors import BibkitError
from bibkit.infra.files import read_bytes
from bibkit.infra.output import snapshot_of, write_if_unchanged
from bibkit.infra.progress import ProgressFn, split, track
from bibkit.model import BibFile, Comment, Entry, Preamble, StringDef, Text, ValuePart

_COMMON_HEAD = ["author", "editor", "translator", "title", "subtitle", "titleaddon"]
_COMMON_TAIL = [
    "year", "date", "month", "edition", "volume", "number", "issue", "chapter", "pages",
    "series", "publisher", "organization", "institution", "school", "address", "location",
    "howpublished", "type", "isbn", "issn", "doi", "url", "urldate", "eprint", "eprinttype",
    "eprintclass", "archiveprefix", "primaryclass", "crossref", "language", "abstract",
    "keywords", "claims", "note", "annote", "annotation", "file",
]

#: Field order per entry type; ``default`` covers every type not listed.
FIELD_ORDER: dict[str, list[str]] = {
    "default": _COMMON_HEAD + ["journal", "journaltitle", "booktitle", "booksubtitle"] + _COMMON_TAIL,
    "article": _COMMON_HEAD + ["journal", "journaltitle"] + _COMMON_TAIL,
    "book": _COMMON_HEAD + _COMMON_TAIL,
    "inbook": _COMMON_HEAD + ["booktitle", "booksubtitle", "bookauthor"] + _COMMON_TAIL,
    "incollection": _COMMON_HEAD + ["booktitle", "booksubtitle"] + _COMMON_TAIL,
    "inproceedings": _COMMON_HEAD + ["booktitle", "booksubtitle", "eventtitle"] + _COMMON_TAIL,
}

#: Fields whose content is verbatim (paths, URLs): their white space is never touched.
VERBATIM_FIELDS = frozenset({"url", "doi", "file", "pdf", "eprint", "verba", "verbb", "verbc", "urlraw", "bdsk-url-1"})

_MONTH_NUMBERS = {name: i for i, name in enumerate(MONTH_MACROS, start=1)}
_MONTH_BY_WORD: dict[str, str] = {}
for _abbr, _full in MONTH_MACROS.items():
    _MONTH_BY_WORD[_abbr] = _abbr
    _MONTH_BY_WORD[_full.lower()] = _abbr
    _MONTH_BY_WORD[str(_MONTH_NUMBERS[_abbr])] = _abbr
    _MONTH_BY_WORD[f"{_MONTH_NUMBERS[_abbr]:02d}"] = _abbr

_PAGE = r"[A-Za-z]?\d+"
_DASH = r"[ \t\r\n]*(?:-{1,3}|\u2013|\u2014)[ \t\r\n]*"
_PAGE_LIST = re.compile(rf"{_PAGE}(?:{_DASH}{_PAGE})?(?:[ \t\r\n]*,[ \t\r\n]*{_PAGE}(?:{_DASH}{_PAGE})?)*")
_PAGE_DASH = re.compile(rf"({_PAGE}){_DASH}({_PAGE})")
_WS_RUN = re.compile(r"[ \t\r\n\f\v]+")  # BibTeX's white space; other spaces are characters
_ASCII_WS = " \t\r\n\f\v"
_LINES = re.compile(r"\r\n|\r|\n")
_ESCAPED_BRACE = re.compile(r"\\[{}]")


@dataclass
class FmtOptions:
    """The layout knobs; the ``[fmt]`` table of bibkit.toml sets them."""

    indent: int = 2
    align: bool = True
    trailing_comma: bool = True
    sort_fields: bool = True
    month_macros: bool = True
    page_dashes: bool = True
    order: list[str] = field(default_factory=list)

    @classmethod
    def from_config(cls, table: dict[str, Any], where: str = "bibkit.toml") -> "FmtOptions":
        """Options from a ``[fmt]`` table; unknown keys and wrong types are errors."""
        opts = cls()
        for name, value in table.items():
            if name not in cls.__dataclass_fields__:
                known = ", ".join(cls.__dataclass_fields__)
                raise BibkitError(f"{where}: unknown [fmt] option {name!r} (known: {known})")
            current = getattr(opts, name)
            if isinstance(current, bool) and not isinstance(value, bool):
                raise BibkitError(f"{where}: [fmt] {name} must be true or false")
            if isinstance(current, int) and not isinstance(current, bool):
                if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 16:
                    raise BibkitError(f"{where}: [fmt] {name} must be a whole number from 0 to 16")
            if isinstance(current, list):
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise BibkitError(f"{where}: [fmt] {name} must be a list of field names")
                value = [v.lower() for v in value]
            setattr(opts, name, value)
        return opts


@dataclass
class FmtResult:
    """The formatted text and the warnings about text kept verbatim."""

    text: str
    diagnostics: Diagnostics

    def changed(self, original: str) -> bool:
        """True when formatting changes the text."""
        return self.text != original


@dataclass
class FileFmt:
    """One file before and after formatting."""

    path: str
    before: str
    after: str
    data: bytes
    new_data: bytes
    diagnostics: Diagnostics

    @property
    def changed(self) -> bool:
        """True when writing would change the file's bytes."""
        return self.data != self.new_data


def format_file(path: str, options: FmtOptions | None = None, progress: ProgressFn | None = None) -> FileFmt:
    """Read (once) and format one file; the result is UTF-8 (a byte-order mark is kept when there was one).

    A file in which no entry was read and that does not look like BibTeX is a :class:`BibkitError`.
    ``progress`` hears of the reading, then of each block formatted.
    """
    data = read_bytes(path, "BibTeX file")
    read_diags = Diagnostics()
    reading, formatting = split(progress, 2, 3)  # formatting takes about 1.5 times as long as reading
    with reporting_reads(reading):
        bibfile = parse_bytes(data, path, read_diags)
    if not looks_like_bibtex(bibfile):
        raise BibkitError(f"{path}: no BibTeX entry read and the file does not look like BibTeX; not formatted")
    diags = Diagnostics([d for d in read_diags if d.code == "B007"])
    diags.extend(_added_commas(read_diags))
    after = format_bibfile(bibfile, options or FmtOptions(), diags, formatting)
    bom = bibfile.bom
    if after.startswith("\ufeff"):
        # A U+FEFF that formatting brought to the front (after blank lines: "\n\ufeff@misc") is the file's
        # byte-order mark from now on, as every reader takes it; else the next run would read it as one and
        # format again.
        after, bom = after.lstrip("\ufeff").lstrip("\r\n"), True
    new_data = (b"\xef\xbb\xbf" if bom else b"") + after.encode("utf-8")
    return FileFmt(path, bibfile.source.text, after, data, new_data, diags)


def looks_like_bibtex(bibfile: BibFile) -> bool:
    """True when the file has an ``@`` block, or holds nothing but blank and ``%`` comment lines."""
    if any(not isinstance(b, Text) or b.invalid for b in bibfile.blocks):
        return True
    return all(not line.strip() or line.lstrip().startswith("%")
               for b in bibfile.blocks for line in _LINES.split(b.text))


def _added_commas(read_diags: Diagnostics) -> list:
    """The reader's missing-comma errors, as fmt's warnings that it adds the comma."""
    out = Diagnostics()
    for d in read_diags:
        if d.code == "B001" and d.message.startswith(MISSING_COMMA):
            out.add(d.file, d.line, d.column, Severity.WARNING, "B001",
                    f"{d.message}: fmt adds the comma (check that no value lost its end)", d.key)
    return out.items


def write_formatted(result: FileFmt) -> None:
    """Replace the file atomically with its formatted bytes, keeping its permissions.

    Refuses (exit 2) when the file changed on disk since ``format_file`` read it; hold
    :func:`bibkit.infra.output.update_lock` from before that read so other bibkit processes wait.
    """
    write_if_unchanged(snapshot_of(result.path, result.data), result.new_data)


def format_text(text: str, path: str = "<string>", options: FmtOptions | None = None) -> FmtResult:
    """Format BibTeX text; returns the canonical text and warnings for text kept verbatim."""
    read_diags = Diagnostics()
    bibfile = parse_text(text, path, read_diags)
    diags = Diagnostics(_added_commas(read_diags))
    return FmtResult(format_bibfile(bibfile, options or FmtOptions(), diags), diags)


def format_bibfile(bibfile: BibFile, options: FmtOptions, diags: Diagnostics,
                   progress: ProgressFn | None = None) -> str:
    """The canonical text of a parsed file; ``progress`` hears of each block formatted."""
    redefined = {b.name.lower() for b in bibfile.blocks if isinstance(b, StringDef)}
    src = bibfile.source
    chunks: list[tuple[str, bool, bool]] = []  # (text, is free text, attach to the next block)
    for block in track(bibfile.blocks, progress):
        if isinstance(block, Text):
            if block.invalid:
                diags.add(src.path, src.line_of(block.start), src.column_of(block.start), Severity.WARNING,
                          "B001", "text that cannot be read is kept as it stands")
                chunks.append((block.text.rstrip(_ASCII_WS), True, False))
                continue
            lines = [line.rstrip(_ASCII_WS) for line in _LINES.split(block.text)]
            while lines and not lines[0]:
                lines.pop(0)
            attach = len(lines) >= 2 and lines[-1] == "" and lines[-2] != ""
            while lines and not lines[-1]:
                lines.pop()
            if lines:
                chunks.append(("\n".join(_squeeze_blank(lines)), True, attach))
        elif isinstance(block, Entry):
            if block.broken or not block.key:
                why = "broken entry" if block.broken else "entry without a key"
                diags.add(src.path, src.line_of(block.start), src.column_of(block.start), Severity.WARNING,
                          "B001", f"{why} {block.key or block.type_raw} is kept as it stands", block.key or None)
                chunks.append((src.text[block.start:block.end].rstrip(_ASCII_WS), False, False))
            else:
                chunks.append((format_entry(block, options, redefined), False, False))
        elif isinstance(block, StringDef):
            chunks.append((f"@string{{{block.name} = {format_value(block.parts, '', options, redefined, strip=False)}}}", False, False))
        elif isinstance(block, Preamble):
            chunks.append((f"@preamble{{{format_value(block.parts, '', options, redefined, strip=False)}}}", False, False))
        elif isinstance(block, Comment):
            chunks.append((src.text[block.start:block.end].rstrip(_ASCII_WS), False, False))
    out: list[str] = []
    for i, (chunk, _, attach) in enumerate(chunks):
        out.append(chunk)
        if i + 1 < len(chunks):
            # Never attach two text chunks: they would merge into one on the next run.
            out.append("\n" if attach and not chunks[i + 1][1] else "\n\n")
    return "".join(out) + "\n" if out else ""


def _squeeze_blank(lines: list[str]) -> list[str]:
    """At most one blank line in a row."""
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return out


def field_rank(entry_type: str, options: FmtOptions) -> dict[str, int]:
    """Field name to its place for this entry type."""
    order = list(options.order) + FIELD_ORDER.get(entry_type, FIELD_ORDER["default"])
    rank: dict[str, int] = {}
    for name in order:
        rank.setdefault(name, len(rank))
    return rank


def _in_order(fields: list, entry_type: str, options: FmtOptions) -> list:
    """:meth:`Entry.written` items in canonical order (stable: unknown and duplicate fields keep their order)."""
    if not options.sort_fields:
        return fields
    rank = field_rank(entry_type, options)
    last = len(rank)
    return sorted(fields, key=lambda f: rank.get((f[0] if type(f) is tuple else f.name).lower(), last))


def format_entry(entry: Entry, options: FmtOptions, redefined: Iterable[str] = ()) -> str:
    """One entry in the canonical layout."""
    redefined = set(redefined)
    pad = " " * options.indent
    # a packed entry's fields as (name, kind, text) where one part: no Field object is built
    fields = _in_order(entry.written(), entry.type, options)
    width = max((len(f[0] if type(f) is tuple else f.name) for f in fields), default=0) if options.align else 0
    lines = [f"@{entry.type}{{{entry.key},"]
    for i, f in enumerate(fields):
        comma = "," if options.trailing_comma or i + 1 < len(fields) else ""
        if type(f) is tuple:
            name = f[0].lower()
            value = format_part(f[1], f[2], name, options, redefined, True)
        else:
            for comment in f.comments:
                lines.append(pad + comment.rstrip(_ASCII_WS))
            name = f.name.lower()
            value = format_value(f.parts, name, options, redefined)
        lines.append(f"{pad}{name.ljust(width)} = {value}{comma}")
    for comment in entry.trailing_comments:
        lines.append(pad + comment.rstrip(_ASCII_WS))
    lines.append("}")
    return "\n".join(lines)


def format_value(parts: list[ValuePart], name: str, options: FmtOptions,
                 redefined: set[str] | frozenset = frozenset(), strip: bool = True) -> str:
    """A value's canonical spelling (see the module docstring for each normalisation).

    ``strip`` is False for ``@string`` and ``@preamble``: their text is kept as written (outer spaces
    matter once a macro is concatenated), only the delimiters are normalised.
    """
    single = len(parts) == 1 and strip
    return " # ".join(format_part(p.kind, p.text, name, options, redefined, single, strip) for p in parts)


def format_part(kind: str, text: str, name: str, options: FmtOptions, redefined: set[str] | frozenset,
                single: bool, strip: bool = True) -> str:
    """One part of a value (``kind`` as in :class:`ValuePart`); ``single``: the value's only part, stripped."""
    if kind in ("number", "macro"):
        return text
    if single:
        special = _special_value(text, name, options, redefined)
        if special is not None:
            return special
    if name not in VERBATIM_FIELDS and strip:
        if "  " in text or not text.isprintable():  # else no run of white space to collapse (a cheap test)
            text = _WS_RUN.sub(" ", text)
        if single:
            text = text.strip(_ASCII_WS)
    if kind == "quote" and (text.endswith("\\") or not (braces_balanced(text)
                                                         and braces_balanced(_ESCAPED_BRACE.sub("", text)))):
        return f'"{text}"'  # braces would not hold it: "\" as {\} reads as an escaped, unclosed brace
    return f"{{{text}}}"


def _special_value(text: str, name: str, options: FmtOptions, redefined) -> str | None:
    """The month macro or the ``--`` page range for a plain single value, else None."""
    stripped = text.strip(_ASCII_WS)
    if name == "month" and options.month_macros:
        abbr = _MONTH_BY_WORD.get(stripped.lower())
        if abbr is not None and abbr not in redefined:
            return abbr
    if name == "pages" and options.page_dashes:
        if _PAGE_LIST.fullmatch(stripped):
            return "{" + _PAGE_DASH.sub(r"\1--\2", stripped) + "}"
    return None


def unified_diff(original: str, formatted: str, path: str, progress: ProgressFn | None = None) -> str:
    """A unified diff from the file as it is to the file as ``fmt`` would write it (``progress``: lines compared)."""
    return textdiff.unified_diff(original, formatted, fromfile=f"{path} (now)", tofile=f"{path} (formatted)",
                                 progress=progress)
