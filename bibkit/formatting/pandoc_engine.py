"""The CSL engine: pandoc's citeproc, run so that its cost stays linear in the number of entries.

pandoc's citeproc is the reference for CSL output, but its disambiguation is quadratic (10.6 s for
1,000 APA entries, 1.2 s once disambiguation is switched off). We therefore render in two phases:

1. the whole list with the style's citation-disambiguation attributes removed: this gives the
   style's sort order, every entry's bibliography text and every entry's undisambiguated citation;
2. only the entries disambiguation can change, with the real style: the name groups where two
   undisambiguated citations share a name and a year, each group whole (every citation sharing a
   name with it); such groups go in runs of a few groups each, in parallel pandoc processes, since
   pandoc's disambiguation is quadratic in what one run reads. So that phase two need not wait for
   phase one, the name groups the entries themselves suggest are rendered on the other cores while
   phase one runs; phase one's citations then decide which of those runs are kept.

The parts: :mod:`~bibkit.formatting.name_groups` (which entries form a group, and the runs),
:mod:`~bibkit.formatting.style_variants` (the style as each run needs it),
:mod:`~bibkit.formatting.citeproc` (one run and its answer), :mod:`~bibkit.formatting.pandoc_run`
(the pandoc processes, side by side). This module puts them together and writes the output formats.

The entries are given to pandoc as BibLaTeX regenerated from the lossless model, so LaTeX, names,
dates and title case are read exactly as pandoc reads a ``.bib`` file; see
:mod:`~bibkit.formatting.biblatex_input` for the one place we deliberately differ. (Reading them
once into CSL JSON and rendering from that was tried: pandoc's CSL JSON round trip is not exact,
e.g. ``{van der} Berg`` sorts and prints differently, so every run reads BibLaTeX.)
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

from bibkit.formatting import name_groups
from bibkit.formatting import pandoc_run
from bibkit.formatting.biblatex_input import unprinted_fields
from bibkit.formatting.cache import RenderCache, get_sharded, make_key, put_sharded, shard_count
from bibkit.formatting.citeproc import cite_item, entries_biblatex, robust_citeproc
from bibkit.formatting.name_groups import colliding_groups, guessed_groups, phase_two_runs, with_parent_entries
from bibkit.formatting.pandoc_run import api_version, chunks, run_parallel, workers
from bibkit.formatting.style_variants import (TRIM_PHASE_ONE, bibliography_takes_given_names, is_note_style,
                                              without_bibliography_text, without_disambiguation, without_ibid)
from bibkit.formatting.styles import Style
from bibkit.infra.progress import ProgressFn, split
from bibkit.model import Entry


@dataclass
class Rendered:
    """The engine's answer: per key the entry's pandoc AST blocks, in the style's order, plus warnings."""

    order: list[str]
    blocks: Mapping[str, list]
    warnings: list[tuple[Entry, str]] = field(default_factory=list)
    #: what an edit-then-render needs of this rendering (:mod:`~bibkit.formatting.incremental`): each
    #: entry's citation without disambiguation (year-suffix styles), the name groups rendered again,
    #: and whether the bibliography prints the given names disambiguation adds
    cites: dict[str, str] = field(default_factory=dict)
    groups: list[list[str]] = field(default_factory=list)
    namesakes: bool = False
    #: each entry's blocks as JSON text (sorted keys), where the cache has them so
    block_json: dict[str, str] = field(default_factory=dict)


#: One pandoc run: the keys cited, the keys whose entries are kept from it, the style.
_Run = tuple[set[str], set[str], str]


