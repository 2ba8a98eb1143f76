"""Entries as the BibLaTeX text pandoc reads, regenerated from the lossless model.

This is the one place bibkit deliberately reads differently from pandoc: publisher-like fields stay
whole (:data:`PROTECTED_LIST_FIELDS`). Entries pandoc cannot read are refused here with a reason.
"""

from __future__ import annotations

import re

from bibkit.bib.latex import tex_braces
from bibkit.model import Entry


#: Fields pandoc reads as BibLaTeX literal lists ("A and B" -> "A; B"). For organisations that is
#: wrong in real BibTeX data ("Farrar, Straus and Giroux", "John Wiley and Sons",
#: "Department of Physics and Astronomy"), so we keep them whole. ``address``/``location``
#: stay lists: "New York and London" -> "New York; London" is what BibLaTeX means.
PROTECTED_LIST_FIELDS = ("publisher", "institution", "organization", "school")
_KEY_OK = re.compile(r"[\w.:;?!`'()/*@+=\-\[\]&]+")
_TYPE_OK = re.compile(r"[^\W\d_]+")
_FIELD_OK = re.compile(r"[\w\-:+]+")
_AND = re.compile(r"\sand\s", re.I)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def _value_text(entry: Entry, name: str, macros: dict[str, str]) -> str:
    """A field's value as BibLaTeX source: braced/quoted parts kept, macros expanded (months stay bare)."""
    fld = entry.field(name)
    assert fld is not None
    out = []
    for part in fld.parts:
        if part.kind == "brace":
            out.append("{" + part.text + "}")
        elif part.kind == "quote":
            out.append('"' + part.text + '"')
        elif part.kind == "number":
            out.append(part.text)
        else:
            low = part.text.lower()
            if low in _MONTHS and (low not in macros or macros[low][:3].lower() == low):
                out.append(low)
            else:
                out.append("{" + macros.get(low, part.text) + "}")  # undefined: its name, as the model and pandoc keep it
    return " # ".join(out) if out else "{}"


def _balanced(text: str) -> bool:
    """Balanced braces as pandoc's reader counts them: an escaped ``\\{`` or ``\\}`` is not a brace (BibTeX's
    own count is :func:`bibkit.bib.lexer.braces_balanced`)."""
    depth = 0
    for _, depth in tex_braces(text):
        if depth < 0:
            return False
    return depth == 0


#: BibLaTeX fields pandoc reads into a CSL variable no bibliography prints unless its style names it
#: (field -> variable), or does not read at all (field -> None). A reading list or citation in a style
#: that never names the variable leaves the field out of what pandoc reads: 150-300-word abstracts
#: made half of pandoc's time and memory on long records, and a stray brace in one no longer stops
#: its entry from rendering.
UNPRINTED_FIELDS = {"abstract": "abstract", "keywords": "keyword", "annote": "annote", "annotation": "annote",
                    "file": None, "timestamp": None, "owner": None}


def unprinted_fields(style_text: str) -> frozenset[str]:
    """The fields of :data:`UNPRINTED_FIELDS` that cannot change what ``style_text`` renders."""
    return frozenset(f for f, var in UNPRINTED_FIELDS.items()
                     if var is None or not re.search(rf'"{var}"|\b{var}\b', style_text))


def entry_to_biblatex(entry: Entry, macros: dict[str, str] | None = None, skip: frozenset[str] = frozenset()) -> str:
    """The entry as BibLaTeX text for pandoc, without the (lower-case) fields in ``skip``; raises ValueError
    naming what pandoc could not read."""
    macros = macros or {}
    if not _TYPE_OK.fullmatch(entry.type or ""):
        raise ValueError(f"entry type '{entry.type}' cannot be read by the CSL engine")
    if not _KEY_OK.fullmatch(entry.key or ""):
        raise ValueError(f"key '{entry.key}' has characters the CSL engine cannot read")
    lines = []
    seen: set[str] = set()
    for fld in entry.fields:
        name = fld.name.lower()
        if name in seen or name in skip or not _FIELD_OK.fullmatch(name):
            continue
        seen.add(name)
        if not fld.parts:
            continue
        value = _value_text(entry, fld.name, macros)
        if not _balanced(value) or '"' in "".join(p.text for p in fld.parts if p.kind == "quote" and not _balanced(p.text)):
            raise ValueError(f"field {fld.name} has unbalanced braces")
        if name in PROTECTED_LIST_FIELDS and _AND.search(fld.value) and len(fld.parts) == 1:
            value = "{" + value + "}" if fld.parts[0].kind == "brace" else "{{" + fld.value + "}}"
        lines.append(f"  {name} = {value}")
    return f"@{entry.type}{{{entry.key},\n" + ",\n".join(lines) + "\n}\n"
