"""Quotes checked against the sources' full texts: each quoted link gets one status.

| status | meaning |
|---|---|
| ``found`` | the quote is in the source, on the cited page(s) (or no page was cited or known) |
| ``found-elsewhere`` | the quote is in the source, but not on the cited pages |
| ``close`` | only a near match: a word, number or negation differs |
| ``not-found`` | nothing like it in the source |
| ``no-fulltext`` | no full text for this source |
| ``unreadable`` | a full text is listed but missing, unreadable, encrypted or without a text layer |
| ``no-quote`` | the link has no quote |

:func:`verify_links` is the public entry point (the ``verify`` and ``review`` commands, ``check`` and
the claim map call it); :func:`diagnostic` turns a result into a located V-coded diagnostic.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field, replace
from typing import Iterable, Iterator, Sequence

from bibkit.config import HOW_TO_ALLOW, inside_any, redirect_note
from bibkit.evidence import quotematch
from bibkit.evidence.fulltext import FullText, Unreadable, read_fulltext
from bibkit.evidence.fulltext.discover import Candidate, candidates
from bibkit.evidence.fulltext.pages import page_labels
from bibkit.evidence.suggest import Index, Suggestion, cached_index
from bibkit.infra.diagnostics import Diagnostic, Severity, printable
from bibkit.infra.progress import ProgressFn, track
from bibkit.model import Claim, ClaimSet, Entry, Link
from bibkit.project import Project

#: The statuses whose links get passage suggestions: no quote, or one the source does not have.
SUGGEST_FOR = ("no-quote", "not-found")
STATUSES = ("found", "found-elsewhere", "close", "not-found", "no-fulltext", "unreadable", "no-quote")
# --fail-on level -> the statuses that fail the gate (a listed full text that cannot be read fails with not-found).
FAIL_ON = {
    "not-found": {"not-found", "unreadable"},
    "close": {"not-found", "unreadable", "close"},
    "found-elsewhere": {"not-found", "unreadable", "close", "found-elsewhere"},
    "never": set(),
}
# Status -> (severity, code) of its diagnostic; ``found`` and ``no-quote`` are not findings.
CODES: dict[str, tuple[Severity, str]] = {
    "found-elsewhere": (Severity.WARNING, "V001"),
    "close": (Severity.WARNING, "V002"),
    "not-found": (Severity.ERROR, "V003"),
    "unreadable": (Severity.WARNING, "V004"),
    "no-fulltext": (Severity.INFO, "V005"),
}
# How quotematch.guard begins the reason of a close match whose meaning differs from the source's.
MEANING_CHANGES = (quotematch.NUMBERS_DIFFER, quotematch.NEGATION_DIFFERS)


@dataclass
class LinkCheck:
    """The verification of one link: its status, where the passage is and what the source says there."""

    claim: str
    key: str
    locator: str | None
    status: str
    line: int
    column: int
    claims_file: str
    quote: str | None = None
    page: str | None = None  # printed page(s) of the passage found (or of the closest passage)
    cited_pages: list[str] | None = None  # the pages the locator names, when it names pages
    score: float | None = None
    source_text: str | None = None
    file: str | None = None  # the full text read (or the one that could not be read)
    reason: str = ""  # why close / why unreadable / where bibkit looked
    diff: list[tuple[str, str, str]] = field(default_factory=list)
    numbering: str = ""  # how page numbers were found ("PDF page labels", "pages field", ...)
    context: str | None = None  # the passage with some of the source's text around it
    link_index: int = 0  # the link's position in its claim's links
    stance: str = "supports"
    suggestions: list[Suggestion] | None = None  # passages that may back the claim (``--suggest``), best first

    @property
    def meaning_changed(self) -> bool:
        """True for a close match whose numbers or negations differ from the source's: the quote says something
        else ("never" where the source says "often", 1959 for 1958). An error (V007), failing like not-found."""
        return self.status == "close" and self.reason.startswith(MEANING_CHANGES)

    @property
    def failed(self) -> bool:
        """True for statuses that are findings (everything but found and no-quote)."""
        return self.status in CODES

    def message(self) -> str:
        """One line that says what was found, as ``check`` prints it after the location."""
        src = f" ({self.file})" if self.file else ""
        if self.status == "found":
            return f"quote found in {self.key}{_on(self.page)}{src}"
        if self.status == "found-elsewhere":
            return f"quote found in {self.key}{_on(self.page)}, not on the cited {self.locator}{src}"
        if self.status == "close":
            where = _on(self.page)
            alike = f"{int(self.score * 100)}% alike" if self.score is not None else "near match"
            why = f"; {self.reason}" if self.reason else ""
            return f"quote only nearly matches {self.key}{where} ({alike}{why}){src}"
        if self.status == "not-found":
            return f"quote not found in {self.key}{src}"
        if self.status == "unreadable":
            return f"cannot read the full text of {self.key}: {self.reason}"
        if self.status == "no-fulltext":
            return f"no full text for {self.key} ({self.reason})"
        return f"no quote to check for {self.key}"

    def details(self) -> list[str]:
        """Indented lines under the message: the two wordings of a close match, the closest passage of a miss."""
        if self.status == "close" and self.diff:
            return [f"quote:  {quotematch.mark(self.diff, 'quote')}",
                    f"source: {quotematch.mark(self.diff, 'source')}"]
        if self.status == "not-found" and self.source_text:
            where = _on(self.page)[4:] + ", " if self.page else ""
            return [f"closest passage ({where}{int((self.score or 0) * 100)}% alike): {_short(self.source_text)}"]
        if self.status == "found-elsewhere" and self.source_text:
            return [f"source: {_short(self.source_text)}"]
        return []

    def to_dict(self) -> dict:
        """The JSON shape of docs/formats.md, "JSON shapes", plus ``quote``, ``reason``, ``diff`` and location details."""
        return {
            "claim": self.claim, "key": self.key, "locator": self.locator, "status": self.status,
            "page": self.page, "score": self.score, "source_text": self.source_text, "file": self.file,
            "line": self.line, "column": self.column, "claims_file": self.claims_file, "quote": self.quote,
            "cited_pages": self.cited_pages, "reason": self.reason or None, "page_numbering": self.numbering or None,
            "context": self.context,
            "diff": [{"op": op, "quote": q, "source": s} for op, q, s in self.diff if op != "equal"],
            **({"suggestions": [x.to_dict() for x in self.suggestions]} if self.suggestions is not None else {}),
        }


def _on(page: str | None) -> str:
    """' on p. 12' or ' on pp. 12–13' ('' without a page)."""
    if not page:
        return ""
    return f" on {'pp.' if '–' in page else 'p.'} {page}"


def _short(text: str, limit: int = 240) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# -- locators -----------------------------------------------------------------------------------

_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
_ROMAN_RE = re.compile(r"^(?=[ivxlcdm]+$)m{0,4}(cm|cd|d?c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$", re.I)
_PAGE_LABELS = r"(?:pages?\b|pgs?\.?|pp?\.?|s\.|seite[n]?\b)"
_NOT_PAGES = re.compile(r"^\s*(?:chap|ch|chapter|sec|section|§|para|paragraph|¶|fig|figure|table|tab|col|column|"
                        r"vol|volume|no|number|book|bk|part|pt|line|l|ll|n|note|fn|art|v|verse|op|sv|s\.v)\b\.?", re.I)
_RANGE_SEP = re.compile(r"\s*(?:-+|–|—|to)\s*")


def roman_to_int(text: str) -> int | None:
    """``xiv`` -> 14; None when ``text`` is not a Roman numeral."""
    if not text or not _ROMAN_RE.match(text):
        return None
    total, prev = 0, 0
    for ch in reversed(text.lower()):
        v = _ROMAN_VALUES[ch]
        total = total - v if v < prev else total + v
        prev = max(prev, v)
    return total


def int_to_roman(n: int, upper: bool = False) -> str:
    """14 -> ``xiv``."""
    out = []
    for v, s in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"),
                 (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while n >= v:
            out.append(s)
            n -= v
    text = "".join(out)
    return text.upper() if upper else text


def _expand(part: str) -> list[str] | None:
    """One item of a page locator (``12``, ``551--3``, ``xii-xiv``, ``12f``, ``S3``) as page labels."""
    part = part.strip().rstrip(".")
    if not part:
        return []
    m = re.fullmatch(r"(\d+)\s*(ff?)\.?", part)
    if m:
        start = int(m.group(1))
        return [str(start + i) for i in range(2 if m.group(2) == "f" else 3)]
    bounds = _RANGE_SEP.split(part)
    if len(bounds) == 1:
        return [part] if re.fullmatch(r"[A-Za-z]{0,2}\d+|[ivxlcdmIVXLCDM]+", part) and (
            part.isdigit() or roman_to_int(part) is not None or re.fullmatch(r"[A-Za-z]{1,2}\d+", part)) else None
    if len(bounds) != 2:
        return None
    a, b = bounds
    if a.isdigit() and b.isdigit():
        if len(b) < len(a):
            b = a[: len(a) - len(b)] + b
        lo, hi = int(a), int(b)
        return [str(p) for p in range(lo, hi + 1)] if lo <= hi <= lo + 2000 else None
    ra, rb = roman_to_int(a), roman_to_int(b)
    if ra is not None and rb is not None and ra <= rb <= ra + 500:
        return [int_to_roman(p, a.isupper()) for p in range(ra, rb + 1)]
    ma, mb = re.fullmatch(r"([A-Za-z]{1,2})(\d+)", a), re.fullmatch(r"([A-Za-z]{1,2})?(\d+)", b)
    if ma and mb and (mb.group(1) in (None, ma.group(1))) and int(ma.group(2)) <= int(mb.group(2)) <= int(ma.group(2)) + 2000:
        return [f"{ma.group(1)}{p}" for p in range(int(ma.group(2)), int(mb.group(2)) + 1)]
    return None


def cited_pages(locator: str | None) -> list[str] | None:
    """The page labels a pandoc/CSL locator names (``p. 12``, ``pp. 551--553``, ``551-3``, ``xii``, ``12, 15-17``).

    None when the locator names no pages (``chap. 3``, ``sec. 2``, ``fig. 4``) or cannot be read as pages.
    """
    if not locator or not locator.strip():
        return None
    text = locator.strip()
    if _NOT_PAGES.match(text) and not re.match(_PAGE_LABELS + r"\s*\d", text, re.I):
        return None
    text = re.sub(r"^" + _PAGE_LABELS + r"\s*", "", text, flags=re.I)
    text = re.split(r",?\s+(?:n|nn|note|fn)\.?\s*\d", text)[0]  # "p. 12 n. 3": the note is on p. 12
    pages: list[str] = []
    for part in re.split(r"\s*[,;&]\s*|\s+and\s+", text):
        got = _expand(part)
        if got is None:
            return None
        pages.extend(got)
    return pages or None


def _norm_label(label: str) -> str:
    label = label.strip().lower()
    return str(int(label)) if label.isdigit() else label


# -- finding full texts --------------------------------------------------------------------------


def fulltext_folder(project: Project) -> str:
    """The configured full-text folder (``fulltext`` in the config, default ``sources``), resolved."""
    return project.config.resolve(getattr(project.config, "fulltext", "sources") or "sources")


def outside_reason(path: str, roots: list[str]) -> str:
    """Why a full text outside the project folders is not read, and how to allow it."""
    return f"outside the project folder{redirect_note(path)} ({' or '.join(roots)}); not read ({HOW_TO_ALLOW})"


def fulltext_paths(project: Project) -> Iterator[str]:
    """Every file that is or may be a full text of the project: what ``file`` fields name, and the full-text folder's files."""
    for entry in project.bibliography:
        if "file" in entry:
            for cand in candidates(entry, None):
                yield cand.path
    folder = fulltext_folder(project)
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        yield os.path.join(folder, name)


