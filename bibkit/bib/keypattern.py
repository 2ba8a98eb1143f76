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
