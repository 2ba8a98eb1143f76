"""``claims extract --update``: merge a changed manuscript into an existing claims file, keeping review work.

Each claim drafted from the manuscript is matched to a claim of the file, in this order: the same
id (the sentence is unchanged: ids are made from the sentence's text); a claim whose ``anchor``
lies in the sentence; the most similar text (difflib ratio at least :data:`SIMILAR`) among claims
not matched yet. A matched claim keeps its id, links, quotes, notes and review fields; a reworded
one gets the new text (so its decided links go stale) and new citations become new unverified
links. A claim matched by id keeps the file's wording: its sentence is unchanged, and the text may
have been refined by hand. Unmatched sentences become new claims at the end. Claims of the file that match no sentence
are kept and reported, or removed with ``prune``.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field

from bibkit.claims.loader import parse_claims
from bibkit.claims.writer import PLACEHOLDER_TITLE, ClaimsEditor
from bibkit.infra.diagnostics import Diagnostics, Severity
from bibkit.infra.errors import BibkitError
from bibkit.manuscripts.scan import anchored_claims, claim_item, manuscript_claims, read_manuscript, readable_text
from bibkit.model import Claim, Document

SIMILAR = 0.6


@dataclass
class UpdateReport:
    """What an update did, claim ids per kind."""

    unchanged: list[str] = field(default_factory=list)
    reworded: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)  # reworded claims that had decided links
    added: list[str] = field(default_factory=list)
    links_added: list[tuple[str, str]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # in the file, no longer in the manuscript
    pruned: bool = False
    document: list[str] = field(default_factory=list)  # document fields set from the manuscript

    def summary(self, path: str) -> str:
        """One line for the terminal."""
        parts = [f"{len(self.unchanged)} unchanged", f"{len(self.reworded)} reworded"]
        if self.stale:
            parts[-1] += f" ({len(self.stale)} with review decisions now stale)"
        parts.append(f"{len(self.added)} new")
        if self.links_added:
            parts.append(f"{len(self.links_added)} new link{'s' if len(self.links_added) != 1 else ''}")
        if self.missing:
            gone = ", ".join(self.missing)
            parts.append(f"{len(self.missing)} no longer in the manuscript "
                         f"({'removed' if self.pruned else 'kept; --prune removes them'}: {gone})")
        if self.document:
            parts.append(f"document {' and '.join(self.document)} set from the manuscript")
        return f"{path}: " + ", ".join(parts)


def _norm(text: str) -> str:
    return " ".join(text.split()).lower()


def _fill_document(editor: ClaimsEditor, document: Document, manuscript, manuscript_path: str,
                   claims_path: str) -> list[str]:
    """Set ``document.title`` and ``document.path`` from the manuscript where the file has none (or
    ``bibkit init``'s placeholder title), as a plain extract writes them; returns the fields set.

    Without ``document.path`` no anchor would ever be checked.
    """
    updates: dict[str, str] = {}
    if manuscript.title and (not document.title or document.title == PLACEHOLDER_TITLE):
        updates["title"] = manuscript.title
    if not document.path:
        base = os.path.dirname(os.path.abspath(claims_path))
        updates["path"] = os.path.relpath(os.path.abspath(manuscript_path), base).replace(os.sep, "/")
    if updates:
        editor.update_document(updates)
    return list(updates)


def update_claims(text: str, path: str, manuscript_path: str, *, prune: bool = False,
                  bibliography=None) -> tuple[str, UpdateReport]:
    """The claims file's new text after merging the manuscript's claims, and what changed."""
    diags = Diagnostics()
    current = parse_claims(text.lstrip("\ufeff"), path, diags)
    errors = [d for d in diags if d.severity is Severity.ERROR]
    if errors:
        raise BibkitError(f"{errors[0]}; fix the claims file before updating it")
    manuscript = read_manuscript(manuscript_path, bibliography=bibliography)
    drafted = manuscript_claims(manuscript)
    for claim, sentence, _reason in drafted:  # as a plain extract writes it: "Smil (1999) argues"
        claim.text = readable_text(sentence, bibliography)
    existing = {c.id: c for c in current.claims}
    matched: dict[str, Claim] = {}  # existing id -> drafted claim
    report = UpdateReport()
    editor = ClaimsEditor(text, path)
    report.document = _fill_document(editor, current.document, manuscript, manuscript_path, path)
    new_items = []
    taken_ids = set(existing)
    for claim, sentence, reason in drafted:
        target = None
        if claim.id in existing and claim.id not in matched:
            target = existing[claim.id]
        if target is None:
            free = [c for c in current.claims if c.id not in matched]
            anchored = anchored_claims(free, sentence)
            if anchored:
                target = anchored[0]
            else:
                scored = [(difflib.SequenceMatcher(None, _norm(c.text), _norm(claim.text)).ratio(), i, c)
                          for i, c in enumerate(free) if c.text]
                best = max(scored, default=None, key=lambda t: (t[0], -t[1]))
                if best is not None and best[0] >= SIMILAR:
                    target = best[2]
        if target is None:
            cid, n = claim.id, 2
            while cid in taken_ids:
                cid, n = f"{claim.id}-{n}", n + 1
            claim.id = cid
            taken_ids.add(cid)
            new_items.append(claim_item(claim, reason))
            report.added.append(cid)
            continue
        matched[target.id] = claim
        updates = {}
        same_sentence = target.id == claim.id  # ids are made from the sentence: it is unchanged
        if same_sentence:
            report.unchanged.append(target.id)  # and the file's wording, perhaps refined by hand, stays
        elif _norm(target.text) != _norm(claim.text):
            updates["text"] = claim.text
            report.reworded.append(target.id)
            if any(link.verified or link.review for link in target.links):
                report.stale.append(target.id)
        else:
            report.unchanged.append(target.id)
        if not same_sentence and claim.anchor and target.anchor != claim.anchor and not (
                target.anchor and anchored_claims([target], sentence)):
            updates["anchor"] = claim.anchor
        if claim.section and target.section != claim.section and not (same_sentence and target.section):
            updates["section"] = claim.section
        if updates:
            editor.update_claim(target.id, updates)
        have = {link.key for link in target.links}
        for link in claim.links:
            if link.key not in have:
                have.add(link.key)
                fields = {"key": link.key, **({"locator": link.locator} if link.locator else {}), "verified": False}
                editor.add_link(target.id, fields)
                report.links_added.append((target.id, link.key))
    report.missing = [c.id for c in current.claims if c.id not in matched]
    if prune:
        for cid in report.missing:
            editor.remove_claim(cid)
        report.pruned = True
    editor.append_claims(new_items)
    return editor.result(), report