def has_fulltexts(project: Project) -> bool:
    """True when the project has a full-text folder or an entry with a ``file`` field."""
    if os.path.isdir(fulltext_folder(project)):
        return True
    return any("file" in e for e in project.bibliography)


def prepared_document(ft: FullText) -> quotematch.Document:
    """The full text ready for matching; through the cache (keyed by the file's content and the matcher's code)."""
    if ft.digest is None:
        return quotematch.Document(ft.pages, strip_running=ft.printed)
    from bibkit.infra.cache import cache_key, read_record, write_record

    try:
        st = os.stat(quotematch.__file__)
        code = (st.st_size, st.st_mtime_ns)
    except OSError:
        code = None
    ckey = cache_key("matchdoc", ft.digest.encode(), (code, ft.printed))
    state = read_record("matchdoc", ckey)
    if isinstance(state, tuple) and len(state) == 3:
        try:
            return quotematch.Document.from_state(state)
        except (TypeError, ValueError):
            pass
    doc = quotematch.Document(ft.pages, strip_running=ft.printed)
    write_record("matchdoc", ckey, doc.state())
    return doc


@dataclass
class Source:
    """A source's readable full texts (prepared for matching) and the ones that could not be read."""

    texts: list[tuple[FullText, quotematch.Document, list[str] | None, str]] = field(default_factory=list)
    problems: list[tuple[Candidate, str]] = field(default_factory=list)
    looked: str = ""


