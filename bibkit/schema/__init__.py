"""JSON Schemas shipped with bibkit, for editors and other tools that validate without bibkit.

``claims``: ``claims.yaml`` format version 1 (JSON Schema draft-07, what the YAML language server
reads). ``bibkit init`` writes a copy beside ``claims.yaml`` and points a
``# yaml-language-server: $schema=./claims.schema.json`` line at it.

Data only: it imports nothing from bibkit.
"""

from __future__ import annotations

import json
from importlib import resources

SCHEMAS = {"claims": "claims.schema.json"}
# The file name ``bibkit init`` and the README use for the project's copy, and the modeline that points at it.
CLAIMS_SCHEMA_FILE = "claims.schema.json"
CLAIMS_MODELINE = f"# yaml-language-server: $schema=./{CLAIMS_SCHEMA_FILE}"


def schema_path(name: str) -> str:
    """The installed file of a shipped schema."""
    return str(resources.files(__name__).joinpath(_file(name)))


def schema_text(name: str) -> str:
    """A shipped schema's JSON text."""
    return resources.files(__name__).joinpath(_file(name)).read_text(encoding="utf-8")


def load_schema(name: str) -> dict:
    """A shipped schema as data."""
    return json.loads(schema_text(name))


def _file(name: str) -> str:
    try:
        return SCHEMAS[name]
    except KeyError:
        raise ValueError(f"unknown schema {name!r} (expected one of {', '.join(SCHEMAS)})") from None
