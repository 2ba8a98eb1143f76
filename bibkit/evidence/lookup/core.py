"""``bibkit lookup``: ask Crossref and OpenAlex about each entry and say what their answers mean.

One status per entry (docs/formats.md, "bibkit lookup"):

- ``confirmed``: a record matches the entry (by its DOI, or found by title with authors and year agreeing);
- ``mismatch``: the entry's DOI names the same work, but fields disagree (``differences``);
- ``wrong-doi``: the entry's DOI belongs to another work, or is registered nowhere while a search
  finds the work under another DOI (``suggested.doi`` when the search found it);
- ``missing-doi``: no DOI in the entry, and a registry holds the work with one (``suggested.doi``);
- ``not-found``: no registry asked knows the work by its DOI or its title. A finding for a person to
  check, never a verdict: many real books, theses and reports are in no registry;
- ``no-answer``: a registry could not be reached or kept failing; never reported as ``not-found``.

Independent of the status, ``notices``: retractions, corrections, expressions of concern and
withdrawals, from Crossref's ``updated-by``, OpenAlex's ``is_retracted`` and a Retraction Watch CSV.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence
from urllib.parse import quote

from bibkit.evidence.lookup.http import Answer, Registry
from bibkit.evidence.lookup.matching import (Facts, differences, facts, is_same_work, registry_text,
                                             title_similarity)
from bibkit.evidence.lookup.records import Notice, Work, from_crossref, from_openalex
from bibkit.evidence.lookup.retractions import DEFAULT_URL as RETRACTIONS_URL
from bibkit.evidence.lookup.retractions import load_index
from bibkit.evidence.lookup.store import Store
from bibkit.infra.progress import ProgressFn
from bibkit.model import Entry

STATUSES = ("confirmed", "mismatch", "wrong-doi", "missing-doi", "not-found", "no-answer")
DEFAULT_URLS = {"crossref": "https://api.crossref.org", "openalex": "https://api.openalex.org"}
SEARCH_ROWS = 5
#: DOIs asked of Crossref in one ``/works?filter=doi:A,doi:B,...`` request.
BATCH = 20


@dataclass
class Settings:
    """How to ask: base URLs (None disables a registry), politeness, limits, cache and retractions file."""

    crossref_url: str | None = DEFAULT_URLS["crossref"]
    openalex_url: str | None = DEFAULT_URLS["openalex"]
    mailto: str | None = None
    retractions: str | None = None
    timeout: float = 20.0
    concurrency: int = 4
    attempts: int = 3
    backoff: float = 1.0
    offline: bool = False
    max_age: float | None = None  # seconds; older cached answers are asked again
    cache: bool = True
    cache_path: str | None = None  # default: lookup.sqlite in bibkit's cache folder
    retractions_url: str = RETRACTIONS_URL

    def urls(self) -> dict[str, str]:
        """The registries in the order they are asked, with their base URLs (disabled ones left out)."""
        return {name: url for name, url in (("crossref", self.crossref_url), ("openalex", self.openalex_url)) if url}


@dataclass
class Result:
    """What the registries say about one entry."""

    key: str
    file: str
    line: int
    status: str
    registry: str | None = None
    record: Work | None = None
    differences: dict[str, dict[str, str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    suggested_doi: str | None = None
    doi: str | None = None
    doi_exists: bool | None = None
    notices: list[Notice] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)
    reason: str = ""

    @property
    def retracted(self) -> bool:
        """True when a notice retracts or withdraws the work."""
        return any(n.type in ("retraction", "withdrawal") for n in self.notices)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of docs/formats.md ("bibkit lookup")."""
        out: dict[str, Any] = {"key": self.key, "file": self.file, "line": self.line, "status": self.status,
                               "registry": self.registry, "asked": list(self.asked)}
        if self.record is not None:
            out["record"] = self.record.to_dict()
        if self.differences:
            out["differences"] = self.differences
        if self.suggested_doi:
            out["suggested"] = {"doi": self.suggested_doi}
        if self.doi:
            out["doi"] = self.doi
            out["doi_exists"] = self.doi_exists
        out["notices"] = [n.to_dict() for n in self.notices]
        if self.notes:
            out["notes"] = list(self.notes)
        if self.reason:
            out["reason"] = self.reason
        return out


