"""Text helpers shared by the exporters and the importer: LaTeX to plain Unicode, names, dates, escaping."""

from __future__ import annotations

import re

from bibkit.bib.latex import compose_dotless, to_unicode
from bibkit.bib.lexer import MONTH_MACROS, braces_balanced
from bibkit.bib.names import Name
from bibkit.infra.progress import ProgressFn, batch_size, batched
_MONTHS = list(MONTH_MACROS)


def latex_to_text(value: str) -> str:
    """LaTeX-ish BibTeX text as plain Unicode: accents decoded, braces and formatting commands dropped."""
    return to_unicode(value)


_ESCAPES = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_"}
VERBATIM = frozenset({"url", "doi", "file", "eprint", "isbn", "issn", "urldate"})


def text_to_bibtex(value: str, name: str = "") -> str:
    """Plain Unicode text made safe for a braced BibTeX value (UTF-8 kept, specials escaped)."""
    value = re.sub(r"\s+", " ", str(value))
    if name in VERBATIM:
        return value if braces_balanced(value) else value.replace("{", "").replace("}", "")
    out = re.sub(r"(?<!\\)[&%$#_]", lambda m: _ESCAPES[m.group()], value)
    if not braces_balanced(out):
        out = out.replace("{", r"\{").replace("}", r"\}")
        if not braces_balanced(out):
            out = out.replace(r"\{", "(").replace(r"\}", ")")
    return out


def name_to_ris(name: Name) -> str:
    """``Family, Given, Suffix`` as RIS writes it (particle in front of the family name)."""
    if name.literal:
        return name.literal
    parts = [name.full_family, name.given, name.suffix]
    while parts and not parts[-1]:
        parts.pop()
    return ", ".join(parts)


def name_to_bibtex(name: Name) -> str:
    """``von Family, Jr, Given`` (a body in braces) for a BibTeX name list."""
    if name.literal:
        return "{" + text_to_bibtex(name.literal) + "}"
    family_text = text_to_bibtex(name.family)
    if family_text[:1].isupper() and re.search(r"\s[a-z]", family_text):
        family_text = "{" + family_text + "}"  # "Vázques de Parga": an inner lower-case word is not a particle
    family = f"{name.particle} {family_text}".strip()
    if re.search(r"\sand\s", family, flags=re.IGNORECASE):
        family = "{" + family + "}"
    parts = [family]
    if name.suffix:
        parts += [text_to_bibtex(name.suffix), text_to_bibtex(name.given)]
    elif name.given:
        parts.append(text_to_bibtex(name.given))
    return ", ".join(parts)


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


_PLAIN = re.compile(r"[\\$~{}]|--|``|''")


#: A watched :func:`decode_all` runs pandoc on batches of at least this many values, about ten batches
#: (:func:`bibkit.infra.progress.batch_size`; 5,000 entries' 6,600 values: 4 runs, 0.7 s -> 0.85 s); unwatched, one run.
BATCH_LEAST = 2000


def decode_all(values: list[str], progress: ProgressFn | None = None) -> dict[str, str]:
    """Many LaTeX values as plain Unicode, read by pandoc's LaTeX reader in one run.

    pandoc turns math into Unicode (``$\\mathrm{chLi}^+$`` is ``chLi⁺``, ``H$_2$O`` is ``H₂O``) and
    knows the text commands (``\\hyphen``, ``\\textendash``...). Values with no markup are kept as
    they are; a value pandoc cannot read falls back to :func:`latex_to_text`. With ``progress``,
    pandoc reads them in batches (:data:`BATCH_LEAST`) and each batch done is reported.
    """
    out = {v: " ".join(v.split()) for v in values if not _PLAIN.search(v)}
    todo = [v for v in dict.fromkeys(values) if v not in out]
    done = 0
    for batch in batched(todo, batch_size(len(todo), progress, least=BATCH_LEAST)):
        out.update(_pandoc_plain(list(batch)))
        done += len(batch)
        if progress is not None:
            progress(done, len(todo))
    return out


def _pandoc_plain(values: list[str]) -> dict[str, str]:
    """pandoc ``-f latex -t plain`` over a batch, halved until the values it cannot read are found."""
    from bibkit.formatting.pandoc_run import PandocFailed, run_pandoc

    marker = "XBIBKITSEPARATORX"
    safe = [re.sub(r"(?<!\\)%", r"\\%", v) for v in values]  # a bare % in a .bib value is a percent sign
    doc = "".join(f"{marker}{i}\n\n{v}\n\n" for i, v in enumerate(safe))
    try:
        text = run_pandoc(["-f", "latex", "-t", "plain", "--wrap=none"], doc)
    except (PandocFailed, OSError):
        if len(values) == 1:
            return {values[0]: latex_to_text(values[0])}
        half = len(values) // 2
        return {**_pandoc_plain(values[:half]), **_pandoc_plain(values[half:])}
    parts = re.split(rf"(?m)^{marker}(\d+)$", text)
    result = {values[int(i)]: compose_dotless(" ".join(body.split())) for i, body in zip(parts[1::2], parts[2::2])}
    for v in values:  # a value pandoc turned into nothing we can find keeps the old decoding
        result.setdefault(v, latex_to_text(v))
    return result
