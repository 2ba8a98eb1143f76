"""Text helpers shared by the exporters and the importer: LaTeX to plain Unicode, names, dates, escaping."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import latexcodec  # noqa: F401 - registers the "ulatex" codec (a pybtex dependency)

from bibkit.bibtex import MONTH_MACROS

_FORMAT_COMMANDS = re.compile(
    r"\\(?:textit|textbf|textsc|textrm|textsf|texttt|textup|textsl|emph|mkbibquote|mbox|hbox|url|nolinkurl"
    r"|textnormal|uppercase|lowercase|MakeUppercase|MakeLowercase|enquote|NoCaseChange)\s*(?=\{)")
_MONTHS = list(MONTH_MACROS)


def latex_to_text(value: str) -> str:
    """LaTeX-ish BibTeX text as plain Unicode: accents decoded, braces and formatting commands dropped."""
    try:
        from bibkit import latex as _latex  # the shared decoder, when present
    except ImportError:  # pragma: no cover - depends on the tree
        _latex = None
    fn = getattr(_latex, "to_unicode", None) if _latex else None
    if fn is not None:
        return fn(value)
    if "\\" not in value and "{" not in value and "~" not in value and "--" not in value:
        return value
    text = _FORMAT_COMMANDS.sub("", value)
    try:
        text = codecs.decode(text, "ulatex")
    except Exception:  # noqa: BLE001 - latexcodec gives up on odd input; keep the raw text
        pass
    text = re.sub(r"\\([&%$#_{}])", r"\1", text)
    text = text.replace("{", "").replace("}", "")
    return " ".join(text.split())


_ESCAPES = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_"}
VERBATIM = frozenset({"url", "doi", "file", "eprint", "isbn", "issn", "urldate"})


def text_to_bibtex(value: str, name: str = "") -> str:
    """Plain Unicode text made safe for a braced BibTeX value (UTF-8 kept, specials escaped)."""
    value = re.sub(r"\s+", " ", str(value))
    if name in VERBATIM:
        return value if _balanced(value) else value.replace("{", "").replace("}", "")
    out = re.sub(r"(?<!\\)[&%$#_]", lambda m: _ESCAPES[m.group()], value)
    if not _balanced(out):
        out = out.replace("{", r"\{").replace("}", r"\}")
        if not _balanced(out):
            out = out.replace(r"\{", "(").replace(r"\}", ")")
    return out


def _balanced(text: str) -> bool:
    depth = 0
    for c in re.findall(r"[{}]", text):
        depth += 1 if c == "{" else -1
        if depth < 0:
            return False
    return depth == 0


@dataclass
class Name:
    """A person (or a body, ``literal``) split into BibTeX's four parts."""

    family: str = ""
    given: str = ""
    particle: str = ""
    suffix: str = ""
    literal: str = ""

    def ris(self) -> str:
        """``Family, Given, Suffix`` as RIS writes it (particle in front of the family name)."""
        if self.literal:
            return self.literal
        family = f"{self.particle} {self.family}".strip()
        parts = [family, self.given, self.suffix]
        while parts and not parts[-1]:
            parts.pop()
        return ", ".join(parts)

    def bibtex(self) -> str:
        """``von Family, Jr, Given`` (a body in braces) for a BibTeX name list."""
        if self.literal:
            return "{" + text_to_bibtex(self.literal) + "}"
        family = f"{self.particle} {text_to_bibtex(self.family)}".strip()
        if re.search(r"\sand\s", family, flags=re.IGNORECASE):
            family = "{" + family + "}"
        parts = [family]
        if self.suffix:
            parts += [text_to_bibtex(self.suffix), text_to_bibtex(self.given)]
        elif self.given:
            parts.append(text_to_bibtex(self.given))
        return ", ".join(parts)


def split_name_list(value: str) -> list[str]:
    """A BibTeX name list split on top-level ``and``."""
    out, depth, start = [], 0, 0
    for m in re.finditer(r"[{}]|\s+and\s+", value, flags=re.IGNORECASE):
        tok = m.group()
        if tok == "{":
            depth += 1
        elif tok == "}":
            depth -= 1
        elif depth == 0:
            out.append(value[start:m.start()])
            start = m.end()
    out.append(value[start:])
    return [n.strip() for n in out if n.strip()]


def parse_names(value: str) -> list[Name]:
    """BibTeX names (``and``-separated) as :class:`Name`; a fully braced name is a body."""
    from pybtex.database import Person

    names = []
    for raw in split_name_list(value):
        if raw.lower() == "others":
            names.append(Name(literal="others"))
            continue
        if raw.startswith("{") and raw.endswith("}") and _balanced(raw[1:-1]):
            names.append(Name(literal=latex_to_text(raw[1:-1])))
            continue
        try:
            p = Person(raw)
        except Exception:  # noqa: BLE001 - pybtex rejects odd names; keep them whole
            names.append(Name(literal=latex_to_text(raw)))
            continue
        t = lambda parts: latex_to_text(" ".join(parts))  # noqa: E731
        names.append(Name(family=t(p.last_names), given=t(p.first_names + p.middle_names),
                          particle=t(p.prelast_names), suffix=t(p.lineage_names)))
    return names


def month_number(value: str | None) -> int | None:
    """1-12 for a month name, abbreviation or number; None otherwise."""
    if not value:
        return None
    v = value.strip().lower().rstrip(".")
    if v.isdigit() and 1 <= int(v) <= 12:
        return int(v)
    for i, abbr in enumerate(_MONTHS, start=1):
        if v == abbr or v == MONTH_MACROS[abbr].lower():
            return i
    return None


def month_macro(number: int) -> str:
    """The BibTeX month macro (``jan``...) for 1-12."""
    return _MONTHS[number - 1]


def split_pages(value: str) -> tuple[str, str]:
    """First and last page of a range (``551--558`` -> ``551``, ``558``); last is empty for one page."""
    m = re.match(r"^\s*([^-\u2013\u2014\s,]+)\s*(?:-+|\u2013|\u2014)\s*([^\s,]+)\s*$", value)
    if m:
        return m.group(1), m.group(2)
    return value.strip(), ""


def split_keywords(value: str) -> list[str]:
    """Keywords separated by commas or semicolons."""
    return [k.strip() for k in re.split(r"[;,]", value) if k.strip()]