class Registries:
    """The registries of one run, with their shared cache."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = Store(settings.cache_path, read_only=settings.offline) if settings.cache else None
        self.by_name = {name: Registry(name, url, mailto=settings.mailto, timeout=settings.timeout,
                                       attempts=settings.attempts, backoff=settings.backoff,
                                       concurrency=settings.concurrency, store=self.store, offline=settings.offline,
                                       max_age=settings.max_age)
                        for name, url in settings.urls().items()}

    def close(self) -> None:
        """Close connections and the cache."""
        for registry in self.by_name.values():
            registry.close()
        if self.store is not None:
            self.store.close()

    @property
    def requests(self) -> int:
        """HTTP requests sent so far, over all registries."""
        return sum(r.requests for r in self.by_name.values())


def lookup_entries(entries: Sequence[Entry], settings: Settings, progress: ProgressFn | None = None) -> list[Result]:
    """Every entry looked up (``concurrency`` at a time), in the entries' order."""
    registries = Registries(settings)
    index = load_index(settings.retractions) if settings.retractions else {}
    try:
        if not settings.offline:
            prefetch_crossref(entries, registries)
        results = run(entries, registries, index, progress)
        if registries.store is not None and not settings.offline:
            answered = {r.key for r in results if r.status != "no-answer"}
            registries.store.mark_entries([fingerprint(e) for e in entries if e.key in answered])
        return results
    finally:
        registries.close()


#: The fields whose values decide a lookup's result (an entry changed in any of them is looked up anew).
FINGERPRINT_FIELDS = ("doi", "title", "author", "editor", "year", "date", "journal", "journaltitle", "booktitle",
                      "volume", "number", "issue", "pages")


def fingerprint(entry: Entry) -> str:
    """A short hash of the raw values that decide an entry's lookup (no decoding: cheap for 100,000 entries)."""
    import hashlib

    raw = "\0".join(entry.get(name) or "" for name in FINGERPRINT_FIELDS)
    return hashlib.sha1(raw.encode("utf-8", "surrogatepass")).hexdigest()[:20]


def run(entries: Sequence[Entry], registries: Registries, index: dict[str, tuple[Notice, ...]],
        progress: ProgressFn | None = None) -> list[Result]:
    """Look up ``entries`` with registries already open (the benchmark counts their requests)."""
    if registries.settings.offline:  # the cache alone: no waiting to overlap, threads would only cost
        done_results = []
        for i, entry in enumerate(entries, start=1):
            done_results.append(look_up(entry, registries, index))
            if progress is not None:
                progress(i, len(entries))
        return done_results
    results: list[Result | None] = [None] * len(entries)
    workers = max(1, registries.settings.concurrency)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(look_up, entry, registries, index): i for i, entry in enumerate(entries)}
        for done, future in enumerate(as_completed(futures), start=1):
            results[futures[future]] = future.result()
            if progress is not None:
                progress(done, len(entries))
    return [r for r in results if r is not None]


def doi_path(doi: str) -> str:
    """The Crossref ``/works/{doi}`` path of a DOI."""
    return f"/works/{quote(doi, safe='/:;()<>[]')}"


def prefetch_crossref(entries: Sequence[Entry], registries: Registries) -> None:
    """Ask Crossref for the entries' DOIs ``BATCH`` at a time (``/works?filter=doi:A,doi:B``, one request instead
    of twenty), and keep each record it returns as the answer to its ``/works/{doi}``.

    Only records found count: a DOI missing from a batch is asked on its own later (its 404 is the answer
    that says Crossref does not hold it), and a batch that fails changes nothing but the time.
    """
    crossref = registries.by_name.get("crossref")
    if crossref is None:
        return
    import re

    dois = []
    for entry in entries:
        doi = facts_doi(entry)
        if doi and not re.search(r"[,\s]", doi) and not crossref.cached(doi_path(doi)):
            dois.append(doi)
    dois = list(dict.fromkeys(dois))
    if len(dois) < 2:
        return
    batches = [dois[i:i + BATCH] for i in range(0, len(dois), BATCH)]

    def one(batch: list[str]) -> None:
        answer = crossref.get("/works", {"filter": ",".join(f"doi:{d}" for d in batch), "rows": str(len(batch))},
                              cache=False)
        try:
            items = answer.data["message"]["items"] if answer.status == "ok" else []
        except (TypeError, KeyError):
            return
        wanted = set(batch)
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("DOI"), str):
                doi = item["DOI"].lower()
                if doi in wanted:
                    crossref.preload(doi_path(doi), {"status": "ok", "message-type": "work", "message": item})

    with ThreadPoolExecutor(max_workers=max(1, registries.settings.concurrency)) as pool:
        list(pool.map(one, batches))