class Verifier:
    """Checks quotes; each source's full text is read and prepared once per verifier."""

    def __init__(self, project: Project, *, use_cache: bool = True) -> None:
        self.project = project
        self.use_cache = use_cache
        self.folder = fulltext_folder(project)
        self.roots = project.roots()  # where full texts may be read from (computed once: one check per file)
        self._sources: dict[str, Source] = {}
        self._files: dict[str, tuple[FullText, quotematch.Document] | str] = {}
        self._indexes: dict[str, Index] = {}  # full-text path -> its passages, indexed for suggestions

    def source(self, entry: Entry) -> Source:
        """The entry's full texts, read (through the cache) on first use."""
        got = self._sources.get(entry.key)
        if got is not None:
            return got
        src = Source()
        for cand in candidates(entry, self.folder if os.path.isdir(self.folder) else None):
            loaded = self._files.get(cand.path)
            if loaded is None and not inside_any(cand.path, self.roots):
                # a pull request may point a file field, a symbolic link in sources/ or ../.. anywhere:
                # nothing outside the project is read, so no byte of it can reach a report
                loaded = self._files[cand.path] = outside_reason(cand.path, self.roots)
            if loaded is None:
                try:
                    ft = read_fulltext(cand.path, use_cache=self.use_cache)
                    loaded = (ft, prepared_document(ft))
                except Unreadable as exc:
                    loaded = str(exc)
                self._files[cand.path] = loaded
            if isinstance(loaded, str):
                src.problems.append((cand, loaded))
            else:
                ft, doc = loaded
                labels, how = page_labels(ft, entry)
                src.texts.append((ft, doc, labels, how))
        folder = os.path.relpath(self.folder) if not os.path.isabs(self.folder) else self.folder
        looked = f"looked for {os.path.join(folder, entry.key)}.pdf, .txt, .md or .html"
        if "file" not in entry:
            src.looked = f"no file field; {looked}"
        elif not any(c.origin == "file field" for c in candidates(entry, None)):
            src.looked = f"the file field names no file on this computer; {looked}"
        else:
            src.looked = looked
        self._sources[entry.key] = src
        return src

    def check(self, claim: Claim, link: Link, index: int, claims_file: str, column: int) -> LinkCheck:
        """One link's verification."""
        result = LinkCheck(claim.id, link.key, link.locator, "no-quote", link.line, column, claims_file,
                           quote=link.quote, link_index=index, stance=link.stance)
        result.cited_pages = cited_pages(link.locator)
        if not link.quote or not link.quote.strip():
            return result
        entry = self.project.bibliography.entries.get(link.key)
        if entry is None:
            result.status, result.reason = "no-fulltext", "the key is not in the bibliography"
            return result
        src = self.source(entry)
        if not src.texts:
            if src.problems:
                result.status = "unreadable"
                result.file = src.problems[0][0].path
                result.reason = "; ".join(f"{c.path}: {why}" for c, why in src.problems)
            else:
                result.status, result.reason = "no-fulltext", src.looked
            return result
        best: tuple[int, float, LinkCheck] | None = None
        for ft, doc, labels, how in src.texts:
            one = self._match(result, ft, doc, labels, how, link.quote)
            rank = {"found": 4, "found-elsewhere": 3, "close": 2}.get(one.status, 1)
            if best is None or (rank, one.score or 0) > best[:2]:
                best = (rank, one.score or 0.0, one)
        assert best is not None
        return best[2]

    def suggestions(self, claim: Claim, link: Link, n: int = 3) -> list[Suggestion]:
        """The ``n`` passages of the link's source most likely to back the claim's text, best first (over all of
        the source's readable full texts); empty when the source has none or the claim has no text."""
        entry = self.project.bibliography.entries.get(link.key)
        if entry is None or not (claim.text or "").strip() or n <= 0:
            return []
        found: list[Suggestion] = []
        for ft, doc, labels, _how in self.source(entry).texts:
            index = self._indexes.get(ft.path)
            if index is None:  # the prepared document's pages already lack running heads and page numbers
                index = self._indexes[ft.path] = cached_index(doc.bodies, labels, self.use_cache)
            found.extend(index.search(claim.text, n))
        found.sort(key=lambda s: -s.score)
        return found[:n]

    def _match(self, base: LinkCheck, ft: FullText, doc: quotematch.Document, labels: list[str] | None,
               how: str, quote: str) -> LinkCheck:
        out = replace(base, diff=[])
        out.file, out.numbering = ft.path, how
        cited = {_norm_label(p) for p in base.cited_pages} if base.cited_pages else None
        preferred = None
        if cited and labels:
            preferred = [i for i, lab in enumerate(labels) if _norm_label(lab) in cited]
        m = doc.find(quote, preferred)
        page_labels_hit = [labels[i] for i in m.pages] if labels and m.pages else []
        out.page = "–".join(dict.fromkeys([page_labels_hit[0], page_labels_hit[-1]])) if page_labels_hit else None
        out.score = m.score
        out.context = m.context or None
        if m.kind == "exact":
            on_cited = not cited or not labels or bool(cited & {_norm_label(p) for p in page_labels_hit})
            if not on_cited and how in ("PDF page numbers", "form feeds") and not cited & {_norm_label(x) for x in labels}:
                # The file's pages are only counted 1..n and the cited pages are not among them: the numbering
                # is unknown, so "elsewhere" cannot be said.
                on_cited = True
                out.reason = (f"the cited pages are not among the file's pages 1-{len(labels)}; set fulltext_first_page "
                              f"on {base.key} to check them")
            out.status = "found" if on_cited else "found-elsewhere"
            out.source_text = m.source_text
        elif m.kind == "close":
            out.status, out.source_text, out.reason, out.diff = "close", m.source_text, m.reason, m.diff
        else:
            out.status = "not-found"
            if m.source_text:  # the closest passage, however unlike: its score says how alike, a reader judges
                out.source_text = m.source_text
            else:
                out.page, out.source_text, out.context = None, None, None
        return out


