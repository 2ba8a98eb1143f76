"""Diagnostics as GitHub Actions workflow commands, which GitHub shows as annotations on the lines.

``::error file=references.bib,line=4,col=1,title=B003::message``: one line per diagnostic, with
GitHub's escaping (``%``, CR and LF in the message; those and ``:`` and ``,`` in properties), so a
message can never end the command early or forge another one.
"""

from __future__ import annotations

import os
from typing import Iterable

from bibkit.infra.diagnostics import Diagnostic, Severity

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """A command's message escaped as the Actions runner expects (``%``, ``\\r``, ``\\n``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value escaped: the message escapes plus ``:`` and ``,``, which delimit properties."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(d: Diagnostic) -> str:
    """One workflow command for a diagnostic (``line``/``col`` left out when unknown)."""
    props: list[tuple[str, str]] = []
    if d.file:
        props.append(("file", os.path.normpath(d.file).replace(os.sep, "/")))
    if d.line > 0:
        props.append(("line", str(d.line)))
        if d.column > 0:
            props.append(("col", str(d.column)))
    props.append(("title", d.code))
    joined = ",".join(f"{name}={escape_property(value)}" for name, value in props)
    return f"::{COMMANDS[d.severity]} {joined}::{escape_data(d.message)}"


def render(diagnostics: Iterable[Diagnostic]) -> str:
    """The workflow commands, one line each."""
    return "".join(annotation(d) + "\n" for d in diagnostics)