def facts_doi(entry: Entry) -> str | None:
    """The entry's DOI as the lookup asks for it (lower case, no URL prefix), or None."""
    from bibkit.bib.identity import normalise_doi

    doi = (entry.get("doi") or "").strip()
    return normalise_doi(doi) if doi else None


def look_up(entry: Entry, registries: Registries, index: dict[str, tuple[Notice, ...]]) -> Result:
    """One entry: its DOI asked first, then a search by title when the DOI does not settle it."""
    mine = facts(entry)
    result = Result(entry.key, entry.file, entry.line, "not-found", doi=mine.doi)
    failures: list[str] = []
    if not registries.by_name:
        result.status, result.reason = "no-answer", "every registry is disabled"
        return result
    if mine.doi:
        record = by_doi(mine.doi, registries, result, failures)
        if record is not None and is_same_work(mine, record, by_doi=True):
            result.record, result.registry = record, record.registry
            result.differences, result.notes = differences(mine, record)
            result.status = "mismatch" if result.differences else "confirmed"
        else:
            found = search(mine, registries, result, failures)
            if record is not None:  # the DOI is someone else's
                result.status = "wrong-doi"
                result.record, result.registry = record, record.registry
                if found is not None and found.doi and found.doi != mine.doi:
                    result.suggested_doi = found.doi
            elif found is not None and found.doi and found.doi != mine.doi and not failures:
                result.status = "wrong-doi"  # registered nowhere, but the work is, under another DOI
                result.record, result.registry, result.suggested_doi = found, found.registry, found.doi
            elif found is not None and not failures:  # found by title, with no DOI or with the entry's own
                result.record, result.registry = found, found.registry
                if found.doi:  # the entry's DOI: a registry's DOI index lagging behind its search
                    result.differences, result.notes = differences(mine, found)
                result.status = "mismatch" if result.differences else "confirmed"
                result.notes.append("no registry asked answered for the entry's DOI; the work is found by title"
                                    + (" under that DOI" if found.doi else ""))
            else:
                result.status = "no-answer" if failures else "not-found"
    else:
        found = search(mine, registries, result, failures)
        if found is not None:
            result.record, result.registry = found, found.registry
            if found.doi:
                result.status, result.suggested_doi = "missing-doi", found.doi
            else:
                result.status = "confirmed"
        else:
            result.status = "no-answer" if failures else "not-found"
    if result.status == "no-answer":
        result.reason = "; ".join(failures)
    elif result.status == "not-found" and not mine.title and not mine.doi:
        result.notes.append("the entry has neither a DOI nor a title to look up")
    result.notices = notices_for(result, mine, index)
    if result.record is not None and result.record.is_notice_for:
        result.notes.append(f"the registry's record is itself a notice about {', '.join(result.record.is_notice_for)}")
    return result


def by_doi(doi: str, registries: Registries, result: Result, failures: list[str]) -> Work | None:
    """The record the DOI names, from the first registry that has it; sets ``doi_exists``."""
    for name, registry in registries.by_name.items():
        result.asked.append(name)
        if name == "crossref":
            answer = registry.get(doi_path(doi))
        else:
            answer = registry.get(f"/works/doi:{quote(doi, safe='/:;()<>[]')}")
        work = _work(name, answer, single=True)
        if answer.status == "failed" or (answer.status == "ok" and work is None):
            failures.append(f"{name}: {answer.reason or 'an answer that is not a work record'}")
            continue
        if work is not None:
            result.doi_exists = True
            return work
        if result.doi_exists is None:
            result.doi_exists = False
    if failures and result.doi_exists is False:
        result.doi_exists = None  # one registry did not answer: unknown
    return None