def _read_lines(path: str | None) -> list[str]:
    """The lines of the claims file (to find each link's column), or [] when it cannot be read."""
    try:
        with open(path or "", encoding="utf-8-sig", errors="replace") as fh:
            return fh.read().split("\n")
    except OSError:
        return []


def _column(lines: list[str], line: int) -> int:
    """The 1-based column where a link's mapping starts on its line (after indentation and ``- ``)."""
    if not 0 < line <= len(lines):
        return 0
    text = lines[line - 1]
    m = re.match(r"\s*(?:-\s+)*", text)
    return (m.end() if m else 0) + 1


def verify_links(
    project: Project,
    *,
    claims: Sequence[str] = (),
    sources: Sequence[str] = (),
    statuses: Sequence[str] = (),
    include_no_quote: bool = False,
    use_cache: bool = True,
    verifier: Verifier | None = None,
    progress: ProgressFn | None = None,
    suggest: int = 0,
) -> list[LinkCheck]:
    """Verify every quoted link of the project (narrowed by claim ids, source keys and statuses), in file order.

    Links without a quote are listed as ``no-quote`` only with ``include_no_quote`` (or when
    ``statuses`` asks for them, or with ``suggest``). Full texts are read once per call, through the
    cache unless ``use_cache`` is False. ``progress`` hears of each link checked. With ``suggest`` (a
    number of passages), every result has ``suggestions``: up to that many passages of the source for
    a link without a quote or whose quote is not found (see :mod:`bibkit.evidence.suggest`), else none.
    """
    if project.claims is None:
        return []
    verifier = verifier or Verifier(project, use_cache=use_cache)
    claims_file = project.claims.path or "claims.yaml"
    lines = _read_lines(project.claims.path)
    want_status = set(statuses)
    todo = _links_to_check(project.claims, set(claims), set(sources),
                           include_no_quote or suggest > 0 or "no-quote" in want_status)
    out: list[LinkCheck] = []
    for claim, index, link in track(todo, progress):
        if link.origin == "bib":
            entry = project.bibliography.entries.get(link.key)
            where, column = (entry.file if entry else claims_file), 0
        else:
            where, column = claims_file, _column(lines, link.line)
        result = verifier.check(claim, link, index, where, column)
        if want_status and result.status not in want_status:
            continue
        if suggest > 0:
            result.suggestions = verifier.suggestions(claim, link, suggest) if result.status in SUGGEST_FOR else []
        out.append(result)
    return out


