"""The CSL engine: pandoc's citeproc, run so that its cost stays linear in the number of entries.

pandoc's citeproc is the reference for CSL output, but its disambiguation is quadratic (10.6 s for
1,000 APA entries, 1.2 s once disambiguation is switched off). We therefore render in two phases:

1. the whole list with the style's citation-disambiguation attributes removed: this gives the
   style's sort order, every entry's bibliography text and every entry's undisambiguated citation;
2. only the entries disambiguation can change, with the real style: the name groups where two
   undisambiguated citations share a name and a year (:func:`_colliding_groups`), each group whole
   (every citation sharing a name with it, :func:`_collision_keys`); such groups go in runs of a
   few groups each, in parallel pandoc processes (:func:`workers`), since pandoc's disambiguation is
   quadratic in what one run reads. So that phase two need not wait for phase one, the name groups the
   entries themselves suggest (:func:`_guessed_groups`) are rendered on the other cores while
   phase one runs; phase one's citations then decide which of those runs are kept.

The entries are given to pandoc as BibLaTeX regenerated from the lossless model, so LaTeX, names,
dates and title case are read exactly as pandoc reads a ``.bib`` file; see :func:`entry_to_biblatex`
for the one place we deliberately differ. (Reading them once into CSL JSON and rendering from that
was tried: pandoc's CSL JSON round trip is not exact, e.g. ``{van der} Berg`` sorts and prints
differently, so every run reads BibLaTeX.)
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Iterable, Sequence, TypeVar

from bibkit.bib.crossref import parent_keys
from bibkit.infra.errors import BibkitError
from bibkit.formatting.cache import RenderCache, make_key
from bibkit.formatting.styles import Style
from bibkit.infra.progress import ProgressFn, batched, split
from bibkit.model import Entry

#: Fields pandoc reads as BibLaTeX literal lists ("A and B" -> "A; B"). For organisations that is
#: wrong in real BibTeX data ("Farrar, Straus and Giroux", "John Wiley and Sons",
#: "Department of Physics and Astronomy"), so we keep them whole. ``address``/``location``
#: stay lists: "New York and London" -> "New York; London" is what BibLaTeX means.
PROTECTED_LIST_FIELDS = ("publisher", "institution", "organization", "school")

_KEY_OK = re.compile(r"[\w.:;?!`'()/*@+=\-\[\]&]+")
_TYPE_OK = re.compile(r"[^\W\d_]+")
_FIELD_OK = re.compile(r"[\w\-:+]+")
_AND = re.compile(r"\sand\s", re.I)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_SEP = "BIBKITSEPARATOR"


@dataclass
class Rendered:
    """The engine's answer: per key the entry's pandoc AST blocks, in the style's order, plus warnings."""

    order: list[str]
    blocks: dict[str, list]
    warnings: list[tuple[Entry, str]] = field(default_factory=list)


def pandoc_path() -> str:
    """The pandoc binary: ``$BIBKIT_PANDOC``, the one pypandoc-binary ships, or ``pandoc`` on PATH."""
    env = os.environ.get("BIBKIT_PANDOC")
    if env:
        return env
    try:
        import pypandoc

        path = pypandoc.get_pandoc_path()
        if path:
            return path
    except (ImportError, OSError):
        pass
    found = shutil.which("pandoc")
    if found:
        return found
    raise BibkitError("CSL styles need pandoc: install bibkit's dependency pypandoc-binary, or put pandoc on PATH")


def pandoc_fingerprint() -> tuple:
    """Path, size and modification time of every pandoc :func:`pandoc_path` may pick, found without running
    one or importing pypandoc: part of cache keys, so a pandoc installed, upgraded or chosen by
    ``$BIBKIT_PANDOC`` invalidates what an older one produced."""
    import importlib.util
    import sys

    candidates = [os.environ.get("BIBKIT_PANDOC"), os.environ.get("PYPANDOC_PANDOC"), shutil.which("pandoc"),
                  os.path.expanduser("~/bin/pandoc"), os.path.expanduser("~/.bin/pandoc"),
                  os.path.join(sys.exec_prefix, "bin", "pandoc")]
    spec = importlib.util.find_spec("pypandoc")
    if spec is not None and spec.origin:
        candidates.append(os.path.join(os.path.dirname(os.path.realpath(spec.origin)), "files", "pandoc"))
    out = []
    for path in candidates:
        try:
            st = os.stat(path) if path else None
        except OSError:
            st = None
        out.append((path, st.st_size, st.st_mtime_ns) if st else (path,))
    return tuple(out)


