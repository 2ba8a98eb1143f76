"""Claims added or changed since a git revision: the pull-request gate, diff-cover's model for claims.

The base revision's claims file, bibliography and manuscripts are read with git (``git show``),
analysed exactly as the working tree's are, and compared claim by claim (by id):

- ``added``: the id is new;
- ``changed``: its text, section, anchor, tags, note or any link (key, stance, locator, quote,
  verification, review) differs; white space inside text does not count, nor does moving it;
- ``status``: nothing in the claim changed but its status did, because the bibliography did
  (a source removed, a key fixed).

The claim map of those claims alone gives the numbers the gate judges.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from bibkit.bib.bibtex import load_bibliography
from bibkit.claims.claimmap import ClaimMap, analyse, analyse_claim
from bibkit.claims.loader import parse_claims
from bibkit.infra.cleanup import temporary_directory
from bibkit.infra.diagnostics import Diagnostics
from bibkit.infra.errors import BibkitError
from bibkit.model import Bibliography, Claim, ClaimSet

CHANGE_KINDS = ("added", "changed", "status")


@dataclass(frozen=True)
class ClaimChange:
    """One claim that differs from the base revision."""

    id: str
    kind: str  # one of CHANGE_KINDS
    before: str | None = None  # its status at the base revision (None when added)


@dataclass
class ClaimDiff:
    """What changed in the claims since ``base``, in the working tree's claim order."""

    base: str
    changes: list[ClaimChange] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def ids(self) -> set[str]:
        """The ids of the added and changed claims."""
        return {c.id for c in self.changes}

    def count(self, kind: str) -> int:
        """How many changes are of this kind."""
        return sum(1 for c in self.changes if c.kind == kind)

    def to_dict(self) -> dict:
        """JSON-ready: base, changes (id, change, was) and removed ids."""
        return {"base": self.base,
                "changes": [{"id": c.id, "change": c.kind, "was": c.before} for c in self.changes],
                "removed": list(self.removed)}


# -- git ---------------------------------------------------------------------------------------

GIT_TIMEOUT = 120  # seconds a git command may take before --diff gives up on it


def _git(args: Sequence[str], cwd: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=GIT_TIMEOUT)
    except FileNotFoundError:
        raise BibkitError("--diff needs git, and no git command was found") from None
    except subprocess.TimeoutExpired:
        raise BibkitError(f"--diff: git {args[0]} did not answer within {GIT_TIMEOUT} seconds") from None


def resolve_base(ref: str, cwd: str = ".") -> str:
    """The top folder of the git repository around ``cwd``; a clear error when there is none or ``ref`` is unknown."""
    top = _git(["rev-parse", "--show-toplevel"], cwd)
    if top.returncode != 0:
        raise BibkitError(f"--diff {ref}: {os.path.abspath(cwd)} is not in a git repository")
    toplevel = top.stdout.decode("utf-8", "surrogateescape").strip()
    if ref.startswith("-") or _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], toplevel).returncode != 0:
        raise BibkitError(f"--diff {ref}: not a commit in this repository (try origin/main, HEAD~1, a tag or a hash)")
    return toplevel


def read_at(ref: str, path: str, toplevel: str) -> bytes | None:
    """The bytes of ``path`` at revision ``ref``; None when it did not exist there.

    A file outside the repository is not versioned in it: its current bytes stand for the base too.
    """
    real = os.path.realpath(path)
    rel = os.path.relpath(real, os.path.realpath(toplevel))
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        try:
            with open(path, "rb") as fh:
                return fh.read()
        except OSError:
            return None
    spec = f"{ref}:{rel.replace(os.sep, '/')}"
    found = _git(["cat-file", "-e", spec], toplevel)
    if found.returncode != 0:
        return None
    blob = _git(["cat-file", "blob", spec], toplevel)
    if blob.returncode != 0:
        message = blob.stderr.decode("utf-8", "replace").strip().splitlines()
        raise BibkitError(f"--diff {ref}: cannot read {path} at {ref}: {message[-1] if message else 'git failed'}")
    return blob.stdout


# -- the base revision -------------------------------------------------------------------------


