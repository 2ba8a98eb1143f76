"""Review decisions on links: the fingerprint of what was checked, and each link's review state.

A person's decision (``bibkit review``) records on the link who decided, when, and a fingerprint of
what they looked at: the claim text, the key, the locator, the quote and the stance. When any of
those changes afterwards, the fingerprint no longer matches and the decision is **stale**: a stale
verification counts as not verified, a stale rejection no longer holds.

The fingerprint is five groups of four hexadecimal digits, one per part in the order of
:data:`PARTS`, so bibkit can say which part changed without storing the old values. Each group is
the first four hex digits of the SHA-256 of ``"bibkit-fingerprint-1\\0<part>\\0<value>"`` in UTF-8,
where ``value`` is the part's text in Unicode NFC with runs of white space made one space and
the ends trimmed (so re-wrapping a YAML line changes nothing), an absent locator or quote is the
empty string and an absent stance is ``supports``. A changed part goes unnoticed with probability
1 in 65,536.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from bibkit.model import Link

PARTS = ("claim text", "key", "locator", "quote", "stance")
GROUP = 4
FINGERPRINT_RE = re.compile(r"^[0-9a-f]{%d}$" % (GROUP * len(PARTS)))

# Review states of a link.
UNVERIFIED = "unverified"
VERIFIED = "verified"  # verified, and the fingerprint matches (or the link was marked by hand: see ``by_hand``)
STALE = "stale"  # decided (verified or rejected), then the claim text, key, locator, quote or stance changed
REJECTED = "rejected"
STATES = (UNVERIFIED, STALE, VERIFIED, REJECTED)


def _canonical(value: str | None) -> str:
    return " ".join(unicodedata.normalize("NFC", value or "").split())


def fingerprint(text: str | None, key: str, locator: str | None, quote: str | None, stance: str | None) -> str:
    """The fingerprint of one link of a claim as a reviewer sees it (see the module docstring)."""
    values = (text, key, locator, quote, stance or "supports")
    groups = []
    for part, value in zip(PARTS, values):
        data = f"bibkit-fingerprint-1\0{part}\0{_canonical(value)}".encode("utf-8")
        groups.append(hashlib.sha256(data).hexdigest()[:GROUP])
    return "".join(groups)


def link_fingerprint(claim_text: str | None, link: Link) -> str:
    """The fingerprint of ``link`` under a claim with this text, as it reads now."""
    return fingerprint(claim_text, link.key, link.locator, link.quote, link.stance)


def changed_parts(stored: str, current: str) -> list[str]:
    """The parts whose groups differ between two fingerprints (all parts when ``stored`` is malformed)."""
    if not FINGERPRINT_RE.match(stored or ""):
        return list(PARTS)
    return [part for i, part in enumerate(PARTS)
            if stored[i * GROUP:(i + 1) * GROUP] != current[i * GROUP:(i + 1) * GROUP]]


@dataclass(frozen=True)
class ReviewState:
    """A link's review state: one of :data:`STATES`, and for a stale decision what changed."""

    state: str
    changed: tuple[str, ...] = ()
    by_hand: bool = False  # verified or rejected without a fingerprint (edited by hand, not by `bibkit review`)
    was: str = ""  # for a stale link: "verified" or "rejected"

    @property
    def verified(self) -> bool:
        """True when the link counts as verified: a fresh or hand-marked verification."""
        return self.state == VERIFIED

    @property
    def rejected(self) -> bool:
        """True when a reviewer's rejection holds."""
        return self.state == REJECTED

    def describe_change(self) -> str:
        """"claim text and quote changed", or '' when nothing is stale."""
        if not self.changed:
            return ""
        parts = list(self.changed)
        what = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        return f"{what} changed"


def review_state(claim_text: str | None, link: Link) -> ReviewState:
    """The review state of ``link`` under a claim with this text."""
    decided = "rejected" if link.review == "rejected" else "verified" if link.verified else ""
    if not decided:
        return ReviewState(UNVERIFIED)
    if not link.fingerprint:
        return ReviewState(VERIFIED if decided == "verified" else REJECTED, by_hand=True)
    now = link_fingerprint(claim_text, link)
    if now == link.fingerprint:
        return ReviewState(VERIFIED if decided == "verified" else REJECTED)
    return ReviewState(STALE, tuple(changed_parts(link.fingerprint, now)) or PARTS, was=decided)


def decided_by(link: Link) -> str:
    """"by A. Reviewer on 2026-11-28" (whatever of the two is recorded), or ''."""
    out = []
    if link.verified_by:
        out.append(f"by {link.verified_by}")
    if link.verified_on:
        out.append(f"on {link.verified_on}")
    return " ".join(out)
