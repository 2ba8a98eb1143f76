"""Jinja2 templates from ``templates/``: found in the wheel (bibkit/templates) or the source tree."""

from __future__ import annotations

import os
from pathlib import Path

import jinja2

_PACKAGE = Path(__file__).resolve().parent.parent  # bibkit/
_PACKAGED = _PACKAGE / "templates"
_SOURCE_TREE = _PACKAGE.parent / "templates"


def templates_dir() -> Path:
    """The directory holding bibkit's templates (installed copy first, then the source checkout)."""
    for candidate in (_PACKAGED, _SOURCE_TREE):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("bibkit templates not found; the installation is incomplete")


def environment(override_dir: str | os.PathLike | None = None, *, html: bool = False) -> jinja2.Environment:
    """A Jinja2 environment over ``override_dir`` (file by file) then the bundled templates.

    ``html=True`` turns autoescaping on; other formats escape explicitly with their own filters.
    """
    paths = [str(override_dir)] if override_dir else []
    paths.append(str(templates_dir()))
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(paths),
        autoescape=html,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
