"""Analyse manuscripts: cited, missing and uncited keys, sentences that need a source, claims from the text."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from bibkit.bib.key_index import hint_text, suggestions
from bibkit.infra.diagnostics import Diagnostic, Severity
from bibkit.manuscripts import read_manuscript
from bibkit.manuscripts.base import Citation, Manuscript, Sentence
from bibkit.manuscripts.markdown import anchor_in, text_forms
from bibkit.manuscripts.cite_model import LONE, decide, sentence_contexts
from bibkit.model import Bibliography, Claim, ClaimSet, Document, Link

# JSON format of `bibkit scan --format json` (docs/formats.md, "JSON shapes"). 1: first version.
FORMAT = 1


@dataclass(slots=True)
class Finding:
    """An uncited sentence that may need a source."""

    line: int
    text: str
    reason: str
    sentence: Sentence

    def to_dict(self) -> dict:
        """The JSON shape of docs/formats.md, "JSON shapes"."""
        return {"line": self.line, "column": self.sentence.column, "text": self.text, "reason": self.reason}


@dataclass
class DocumentScan:
    """What one manuscript cites and which of its sentences need a source."""

    manuscript: Manuscript
    missing_keys: list[str] = field(default_factory=list)
    needs_citation: list[Finding] = field(default_factory=list)

    @property
    def path(self) -> str:
        """The manuscript's path as given."""
        return self.manuscript.path

    @property
    def cited_keys(self) -> list[str]:
        """Distinct cited keys in order of first citation."""
        return self.manuscript.cited_keys

    @property
    def citations(self) -> list[Citation]:
        """Every citation, in file order."""
        return self.manuscript.citations

    def to_dict(self) -> dict:
        """The JSON shape of docs/formats.md, "JSON shapes"."""
        return {
            "path": self.path,
            "cited_keys": self.cited_keys,
            "missing_keys": self.missing_keys,
            "citations": [c.to_dict() for c in self.citations],
            "needs_citation": [{**f.to_dict(), **self.manuscript.location(f.sentence.start)}
                               for f in self.needs_citation],
            "sentences": len([s for s in self.manuscript.sentences if not s.heading]),
            **({"warnings": [w.to_dict() for w in warnings]} if (warnings := getattr(self.manuscript, "warnings", None))
               else {}),
        }


@dataclass
class ScanResult:
    """The scan of one or more manuscripts against a bibliography."""

    documents: list[DocumentScan]
    uncited_keys: list[str]
    #: missing key -> the closest bibliography key (or None), as ``check`` suggests for claims (C008)
    closest: dict[str, str | None] = field(default_factory=dict)

    def did_you_mean(self, key: str) -> str:
        """`` (did you mean KEY?)`` for a missing key with a close bibliography key, else ''."""
        return hint_text(self.closest.get(key))

    @property
    def missing(self) -> int:
        """How many (document, missing key) pairs there are."""
        return sum(len(d.missing_keys) for d in self.documents)

    @property
    def flagged(self) -> int:
        """How many sentences may need a citation."""
        return sum(len(d.needs_citation) for d in self.documents)

    def to_dict(self) -> dict:
        """The JSON document of ``bibkit scan --format json``."""
        return {"format": FORMAT, "documents": [d.to_dict() for d in self.documents],
                "uncited_keys": self.uncited_keys}


def find_needs_citation(manuscript: Manuscript, threshold: float | None = None) -> list[Finding]:
    """The uncited, non-heading sentences the needs-citation check flags (at ``threshold``), in file order."""
    out = []
    contexts = sentence_contexts(manuscript.sentences, lambda s: bool(s.citations))
    for s, ctx in zip(manuscript.sentences, contexts):
        flag = decide(s.text, cited=bool(s.citations), heading=s.heading, threshold=threshold, context=ctx or LONE)
        if flag is not None:
            out.append(Finding(s.line, s.text, flag.reason, s))
    return out


