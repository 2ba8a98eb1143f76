"""The pattern ``import`` makes new citation keys from (``--key-pattern`` or ``key_pattern`` in the config).

A pattern is a Python format string over three fields, ``{author}``, ``{year}`` and ``{title}``,
with optional simple format specs (``{title:.8}`` keeps eight letters). It comes from a config file
that may not be the user's own, so it is checked before use: only those three names, no attribute
or index access (``{author.__class__}``), no nested fields, and widths and precisions of at most
:data:`MAX_WIDTH` (``{author:>999999999999}`` would otherwise build a string of a terabyte).
"""

from __future__ import annotations

import re
import string

FIELDS = ("author", "year", "title")
MAX_WIDTH = 64
_SPEC = re.compile(r"(?:(?P<fill>.)?(?P<align>[<>^]))?(?P<width>\d+)?(?:\.(?P<precision>\d+))?")


class KeyPatternError(ValueError):
    """A key pattern that cannot be used; the message says why, in one line."""


def check_key_pattern(pattern: object) -> str:
    """Return ``pattern`` if it is a usable key pattern, else raise :class:`KeyPatternError`."""
    if not isinstance(pattern, str):
        raise KeyPatternError(f"key pattern must be text, not {type(pattern).__name__}")
    try:
        parsed = list(string.Formatter().parse(pattern))
    except ValueError as exc:
        raise KeyPatternError(f"key pattern {pattern!r} is not a valid format string: {exc}") from None
    names = [name for _, name, _, _ in parsed if name is not None]
    if not names:
        raise KeyPatternError(f"key pattern {pattern!r} has no {{author}}, {{year}} or {{title}}")
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in FIELDS:
            raise KeyPatternError(f"key pattern {pattern!r} may only use {{author}}, {{year}} and {{title}} "
                                  f"(found {{{name}}})")
        if conversion not in (None, "s"):
            raise KeyPatternError(f"key pattern {pattern!r}: conversion !{conversion} is not allowed")
        m = _SPEC.fullmatch(spec or "")
        if m is None:
            raise KeyPatternError(f"key pattern {pattern!r}: format spec {spec!r} of {{{name}}} is not "
                                  "[[fill]align][width][.precision]")
        for part in ("width", "precision"):
            if m.group(part) and int(m.group(part)) > MAX_WIDTH:
                raise KeyPatternError(f"key pattern {pattern!r}: {part} {int(m.group(part)):,} of {{{name}}} "
                                      f"is more than {MAX_WIDTH}")
    return pattern


# pandoc's citation key (its manual, "Citation syntax", and its reader): it starts with a letter, digit or _,
# and has only alphanumerics, _ and single internal punctuation characters :.#$%&-+?<>~/, except that : or /
# may stand before a / (URLs: pandoc 3 reads @http://example.org/a whole); any other key needs @{...}.
_PANDOC_KEY = re.compile(r"\w(?:\w|[:.#$%&+?<>~/-](?=\w)|[:/](?=/))*")
# What \cite{...} with BibTeX cannot take (tried with pdflatex and bibtex: # and % stop LaTeX, ~ BibTeX),
# besides the separator, braces, backslash and white space.
_LATEX_UNSAFE = re.compile(r"[#%~,{}\\\s]")
# Ids reference managers make up, never chosen as citation keys: Zotero's item URIs and
# ``libraryID/itemKey``, Mendeley's ``ITEM-2``, bare numbers (EndNote, Word), UUIDs.
_GENERATED_ID = re.compile(r"^(?:https?://\S*|\d+/[A-Z0-9]+|ITEM-\d+|\d+|"
                           r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$", re.IGNORECASE)


def key_problem(key: str) -> str | None:
    """Why pandoc or LaTeX cannot cite ``key`` as it is (None when both can)."""
    bad = sorted(set(_LATEX_UNSAFE.findall(key)))
    if bad:
        shown = ", ".join("white space" if c.isspace() else repr(c) for c in bad)
        return f"LaTeX cannot \\cite it ({shown})"
    if not _PANDOC_KEY.fullmatch(key):
        return "pandoc cites it only written as @{" + key + "}"
    return None


def generated_id(key: str) -> bool:
    """True for an id a reference manager made up (``http://zotero.org/users/1/items/AB12CD34``,
    ``12345/AB12CD34``, ``ITEM-2``, ``1234``, a UUID) rather than a citation key someone chose."""
    return bool(_GENERATED_ID.match(key))