def search(mine: Facts, registries: Registries, result: Result, failures: list[str]) -> Work | None:
    """The best record a search by title (with first author, year and container) finds, if it is the entry's work."""
    if not mine.title.strip():
        return None
    for name, registry in registries.by_name.items():
        if name not in result.asked:
            result.asked.append(name)
        if name == "crossref":
            words = " ".join(x for x in (mine.title, mine.authors[0] if mine.authors else "",
                                          str(mine.year or ""), mine.container) if x)
            answer = registry.get("/works", {"query.bibliographic": words, "rows": str(SEARCH_ROWS)})
        else:
            answer = registry.get("/works", {"search": mine.title, "per_page": str(SEARCH_ROWS)})
        if answer.status == "failed":
            failures.append(f"{name}: {answer.reason}")
            continue
        candidates = _works(name, answer)
        if candidates is None:
            failures.append(f"{name}: a search answer without a list of works")
            continue
        matching = [w for w in candidates if is_same_work(mine, w, by_doi=False)]
        if matching:
            return max(matching, key=lambda w: title_similarity(mine.title, registry_text(w.title)))
    return None


def _work(name: str, answer: Answer, single: bool) -> Work | None:
    """The record in a DOI answer (None when absent or not a record)."""
    if answer.status != "ok" or not isinstance(answer.data, dict):
        return None
    try:
        if name == "crossref":
            message = answer.data.get("message")
            return from_crossref(message) if isinstance(message, dict) and "DOI" in message else None
        return from_openalex(answer.data) if "id" in answer.data else None
    except (TypeError, ValueError, AttributeError):
        return None


def _works(name: str, answer: Answer) -> list[Work] | None:
    """The records of a search answer ([] when absent), None when the answer is not a search result."""
    if answer.status == "absent":
        return []
    data = answer.data
    try:
        if name == "crossref":
            items = data["message"]["items"]
            return [from_crossref(i) for i in items if isinstance(i, dict)]
        return [from_openalex(i) for i in data["results"] if isinstance(i, dict)]
    except (TypeError, KeyError, ValueError, AttributeError):
        return None


def notices_for(result: Result, mine: Facts, index: dict[str, tuple[Notice, ...]]) -> list[Notice]:
    """The record's notices, then Retraction Watch's for the entry's DOI (or the work's), each once."""
    out: list[Notice] = []
    same_work = result.status in ("confirmed", "mismatch", "missing-doi")
    if result.record is not None and same_work:
        out.extend(result.record.notices)
    dois = [d for d in (mine.doi if result.status != "wrong-doi" else None,
                        result.record.doi if result.record is not None and same_work else None) if d]
    for doi in dict.fromkeys(dois):
        out.extend(index.get(doi, ()))
    seen: set[tuple[str, str | None]] = set()
    unique = []
    for n in out:
        if (n.type, n.doi) in seen and n.doi is not None:
            continue
        seen.add((n.type, n.doi))
        unique.append(n)
    return unique


def summary(results: Iterable[Result]) -> dict[str, int]:
    """How many entries have each status, and how many have a retraction notice."""
    counts = dict.fromkeys(STATUSES, 0)
    retracted = 0
    for r in results:
        counts[r.status] += 1
        retracted += r.retracted
    counts["retracted"] = retracted
    return counts


def settings_from(section: dict[str, Any], where: str, root: str = ".") -> Settings:
    """Settings from ``[lookup]`` in the config and the ``BIBKIT_*`` environment variables (which win)."""
    from bibkit.infra.errors import BibkitError

    settings = Settings()
    for name in ("crossref_url", "openalex_url", "mailto", "retractions"):
        value = section.get(name)
        if value is not None and not isinstance(value, str):
            raise BibkitError(f"{where} {name} must be text")
        if value is not None:
            setattr(settings, name, value.strip() or None)
    for name in ("timeout", "concurrency"):
        value = section.get(name)
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise BibkitError(f"{where} {name} must be a positive number")
            setattr(settings, name, int(value) if name == "concurrency" else float(value))
    for name, env in (("crossref_url", "BIBKIT_CROSSREF_URL"), ("openalex_url", "BIBKIT_OPENALEX_URL"),
                      ("mailto", "BIBKIT_MAILTO")):
        if env in os.environ:
            setattr(settings, name, os.environ[env].strip() or None)
    if settings.retractions and not os.path.isabs(settings.retractions) and section.get("retractions"):
        settings.retractions = os.path.join(root, settings.retractions)
    if settings.retractions is None:
        from bibkit.evidence.lookup.retractions import cached_path

        if os.path.exists(cached_path()):  # downloaded by --update-retractions
            settings.retractions = cached_path()
    value = section.get("retractions_url")
    if value is not None and not isinstance(value, str):
        raise BibkitError(f"{where} retractions_url must be text")
    settings.retractions_url = os.environ.get("BIBKIT_RETRACTIONS_URL") or value or settings.retractions_url
    return settings
