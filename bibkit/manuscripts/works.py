"""What a citation in a Word or HTML document points at, and how it is matched to a bibliography key.

A Word document carries its sources inside its citations (Zotero's and Mendeley's CSL-JSON, EndNote's
XML, Word's own sources); an HTML article points at them with links and a reference list. Each of
those becomes a :class:`CitedWork`. :class:`WorkIndex` matches works to bibliography entries in this
order: Better BibTeX citekey, DOI, title + year + first author's family name (exactly as ``bibkit
import`` detects duplicates), URL, and for free-text references (footnotes, reference lists) the
entry whose title the text contains along with its year or first author. An unmatched work keeps a
stable provisional key that is never a bibliography key, so it is reported as missing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from bibkit.bib.identity import first_author_family, normalise_title, plain
from bibkit.infra.errors import BibkitError
from bibkit.model import Bibliography, Entry

_DOI_IN_TEXT = re.compile(r"\b(10\.\d{4,9}/[^\s\"'<>]+)", re.I)
_DOI_URL = re.compile(r"^(?:(?:https?:)?//)?(?:www\.)?(?:dx\.)?doi\.org/|^doi:\s*|^info:doi/", re.I)
_CITEKEY_NOTE = re.compile(r"^\s*Citation Key:\s*(\S+)\s*$", re.I | re.M)
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)")


def normalise_doi(value: str) -> str | None:
    """A DOI without ``https://doi.org/``, ``dx.doi.org/``, ``doi:`` or URL escapes, lower-cased; None if not one."""
    text = unquote(value.strip())
    text = _DOI_URL.sub("", text).strip().rstrip(".,;)")
    return text.lower() if re.match(r"^10\.\d{4,9}/\S+$", text) else None


def normalise_url(value: str) -> str | None:
    """A URL compared loosely: no scheme, no ``www.``, lower-case host, no trailing slash or fragment."""
    text = value.strip()
    if not re.match(r"^(?:https?:)?//|^www\.", text, re.I):
        return None
    if text.startswith("www."):
        text = "http://" + text
    parts = urlsplit(text if "://" in text else "http:" + text)
    host = parts.netloc.lower()
    host = host[4:] if host.startswith("www.") else host
    host = host.rsplit("@", 1)[-1]
    if host.endswith(":80") or host.endswith(":443"):
        host = host.rsplit(":", 1)[0]
    path = unquote(parts.path).rstrip("/")
    query = f"?{parts.query}" if parts.query else ""
    return f"{host}{path}{query}" if host else None


def doi_of_url(url: str) -> str | None:
    """The DOI a ``doi.org`` link (or a ``doi:`` URI) points at."""
    if _DOI_URL.match(url.strip()):
        return normalise_doi(url)
    return None


@dataclass
class CitedWork:
    """One cited source as the document describes it: CSL data, a key, a DOI, a URL or reference text."""

    via: str  # zotero | mendeley | word | endnote | hyperlink | footnote | endnote-note | reference-list | cite
    csl: dict | None = None
    citekey: str | None = None
    doi: str | None = None
    url: str | None = None
    text: str | None = None
    uris: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        """The work's title, if the document gives one."""
        return _s(self.csl.get("title")) if self.csl else ""

    @property
    def year(self) -> str:
        """The year of publication, if given."""
        if self.csl:
            issued = self.csl.get("issued")
            if isinstance(issued, dict):
                parts = issued.get("date-parts")
                if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
                    return str(parts[0][0])
                issued = issued.get("raw") or issued.get("literal")
            m = _YEAR.search(str(issued or ""))
            return m.group(1) if m else ""
        m = _YEAR.search(self.text or "")
        return m.group(1) if m else ""

    @property
    def author(self) -> str:
        """The first author's (or editor's) family name or literal name."""
        if not self.csl:
            return ""
        for role in ("author", "editor"):
            names = self.csl.get(role)
            if isinstance(names, list) and names and isinstance(names[0], dict):
                first = names[0]
                family = _s(first.get("family")) or _s(first.get("literal"))
                particle = _s(first.get("non-dropping-particle"))
                return f"{particle} {family}".strip()
        return ""

    def describe(self) -> dict:
        """What the document says the work is (author, year, title, DOI, URL, text), without empty values."""
        data = {"author": self.author, "year": self.year, "title": self.title, "doi": self.doi or "",
                "url": self.url or ""}
        if not self.csl and self.text:
            data["text"] = " ".join(self.text.split())[:300]
        return {k: v for k, v in data.items() if v}

    def label(self) -> str:
        """One line for people: ``Dikötter 2010, “Mao's Great Famine”`` or the DOI, URL or text."""
        head = " ".join(x for x in (self.author, self.year) if x)
        if self.title:
            return f"{head}, \u201c{self.title}\u201d" if head else f"\u201c{self.title}\u201d"
        if self.doi:
            return f"doi:{self.doi}"
        if self.url:
            return self.url
        return " ".join((self.text or "").split())[:80]