def load_base(ref: str, bib_paths: Sequence[str], claims_path: str | None, manuscripts: Sequence[str],
              cwd: str = ".") -> tuple[Bibliography, list[Claim]]:
    """The bibliography and claims as they were at ``ref`` (files absent there count as empty)."""
    from bibkit.project import merge_bib_links

    toplevel = resolve_base(ref, cwd)
    quiet = Diagnostics()  # problems of the base revision are not this run's to report
    with temporary_directory("bibkit-diff-") as tmp:
        paths = []
        for i, path in enumerate(bib_paths):
            data = read_at(ref, path, toplevel)
            if data is None:
                continue
            copy = os.path.join(tmp, f"{i}-{os.path.basename(path)}")
            with open(copy, "wb") as fh:
                fh.write(data)
            paths.append(copy)
        bibliography = load_bibliography(paths, quiet)
    claim_set = ClaimSet(claims_path)
    if claims_path:
        data = read_at(ref, claims_path, toplevel)
        if data is not None:
            claim_set = parse_claims(data.decode("utf-8-sig", "replace"), claims_path, quiet)
    merge_bib_links(bibliography, claim_set, quiet)
    if manuscripts:
        from bibkit.manuscripts import guess_kind, parse_manuscript
        from bibkit.manuscripts.scan import claims_from_manuscript

        texts = [(p, read_at(ref, p, toplevel)) for p in manuscripts]
        parsed = [parse_manuscript(data.decode("utf-8-sig", "replace"), p, guess_kind(p)) for p, data in texts
                  if data is not None]
        claim_set = claims_from_manuscript(parsed, claim_set, bibliography)
    return bibliography, claim_set.claims


# -- comparing ---------------------------------------------------------------------------------

_SKIP = {"line", "origin", "links"}


def _norm(value: object) -> object:
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, list):
        return tuple(_norm(v) for v in value)
    return value


def _signature(obj: object) -> tuple:
    """A dataclass's fields as compared (positions and origins left out, white space in text folded)."""
    return tuple((f.name, _norm(getattr(obj, f.name))) for f in dataclasses.fields(obj) if f.name not in _SKIP)


def claim_signature(claim: Claim) -> tuple:
    """What makes two versions of a claim the same claim: its fields and its links in any order."""
    return _signature(claim) + (("links", tuple(sorted((_signature(link) for link in claim.links), key=repr))),)


def diff_claims(base: str, before: Sequence[Claim], before_bib: Bibliography,
                after: Sequence[Claim], after_bib: Bibliography,
                source_flags: Mapping[str, str] | None = None) -> ClaimDiff:
    """The claims added, changed, or changed in status since the base revision, and the ids removed.

    ``source_flags`` (key -> what the last ``bibkit lookup`` found) judge both sides alike, so a status
    change comes from the files, never from the lookup alone."""
    old = {c.id: c for c in before}
    now_ids = {c.id for c in after}
    result = ClaimDiff(base)
    for claim in after:
        prior = old.get(claim.id)
        if prior is None:
            result.changes.append(ClaimChange(claim.id, "added"))
            continue
        was = analyse_claim(prior, before_bib.entries, source_flags).status
        if claim_signature(claim) != claim_signature(prior):
            result.changes.append(ClaimChange(claim.id, "changed", was))
        elif analyse_claim(claim, after_bib.entries, source_flags).status != was:
            result.changes.append(ClaimChange(claim.id, "status", was))
    result.removed = [c.id for c in before if c.id not in now_ids]
    return result


def changed_map(bibliography: Bibliography, claims: Sequence[Claim], diff: ClaimDiff, *,
                statuses: Sequence[str] = (), tags: Sequence[str] = (), sources: Sequence[str] = (),
                source_flags: Mapping[str, str] | None = None,
                source_notices: Mapping[str, Sequence[tuple[str, str | None, str | None]]] | None = None) -> ClaimMap:
    """The claim map of the changed claims alone (numbers over them); orphans stay the project's.

    ``source_flags`` and ``source_notices`` are what the last ``bibkit lookup`` found, as for ``analyse``."""
    ids = diff.ids()
    whole = analyse(bibliography, claims)
    part = analyse(bibliography, [c for c in claims if c.id in ids], statuses=statuses, tags=tags, sources=sources,
                   source_flags=source_flags, source_notices=source_notices)
    part.orphans = whole.orphans
    part.total_claims = whole.total_claims
    part.filters = {"changed since": [diff.base], **part.filters}
    return part