#: The pandoc processes running now, each with the stop signal of the :func:`_parallel` call whose worker
#: started it (None outside one); a worker's own signal is in ``_WORKER.stopped``.
_LIVE: dict[subprocess.Popen, threading.Event | None] = {}
_LIVE_LOCK = threading.Lock()
_WORKER = threading.local()


def _run(args: list[str], stdin: str) -> str:
    stopped = getattr(_WORKER, "stopped", None)
    with _LIVE_LOCK:
        if stopped is not None and stopped.is_set():
            raise _PandocFailed("interrupted")  # a run taken from the queue after Ctrl-C: start no pandoc
        proc = subprocess.Popen([pandoc_path(), *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        _LIVE[proc] = stopped
    try:
        out, err = proc.communicate(stdin.encode("utf-8"))
    finally:
        with _LIVE_LOCK:
            _LIVE.pop(proc, None)
        if proc.returncode is None:  # communicate() was interrupted: leave no pandoc behind
            proc.kill()
            proc.wait()
    if proc.returncode != 0:
        raise _PandocFailed(err.decode("utf-8", "replace"))
    return out.decode("utf-8")


def _stop(stopped: threading.Event) -> None:
    """End the pandocs the workers of one :func:`_parallel` call run, and let them start no new one."""
    with _LIVE_LOCK:
        stopped.set()
        for proc, signal in _LIVE.items():
            if signal is stopped:
                proc.kill()


class _PandocFailed(Exception):
    pass


T = TypeVar("T")
R = TypeVar("R")


def workers() -> int:
    """How many pandoc processes run at once: ``$BIBKIT_JOBS``, else the number of CPUs (at most 8)."""
    env = os.environ.get("BIBKIT_JOBS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, min(8, os.cpu_count() or 1))


def _parallel(fn: Callable[[T], R], jobs: Sequence[T], progress: ProgressFn | None = None) -> list[R]:
    """``fn`` over ``jobs`` in :func:`workers` threads (each one waits on a pandoc process), results in order."""
    if progress:
        progress(0, len(jobs))
    if len(jobs) <= 1 or workers() == 1:
        out = []
        for i, job in enumerate(jobs):
            out.append(fn(job))
            if progress:
                progress(i + 1, len(jobs))
        return out
    stopped = threading.Event()

    def work(job: T) -> R:
        _WORKER.stopped = stopped
        try:
            return fn(job)
        finally:
            _WORKER.stopped = None

    pool = ThreadPoolExecutor(max_workers=min(workers(), len(jobs)))
    try:
        futures = [pool.submit(work, job) for job in jobs]
        out = []
        for i, fut in enumerate(futures):
            out.append(fut.result())
            if progress:
                progress(i + 1, len(jobs))
        return out
    except BaseException:
        # Ctrl-C, SIGTERM or a failed run: the running pandocs end now and the queued runs never start,
        # so the worker threads (which the interpreter waits for on exit) return at once
        _stop(stopped)
        raise
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _chunks(items: Sequence[T], n: int, minimum: int = 1) -> list[Sequence[T]]:
    """``items`` cut into at most ``n`` runs of nearly equal length, none shorter than ``minimum`` unless alone."""
    n = max(1, min(n, len(items) // max(1, minimum)))
    return batched(items, -(-len(items) // n))




@lru_cache(maxsize=1)
def api_version() -> list[int]:
    """The pandoc JSON API version of the installed pandoc."""
    return json.loads(_run(["-f", "markdown", "-t", "json"], ""))["pandoc-api-version"]


# --- input -------------------------------------------------------------------------------------

def _value_text(entry: Entry, name: str, macros: dict[str, str]) -> str:
    """A field's value as BibLaTeX source: braced/quoted parts kept, macros expanded (months stay bare)."""
    fld = entry.field(name)
    assert fld is not None
    out = []
    for part in fld.parts:
        if part.kind == "brace":
            out.append("{" + part.text + "}")
        elif part.kind == "quote":
            out.append('"' + part.text + '"')
        elif part.kind == "number":
            out.append(part.text)
        else:
            low = part.text.lower()
            if low in _MONTHS and (low not in macros or macros[low][:3].lower() == low):
                out.append(low)
            else:
                out.append("{" + macros.get(low, part.text) + "}")  # undefined: its name, as the model and pandoc keep it
    return " # ".join(out) if out else "{}"


def _balanced(text: str) -> bool:
    """Balanced braces as pandoc's reader counts them: an escaped ``\\{`` or ``\\}`` is not a brace (BibTeX's
    own count is :func:`bibkit.bib.bibtex.braces_balanced`)."""
    depth = 0
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth < 0:
                return False
        i += 1
    return depth == 0


#: BibLaTeX fields pandoc reads into a CSL variable no bibliography prints unless its style names it
#: (field -> variable), or does not read at all (field -> None). A reading list or citation in a style
#: that never names the variable leaves the field out of what pandoc reads: 150-300-word abstracts
#: made half of pandoc's time and memory on long records, and a stray brace in one no longer stops
#: its entry from rendering.
UNPRINTED_FIELDS = {"abstract": "abstract", "keywords": "keyword", "annote": "annote", "annotation": "annote",
                    "file": None, "timestamp": None, "owner": None}


def unprinted_fields(style_text: str) -> frozenset[str]:
    """The fields of :data:`UNPRINTED_FIELDS` that cannot change what ``style_text`` renders."""
    return frozenset(f for f, var in UNPRINTED_FIELDS.items()
                     if var is None or not re.search(rf'"{var}"|\b{var}\b', style_text))


def entry_to_biblatex(entry: Entry, macros: dict[str, str] | None = None, skip: frozenset[str] = frozenset()) -> str:
    """The entry as BibLaTeX text for pandoc, without the (lower-case) fields in ``skip``; raises ValueError
    naming what pandoc could not read."""
    macros = macros or {}
    if not _TYPE_OK.fullmatch(entry.type or ""):
        raise ValueError(f"entry type '{entry.type}' cannot be read by the CSL engine")
    if not _KEY_OK.fullmatch(entry.key or ""):
        raise ValueError(f"key '{entry.key}' has characters the CSL engine cannot read")
    lines = []
    seen: set[str] = set()
    for fld in entry.fields:
        name = fld.name.lower()
        if name in seen or name in skip or not _FIELD_OK.fullmatch(name):
            continue
        seen.add(name)
        if not fld.parts:
            continue
        value = _value_text(entry, fld.name, macros)
        if not _balanced(value) or '"' in "".join(p.text for p in fld.parts if p.kind == "quote" and not _balanced(p.text)):
            raise ValueError(f"field {fld.name} has unbalanced braces")
        if name in PROTECTED_LIST_FIELDS and _AND.search(fld.value) and len(fld.parts) == 1:
            value = "{" + value + "}" if fld.parts[0].kind == "brace" else "{{" + fld.value + "}}"
        lines.append(f"  {name} = {value}")
    return f"@{entry.type}{{{entry.key},\n" + ",\n".join(lines) + "\n}\n"


# --- documents ---------------------------------------------------------------------------------

def _cite(key: str, mode: str = "NormalCitation", suffix: str = "") -> dict:
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


def _citeproc(bib_text: str, style_text: str, paragraphs: list[list[dict]]) -> dict:
    """Run pandoc's citeproc; returns the JSON AST."""
    with tempfile.TemporaryDirectory(prefix="bibkit-") as tmp:
        bib_path = os.path.join(tmp, "refs.bib")
        csl_path = os.path.join(tmp, "style.csl")
        with open(bib_path, "w", encoding="utf-8") as fh:
            fh.write(bib_text)
        with open(csl_path, "w", encoding="utf-8") as fh:
            fh.write(style_text)
        out = _run(["-f", "json", "-t", "json", "--citeproc", "--csl", csl_path,
                    "--bibliography", bib_path], _doc(paragraphs))
    return json.loads(out)


def _refs(ast: dict) -> tuple[list[str], dict[str, list], list[str]]:
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


_DISAMBIG_ATTR = re.compile(r'\s(?:disambiguate-add-[a-z-]+|givenname-disambiguation-rule)="[^"]*"')


def _without_disambiguation(style_text: str) -> str:
    m = re.search(r"<citation\b[^>]*>", style_text)
    if not m:
        return style_text
    tag = _DISAMBIG_ATTR.sub("", m.group(0))
    return style_text[: m.start()] + tag + style_text[m.end():]


def _entries_bib(entries: Sequence[Entry], macros: dict[str, str], warnings: list,
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


def _robust_citeproc(entries: list[Entry], texts: dict[str, str], style_text: str,
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
            ast = _citeproc(bib_text, style_text,
                            paragraphs_for(_cite_order([e for e in entries if cited is None or e.key in cited],
                                                       style_text)))
        except _PandocFailed as exc:
            m = re.search(r"line (\d+)", str(exc))
            if not m or not entries:
                raise BibkitError(f"pandoc failed: {str(exc).strip().splitlines()[0] if str(exc).strip() else 'no message'}") from None
            idx = entry_at_line(entries + context, texts, int(m.group(1)))
            bad = entries.pop(idx) if idx < len(entries) else context.pop(idx - len(entries))
            warnings.append((bad, f"cannot render {bad.key}: pandoc could not read it ({' '.join(str(exc).split())[:120]})"))
            continue
        order, blocks, cites = _refs(ast)
        return order, blocks, cites, _cite_order(entries, style_text)
    raise BibkitError("pandoc failed on too many entries")  # pragma: no cover


def render_csl(entries: Sequence[Entry], style: Style, macros: dict[str, str] | None = None,
               cache: RenderCache | None = None, context: Sequence[Entry] = (),
               progress: ProgressFn | None = None) -> Rendered:
    """Render entries with a CSL style; unreadable entries are left out with a warning.

    ``context``: entries the rendered ones inherit from (crossref parents), read but not rendered.
    ``progress(done, total)`` is told as pandoc runs finish.
    """
    cache = cache or RenderCache(enabled=False)
    macros = macros or {}
    warnings: list[tuple[Entry, str]] = []
    skip = unprinted_fields(style.text)
    ok, texts = _entries_bib(entries, macros, warnings, skip)
    parents, parent_texts = _entries_bib(context, macros, warnings, skip)
    texts.update(parent_texts)
    key = make_key("csl-list", style.digest, *(texts[e.key] for e in ok), "context", *(texts[e.key] for e in parents))
    hit = cache.get(key)
    if hit is not None:
        by_key = {e.key: e for e in ok}
        warnings.extend((by_key[k], msg) for k, msg in hit["warnings"] if k in by_key)
        return Rendered(hit["order"], hit["blocks"], warnings)
    result = _render_uncached(ok, texts, style, warnings, parents, progress)
    cache.put(key, {"order": result.order, "blocks": result.blocks,
                    "warnings": [(e.key, m) for e, m in result.warnings]})
    return result


#: One pandoc run: the keys cited, the keys whose entries are kept from it, the style.
_Run = tuple[set[str], set[str], str]


def _render_uncached(ok: list[Entry], texts: dict[str, str], style: Style, warnings: list,
                     context: Sequence[Entry] = (), progress: ProgressFn | None = None) -> Rendered:
    style_text = style.text
    # A style that numbers its entries needs one run over the whole list: a run over part of it numbers
    # from 1. With year suffixes too (about 20 styles), pandoc's quadratic run is the price.
    has_suffix = 'disambiguate-add-year-suffix="true"' in style_text and "citation-number" not in style_text
    substitutes = "subsequent-author-substitute" in style_text
    every_name = re.search(r'givenname-disambiguation-rule="all-names', style_text) is not None
    one_each = lambda es: [[_cite(e.key)] for e in es]  # noqa: E731
    phase1_style = _without_disambiguation(style_text) if has_suffix else style_text
    by_key = {e.key: e for e in ok}

    def render(run: _Run) -> tuple[dict[str, list], list]:
        """The bibliography entries of the run's keys, cited together in the run's style."""
        # pandoc's nocite order (by key) decides which entry gets which year-suffix letter
        own: list = []
        blocks2 = _robust_citeproc(_with_parents(run[0], by_key), texts, run[2], one_each, own,
                                   cited=run[0], context=context)[1]
        return blocks2, own

    # Phase two needs phase one's citations to know its groups; the groups the entries themselves
    # suggest (:func:`_guessed_groups`) are rendered meanwhile on the other cores, and kept where
    # phase one confirms them. Styles that substitute repeated authors need phase one's order first.
    guessed = ([(cited, renew, style_text) for cited, renew in _phase_two_runs(_guessed_groups(ok), None)]
               if has_suffix and not substitutes and workers() > 1 else [])
    # When the guessed runs render (nearly) the whole list, phase one need not: it gives the order and
    # the citations, and the entries no guessed run renders are rendered apart afterwards.
    trimmed = (_without_bibliography_text(phase1_style)
               if guessed and sum(len(run[0]) for run in guessed) >= TRIM_PHASE_ONE * len(ok) else None)
    phase_one, phase_two = split(progress, 2 + len(guessed), 1)

    def first(job: _Run | str | None):
        if job is None:
            return _robust_citeproc(ok, texts, trimmed or phase1_style, one_each, warnings, context=context)
        if job == "probe":
            return has_suffix and _bibliography_takes_given_names(style_text)
        return render(job)

    # phase one, the given-name probe (two small runs) and the guessed runs, side by side
    done = _parallel(first, [None, "probe", *guessed], phase_one)
    (order, blocks, cites, kept), namesakes, guessed_done = done[0], done[1], done[2:]
    by_key = {e.key: e for e in kept}  # what pandoc could not read in phase one is left out from now on
    if trimmed:
        blocks = {}
    runs: list[_Run] = []
    if has_suffix:
        # a group rendered whole in one guessed run is done: that run saw what a phase-two run would
        run_of = {k: i for i, run in enumerate(guessed) for k in run[0]}
        todo = []
        for keys in _colliding_groups(kept, cites, every_name, namesakes):
            found = {run_of.get(k) for k in keys}
            if len(found) == 1 and None not in found:
                blocks2 = guessed_done[found.pop()][0]
                blocks.update((k, blocks2[k]) for k in keys if k in blocks2)
            else:
                todo.append(keys)
        runs = [(cited, renew, style_text) for cited, renew in _phase_two_runs(todo, order if substitutes else None)]
    if trimmed:
        pending = {k for run in runs for k in run[1]}
        rest = [k for k in order if k not in blocks and k not in pending]
        runs += [(set(chunk), set(chunk), phase1_style) for chunk in _chunks(rest, workers(), PHASE_TWO_BATCH)]
    for (_, keep, _), (blocks2, own) in zip(runs, _parallel(render, runs, phase_two)):
        warnings.extend(own)
        blocks.update((k, blocks2[k]) for k in keep if k in blocks2)
    for e in kept:
        if e.key not in blocks:
            warnings.append((e, f"cannot render {e.key}: the CSL engine produced no bibliography entry"))
    return Rendered(order, blocks, warnings)


#: Phase one renders the bibliography text only when the guessed phase-two runs render less than this share of the list.
TRIM_PHASE_ONE = 0.9


def _without_bibliography_text(style_text: str) -> str | None:
    """The style with its bibliography layout reduced to one character (order and citations unchanged:
    the sort keys and the citation are elsewhere), or None when it has not exactly one such layout."""
    m = re.search(r"<bibliography\b.*?</bibliography>", style_text, re.S)
    if not m:
        return None
    layouts = list(re.finditer(r"(<layout\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>).*?</layout>", m.group(0), re.S))
    if len(layouts) != 1 or layouts[0].group(1).endswith("/>"):
        return None
    a, b = m.start() + layouts[0].start(), m.start() + layouts[0].end()
    return style_text[:a] + layouts[0].group(1) + '<text value="-"/></layout>' + style_text[b:]


def _guessed_groups(entries: Sequence[Entry]) -> list[list[str]]:
    """The name groups phase two will probably render, guessed from the entries before phase one
    has rendered a citation: entries whose first author (else editor) has the same family name
    (:func:`_guessed_name`), when two of them have the same year.

    Only a guess, for speed: a group phase one finds (:func:`_colliding_groups`) is taken from a
    guessed run only when that run cited all of it.
    """
    groups: dict[str, list[tuple[str, str]]] = {}
    for e in entries:
        groups.setdefault(_guessed_name(e), []).append((e.key, _guessed_year(e)))
    return [[k for k, _ in members] for members in groups.values()
            if len({y for _, y in members}) < len(members)]


def _guessed_name(entry: Entry) -> str:
    """:func:`_collision_key` as the entry's citation will probably give it, casefolded and without accents:
    the first capitalised word of the first author's (else editor's) family name (a particle, braced
    or not, is left out), else the first word of the title."""
    from bibkit.bib.latex import to_unicode
    from bibkit.bib.names import parse_names

    words: list[str] = []
    for name_field in ("author", "editor"):
        value = entry.get(name_field)
        names = parse_names(value) if value else []
        if names:
            name = names[0]
            words = (name.literal or name.family or name.given).split()
            words = [w for w in words if w[:1].isupper()] or words
            break
    else:
        words = to_unicode(entry.get("title") or "").split()
    if not words:
        return ""
    # accents folded away: "Garc{\\'\\i}a" and "García" are one name
    bare = "".join(c for c in unicodedata.normalize("NFKD", words[0]) if not unicodedata.combining(c))
    return bare.replace("ı", "i").strip(_CITE_PUNCT).casefold()


def _guessed_year(entry: Entry) -> str:
    """The entry's year as its citation will probably show it: the first number of ``year``, else of ``date``."""
    m = _NUMBER.search(entry.get("year") or entry.get("date") or "")
    return m.group(0) if m else ""


def _colliding_groups(cited: list[Entry], cites: list[str], every_name: bool = False,
                      namesakes: bool = False) -> list[list[str]]:
    """The name groups phase two must render again: entries whose citations share a name
    (:func:`_collision_keys`, joined transitively), when two of them share a name and a year, or
    (``namesakes``: the bibliography prints given names as the citations expand them, see
    :func:`_bibliography_takes_given_names`) when the group has two entries at all.

    citeproc only disambiguates citations whose names and dates read alike (its ``getAmbiguities``);
    the hints that add initials or given names to names shared across the list make citations
    longer, never equal. In a name group where no two citations may read alike, nothing can change.
    Where two may, the whole group is rendered together: those hints are computed over every cited
    name ("Li, B." keeps no initial beside "Li, Bo", so "Li, B. 2003" and "Li, J. 2003" get 2003a
    and 2003b only when all the Li entries are cited together). ``every_name``: the style decides
    given names over all names of a citation (``all-names`` rules), so every name joins groups.

    Deliberately coarse on dates: pandoc gives "2006" and an open range "2006–" by the same author
    year suffixes, so the first number (the year) is compared, and entries without one (n.d.) are
    alike among themselves.
    """
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    members = []
    for e, text in zip(cited, cites):
        keys = sorted(_collision_keys(text, every_name))
        for other in keys[1:]:
            parent[root(other)] = root(keys[0])
        m = _NUMBER.search(text)
        members.append((e.key, keys, m.group(0) if m else ""))
    groups: dict[str, list[tuple[str, set[tuple[str, str]]]]] = {}
    for key, keys, year in members:
        groups.setdefault(root(keys[0]), []).append((key, {(k, year) for k in keys}))
    out = []
    for group in groups.values():
        seen: set[tuple[str, str]] = set()
        alike = False
        for _, pairs in group:
            alike = alike or not seen.isdisjoint(pairs)
            seen |= pairs
        if alike or (namesakes and len(group) > 1):
            out.append([k for k, _ in group])
    return out


_GIVEN_NAME_PROBE = ("@book{probe1,\n  author = {Li, Bo},\n  title = {One},\n  publisher = {P},\n  year = {2010}\n}\n"
                     "@book{probe2,\n  author = {Li, Bin},\n  title = {Two},\n  publisher = {P},\n  year = {2011}\n}\n")


@lru_cache(maxsize=16)
def _bibliography_takes_given_names(style_text: str) -> bool:
    """Whether the style's bibliography prints names as its citations' given-name disambiguation
    expands them, measured on two namesakes ("Li, Bo" and "Li, Bin", no two citations alike).

    Styles with a list-wide rule (``givenname-disambiguation-rule`` other than ``by-cite``) expand a
    name wherever another name shares its family; pandoc prints the expansion in the bibliography
    too, visibly where the bibliography abbreviates given names ("Li, Bo." in apa-tr, where phase
    one gives "Li, B."). Then every group of namesakes is rendered again, not only colliding ones.
    """
    m = re.search(r"<citation\b[^>]*>", style_text)
    tag = m.group(0) if m else ""
    if 'disambiguate-add-givenname="true"' not in tag or re.search(r'givenname-disambiguation-rule="by-cite"', tag):
        return False
    rule = re.search(r'givenname-disambiguation-rule="([^"]*)"', tag)
    if rule is None:
        return False  # the default rule is by-cite
    if rule.group(1).endswith("with-initials") or "initialize-with" not in style_text:
        # names only gain initials, or the style never abbreviates given names: no run is needed (the
        # probe agrees on all 1,417 bundled styles with year suffixes; 150 of them answer yes)
        return False
    cites = [[_cite("probe1")], [_cite("probe2")]]
    try:
        real = _refs(_citeproc(_GIVEN_NAME_PROBE, style_text, cites))[1]
        plain = _refs(_citeproc(_GIVEN_NAME_PROBE, _without_disambiguation(style_text), cites))[1]
    except _PandocFailed:
        return True  # cannot tell: render every group of namesakes again
    return real != plain


_NUMBER = re.compile(r"\d+")
_CITE_PUNCT = "([{,;.:\"'“”‘’"
#: Words that join two names in a citation ("Smith & Jones", "Smith and Jones", "Smith und Jones"); a
#: locale's word missing here only makes groups larger (see :func:`_collision_keys`).
_NAME_JOINERS = frozenset({"&", "and", "et", "und", "y", "e", "i", "og", "en", "och", "ja", "a"})


#: What follows a family name without being one ("Fromhold Jr."): not a key, or every Jr. would be one group.
_NAME_SUFFIXES = frozenset({"Jr", "Sr", "Jnr", "Snr", "II", "III", "IV"})


def _first_name_words(cite: str) -> list[str]:
    """The words of a citation's first name: up to a joining word, a comma or the year, punctuation stripped."""
    out = []
    for raw in cite.split():
        word = raw.strip(_CITE_PUNCT)
        if not word:
            continue
        if word[:1].isdigit() or word in _NAME_JOINERS:
            break
        out.append(word)
        if raw.endswith((",", ";")):
            break
    return out


def _collision_key(cite: str) -> str:
    """The first author's family name as cited, without its particle: the first capitalised word of
    the first name, else its first word; for a citation that starts with its year, the year.

    pandoc disambiguates given names across the whole list, and that reaches the year suffixes:
    "Li, B. (2003)" and "Li, J. (2003)" get "a" and "b" only when the Li entries of other years are
    rendered with them (measured on pandoc 3, ``tests/test_formatting_disambiguation.py``). The
    particle is left out because once given names are added, "Berg et al." (from ``Jørgen {van
    der} Berg``) and "van der Berg et al." (from ``{van der} Berg, Jørgen``) both read "J. van der
    Berg et al." and take year suffixes together.
    """
    return _family_word(_first_name_words(cite), cite)


def _family_word(words: list[str], cite: str) -> str:
    """:func:`_collision_key` from the citation's first-name ``words`` (:func:`_first_name_words`)."""
    for word in words:
        if word[:1].isupper():
            return word
    if words:
        return words[0]
    first = cite.split()[0].strip(_CITE_PUNCT) if cite.split() else ""
    m = _NUMBER.match(first)
    return m.group(0) if m else first  # "2001-" and "2001" (anonymous works) are one group


def _collision_keys(cite: str, every_name: bool = False) -> set[str]:
    """Every name a citation may be disambiguated together by (:func:`_colliding_groups` joins citations
    sharing any): :func:`_collision_key`, and the first and last words of the first name, so that a
    particle read as a name or a name written whole ("{John Smith}" cited "John Smith" beside
    "Smith") cannot split a group; with ``every_name``, every capitalised word before the year too."""
    name = _first_name_words(cite)
    keys = {_family_word(name, cite)}
    words = [w for w in name if w not in _NAME_SUFFIXES] or name
    if words:
        keys.update((words[0], words[-1]))
    if every_name:
        head = _NUMBER.split(cite, maxsplit=1)[0]
        keys.update(w for w in (raw.strip(_CITE_PUNCT) for raw in head.split()) if w[:1].isupper())
    return keys


#: Entries cited in one phase-two run. pandoc's disambiguation is quadratic in the cited entries
#: (2,298 colliding entries of a 5,000-entry list took 360 s in one run); collision groups do not
#: interact, so they are rendered in runs of about this many entries.
PHASE_TWO_BATCH = 120


def _phase_two_runs(groups: list[list[str]], order: list[str] | None) -> Iterable[tuple[set[str], set[str]]]:
    """(entries cited, entries whose rendering is kept) per phase-two run: name groups packed into
    runs of about PHASE_TWO_BATCH entries; a group is never split.

    With ``order`` (styles that substitute repeated authors), each entry's predecessor in the
    bibliography joins its run, so the substitution sees the same neighbour as in one full run.
    """
    before = {k: order[i - 1] for i, k in enumerate(order) if i} if order else {}
    cited: set[str] = set()
    renew: set[str] = set()
    for keys in groups:
        renew.update(keys)
        cited.update(keys)
        cited.update(before[k] for k in keys if k in before)
        if len(cited) >= PHASE_TWO_BATCH:
            yield cited, renew
            cited, renew = set(), set()
    if cited:
        yield cited, renew


def _with_parents(keys: set[str], by_key: dict[str, Entry]) -> list[Entry]:
    """The entries of ``keys`` and, transitively, the entries they inherit from (``crossref`` and
    ``xdata``), in list order."""
    lower = {k.lower(): k for k in by_key}
    wanted: set[str] = set()
    queue = [k for k in keys if k in by_key]
    while queue:
        key = queue.pop()
        if key in wanted:
            continue
        wanted.add(key)
        for _, parent in parent_keys(by_key[key]):
            target = parent if parent in by_key else lower.get(parent.lower())
            if target:
                queue.append(target)
    return [e for k, e in by_key.items() if k in wanted]


# --- output formats ----------------------------------------------------------------------------

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


def to_format(items: list[list], fmt: str, cache: RenderCache | None = None) -> list[str]:
    """Convert each entry's pandoc blocks to ``text``, ``markdown``, ``html`` or ``latex`` (parallel pandoc runs)."""
    if not items:
        return []
    cache = cache or RenderCache(enabled=False)
    key = make_key("to-format", _WRITERS[fmt], json.dumps(items, sort_keys=True))
    hit = cache.get(key)
    if hit is not None:
        return hit
    result = [text for run in _parallel(lambda run: _write(run, fmt), _chunks(items, workers(), FORMAT_MIN_RUN))
              for text in run]
    cache.put(key, result)
    return result


def _write(items: list[list], fmt: str) -> list[str]:
    """One pandoc writer run over entries' blocks, split back per entry by numbered separators."""
    blocks: list = []
    for i, item in enumerate(items):
        blocks.append({"t": "Para", "c": [{"t": "Str", "c": f"{_SEP}{i}"}]})
        blocks.extend(_para_to_plain(item))
    doc = json.dumps({"pandoc-api-version": api_version(), "meta": {}, "blocks": blocks})
    out = _run(["-f", "json", "-t", _WRITERS[fmt], "--wrap=none"], doc)
    parts = re.split(rf"(?:<p>)?{_SEP}(\d+)(?:</p>)?\n?", out)
    result = [""] * len(items)
    for idx, text in zip(parts[1::2], parts[2::2]):
        result[int(idx)] = " ".join(text.split()) if fmt == "text" else text.strip()
    return result


def is_note_style(style_text: str) -> bool:
    """True for a CSL note style (``class="note"``: Chicago notes, OSCOLA...)."""
    m = re.search(r"<style\b[^>]*>", style_text)
    return bool(m and re.search(r'\bclass="note"', m.group(0)))


def citation_format(style_text: str) -> str:
    """The style's ``citation-format`` category: ``author-date``, ``numeric``, ``note``, ``label``, ``author``."""
    m = re.search(r'citation-format="([a-z-]+)"', style_text)
    return m.group(1) if m else ("note" if is_note_style(style_text) else "author-date")


_IBID = re.compile(r'(position="[^"]*?)\bibid(?:-with-locator)?\b')


def _without_ibid(style_text: str) -> str:
    """The style with its ibid branches never taken: every citation in a claim map stands alone."""
    previous = None
    while previous != style_text:
        previous, style_text = style_text, _IBID.sub(r"\1first", style_text)
    return style_text


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
    ok, texts = _entries_bib(list(entries.values()), macros or {}, warnings, skip)
    parents, parent_texts = _entries_bib([c for c in context if c.key not in entries], macros or {}, warnings, skip)
    texts.update(parent_texts)
    ok_keys = {e.key for e in ok}
    note = is_note_style(style.text)
    # A note style's author-in-text form is the name followed by a footnote: the note alone is the citation.
    mode = "AuthorInText" if narrative and not note else "NormalCitation"
    style_text = _without_ibid(style.text) if note else style.text

    def paragraphs(es):
        present = {e.key for e in es}
        primer = [[_cite(e.key)] for e in es] if note else []  # cited once before: the short note form follows
        return primer + [[_cite(e.key, mode if i == 0 else "NormalCitation", loc or "")
                          for i, (e, loc) in enumerate(g) if e.key in present] or [_cite(es[0].key)] for g in groups]

    if not ok:
        return ["" for _ in groups]
    _, _, cites, kept = _robust_citeproc(ok, texts, style_text, paragraphs, warnings, context=parents)
    if note:
        cites = cites[len(cites) - len(groups):]
    kept_keys = {e.key for e in kept}
    return [c if all(e.key in kept_keys and e.key in ok_keys for e, _ in g) and g else "" for g, c in zip(groups, cites)]