def _links_to_check(claim_set: ClaimSet, want_claims: set[str], want_sources: set[str],
                    no_quote: bool) -> list[tuple[Claim, int, Link]]:
    """(claim, link index, link) of each link the filters keep, in file order; unquoted ones only with ``no_quote``."""
    todo = []
    for claim in claim_set.claims:
        if want_claims and claim.id not in want_claims:
            continue
        for index, link in enumerate(claim.links):
            if want_sources and link.key not in want_sources:
                continue
            if no_quote or (link.quote and link.quote.strip()):
                todo.append((claim, index, link))
    return todo


def quote_checks(project: Project, *, use_cache: bool = True,
                 verifier: Verifier | None = None) -> dict[tuple[str, int, str], LinkCheck]:
    """Every quoted link's check by (claim id, link index, key), for the claim map; empty without full texts."""
    if project.claims is None or not has_fulltexts(project):
        return {}
    if not any(link.quote for claim in project.claims.claims for link in claim.links):
        return {}
    return {(c.claim, c.link_index, c.key): c for c in verify_links(project, use_cache=use_cache, verifier=verifier)}


def link_suggestions(project: Project, n: int, checks: dict[tuple[str, int, str], LinkCheck], *,
                     use_cache: bool = True, verifier: Verifier | None = None
                     ) -> dict[tuple[str, int, str], list[Suggestion]]:
    """Passage suggestions by (claim id, link index, key) for every link without a quote or whose quote
    ``checks`` (from :func:`quote_checks`) says is not found; empty at once when the project has no full texts."""
    if project.claims is None or n <= 0 or not has_fulltexts(project):
        return {}
    verifier = verifier or Verifier(project, use_cache=use_cache)
    out: dict[tuple[str, int, str], list[Suggestion]] = {}
    for claim in project.claims.claims:
        for index, link in enumerate(claim.links):
            check = checks.get((claim.id, index, link.key))
            quoted = bool(link.quote and link.quote.strip())
            if not quoted or (check is not None and check.status == "not-found"):
                found = verifier.suggestions(claim, link, n)
                if found:
                    out[(claim.id, index, link.key)] = found
    return out


