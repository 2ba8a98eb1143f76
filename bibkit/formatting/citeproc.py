"""One citeproc run: a pandoc JSON document citing entries, and what comes back from it.

The bibliography's order, each entry's blocks and each paragraph's citation text (:func:`read_refs`);
:func:`robust_citeproc` drops an entry pandoc refuses, with a warning, and runs again.
"""

from __future__ import annotations

import json
import os
import re
from typing import Sequence

from bibkit.bib.latex import compose_json
from bibkit.formatting import pandoc_run
from bibkit.formatting.biblatex_input import entry_to_biblatex
from bibkit.formatting.pandoc_run import PandocFailed, api_version
from bibkit.infra.cleanup import temporary_directory
from bibkit.infra.errors import BibkitError
from bibkit.model import Entry


def cite_item(key: str, mode: str = "NormalCitation", suffix: str = "") -> dict:
    suffix_inlines = []
    if suffix:
        suffix_inlines = [{"t": "Str", "c": ","}, {"t": "Space"}]
        for i, word in enumerate(suffix.split()):
            if i:
                suffix_inlines.append({"t": "Space"})
            suffix_inlines.append({"t": "Str", "c": word})
    citation = {"citationId": key, "citationPrefix": [], "citationSuffix": suffix_inlines,
                "citationMode": {"t": mode}, "citationNoteNum": 0, "citationHash": 0}
    return citation


def _doc(paragraphs: list[list[dict]]) -> str:
    blocks = [{"t": "Para", "c": [{"t": "Cite", "c": [cites, [{"t": "Str", "c": "x"}]]}]} for cites in paragraphs]
    return json.dumps({"pandoc-api-version": api_version(), "meta": {}, "blocks": blocks})


def _stringify(node) -> str:
    if isinstance(node, list):
        return "".join(_stringify(n) for n in node)
    if isinstance(node, dict):
        t = node.get("t")
        if t == "Str":
            return node["c"]
        if t in ("Space", "SoftBreak", "LineBreak"):
            return " "
        if "c" in node:
            return _stringify(node["c"])
    return ""


def run_citeproc(bib_text: str, style_text: str, paragraphs: list[list[dict]]) -> dict:
    """Run pandoc's citeproc; returns the JSON AST."""
    with temporary_directory("bibkit-") as tmp:
        bib_path = os.path.join(tmp, "refs.bib")
        csl_path = os.path.join(tmp, "style.csl")
        with open(bib_path, "w", encoding="utf-8") as fh:
            fh.write(bib_text)
        with open(csl_path, "w", encoding="utf-8") as fh:
            fh.write(style_text)
        out = pandoc_run.run_pandoc(["-f", "json", "-t", "json", "--citeproc", "--csl", csl_path,
                    "--bibliography", bib_path], _doc(paragraphs))
    return compose_json(json.loads(out))  # "Naı̈ve" as "Naïve": bibkit differs from pandoc here on purpose


def read_refs(ast: dict) -> tuple[list[str], dict[str, list], list[str]]:
    """From citeproc output: the bibliography's key order, each entry's blocks, each paragraph's citation text."""
    order: list[str] = []
    blocks: dict[str, list] = {}
    cites: list[str] = []
    for block in ast["blocks"]:
        if block["t"] == "Para":
            cites.append(_stringify(block["c"]).strip())
        elif block["t"] == "Div" and block["c"][0][0] == "refs":
            for div in block["c"][1]:
                if div["t"] != "Div":
                    continue
                ident = div["c"][0][0]
                key = ident[4:] if ident.startswith("ref-") else ident
                order.append(key)
                blocks[key] = div["c"][1]
    return order, blocks, cites


def entries_biblatex(entries: Sequence[Entry], macros: dict[str, str], warnings: list,
                 skip: frozenset[str] = frozenset()) -> tuple[list[Entry], dict[str, str]]:
    ok: list[Entry] = []
    texts: dict[str, str] = {}
    for e in entries:
        try:
            texts[e.key] = entry_to_biblatex(e, macros, skip)
        except ValueError as exc:
            warnings.append((e, f"cannot render {e.key}: {exc}"))
            continue
        ok.append(e)
    return ok, texts


def _cite_order(entries: list[Entry], style_text: str) -> list[Entry]:
    """The order pandoc gives ``nocite: '@*'``: file order where numbers are assigned, else by key.

    (Measured against pandoc: numeric styles number in file order; year-suffix letters and ties in
    the sort follow the key order.)
    """
    if "citation-number" in style_text:
        return list(entries)
    return sorted(entries, key=lambda e: e.key)


def entry_at_line(entries: Sequence[Entry], texts: dict[str, str], line: int) -> int:
    """The index of the entry whose text holds ``line`` (1-based) of the texts joined by blank lines,
    as pandoc names the line it could not read."""
    start, found = 1, 0
    for i, e in enumerate(entries):
        if start > line:
            break
        found = i
        start += texts[e.key].count("\n") + 1
    return found


def robust_citeproc(entries: list[Entry], texts: dict[str, str], style_text: str,
                     paragraphs_for, warnings: list,
                     cited: set[str] | None = None,
                     context: Sequence[Entry] = ()) -> tuple[list[str], dict[str, list], list[str], list[Entry]]:
    """Run citeproc; when pandoc rejects an entry, drop it with a warning and run again.

    All ``entries`` and the ``context`` entries (crossref parents, never cited) go into the
    bibliography file so crossrefs resolve; only ``entries`` in ``cited`` (default: all) are cited
    and rendered.
    """
    entries, context = list(entries), [c for c in context if c.key in texts]
    for _ in range(50):
        bib_text = "\n".join(texts[e.key] for e in entries + context)
        try:
            ast = run_citeproc(bib_text, style_text,
                            paragraphs_for(_cite_order([e for e in entries if cited is None or e.key in cited],
                                                       style_text)))
        except PandocFailed as exc:
            m = re.search(r"line (\d+)", str(exc))
            if not m or not entries:
                raise BibkitError(f"pandoc failed: {str(exc).strip().splitlines()[0] if str(exc).strip() else 'no message'}") from None
            idx = entry_at_line(entries + context, texts, int(m.group(1)))
            bad = entries.pop(idx) if idx < len(entries) else context.pop(idx - len(entries))
            warnings.append((bad, f"cannot render {bad.key}: pandoc could not read it ({' '.join(str(exc).split())[:120]})"))
            continue
        order, blocks, cites = read_refs(ast)
        return order, blocks, cites, _cite_order(entries, style_text)
    raise BibkitError("pandoc failed on too many entries")  # pragma: no cover
