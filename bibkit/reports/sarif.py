"""Diagnostics as a SARIF 2.1.0 log, for GitHub code scanning and other SARIF viewers.

Paths become URIs relative to the current directory (``uriBaseId`` ``%SRCROOT%``, which GitHub
reads as the repository root when bibkit runs there); a file outside the current directory gets an
absolute ``file:`` URI and no base id, as SARIF requires. Rules are the codes the results use,
described by :data:`bibkit.infra.diagnostics.CODES`.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Iterable, Mapping
from urllib.parse import quote

from bibkit import __version__
from bibkit.infra.diagnostics import CODES, Diagnostic, Severity

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_VERSION = "2.1.0"
SRCROOT = "%SRCROOT%"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def artifact_location(path: str) -> dict:
    """A SARIF ``artifactLocation`` for a file path as bibkit names it."""
    norm = os.path.normpath(path)
    if os.path.isabs(norm) or norm == os.pardir or norm.startswith(os.pardir + os.sep):
        return {"uri": Path(os.path.abspath(norm)).as_uri()}
    return {"uri": quote(norm.replace(os.sep, "/"), safe="/"), "uriBaseId": SRCROOT}


def rule_name(description: str) -> str:
    """A SARIF rule ``name`` (an identifier) from a code's description: "duplicate key" -> "DuplicateKey"."""
    return "".join(w[:1].upper() + w[1:] for w in re.findall(r"[A-Za-z0-9]+", description))


def result(d: Diagnostic, rule_index: int) -> dict:
    """One SARIF ``result`` for a diagnostic."""
    out: dict = {"ruleId": d.code, "ruleIndex": rule_index, "level": LEVELS[d.severity],
                 "message": {"text": d.message}}
    if d.file:
        location: dict = {"artifactLocation": artifact_location(d.file)}
        if d.line > 0:
            location["region"] = {"startLine": d.line, **({"startColumn": d.column} if d.column > 0 else {})}
        out["locations"] = [{"physicalLocation": location}]
    if d.key is not None:
        out["properties"] = {"key": d.key}
    return out


def sarif_log(diagnostics: Iterable[Diagnostic], descriptions: Mapping[str, str] | None = None) -> dict:
    """The SARIF log (one run of bibkit) for these diagnostics, in their order."""
    described = {**CODES, **(descriptions or {})}
    diags = list(diagnostics)
    codes = sorted({d.code for d in diags})
    index = {code: i for i, code in enumerate(codes)}
    rules = []
    for code in codes:
        text = described.get(code, code)
        rules.append({"id": code, "name": rule_name(text) or code, "shortDescription": {"text": text},
                      "defaultConfiguration": {"level": LEVELS[_default_severity(code, diags)]}})
    driver = {"name": "bibkit", "version": __version__, "semanticVersion": _semver(__version__), "rules": rules}
    if driver["semanticVersion"] is None:
        del driver["semanticVersion"]
    run = {"tool": {"driver": driver}, "columnKind": "unicodeCodePoints",
           "results": [result(d, index[d.code]) for d in diags]}
    return {"$schema": SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def _default_severity(code: str, diags: list[Diagnostic]) -> Severity:
    """The severity a code is reported with (the worst seen, since a few codes vary by case)."""
    return max((d.severity for d in diags if d.code == code), key=lambda s: s.rank)


def _semver(version: str) -> str | None:
    """``version`` when it is a semantic version (SARIF's ``semanticVersion``), else None."""
    return version if re.fullmatch(r"\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?", version) else None


def render(diagnostics: Iterable[Diagnostic], descriptions: Mapping[str, str] | None = None) -> str:
    """The SARIF log as indented JSON text."""
    return json.dumps(sarif_log(diagnostics, descriptions), indent=2, ensure_ascii=False) + "\n"
