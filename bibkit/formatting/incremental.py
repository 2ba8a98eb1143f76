"""Edit-then-render: a CSL list rendered before is rendered again only where an edit can reach.

A cold rendering (:func:`~bibkit.formatting.pandoc_engine.render_uncached`) is kept whole in the
render cache as a *state*: per entry the BibLaTeX text it was rendered from (with its crossref and
xdata parents', :func:`effective_texts`), the style's order, each entry's blocks (as JSON text) and, for
year-suffix styles, each entry's undisambiguated citation and the name groups phase two rendered.
The state is stored under a key made of exactly those texts, the style (its XML, locale included)
and bibkit's version: a small head (order, groups, warnings) naming shards of about 50 entries each
(:func:`~bibkit.formatting.cache.put_sharded`: the texts in one set, blocks and citations in another),
each keyed by its content, so an edit rewrites the head and the shards it changed, and an unchanged
list reads the head and the blocks' shards. A small index per list (the files it comes from,
:data:`INDEX_SLOTS` states) finds the previous state after an edit. A missing or damaged record of a
state makes it unusable (a cold render), never an error.

After an edit only the entries whose text changed (``changed``) are rendered again, plus what their
change can reach:

- **the order**: pandoc's bibliography sort compares two entries by their own sort keys, ties by
  the order they are cited in (by key, or the file's order in numeric styles), so the order of any
  part of the list is the full order restricted to that part. The changed entries are rendered
  first beside the :data:`WINDOW` unchanged entries around where each was and where its names and
  year probably put it (:func:`_guessed_position`); one that does not land between two neighbours
  is placed by two more runs: with every ``len/PIVOTS``-th unchanged entry (run one, the bibliography
  layout trimmed away), then with every unchanged entry between the two pivots around each (run
  two). Either way the placing run also renders the changed entries' own blocks, beside their real
  neighbours;
- **year suffixes and given names** (year-suffix styles): the name groups are computed again over
  the whole list from the kept citations; a group whose members or texts changed is rendered again
  whole, as phase two would, and an entry that left a group gets its plain rendering back. The
  groups the changed entries were in and the ones their new text probably puts them in
  (:func:`_guessed_runs`) are rendered beside the placing runs, and a group is taken from such a
  run when the run cited all of it (a title edit; an author added);
- **subsequent-author-substitute**: an entry whose predecessor changed is rendered again beside it;
- **numeric styles**: an entry's only list-dependent text is its number, which is rewritten in its
  blocks when its position changed (no pandoc run).

Everything else is taken from the state. Styles where that cannot be exact fall back to a full
render (:func:`style_kind` says ``full``): a ``disambiguate="true"`` condition, numeric styles
with year suffixes, given-name expansion or author substitution, and styles without year suffixes
whose bibliography prints the given names disambiguation adds. So does an edit of more than
:data:`MAX_CHANGED` entries (or :data:`MAX_SHARE` of the list).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping
from typing import Sequence

from bibkit.bib.crossref import parent_keys
from bibkit.formatting.cache import RenderCache, get_sharded, make_key, put_sharded
from bibkit.formatting.biblatex_input import unprinted_fields
from bibkit.formatting.citeproc import entries_biblatex, robust_citeproc
from bibkit.formatting.name_groups import (PHASE_TWO_BATCH, colliding_groups, guessed_sort_key, inherited_keys,
                                          likely_group, phase_two_runs, with_parent_entries)
from bibkit.formatting.pandoc_engine import Rendered, render_uncached
from bibkit.formatting.pandoc_run import run_parallel
from bibkit.formatting.style_variants import (bibliography_takes_given_names, without_bibliography_text,
                                              without_disambiguation)
from bibkit.formatting.styles import Style
from bibkit.infra.cache import code_fingerprint
from bibkit.infra.progress import ProgressFn
from bibkit.model import Entry

#: Bump when a state's meaning changes (part of every key).
STATE_VERSION = 2  # 2: entries' texts, blocks and citations in shards
#: States remembered per list (its files and style): the one closest in size to the list is the base.
INDEX_SLOTS = 4
#: Unchanged entries placed directly beside the changed ones (run two alone) up to this many; beyond, pivots first.
DIRECT = 150
#: Unchanged entries on either side of where a changed entry was, tried first (one run when it stays near).
WINDOW = 8
#: Pivots in run one: every ``len/PIVOTS``-th unchanged entry.
PIVOTS = 64
#: An edit of more entries than this (and than MAX_SHARE of the list) is rendered cold.
MAX_CHANGED = 40
MAX_SHARE = 0.05

#: What the last rendering did, for tests: ``exact`` (the cache), ``update`` or ``cold``; and the keys
#: cited in each pandoc run of the last update.
LAST_PATH: list[str] = []
LAST_RUNS: list[set[str]] = []
#: the key of the last state rendered or found
LAST_EXACT: list[str] = []
#: the runs of the last update rendered beside its placing runs (:func:`_guessed_runs`)
LAST_BESIDE: list[set[str]] = []


def style_kind(style_text: str) -> str:
    """How an edit reaches other entries in this style: ``suffix`` (year-suffix styles: name groups),
    ``numeric`` (numbers), ``independent`` (only author substitution, if any) or ``full`` (always a
    full render)."""
    if bibliography_reads_disambiguate(style_text):
        return "full"
    substitutes = "subsequent-author-substitute" in style_text
    suffix = 'disambiguate-add-year-suffix="true"' in style_text
    if "citation-number" in style_text:
        if substitutes or suffix or bibliography_takes_given_names(style_text):
            return "full"
        return "numeric"
    if suffix:
        return "suffix"
    return "full" if bibliography_takes_given_names(style_text) else "independent"


def bibliography_reads_disambiguate(style_text: str) -> bool:
    """True when the bibliography (its layout, sort or any macro they call) tests ``disambiguate="true"``:
    then an entry's text depends on its namesakes in ways no name group bounds. Citations may test it
    (Chicago's short notes do): the bibliography does not see that. An unreadable style: True."""
    import xml.etree.ElementTree as ET

    if 'disambiguate="true"' not in style_text:
        return False
    try:
        root = ET.fromstring(style_text.encode("utf-8"))
    except ET.ParseError:
        return True
    local = lambda el: el.tag.rsplit("}", 1)[-1]  # noqa: E731
    macros = {el.get("name"): el for el in root if local(el) == "macro"}
    todo = [el for el in root if local(el) == "bibliography"]
    seen: set[str] = set()
    while todo:
        for el in todo.pop().iter():
            if el.get("disambiguate") == "true":
                return True
            name = el.get("macro")
            if name and name not in seen and name in macros:
                seen.add(name)
                todo.append(macros[name])
    return False


def effective_texts(ok: Sequence[Entry], context: Sequence[Entry], texts: dict[str, str]) -> dict[str, str]:
    """Per entry of ``ok``, in order: its text and the texts of the entries it inherits from (crossref, xdata)."""
    by_key = {e.key: e for e in [*ok, *context]}
    lower: dict[str, str] | None = None
    out = {}
    for e in ok:
        if not parent_keys(e):
            out[e.key] = texts[e.key]
            continue
        if lower is None:
            lower = {k.lower(): k for k in by_key}
        parents = inherited_keys([e.key], by_key, lower, usable=texts) - {e.key}
        out[e.key] = "\0".join([texts[e.key], *sorted(texts[k] for k in parents)])
    return out


def render_csl(entries: Sequence[Entry], style: Style, macros: dict[str, str] | None = None,
               cache: RenderCache | None = None, context: Sequence[Entry] = (),
               progress: ProgressFn | None = None, list_id: str = "", source_id: str = "") -> Rendered:
    """Render entries with a CSL style; unreadable entries are left out with a warning.

    ``context``: entries the rendered ones inherit from (crossref parents), read but not rendered.
    ``progress(done, total)`` is told as pandoc runs finish. With a cache, a list rendered before
    under the same ``list_id`` (its files) is rendered again only where an edit reaches
    (:mod:`~bibkit.formatting.incremental`). ``source_id``: the digests of the files' contents, given
    only when ``entries``, ``context`` and ``macros`` are those files' own, unchanged: then a list
    rendered before from the same bytes is found without converting its entries again.
    """
    cache = cache or RenderCache(enabled=False)
    macros = macros or {}
    warnings: list[tuple[Entry, str]] = []
    fast = _fast_key(entries, context, style, source_id) if cache.enabled and source_id else None
    if fast is not None:
        LAST_PATH[:] = ["cold"]
        got = cache.get(fast)
        state = (_load(cache, got["exact"], with_texts=False)
                 if isinstance(got, dict) and isinstance(got.get("exact"), str) else None)
        if state is not None:
            LAST_PATH[:] = ["exact"]
            by_key = {e.key: e for e in [*entries, *context]}
            warnings.extend((by_key[k], m) for k, m in got["dropped"] if k in by_key)
            return _rendered(state, {e.key: e for e in entries}, warnings)
    skip = unprinted_fields(style.text)
    ok, texts = entries_biblatex(entries, macros, warnings, skip)
    parents, parent_texts = entries_biblatex(context, macros, warnings, skip)
    texts.update(parent_texts)
    dropped = [[e.key, m] for e, m in warnings]
    rendered = render_incremental(ok, texts, style, warnings, parents, cache, list_id, progress)
    if fast is not None and LAST_EXACT:
        cache.put(fast, {"exact": LAST_EXACT[0], "dropped": dropped})
    return rendered


#: The modules whose code turns the same files into other texts for pandoc (part of :func:`_fast_key`).
_TEXT_CODE = ("formatting/biblatex_input.py", "formatting/citeproc.py", "formatting/incremental.py",
              "formatting/__init__.py", "bib/crossref.py", "bib/entrytypes.py")


def _fast_key(entries: Sequence[Entry], context: Sequence[Entry], style: Style, source_id: str) -> str:
    """The key of an unchanged list read from the same files: their contents' digests (``source_id``),
    the keys rendered and read, the style and the code that makes the texts, so that the state is
    found without converting every entry again."""
    return make_key(f"csl-fast/{STATE_VERSION}", style.digest, source_id, repr(code_fingerprint(_TEXT_CODE)),
                    "\0".join(e.key for e in entries), "\0".join(e.key for e in context))


def render_incremental(ok: list[Entry], texts: dict[str, str], style: Style, warnings: list,
                       context: Sequence[Entry], cache: RenderCache, list_id: str = "",
                       progress: ProgressFn | None = None) -> Rendered:
    """:func:`render_uncached`'s answer, from the cache when nothing changed and from the previous
    state of the same list plus what an edit reaches when little did (see the module docstring)."""
    LAST_PATH[:] = ["cold"]
    LAST_EXACT.clear()
    if not cache.enabled:
        return render_uncached(ok, texts, style, warnings, context, progress)
    eff = effective_texts(ok, context, texts)
    by_key = {e.key: e for e in ok}
    exact = make_key(f"csl-state/{STATE_VERSION}", style.digest, *(f"{k}\0{t}" for k, t in eff.items()))
    hit = _load(cache, exact, with_texts=False)
    LAST_EXACT[:] = [exact] if hit is not None else []
    if hit is not None:
        LAST_PATH[:] = ["exact"]
        return _rendered(hit, by_key, warnings)
    index_key = make_key(f"csl-states/{STATE_VERSION}", style.digest, list_id)
    state = None
    base = _previous(cache, index_key, len(eff))
    if base is not None:
        state = update(base, ok, texts, eff, style, context)
        if state is not None:
            LAST_PATH[:] = ["update"]
    if state is None:
        before = len(warnings)
        result = render_uncached(ok, texts, style, warnings, context, progress)
        state = state_of(result, eff, style, result.warnings[before:])
        del warnings[before:]
    _store(cache, exact, state)
    _remember(cache, index_key, exact, len(eff))
    LAST_EXACT[:] = [exact]
    return _rendered(state, by_key, warnings)


#: What a state keeps per entry, in shards (:func:`~bibkit.formatting.cache.put_sharded`): an edit
#: rewrites the shards of the entries it changed and the small rest of the state, not the whole.
_PER_ENTRY = ("eff", "blocks", "cites")


def _store(cache: RenderCache, exact: str, state: dict) -> None:
    """Write ``state`` under ``exact``: its entries' texts in one set of shards, their blocks and
    citations in another (an unchanged list reads only the second), the rest in one small record."""
    head = {k: v for k, v in state.items() if k not in _PER_ENTRY}
    head["keys"] = list(state["eff"])  # the file's order (shards keep none): numeric styles number by it
    head["texts"] = put_sharded(cache, "csl-texts", {"eff": state["eff"]})
    head["out"] = put_sharded(cache, "csl-out", {"blocks": state["blocks"], "cites": state["cites"]})
    cache.put(exact, head)


def _load(cache: RenderCache, key: str, with_texts: bool = True) -> dict | None:
    """The state stored under ``key`` (without the entries' texts unless ``with_texts``), or None when
    it or any of its shards is missing, damaged or of another version."""
    head = cache.get(key)
    if not (isinstance(head, dict) and head.get("v") == STATE_VERSION and isinstance(head.get("out"), list)
            and isinstance(head.get("texts"), list)):
        return None
    out = get_sharded(cache, head["out"])
    texts = get_sharded(cache, head["texts"]) if with_texts else {"eff": {}}
    if out is None or texts is None or not isinstance(head.get("keys"), list):
        return None
    eff = texts.get("eff", {})
    if with_texts:
        if len(eff) != len(head["keys"]) or not all(k in eff for k in head["keys"]):
            return None
        eff = {k: eff[k] for k in head["keys"]}
    return {**head, "eff": eff, "blocks": out.get("blocks", {}), "cites": out.get("cites", {})}


def state_of(result: Rendered, eff: dict[str, str], style: Style, own: list[tuple[Entry, str]]) -> dict:
    """A cold rendering as a state (plain data for the cache)."""
    kind = style_kind(style.text)
    if kind == "numeric" and any(_number(result.blocks.get(k, [])) != i + 1 for i, k in enumerate(result.order)):
        kind = "full"  # the numbers are not the positions: cannot be rewritten
    blocks = {k: json.dumps(v, sort_keys=True) for k, v in result.blocks.items()}
    return {"v": STATE_VERSION, "kind": kind, "eff": eff, "order": list(result.order), "blocks": blocks,
            "warnings": [[e.key, m] for e, m in own], "cites": result.cites, "groups": result.groups,
            "namesakes": result.namesakes}


def _rendered(state: dict, by_key: dict[str, Entry], warnings: list) -> Rendered:
    warnings.extend((by_key[k], m) for k, m in state["warnings"] if k in by_key)
    return Rendered(state["order"], LazyBlocks(state["blocks"]), warnings, state["cites"], state["groups"],
                    state["namesakes"], state["blocks"])


def _previous(cache: RenderCache, index_key: str, size: int) -> dict | None:
    """The remembered state of this list closest in size to ``size`` entries."""
    index = cache.get(index_key)
    if not isinstance(index, list):
        return None
    for key, _ in sorted(index, key=lambda slot: abs(slot[1] - size)):
        state = _load(cache, key)
        if state is not None:
            return state
    return None


def _remember(cache: RenderCache, index_key: str, exact: str, size: int) -> None:
    index = cache.get(index_key)
    slots = [s for s in (index if isinstance(index, list) else []) if s[0] != exact]
    cache.put(index_key, [[exact, size], *slots][:INDEX_SLOTS])


class LazyBlocks(Mapping):
    """Entries' blocks kept as JSON text, decoded when asked for (most are only looked up by their text)."""

    def __init__(self, texts: dict[str, str]) -> None:
        self.texts = texts

    def __getitem__(self, key: str) -> list:
        return json.loads(self.texts[key])

    def __contains__(self, key: object) -> bool:
        return key in self.texts

    def __iter__(self) -> Iterator[str]:
        return iter(self.texts)

    def __len__(self) -> int:
        return len(self.texts)


# --- the update --------------------------------------------------------------------------------


def update(base: dict, ok: list[Entry], texts: dict[str, str], eff: dict[str, str], style: Style,
           context: Sequence[Entry]) -> dict | None:
    """The new state from ``base`` and the entries now, or None when only a full render can be exact."""
    LAST_RUNS.clear()
    LAST_BESIDE.clear()
    old_eff: dict[str, str] = base["eff"]
    changed = [k for k, t in eff.items() if old_eff.get(k) != t]
    removed = [k for k in old_eff if k not in eff]
    kind = base["kind"]
    if kind == "full" or len(changed) + len(removed) > max(MAX_CHANGED, MAX_SHARE * len(eff)):
        return None
    changed_set = set(changed)
    same = [k for k in eff if k not in changed_set]
    if kind == "numeric" and same != [k for k in old_eff if k in eff and k not in changed_set]:
        return None  # unchanged entries moved in the file: numbers follow the file's order
    by_key = {e.key: e for e in ok}
    style_text = style.text
    plain = without_disambiguation(style_text) if kind == "suffix" else style_text
    rest = [k for k in base["order"] if k in eff and k not in changed_set]
    blocks = {k: base["blocks"][k] for k in rest}
    warnings: list[tuple[Entry, str]] = []
    order, fresh, cites, numbers = rest, {}, {}, {}
    guessed: dict[frozenset, tuple] = {}
    if changed:
        hint, seen_rest = {}, 0
        for k in base["order"]:
            if k in changed_set:
                hint[k] = seen_rest
            elif k in eff:
                seen_rest += 1
        if kind != "numeric":  # where the sort will probably put an entry whose sort key changed
            hint2 = {k: _guessed_position(by_key[k], rest, by_key) for k in changed}
        else:
            hint2 = {}
        # the name groups the changed entries were in and the ones they will probably join, rendered
        # beside the placing runs: phase two takes such a run for a group when it cited all of it
        guesses = (_guessed_runs(changed, removed, base, eff, by_key, style_text)
                   if kind == "suffix" and "subsequent-author-substitute" not in style_text else [])
        jobs: list = [None, *guesses]
        LAST_RUNS.extend(guesses)
        LAST_BESIDE[:] = guesses
        done = run_parallel(lambda job: _place(changed, rest, by_key, texts, plain, context, warnings, hint, hint2)
                            if job is None else _render((job, job, style_text), by_key, texts, context),
                            jobs)
        placed, guessed = done[0], list(zip(guesses, done[1:]))
        if placed is None:
            return None
        order, fresh, cites, numbers = placed
    blocks.update((k, json.dumps(v, sort_keys=True)) for k, v in fresh.items())
    substitutes = "subsequent-author-substitute" in style_text
    old_before = _predecessors(base["order"])
    new_before = _predecessors(order)
    moved = ({k for k in order if k not in changed_set and
              (new_before.get(k) != old_before.get(k) or new_before.get(k) in changed_set)}
             if substitutes else set())
    runs: list[tuple[set[str], set[str], str]] = []
    groups: list[list[str]] = []
    kept_cites: dict[str, str] = {}
    if kind == "suffix":
        kept_cites = {k: c for k, c in base["cites"].items() if k in eff and k not in changed_set}
        kept_cites.update(cites)
        keys = sorted(kept_cites)
        groups = colliding_groups([by_key[k] for k in keys], [kept_cites[k] for k in keys],
                                  re.search(r'givenname-disambiguation-rule="all-names', style_text) is not None,
                                  base["namesakes"])
        old_groups = {frozenset(g) for g in base["groups"]}
        old_grouped = set().union(*old_groups) if old_groups else set()
        dirty = [g for g in groups if frozenset(g) not in old_groups
                 or any(k in changed_set or k in moved for k in g)]
        todo, used = [], set()
        for g in dirty:  # rendered whole beside the placing runs?
            at = next((i for i, (cited, _) in enumerate(guessed) if cited.issuperset(g)), None)
            if at is None:
                todo.append(g)
                continue
            got, own = guessed[at][1]
            if at not in used:
                used.add(at)
                warnings.extend(own)
            blocks.update((k, json.dumps(got[k], sort_keys=True)) for k in g if k in got)
        dirty = todo
        runs = [(cited, renew, style_text) for cited, renew in phase_two_runs(dirty, order if substitutes else None)]
        grouped = {k for g in groups for k in g}
        moved = {k for k in order if k not in grouped and k not in changed_set and (k in old_grouped or k in moved)}
    if moved:
        cited = moved | {new_before[k] for k in moved if k in new_before}
        runs.append((cited, set(moved), plain))
    for cited, keep, run_style in runs:
        LAST_RUNS.append(set(cited))
    for (_, keep, _), (got, own) in zip(runs, run_parallel(lambda run: _render(run, by_key, texts, context), runs)):
        warnings.extend(own)
        blocks.update((k, json.dumps(got[k], sort_keys=True)) for k in keep if k in got)
    if kind == "numeric":
        numbers.update((k, i + 1) for i, k in enumerate(base["order"]) if k in blocks and k not in numbers)
        for i, k in enumerate(order):
            if numbers.get(k) != i + 1 and k in blocks:
                renumbered = renumber(json.loads(blocks[k]), numbers.get(k), i + 1)
                if renumbered is None:
                    return None
                blocks[k] = json.dumps(renumbered, sort_keys=True)
    old_warnings = [[k, m] for k, m in base["warnings"] if k in eff and k not in changed_set]
    for k in changed:
        if k in cites or k in fresh or k in order:
            if k not in blocks:
                warnings.append((by_key[k], f"cannot render {k}: the CSL engine produced no bibliography entry"))
    return {"v": STATE_VERSION, "kind": kind, "eff": eff, "order": order, "blocks": blocks,
            "warnings": old_warnings + [[e.key, m] for e, m in warnings], "cites": kept_cites, "groups": groups,
            "namesakes": base["namesakes"]}


def _guessed_runs(changed: list[str], removed: list[str], base: dict, eff: dict[str, str],
                  by_key: dict[str, Entry], style_text: str) -> list[set[str]]:
    """Runs worth rendering beside the placing runs (year-suffix styles): per changed entry, the
    groups it was in and the group it will probably join (:func:`likely_group`, from its new text);
    per removed entry, the rest of its group. Overlapping runs are merged; a run of one entry is left out."""
    every_name = re.search(r'givenname-disambiguation-rule="all-names', style_text) is not None
    changed_set = set(changed)
    kept = {k: c for k, c in base["cites"].items() if k in eff and k not in changed_set}
    runs: list[set[str]] = []
    for k in [*changed, *removed]:
        run = {k} if k in eff else set()
        for g in base["groups"]:
            if k in g:
                run.update(g)
        if k in eff:
            run |= likely_group(by_key[k], kept, base["groups"], every_name)
        run = {x for x in run if x in eff}
        for other in [r for r in runs if r & run]:
            runs.remove(other)
            run |= other
        if len(run) > 1 and len(run) <= 2 * PHASE_TWO_BATCH:
            runs.append(run)
    return runs


def _guessed_position(entry: Entry, rest: list[str], by_key: dict[str, Entry]) -> int:
    """Where ``entry`` probably falls among ``rest`` (in the style's order): a binary search by its first
    author's family name and year (:func:`guessed_sort_key`). Only a hint for :func:`_place`, which checks."""
    want = guessed_sort_key(entry)
    lo, hi = 0, len(rest)
    while lo < hi:
        mid = (lo + hi) // 2
        if guessed_sort_key(by_key[rest[mid]]) <= want:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _predecessors(order: list[str]) -> dict[str, str]:
    return {k: order[i - 1] for i, k in enumerate(order) if i}


def _render(run: tuple[set[str], set[str], str], by_key: dict[str, Entry], texts: dict[str, str],
            context: Sequence[Entry]) -> tuple[dict[str, list], list]:
    """The blocks of one run's cited keys, rendered together (with the parents they inherit from)."""
    own: list = []
    blocks = robust_citeproc(with_parent_entries(run[0], by_key), texts, run[2], _one_each, own,
                             cited=run[0], context=context)[1]
    return blocks, own


def _one_each(entries: list[Entry]) -> list[list[dict]]:
    from bibkit.formatting.citeproc import cite_item

    return [[cite_item(e.key)] for e in entries]


def _cited_run(keys: set[str], by_key: dict[str, Entry], texts: dict[str, str], style_text: str,
               context: Sequence[Entry], warnings: list) -> tuple[list[str], dict[str, list], dict[str, str]]:
    """One run citing ``keys``: its order, blocks and each cited entry's citation."""
    LAST_RUNS.append(set(keys))
    order, blocks, cites, kept = robust_citeproc(with_parent_entries(keys, by_key), texts, style_text, _one_each,
                                                 warnings, cited=keys, context=context)
    cited = [e.key for e in kept if e.key in keys]
    return order, blocks, dict(zip(cited, cites))


def _place(changed: list[str], rest: list[str], by_key: dict[str, Entry], texts: dict[str, str], style_text: str,
           context: Sequence[Entry], warnings: list, hint: dict[str, int], guess: Mapping[str, int] = {}
           ) -> tuple[list[str], dict[str, list], dict[str, str], dict[str, int]] | None:
    """The new order with the changed entries placed exactly, their blocks (rendered beside their
    neighbours), their citations and the number each block was rendered with (its place in that run).

    ``hint``: where a changed entry was (how many unchanged entries stood before it); ``guess``: where
    its new text will probably put it (:func:`_guessed_position`). First each is rendered beside the
    :data:`WINDOW` unchanged entries on either side of both places: if it lands between two that are
    next to each other in the list, that is its place. Else run one (pivots) finds the stretch it
    falls in, and run two places it there."""
    changed_set = set(changed)
    position = {k: i for i, k in enumerate(rest)}
    if len(rest) > DIRECT and all(k in hint or k in guess for k in changed):
        near = {k for at in [*hint.values(), *guess.values()] for k in rest[max(0, at - WINDOW):at + WINDOW]}
        placed = _run_two(changed_set, near, position, rest, by_key, texts, style_text, context)
        if placed is not None:
            warnings.extend(placed[-1])
            return placed[:-1]
    near = set(rest)
    if len(rest) > DIRECT:
        step = math.ceil(len(rest) / PIVOTS)
        pivots = set(rest[::step]) | {rest[-1]}
        trimmed = without_bibliography_text(style_text) or style_text
        first, _, _ = _cited_run(changed_set | pivots, by_key, texts, trimmed, context, [])
        near = set()
        last = 0
        seen = [position[k] for k in first if k in pivots]
        if seen != sorted(seen):
            return None
        for k in first:
            if k in pivots:
                last = position[k]
            elif k in changed_set:
                after = next((position[p] for p in first[first.index(k):] if p in pivots), len(rest) - 1)
                near.update(rest[last:after + 1])
    placed = _run_two(changed_set, near, position, rest, by_key, texts, style_text, context)
    if placed is None:
        return None
    warnings.extend(placed[-1])
    return placed[:-1]


def _run_two(changed: set[str], near: set[str], position: dict[str, int], rest: list[str], by_key: dict[str, Entry],
             texts: dict[str, str], style_text: str, context: Sequence[Entry]) -> tuple | None:
    """The changed entries rendered beside ``near`` (unchanged ones): (order, blocks, citations, numbers,
    warnings), or None unless each changed entry lands between two unchanged entries that are next to
    each other in ``rest`` (or before the first, or after the last): only then is its place certain."""
    own: list = []
    order_b, blocks, cites = _cited_run(changed | near, by_key, texts, style_text, context, own)
    seen = [position[k] for k in order_b if k in position]
    if seen != sorted(seen) or len(seen) != len(near):
        return None  # an unchanged entry went missing or out of order: the order is not a restriction
    inserts: dict[str | None, list[str]] = {}
    previous: str | None = None
    for i, k in enumerate(order_b):
        if k in changed:
            after = next((n for n in order_b[i:] if n not in changed), None)
            if not _adjacent(previous, after, position, len(rest)):
                return None
            inserts.setdefault(previous, []).append(k)
        else:
            previous = k
    order = list(inserts.get(None, []))
    for k in rest:
        order.append(k)
        order.extend(inserts.get(k, []))
    numbers = {k: i + 1 for i, k in enumerate(order_b) if k in changed}
    fresh = {k: blocks[k] for k in order_b if k in changed and k in blocks}
    return order, fresh, {k: c for k, c in cites.items() if k in changed}, numbers, own


def _adjacent(before: str | None, after: str | None, position: dict[str, int], size: int) -> bool:
    """True when nothing of the list can stand between ``before`` and ``after`` (None: the list's start or end)."""
    if before is None:
        return after is None and size == 0 or after is not None and position[after] == 0
    if after is None:
        return position[before] == size - 1
    return position[after] == position[before] + 1


# --- numbers -------------------------------------------------------------------------------------

_DIGITS = re.compile(r"\d+")


def _first_str(node) -> dict | None:
    """The first ``Str`` inline (depth first) that holds a digit."""
    if isinstance(node, list):
        for n in node:
            found = _first_str(n)
            if found is not None:
                return found
    elif isinstance(node, dict):
        if node.get("t") == "Str":
            return node if _DIGITS.search(node["c"]) else None
        if "c" in node:
            return _first_str(node["c"])
    return None


def _number(blocks: list) -> int | None:
    """The number an entry's blocks start with (a numeric style's citation number)."""
    node = _first_str(blocks)
    return int(_DIGITS.search(node["c"]).group(0)) if node is not None else None


def renumber(blocks: list, old: int | None, new: int) -> list | None:
    """``blocks`` with their citation number ``old`` written as ``new``; None when they do not start with ``old``."""
    if old is None or _number(blocks) != old:
        return None
    import copy

    out = copy.deepcopy(blocks)
    node = _first_str(out)
    assert node is not None
    node["c"] = _DIGITS.sub(str(new), node["c"], count=1)
    return out
