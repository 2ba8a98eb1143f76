"""CSL-JSON export: pandoc's ``-f bibtex -t csljson`` mapping, through :mod:`bibkit.formatting.csl` (shared with the reading list)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from bibkit.infra.errors import BibkitError
from bibkit.infra.progress import ProgressFn
from bibkit.model import Bibliography, Entry

if TYPE_CHECKING:
    from bibkit.formatting.cache import RenderCache


def csl_texts(entries: list[Entry], bibliography: Bibliography | None = None,
              warnings: list[tuple[Entry, str]] | None = None, cache: RenderCache | None = None,
              progress: ProgressFn | None = None) -> list[str]:
    """The CSL items of the entries as JSON texts (field mapping, names, LaTeX decoding and dates as pandoc does them).

    An entry pandoc cannot read is left out and added to ``warnings`` as (entry, reason), so one odd
    entry never costs the rest; with no ``warnings`` list given it is an error naming file and line.
    ``cache`` keeps each entry's item (:mod:`bibkit.formatting.csl_cache`); ``progress`` hears of the conversion
    (:func:`bibkit.formatting.csl.csl_texts`).
    """
    from bibkit.formatting.csl import csl_texts as convert

    collected: list[tuple[Entry, str]] = []
    texts = convert(entries, bibliography, collected, cache, progress)
    if warnings is not None:
        warnings.extend(collected)
    elif collected:
        where = ", ".join(f"{e.key} ({e.file}:{e.line})" for e, _ in collected[:5])
        raise BibkitError(f"cannot convert to CSL: {where}{' ...' if len(collected) > 5 else ''}; "
                          "run 'bibkit check' to see why")
    return texts


def csl_items(entries: list[Entry], bibliography: Bibliography | None = None,
              warnings: list[tuple[Entry, str]] | None = None, cache: RenderCache | None = None,
              progress: ProgressFn | None = None) -> list[dict]:
    """The CSL items of the entries, as :func:`csl_texts` gives them, as dicts."""
    return [json.loads(text) for text in csl_texts(entries, bibliography, warnings, cache, progress)]


def json_array(elements: list[str]) -> str:
    """Items given as :func:`bibkit.formatting.csl.array_element` texts, written as ``json.dumps(items, indent=2)`` writes the
    list: the same bytes, without decoding and encoding them again."""
    return "[\n" + ",\n".join(elements) + "\n]" if elements else "[]"


def export(entries: list[Entry], bibliography: Bibliography | None = None,
           warnings: list[tuple[Entry, str]] | None = None, cache: RenderCache | None = None,
           progress: ProgressFn | None = None) -> str:
    """Entries as a CSL-JSON array, pretty-printed like pandoc's."""
    return json_array(csl_texts(entries, bibliography, warnings, cache, progress)) + "\n"