def scan_manuscripts(manuscripts: Sequence[Manuscript], bibliography: Bibliography | None,
                     threshold: float | None = None) -> ScanResult:
    """Cited, missing and uncited keys and flagged sentences (at ``threshold``, the model's default when None);
    without a bibliography nothing is missing."""
    docs = []
    cited: set[str] = set()
    cite_all = False
    for m in manuscripts:
        missing = [k for k in m.cited_keys if bibliography is not None and k not in bibliography]
        docs.append(DocumentScan(m, missing, find_needs_citation(m, threshold)))
        cited.update(m.cited_keys)
        cite_all = cite_all or m.nocite_all
    uncited = [] if bibliography is None or cite_all else [k for k in bibliography.entries if k not in cited]
    missing_keys = [k for d in docs for k in d.missing_keys]
    closest = suggestions(bibliography.entries, missing_keys) if bibliography is not None and missing_keys else {}
    return ScanResult(docs, uncited, closest)


def scan(paths: Iterable[str], bibliography: Bibliography | None, threshold: float | None = None) -> ScanResult:
    """Read and scan manuscript files."""
    return scan_manuscripts([read_manuscript(p, bibliography=bibliography) for p in paths], bibliography, threshold)


def cited_keys(paths: Iterable[str], bibliography: Bibliography) -> list[str]:
    """The keys the manuscripts cite, in order of first citation (every entry for ``nocite: '@*'``).

    Word and HTML citations are matched to ``bibliography`` as ``scan`` does.
    """
    manuscripts = [read_manuscript(p, bibliography=bibliography) for p in paths]
    if any(m.nocite_all for m in manuscripts):
        return list(bibliography.entries)
    return list(dict.fromkeys(k for m in manuscripts for k in m.cited_keys))


def diagnostics(result: ScanResult, bibliography: Bibliography | None = None) -> list[Diagnostic]:
    """M001 for each citation of a missing key, M002 (info) for each flagged sentence.

    With the ``bibliography`` scanned against, also M004 (info) at each entry no manuscript cites.
    """
    out: list[Diagnostic] = []
    for doc in result.documents:
        out.extend(getattr(doc.manuscript, "warnings", []))
        missing = set(doc.missing_keys)
        for c in doc.citations:
            if c.key in missing:
                what = c.describe() if hasattr(c, "describe") else ""
                out.append(Diagnostic(doc.path, c.line, c.column, Severity.ERROR, "M001",
                                      f"cited key {c.key}{f' ({what})' if what else ''} is not in the bibliography"
                                      f"{result.did_you_mean(c.key)}", c.key))
        for f in doc.needs_citation:
            out.append(Diagnostic(doc.path, f.line, f.sentence.column, Severity.INFO, "M002",
                                  f"sentence may need a citation ({f.reason}): {shorten(f.text)}"))
    if bibliography is not None:
        for key in result.uncited_keys:
            entry = bibliography.entries[key]
            out.append(Diagnostic(entry.file, entry.line, entry.column, Severity.INFO, "M004",
                                  f"{key} is never cited", key))
    return out


def shorten(text: str, width: int = 72) -> str:
    """Text cut at a word boundary to about ``width`` characters, with ``...`` when cut."""
    if len(text) <= width:
        return text
    cut = text[:width].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "..."


# -- claims from a manuscript ----------------------------------------------


def claim_id(text: str, words: int = 5) -> str:
    """A stable claim id from a sentence: its first words as a slug plus a short hash of the whole text."""
    norm = " ".join(text.split())
    ascii_text = unicodedata.normalize("NFKD", norm).encode("ascii", "ignore").decode().lower()
    slug = "-".join(re.findall(r"[a-z0-9]+", re.sub(r"@\S+", "", ascii_text))[:words]) or "claim"
    digest = hashlib.sha1(norm.encode("utf-8")).hexdigest()[:6]
    return f"{slug}-{digest}"


def _norm(text: str) -> str:
    return " ".join(text.split())


