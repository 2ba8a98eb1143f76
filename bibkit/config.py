"""Find and read project defaults: ``bibkit.toml``, or ``[tool.bibkit]`` in ``pyproject.toml``."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from bibkit.errors import BibkitError

# Top-level settings besides bib/claims/manuscript/style/format, and the per-command tables.
EXTRA_KEYS = {"key_pattern"}
COMMAND_TABLES = {"check", "claim-map", "reading-list", "fmt", "scan", "verify"}


@dataclass
class Config:
    """Project defaults; paths are relative to ``root``."""

    root: str = "."
    path: str | None = None
    bib: list[str] = field(default_factory=lambda: ["references.bib"])
    claims: str = "claims.yaml"
    manuscript: list[str] = field(default_factory=list)
    style: str | None = None
    format: str | None = None
    fulltext: str = "sources"  # folder of full texts named <key>.pdf|.txt|.md|.html
    extra: dict[str, Any] = field(default_factory=dict)

    def resolve(self, path: str) -> str:
        """A configured path made relative to the project root (absolute paths unchanged)."""
        return path if os.path.isabs(path) else os.path.normpath(os.path.join(self.root, path))

    def section(self, name: str) -> dict[str, Any]:
        """A sub-table such as ``[fmt]`` (empty when absent)."""
        value = self.extra.get(name, {})
        return value if isinstance(value, dict) else {}


def _read_toml(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise BibkitError(f"{path}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise BibkitError(f"{path}: cannot read: {exc.strerror}") from None


def _as_list(value: Any, name: str, path: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise BibkitError(f"{path}: '{name}' must be a path or a list of paths")


def find_config(start: str = ".") -> Config:
    """Config from ``bibkit.toml`` or ``pyproject.toml`` in ``start`` (defaults when neither has one)."""
    start = os.path.abspath(start)
    rel = os.path.relpath(start)
    if not rel.startswith(".."):
        start = rel  # messages name the config as the user sees it: bibkit.toml, not /home/.../bibkit.toml
    table: dict[str, Any] | None = None
    cfg_path: str | None = None
    candidate = os.path.normpath(os.path.join(start, "bibkit.toml"))
    if os.path.isfile(candidate):
        table, cfg_path = _read_toml(candidate), candidate
    else:
        candidate = os.path.normpath(os.path.join(start, "pyproject.toml"))
        if os.path.isfile(candidate):
            data = _read_toml(candidate)
            tool = data.get("tool", {}).get("bibkit")
            if isinstance(tool, dict):
                table, cfg_path = tool, candidate
    cfg = Config(root=start, path=cfg_path)
    if not table:
        return cfg
    for name, value in table.items():
        if name == "bib":
            cfg.bib = _as_list(value, name, cfg_path)
        elif name == "claims":
            if not isinstance(value, str):
                raise BibkitError(f"{cfg_path}: 'claims' must be a path")
            cfg.claims = value
        elif name == "manuscript":
            cfg.manuscript = _as_list(value, name, cfg_path)
        elif name == "fulltext":
            if not isinstance(value, str) or not value.strip():
                raise BibkitError(f"{cfg_path}: 'fulltext' must be a folder path")
            cfg.fulltext = value
        elif name in ("style", "format"):
            if not isinstance(value, str):
                raise BibkitError(f"{cfg_path}: '{name}' must be text")
            setattr(cfg, name, value)
        elif name in EXTRA_KEYS or (name in COMMAND_TABLES and isinstance(value, dict)):
            cfg.extra[name] = value
        else:
            import difflib

            known = ["bib", "claims", "manuscript", "style", "format", "fulltext", *sorted(EXTRA_KEYS), *sorted(COMMAND_TABLES)]
            close = difflib.get_close_matches(name, known, n=1)
            hint = f" (did you mean {close[0]}?)" if close else f" (known: {', '.join(known)})"
            raise BibkitError(f"{cfg_path}: unknown setting {name!r}{hint}")
    return cfg
