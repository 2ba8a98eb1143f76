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

#: The settings each command table accepts: exactly what its command reads. Any other key is an
#: error naming the closest setting, so a typo (``fail-under``) can never switch a gate off.
#: ``[fmt]`` takes the fields of :class:`bibkit.fmt.FmtOptions` (``None`` here).
COMMAND_KEYS: dict[str, frozenset[str] | None] = {
    "check": frozenset({"format", "fail_on", "select", "ignore"}),
    "claim-map": frozenset({"format", "fail_under", "metric", "style", "orphans"}),
    "reading-list": frozenset({"format", "style"}),
    "fmt": None,
    "scan": frozenset({"format", "fail_on", "uncited"}),
}
COMMAND_TABLES = set(COMMAND_KEYS)


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
        elif name in ("style", "format"):
            if not isinstance(value, str):
                raise BibkitError(f"{cfg_path}: '{name}' must be text")
            setattr(cfg, name, value)
        elif name in EXTRA_KEYS:
            cfg.extra[name] = value
        elif name in COMMAND_TABLES:
            if not isinstance(value, dict):
                raise BibkitError(f"{cfg_path}: '{name}' must be a table ([{name}])")
            check_command_table(name, value, cfg_path)
            cfg.extra[name] = value
        else:
            known = ["bib", "claims", "manuscript", "style", "format", *sorted(EXTRA_KEYS), *sorted(COMMAND_TABLES)]
            raise BibkitError(f"{cfg_path}: unknown setting {name!r}{_hint(name, known)}")
    return cfg


def _hint(name: str, known: list[str]) -> str:
    """`` (did you mean x?)`` for the closest known name (``-`` read as ``_``), else the known names."""
    import difflib

    if name.replace("-", "_") in known:
        return f" (did you mean {name.replace('-', '_')}?)"
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else f" (known: {', '.join(known)})"


def command_keys(table: str) -> list[str]:
    """The settings a command table accepts, sorted."""
    keys = COMMAND_KEYS[table]
    if keys is None:  # [fmt]: its options are the formatter's
        from bibkit.fmt import FmtOptions

        keys = frozenset(FmtOptions.__dataclass_fields__)
    return sorted(keys)


def check_command_table(table: str, values: dict[str, Any], where: str) -> None:
    """Raise on a key the command does not read, naming the closest one; also check plain types."""
    known = command_keys(table)
    for key, value in values.items():
        if key not in known:
            raise BibkitError(f"{where}: unknown setting {key!r} in [{table}]{_hint(key, known)}")
        if key in ("format", "style", "metric", "fail_on") and not isinstance(value, str):
            raise BibkitError(f"{where}: [{table}] {key} must be text")
        if key in ("orphans", "uncited") and not isinstance(value, bool):
            raise BibkitError(f"{where}: [{table}] {key} must be true or false")
        if key in ("select", "ignore") and not (
                isinstance(value, list) and all(isinstance(v, str) for v in value)):
            raise BibkitError(f"{where}: [{table}] {key} must be a list of codes or prefixes, e.g. [\"B0\", \"C011\"]")
