"""What the BibTeX reader does when an entry breaks: keep what was read, say where, read on.

Recovery follows biber and bibtexparser: an entry that breaks is kept with the fields read so far,
fields that follow an early ``}`` are reported (B019), and reading goes on at the next line that
starts with ``@``. :class:`Recovery` is the half of :class:`~bibkit.bib.reader.Reader` that does
this; it reads the reader's ``text``, ``source`` and ``diags`` and calls its ``report``.
"""

from __future__ import annotations

from bibkit.bib.lexer import (ENTRY_LINE, ENTRY_START, FIELD_INSIDE, FIELD_LINE, HIDDEN_ENTRY, RESYNC, STRAY_FIELD,
                              WS_COMMENTS, Broken)
from bibkit.infra.diagnostics import Severity
from bibkit.model import SPACE_RUN, Entry, Field, Text, ValuePart, collapse_space


class Recovery:
    """The reader's recovery from broken entries (mixed into :class:`~bibkit.bib.reader.Reader`)."""

    def stray_fields(self, entry: Entry, start: int, end: int) -> None:
        """B019 when the text right after an entry reads as its fields: an extra ``}`` closed it early."""
        if self.text.find("=", start, end) < 0:
            return  # no '=' in the text: no field there
        fm = STRAY_FIELD.match(self.text, start, end)
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

    def resync(self, offset: int) -> int:
        """Where reading resumes after a broken block: the next line starting with ``@``, or the end."""
        m = RESYNC.search(self.text, offset)
        return m.start() if m else len(self.text)

    def invalid(self, start: int, exc: Broken) -> Text:
        """Keep an unreadable non-entry block verbatim and report it."""
        self.report(exc.offset, Severity.ERROR, exc.code, exc.message)
        end = self.resync(max(exc.resume_from, start + 1))
        return Text(self.text[start:end], start, end, invalid=True)

    def not_closed(self, entry: Entry, at: int) -> Broken:
        """B019 for an entry whose closing delimiter is missing before the entry that starts at ``at``."""
        text = self.text
        end = at
        while end > entry.start and text[end - 1] in " \t\r\n":
            end -= 1
        name = entry.key or entry.type_raw
        return Broken(end, f"entry {name} (line {self.source.line_of(entry.start)}) is not closed: "
                            f"'{self.closer(entry.delimiters[0])}' is missing before the entry at line "
                            f"{self.source.line_of(at)}", "B019",
                       resume_from=at if self.text[max(text.rfind("\n", 0, at), text.rfind("\r", 0, at)) + 1:at].strip()
                       else max(text.rfind("\n", 0, at), text.rfind("\r", 0, at)) + 1)

    def recover(self, entry: Entry, exc: Broken) -> tuple[int, int, str] | None:
        """Cut a value that ran on over the fields after it at the end of its line.

        Returns where reading resumes (the comma that ended the value's line), where the value starts
        and the B019 message; None when no value of the entry has a line ending in ``,`` followed by a
        ``name =`` line. The cut value gets its field back, with its unclosed braces closed.
        """
        text = self.text
        candidates: list[tuple[int, str, int, list[str] | tuple[str, ...], int]] = []
        for i, f in enumerate(entry.fields):
            if len(f.parts) == 1 and f.parts[0].kind in ("brace", "quote"):
                vm = WS_COMMENTS.match(text, text.find("=", f.offset) + 1)
                candidates.append((i, f.name, f.offset, f.comments, vm.end()))
        if self.current is not None:
            name, name_at, value_at = self.current
            if text[value_at:value_at + 1] in ('{', '"'):
                candidates.append((len(entry.fields), name, name_at, self.pending, value_at))
        for index, name, name_at, comments, value_at in candidates:
            region_end = (value_at + 1 + len(entry.fields[index].parts[0].text)) if index < len(entry.fields) \
                else self.resync(value_at + 1)
            cm = FIELD_LINE.search(text, value_at + 1, max(region_end, value_at + 1))
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
            value = collapse_space(inner) if SPACE_RUN.search(inner) else inner
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

    def give_up(self, entry: Entry, exc: Broken) -> Entry:
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
            swallowed = next((f for f in entry.fields if FIELD_INSIDE.search(f.value)), None)
            if swallowed is not None:
                message = (f"unbalanced braces in field {swallowed.name} of {entry.key or type_raw}: "
                           f"its value swallows the fields after it ({message})")
                exc.offset = swallowed.offset
        self.report(exc.offset if exc.offset < len(text) else start, Severity.ERROR, code, message,
                    entry.key or None)
        resume = max(exc.resume_from, start + 1)
        # an entry that starts mid-line right where reading resumes ("}@conference{4,") is read, not skipped
        entry.end = resume if ENTRY_START.match(text, resume) else self.resync(resume)
        return entry

    def hidden_entries(self, inner: str, at: int) -> None:
        """Warn about entries inside an ``@comment{...}`` block: biber skips them, BibTeX and bibtexparser read them."""
        for m in HIDDEN_ENTRY.finditer(inner):
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
            m = ENTRY_LINE.search(inner)
            if m is not None:
                raise Broken(at - 1, f"unbalanced delimiters: {message} (line {self.source.line_of(at + m.start())})",
                              "B019", resume_from=at + m.start())