def render_uncached(ok: list[Entry], texts: dict[str, str], style: Style, warnings: list,
                    context: Sequence[Entry] = (), progress: ProgressFn | None = None) -> Rendered:
    """The whole list rendered cold, in the two phases of the module's docstring."""
    style_text = style.text
    # A style that numbers its entries needs one run over the whole list: a run over part of it numbers
    # from 1. With year suffixes too (about 20 styles), pandoc's quadratic run is the price.
    has_suffix = 'disambiguate-add-year-suffix="true"' in style_text and "citation-number" not in style_text
    substitutes = "subsequent-author-substitute" in style_text
    every_name = re.search(r'givenname-disambiguation-rule="all-names', style_text) is not None
    one_each = lambda es: [[cite_item(e.key)] for e in es]  # noqa: E731
    phase1_style = without_disambiguation(style_text) if has_suffix else style_text
    by_key = {e.key: e for e in ok}

    def render(run: _Run) -> tuple[dict[str, list], list]:
        """The bibliography entries of the run's keys, cited together in the run's style."""
        # pandoc's nocite order (by key) decides which entry gets which year-suffix letter
        own: list = []
        blocks2 = robust_citeproc(with_parent_entries(run[0], by_key), texts, run[2], one_each, own,
                                   cited=run[0], context=context)[1]
        return blocks2, own

    # Phase two needs phase one's citations to know its groups; the groups the entries themselves
    # suggest (:func:`~bibkit.formatting.name_groups.guessed_groups`) are rendered meanwhile on the other cores, and kept where
    # phase one confirms them. Styles that substitute repeated authors need phase one's order first.
    guessed = ([(cited, renew, style_text) for cited, renew in phase_two_runs(guessed_groups(ok), None)]
               if has_suffix and not substitutes and workers() > 1 else [])
    # When the guessed runs render (nearly) the whole list, phase one need not: it gives the order and
    # the citations, and the entries no guessed run renders are rendered apart afterwards.
    trimmed = (without_bibliography_text(phase1_style)
               if guessed and sum(len(run[0]) for run in guessed) >= TRIM_PHASE_ONE * len(ok) else None)
    phase_one, phase_two = split(progress, 2 + len(guessed), 1)

    def first(job: _Run | str | None):
        if job is None:
            return robust_citeproc(ok, texts, trimmed or phase1_style, one_each, warnings, context=context)
        if job == "probe":
            return has_suffix and bibliography_takes_given_names(style_text)
        return render(job)

    # phase one, the given-name probe (two small runs) and the guessed runs, side by side
    done = run_parallel(first, [None, "probe", *guessed], phase_one)
    (order, blocks, cites, kept), namesakes, guessed_done = done[0], done[1], done[2:]
    by_key = {e.key: e for e in kept}  # what pandoc could not read in phase one is left out from now on
    if trimmed:
        blocks = {}
    runs: list[_Run] = []
    groups: list[list[str]] = []
    if has_suffix:
        # a group rendered whole in one guessed run is done: that run saw what a phase-two run would
        run_of = {k: i for i, run in enumerate(guessed) for k in run[0]}
        todo = []
        groups = colliding_groups(kept, cites, every_name, namesakes)
        for keys in groups:
            found = {run_of.get(k) for k in keys}
            if len(found) == 1 and None not in found:
                blocks2 = guessed_done[found.pop()][0]
                blocks.update((k, blocks2[k]) for k in keys if k in blocks2)
            else:
                todo.append(keys)
        runs = [(cited, renew, style_text) for cited, renew in phase_two_runs(todo, order if substitutes else None)]
    if trimmed:
        pending = {k for run in runs for k in run[1]}
        rest = [k for k in order if k not in blocks and k not in pending]
        runs += [(set(chunk), set(chunk), phase1_style) for chunk in chunks(rest, workers(), name_groups.PHASE_TWO_BATCH)]
    for (_, keep, _), (blocks2, own) in zip(runs, run_parallel(render, runs, phase_two)):
        warnings.extend(own)
        blocks.update((k, blocks2[k]) for k in keep if k in blocks2)
    for e in kept:
        if e.key not in blocks:
            warnings.append((e, f"cannot render {e.key}: the CSL engine produced no bibliography entry"))
    plain_cites = {e.key: c for e, c in zip(kept, cites)} if has_suffix else {}
    return Rendered(order, blocks, warnings, plain_cites, groups, bool(namesakes))


# --- output formats ----------------------------------------------------------------------------

_SEP = "BIBKITSEPARATOR"
_WRITERS = {"text": "plain", "markdown": "markdown-smart", "html": "html", "latex": "latex"}


def _inlines(blocks: list) -> list:
    """An entry's blocks as one run of inlines: numeric styles' left-margin/right-inline divs joined."""
    out: list = []
    for b in blocks:
        if b["t"] in ("Para", "Plain"):
            inl = _unwrap(b["c"])
        elif b["t"] == "Div":
            inl = _inlines(b["c"][1])
        else:
            continue
        if out and inl and out[-1].get("t") != "Space":
            if not (out[-1].get("t") == "Str" and out[-1]["c"].endswith(" ")):
                out.append({"t": "Space"})
        out.extend(inl)
    return out


def _unwrap(inlines: list) -> list:
    """Drop pandoc's csl-* layout spans, keeping their content."""
    out = []
    for i in inlines:
        if i.get("t") == "Span" and any(c.startswith("csl-") for c in i["c"][0][1]):
            out.extend(_unwrap(i["c"][1]))
        else:
            out.append(i)
    return out


def _para_to_plain(blocks: list) -> list:
    return [{"t": "Plain", "c": _inlines(blocks)}]


#: Entries converted per pandoc writer run (runs go in parallel, see :func:`workers`).
FORMAT_MIN_RUN = 500


#: Converted entries kept in the render cache's record of one output format; beyond it only the last run's.
FORMAT_MAX_ITEMS = 50_000
#: Shards of that record (:func:`~bibkit.formatting.cache.put_sharded`).
FORMAT_SHARDS = 16


def to_format(items: list[list], fmt: str, cache: RenderCache | None = None) -> list[str]:
    """Convert each entry's pandoc blocks to ``text``, ``markdown``, ``html`` or ``latex`` (parallel pandoc runs)."""
    return formatted_texts([json.dumps(item, sort_keys=True) for item in items], fmt, cache, unlink=False)