def sentence_links(sentence: Sentence) -> list[Link]:
    """One ``supports`` link per distinct (key, locator) the sentence cites, unverified."""
    links: list[Link] = []
    seen: set[tuple[str, str | None]] = set()
    for c in sentence.citations:
        if (c.key, c.locator) in seen:
            continue
        seen.add((c.key, c.locator))
        links.append(Link(key=c.key, locator=c.locator, line=c.line, origin="manuscript"))
    return links


def manuscript_claims(manuscript: Manuscript, threshold: float | None = None
                      ) -> list[tuple[Claim, Sentence, str | None]]:
    """Each cited sentence as a claim with links; each sentence scan flags (at ``threshold``) as an unsourced
    claim (with its reason)."""
    out: list[tuple[Claim, Sentence, str | None]] = []
    used: set[str] = set()
    contexts = sentence_contexts(manuscript.sentences, lambda s: bool(s.citations))
    for s, ctx in zip(manuscript.sentences, contexts):
        if s.heading:
            continue
        reason = None
        if not s.citations:
            flag = decide(s.text, heading=s.heading, threshold=threshold, context=ctx or LONE)
            if flag is None:
                continue
            reason = flag.reason
        cid = claim_id(s.text)
        n = 2
        base = cid
        while cid in used:
            cid = f"{base}-{n}"
            n += 1
        used.add(cid)
        claim = Claim(id=cid, text=s.text, section=s.section, anchor=s.anchor or None,
                      links=sentence_links(s), line=s.line, origin="manuscript")
        out.append((claim, s, reason))
    return out


def readable_text(sentence: Sentence, bibliography: Bibliography | None) -> str:
    """The sentence with author-in-text citations (``@smil1999 argues``) as a reader sees them ("Smil (1999) argues")."""
    text = sentence.text
    from bibkit.bib.citations import short_citation

    for key in sorted({c.key for c in sentence.citations}, key=len, reverse=True):
        entry = bibliography.entries.get(key) if bibliography is not None else None
        if bibliography is not None and entry is None:
            continue  # a key missing from the bibliography stays visible as written
        shown = short_citation(entry) if entry is not None else key  # no bibliography at all: the bare key
        text = re.sub(r"@\{?" + re.escape(key) + r"\}?(?![\w:.#$%&+?<>~/-]*\w)", lambda _: shown, text)
    return text


def _stale_claims(claims: Iterable[Claim], manuscripts: list[Manuscript]) -> list[Claim]:
    """Claims whose anchor is in no sentence of the manuscripts any more: their sentence was edited."""
    forms = [_anchor_forms(s) for m in manuscripts for s in m.sentences]
    return [c for c in claims if c.anchor and not any(anchor_in(c.anchor, f) for f in forms)]


def _anchor_forms(sentence: Sentence) -> list[tuple[str, str]]:
    """The sentence as written and as displayed, in the forms anchors are compared in (see :func:`anchor_in`)."""
    return [text_forms(sentence.raw), text_forms(sentence.text)]


def _edited_from(stale: list[Claim], sentence: Sentence, cutoff: float = 0.6) -> Claim | None:
    """The stale claim this sentence is most likely an edit of (and take it off the list), or None.

    An edited sentence must not count twice in the map: once as the claims-file claim, once as new.
    """
    import difflib

    shown, raw = _norm(sentence.text), _norm(sentence.raw)
    best, best_ratio = None, cutoff
    for claim in stale:
        anchor = _norm(claim.anchor or "")
        for text in (raw, shown):
            matcher = difflib.SequenceMatcher(None, anchor, text, autojunk=False)
            if matcher.real_quick_ratio() >= best_ratio and matcher.quick_ratio() >= best_ratio:
                ratio = matcher.ratio()
                if ratio >= best_ratio:
                    best, best_ratio = claim, ratio
    if best is not None:
        stale.remove(best)
    return best


def anchored_claims(claims: Iterable[Claim], sentence: Sentence) -> list[Claim]:
    """The claims whose ``anchor`` lies in this sentence (as written, as displayed, or as pandoc renders it)."""
    forms = _anchor_forms(sentence)
    return [c for c in claims if c.anchor and anchor_in(c.anchor, forms)]