def summary(checks: Iterable[LinkCheck], include_no_quote: bool = False) -> dict[str, int]:
    """Count per status (every status present, ``no-quote`` only when asked for)."""
    counts = {s: 0 for s in STATUSES if s != "no-quote" or include_no_quote}
    for c in checks:
        if c.status in counts:
            counts[c.status] += 1
    return counts


def gate_failed(checks: Iterable[LinkCheck], fail_on: str) -> bool:
    """True when a result's status fails the ``--fail-on`` level (a close match that changes a number or a
    negation fails wherever not-found does)."""
    failing = FAIL_ON[fail_on]
    return any(c.status in failing or (c.meaning_changed and "not-found" in failing) for c in checks)


def severity_and_code(check: LinkCheck) -> tuple[Severity, str] | None:
    """The severity and V-code of a finding (None for found and no-quote)."""
    if check.meaning_changed:
        return Severity.ERROR, "V007"
    return CODES.get(check.status)


def diagnostic(check: LinkCheck) -> Diagnostic | None:
    """The V-coded diagnostic for a finding (None for found and no-quote)."""
    if check.status not in CODES:
        return None
    severity, code = severity_and_code(check)
    message = check.message()
    extra = check.details()
    if extra:
        message += " — " + "; ".join(" ".join(x.split()) for x in extra)
    return Diagnostic(check.claims_file, check.line, check.column, severity, code, message, check.claim)


