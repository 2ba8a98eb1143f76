"""CSL-YAML export: the CSL-JSON items in pandoc's YAML metadata form (``references:`` between ``---``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import yaml

from bibkit.infra.progress import ProgressFn
from bibkit.interchange.export.csljson import csl_items
from bibkit.model import Bibliography, Entry

if TYPE_CHECKING:
    from bibkit.formatting.cache import RenderCache


class _Dumper(yaml.SafeDumper):
    """Block style, keys in CSL order, strings that look like numbers or dates quoted by YAML itself."""


def export(entries: list[Entry], bibliography: Bibliography | None = None,
           warnings: list[tuple[Entry, str]] | None = None, cache: RenderCache | None = None,
           progress: ProgressFn | None = None) -> str:
    """Entries as a pandoc-style YAML metadata block."""
    items = csl_items(entries, bibliography, warnings, cache, progress)
    body = yaml.dump({"references": items}, Dumper=_Dumper, sort_keys=False,
                     allow_unicode=True, default_flow_style=False, width=100)
    return f"---\n{body}...\n"