def _s(value: object) -> str:
    if value is None or isinstance(value, (dict, list)):
        return ""
    return str(value).strip()


def csl_work(item: dict, via: str, uris: tuple[str, ...] = ()) -> CitedWork:
    """A CSL-JSON item as a cited work: citekey from ``citation-key``/``citationKey`` or a note's ``Citation Key:``."""
    citekey = _s(item.get("citation-key")) or _s(item.get("citationKey"))
    if not citekey:
        m = _CITEKEY_NOTE.search(_s(item.get("note")) or _s(item.get("extra")))
        citekey = m.group(1) if m else ""
    doi = normalise_doi(_s(item.get("DOI"))) if item.get("DOI") else None
    return CitedWork(via, csl=item, citekey=citekey or None, doi=doi, url=_s(item.get("URL")) or None, uris=uris)


def csl_for_import(work: CitedWork) -> dict:
    """The work's CSL item ready for ``bibkit import``: its id is the citekey (or none), the note's key line dropped.

    Zotero's ids are database numbers and Mendeley's are ``ITEM-1`` in every citation, so neither may
    become a bibliography key.
    """
    item = {k: v for k, v in (work.csl or {}).items() if k not in ("id", "citation-key", "citationKey")}
    if work.citekey:
        item["id"] = work.citekey
    note = _s(item.get("note"))
    if note and _CITEKEY_NOTE.search(note):
        rest = _CITEKEY_NOTE.sub("", note).strip()
        if rest:
            item["note"] = rest
        else:
            item.pop("note")
    return item


@dataclass
class Match:
    """The bibliography key a work stands for, and how it was found (``None`` key: not in the bibliography)."""

    key: str | None
    by: str | None  # citekey | doi | title | url | text