def formatted_texts(block_texts: list[str], fmt: str, cache: RenderCache | None = None, unlink: bool = True) -> list[str]:
    """Each entry's blocks, given as their JSON text, in ``fmt`` (links with unsafe targets unlinked first,
    :func:`~bibkit.formatting.safe_links.unlink_unsafe_pandoc`, unless ``unlink`` is False).

    With a cache, each entry's conversion is kept by the digest of its JSON text, so after an edit
    only the entries whose blocks changed are decoded and reach pandoc's writer.
    """
    if not block_texts:
        return []
    from bibkit.formatting.safe_links import unlink_unsafe_pandoc

    cache = cache or RenderCache(enabled=False)
    digests = [hashlib.sha256(t.encode("utf-8", "surrogatepass")).hexdigest() for t in block_texts]
    record = make_key("to-format-items/3", _WRITERS[fmt], str(unlink))
    head = cache.get(record)
    stored = get_sharded(cache, head) if isinstance(head, list) else None
    known: dict[str, str] = stored.get("t", {}) if stored is not None else {}
    todo = {d: t for d, t in zip(digests, block_texts) if not isinstance(known.get(d), str)}
    if todo:
        missing = [json.loads(t) for t in todo.values()]
        if unlink:
            missing = [unlink_unsafe_pandoc(item, fmt) for item in missing]
        runs = run_parallel(lambda run: _write(run, fmt), chunks(missing, workers(), FORMAT_MIN_RUN))
        fresh = dict(zip(todo, (text for run in runs for text in run)))
        known = {**known, **fresh}
        if len(known) > FORMAT_MAX_ITEMS:
            known = {d: known[d] for d in digests}
        if cache.enabled:  # in shards: an edit rewrites the shards of the entries it changed
            cache.put(record, put_sharded(cache, "to-format", {"t": known}, min(FORMAT_SHARDS, shard_count(len(known)))))
    return [known[d] for d in digests]


def _write(items: list[list], fmt: str) -> list[str]:
    """One pandoc writer run over entries' blocks, split back per entry by numbered separators."""
    blocks: list = []
    for i, item in enumerate(items):
        blocks.append({"t": "Para", "c": [{"t": "Str", "c": f"{_SEP}{i}"}]})
        blocks.extend(_para_to_plain(item))
    doc = json.dumps({"pandoc-api-version": api_version(), "meta": {}, "blocks": blocks})
    out = pandoc_run.run_pandoc(["-f", "json", "-t", _WRITERS[fmt], "--wrap=none"], doc)
    parts = re.split(rf"(?:<p>)?{_SEP}(\d+)(?:</p>)?\n?", out)
    result = [""] * len(items)
    for idx, text in zip(parts[1::2], parts[2::2]):
        result[int(idx)] = " ".join(text.split()) if fmt == "text" else text.strip()
    return result


def cite_texts(groups: Iterable[Sequence[tuple[Entry, str | None]]], style: Style, macros: dict[str, str] | None = None,
               narrative: bool = True, context: Sequence[Entry] = ()) -> list[str]:
    """In-text citations, one per group of (entry, locator), rendered together in one pandoc run.

    ``context``: crossref parents of the cited entries, read but never cited.
    """
    groups = [list(g) for g in groups]
    entries: dict[str, Entry] = {}
    for g in groups:
        for e, _ in g:
            entries.setdefault(e.key, e)
    warnings: list = []
    skip = unprinted_fields(style.text)
    ok, texts = entries_biblatex(list(entries.values()), macros or {}, warnings, skip)
    parents, parent_texts = entries_biblatex([c for c in context if c.key not in entries], macros or {}, warnings, skip)
    texts.update(parent_texts)
    ok_keys = {e.key for e in ok}
    note = is_note_style(style.text)
    # A note style's author-in-text form is the name followed by a footnote: the note alone is the citation.
    mode = "AuthorInText" if narrative and not note else "NormalCitation"
    style_text = without_ibid(style.text) if note else style.text

    def paragraphs(es):
        present = {e.key for e in es}
        primer = [[cite_item(e.key)] for e in es] if note else []  # cited once before: the short note form follows
        return primer + [[cite_item(e.key, mode if i == 0 else "NormalCitation", loc or "")
                          for i, (e, loc) in enumerate(g) if e.key in present] or [cite_item(es[0].key)] for g in groups]

    if not ok:
        return ["" for _ in groups]
    _, _, cites, kept = robust_citeproc(ok, texts, style_text, paragraphs, warnings, context=parents)
    if note:
        cites = cites[len(cites) - len(groups):]
    kept_keys = {e.key for e in kept}
    return [c if all(e.key in kept_keys and e.key in ok_keys for e, _ in g) and g else "" for g, c in zip(groups, cites)]