def suggestion_diagnostic(check: LinkCheck) -> Diagnostic | None:
    """V008 (info) when the check's best suggested passage is strong: it likely backs the claim (None otherwise)."""
    if not check.suggestions or not check.suggestions[0].strong:
        return None
    best = check.suggestions[0]
    where = f"p. {best.page}" if best.page else f"PDF page {best.pdf_page}"
    lacking = "has no quote" if check.status == "no-quote" else "has a quote the source does not have"
    message = (f"the link to {check.key} {lacking}; a passage on {where} likely backs claim {check.claim} "
               f"(score {best.score:.2f}): \u201c{_short(best.text)}\u201d")
    return Diagnostic(check.claims_file, check.line, check.column, Severity.INFO, "V008", message, check.claim)


# -- reports -----------------------------------------------------------------------------------

_LABELS = {"found": "found", "found-elsewhere": "found elsewhere", "close": "close", "not-found": "not found",
           "no-fulltext": "without full text", "unreadable": "unreadable", "no-quote": "without a quote"}


def render_text(checks: Sequence[LinkCheck], *, show_all: bool = False, colour: bool = False) -> str:
    """Compiler-style lines for the findings (every link with ``show_all``), then a summary line."""
    import click

    colours = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
    lines = []
    for c in checks:
        if c.status in CODES:
            severity, code = severity_and_code(c)
            label = f"{severity.value} {code}"
            if colour:
                label = click.style(label, fg=colours[severity], bold=severity is Severity.ERROR)
        elif show_all or c.status != "found" and (c.status != "no-quote" or c.suggestions):
            label = click.style(c.status, fg="green") if colour and c.status == "found" else c.status
        else:
            continue
        where = ":".join(str(x) for x in (c.claims_file, c.line, c.column) if x)
        lines.append(f"{printable(where)}: {label} {printable(c.message())}")
        lines.extend(f"    {printable(d)}" for d in c.details())
        lines.extend(f"    {printable(d)}" for d in suggestion_lines(c.suggestions or []))
    counts = summary(checks, include_no_quote=any(c.status == "no-quote" for c in checks))
    quoted = sum(n for s, n in counts.items() if s != "no-quote")
    parts = ", ".join(f"{n} {_LABELS[s]}" for s, n in counts.items())
    lines.append(f"{quoted} quoted link{'s' if quoted != 1 else ''}: {parts}")
    return "\n".join(lines) + "\n"


def suggestion_lines(suggestions: Sequence[Suggestion]) -> list[str]:
    """One line per suggested passage: its rank, page, score, whether it is strong, and its text."""
    out = []
    for i, sug in enumerate(suggestions, 1):
        where = f"p. {sug.page}" if sug.page else f"PDF page {sug.pdf_page}"
        strong = ", strong" if sug.strong else ""
        out.append(f"suggested passage {i} ({where}, score {sug.score:.2f}{strong}): {_short(sug.text, 400)}")
    return out


def render_json(checks: Sequence[LinkCheck], *, include_no_quote: bool = False) -> str:
    """The JSON shape of docs/formats.md, "JSON shapes"."""
    doc = {"format": 1, "links": [c.to_dict() for c in checks],
           "summary": summary(checks, include_no_quote=include_no_quote)}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