def claims_from_manuscript(paths: Sequence[str] | Sequence[Manuscript], claim_set: ClaimSet | None,
                           bibliography: Bibliography | None = None, threshold: float | None = None) -> ClaimSet:
    """The claims file merged with the manuscripts' claims; a claims-file claim anchored in a sentence wins.

    Cited sentences become claims with ``supports`` links (locators kept); flagged uncited sentences
    become ``unsourced`` claims. No claim id appears twice. With a ``bibliography``, author-in-text
    citations in a claim's text read as "Smil (1999)"; unknown keys stay as links so the claim map
    reports them as broken.
    """
    manuscripts = [p if isinstance(p, Manuscript) else read_manuscript(p, bibliography=bibliography) for p in paths]
    base = claim_set or ClaimSet()
    merged = ClaimSet(path=base.path, document=Document(base.document.title, base.document.path),
                      claims=list(base.claims))
    if merged.document.path is None and manuscripts:
        merged.document.path = manuscripts[0].path
    if merged.document.title is None and manuscripts:
        merged.document.title = manuscripts[0].title
    ids = {c.id for c in merged.claims}
    stale = _stale_claims(base.claims, manuscripts)
    for m in manuscripts:
        for claim, sentence, _reason in manuscript_claims(m, threshold):
            if anchored_claims(base.claims, sentence) or _edited_from(stale, sentence):
                continue
            cid, n = claim.id, 2
            while cid in ids:
                cid = f"{claim.id}-{n}"
                n += 1
            claim.id = cid
            claim.text = readable_text(sentence, bibliography)
            ids.add(cid)
            merged.claims.append(claim)
    return merged


def claim_item(claim: Claim, reason: str | None, text: str | None = None) -> dict:
    """A drafted claim as it is written into claims.yaml: id, text, section, anchor, note, unverified links.

    ``text`` replaces the claim's own text (the sentence as a reader sees it, citations by name).
    """
    item: dict = {"id": claim.id, "text": text if text is not None else claim.text}
    if claim.section:
        item["section"] = claim.section
    if claim.anchor:
        item["anchor"] = claim.anchor
    if reason:
        item["note"] = f"no citation in the text; may need one ({reason})"
    if claim.links:
        item["sources"] = [
            {"key": link.key, **({"locator": link.locator} if link.locator else {}), "verified": False}
            for link in claim.links
        ]
    return item


def claims_yaml(path: str, output: str | None = None, bibliography: Bibliography | None = None,
                threshold: float | None = None) -> str:
    """A ``claims.yaml`` skeleton (format version 1) drafted from a manuscript's sentences.

    ``document.path`` is written relative to where the output goes, so anchor checks find the text.
    Word and HTML citations are matched to keys of ``bibliography`` when one is given.
    Claim text shows author-in-text citations as a reader sees them ("Smil (1999) argues"), from
    ``bibliography`` when given (else the bare key, without pandoc's ``@``).
    """
    import os

    import yaml

    manuscript = read_manuscript(path, bibliography=bibliography)
    base = os.path.dirname(os.path.abspath(output)) if output and output != "-" else os.getcwd()
    doc: dict = {"title": manuscript.title} if manuscript.title else {}
    doc["path"] = os.path.relpath(os.path.abspath(path), base).replace(os.sep, "/")
    items = [claim_item(claim, reason, readable_text(sentence, bibliography))
             for claim, sentence, reason in manuscript_claims(manuscript, threshold)]
    header = (f"# Claims drafted by 'bibkit claims extract' from {doc['path']}.\n"
              "# Check each claim's text, links and stance; record each link you checked with 'bibkit review'.\n")
    # libyaml's emitter when PyYAML has it: the same text, ten times faster on a long manuscript
    body = yaml.dump({"version": 1, "document": doc, "claims": items}, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper),
                     sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)
    return header + body