@dataclass
class WorkIndex:
    """The bibliography's entries indexed by key, DOI, (title, year, first author) and URL."""

    keys: dict[str, Entry] = field(default_factory=dict)
    by_doi: dict[str, str] = field(default_factory=dict)
    by_triple: dict[tuple[str, str, str], str] = field(default_factory=dict)
    by_url: dict[str, str] = field(default_factory=dict)
    titles: list[tuple[str, str, str, str]] = field(default_factory=list)  # (plain title, year, family, key)
    _provisional: dict[str, str] = field(default_factory=dict)
    _taken: set[str] = field(default_factory=set)  # lower-cased keys of entries and provisional keys
    _suffix: dict[str, int] = field(default_factory=dict)  # last number tried after a provisional key
    _entries: dict[str, object] = field(default_factory=dict)  # CSL data -> Entry (or None)

    @classmethod
    def build(cls, bibliography: Bibliography | None) -> "WorkIndex":
        """Index a bibliography (``None``: an empty index, so every work is unmatched)."""
        index = cls()
        if bibliography is None:
            return index
        from bibkit.interchange.importer import identity

        for key, entry in bibliography.entries.items():
            index.keys[key] = entry
            doi, triple = identity(entry)
            if doi:
                index.by_doi.setdefault(doi.lower(), key)
            if triple:
                index.by_triple.setdefault(triple, key)
            for name in ("url", "howpublished"):
                value = entry.get(name) or ""
                value = re.sub(r"^\\url\{(.*)\}$", r"\1", value.strip())
                url = normalise_url(value)
                if url:
                    doi_from_url = doi_of_url(value)
                    if doi_from_url:
                        index.by_doi.setdefault(doi_from_url, key)
                    index.by_url.setdefault(url, key)
            title = normalise_title(entry.get("title") or "")
            if len(title) >= 12:
                year = (entry.get("year") or entry.get("date") or "")[:4]
                index.titles.append((title, year, first_author_family(entry), key))
        return index

    def match(self, work: CitedWork) -> Match:
        """The entry a work stands for: citekey, then DOI, then title + year + first author, then URL, then text."""
        if work.citekey and work.citekey in self.keys:
            return Match(work.citekey, "citekey")
        if work.doi and work.doi in self.by_doi:
            return Match(self.by_doi[work.doi], "doi")
        if work.csl:
            triple = self._triple(work)
            if triple and triple in self.by_triple:
                return Match(self.by_triple[triple], "title")
        if work.url:
            url = normalise_url(work.url)
            if url and url in self.by_url:
                return Match(self.by_url[url], "url")
        if work.via == "cite" and work.text:
            flat = plain(work.text)
            key = next((k for title, _y, _f, k in self.titles if title == flat), None)
            return Match(key, "title" if key else None)
        if work.text and not work.csl:
            key = self._text_match(work.text)
            if key:
                return Match(key, "text")
        return Match(None, None)

    def _entry(self, work: CitedWork):
        """The work as ``bibkit import`` would write it (a parsed Entry), or None if it cannot be; cached."""
        from bibkit.interchange.importer import read_csl_items, record_entry

        ident = repr(sorted((k, repr(v)) for k, v in (work.csl or {}).items()))
        if ident not in self._entries:
            try:
                self._entries[ident] = record_entry(read_csl_items([csl_for_import(work)], "<document>")[0])
            except (BibkitError, ValueError, TypeError, KeyError, AttributeError):
                self._entries[ident] = None
        return self._entries[ident]

    def _triple(self, work: CitedWork) -> tuple[str, str, str] | None:
        """(title, year, first author family) of a CSL work, computed the way ``bibkit import`` does."""
        from bibkit.interchange.importer import identity

        entry = self._entry(work)
        return identity(entry)[1] if entry is not None else None

    def _text_match(self, text: str) -> str | None:
        """The entry whose whole title the reference text contains, with its year or first author's name."""
        flat = plain(text)
        years = set(_YEAR.findall(text))
        best: tuple[int, str] | None = None
        for title, year, family, key in self.titles:
            if title in flat and ((year and year in years) or (family and family in flat)):
                if best is None or len(title) > best[0]:
                    best = (len(title), key)
        return best[1] if best else None

    def provisional_key(self, work: CitedWork) -> str:
        """A key for an unmatched work: its citekey, ``doi:...``, or ``author+year+title word``, never a bibliography key."""
        ident = work.citekey or (self._import_key(work) if work.csl else "") or (
            f"doi:{work.doi}" if work.doi else "") or (f"url:{normalise_url(work.url)}" if work.url else "")
        if not ident:
            text = work.text or work.title or "untitled"
            ident = "ref:" + (re.sub(r"[^a-z0-9]+", "-", _ascii(text).lower()).strip("-")[:40] or "untitled")
        fingerprint = repr((work.citekey, work.doi, work.url, work.title, work.year, work.author, work.text))
        if fingerprint in self._provisional:
            return self._provisional[fingerprint]
        if not self._taken:
            self._taken.update(k.lower() for k in self.keys)
        key, n = ident, self._suffix.get(ident, 1)
        while key.lower() in self._taken:
            n += 1
            key = f"{ident}-{n}"
        self._suffix[ident] = n
        self._provisional[fingerprint] = key
        self._taken.add(key.lower())
        return key


    def _import_key(self, work: CitedWork) -> str:
        """The key ``bibkit import`` would give the work (``{author}{year}{title}``), so a later import agrees."""
        from bibkit.interchange.importer import DEFAULT_KEY_PATTERN, make_key

        entry = self._entry(work)
        return make_key(entry, DEFAULT_KEY_PATTERN, set()) if entry is not None else ""


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def doi_in_text(text: str) -> str | None:
    """The first DOI written in a piece of text."""
    m = _DOI_IN_TEXT.search(text)
    return normalise_doi(m.group(1)) if m else None
