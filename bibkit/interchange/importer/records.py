"""What every import reader yields: :class:`Record` (one incoming source in BibTeX terms) and :class:`Decision`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass
class Record:
    """One incoming source, already in BibTeX terms."""

    type: str
    key: str | None
    fields: list[tuple[str, str]]
    origin: str
    ignored: list[str] = field(default_factory=list)
    id_only: bool = False  # ``key`` is a record id of a reference manager (CSL ``id``, RIS ``ID``), not a chosen key

    def get(self, name: str) -> str | None:
        """The first value of a field."""
        for n, v in self.fields:
            if n == name:
                return v
        return None


@dataclass
class Decision:
    """What import does with one record."""

    record: Record
    action: str  # "add" | "skip" | "merge"
    key: str
    reason: str = ""
    changed_fields: list[str] = field(default_factory=list)


#: Types only BibLaTeX has.
BIBLATEX_TYPES = frozenset({"thesis", "report", "online", "mvbook", "collection", "mvcollection", "bookinbook",
                            "inreference", "reference", "dataset", "software", "periodical"})


def is_biblatex(entries) -> bool:
    """True when a bibliography is written for BibLaTeX: a BibLaTeX-only type, ``journaltitle`` or
    ``location``, or a ``date`` with no ``year`` beside it."""
    for entry in entries:
        if entry.type in BIBLATEX_TYPES:
            return True
        names = {f.name.lower() for f in entry.fields}
        if names & {"journaltitle", "location"} or ("date" in names and "year" not in names):
            return True
    return False


# A thesis type that names a master's degree: Master's thesis, MSc, M.A., MPhil, Magister, Diplom...
MASTERS = re.compile(r"master|\bm\.?\s?(?:a|sc|s|phil|res|eng)\b\.?|magist|diplom", re.IGNORECASE)
#: Thesis types that only restate the entry type, so ``type`` need not keep them.
DEFAULT_THESIS_TYPES = frozenset({"master's thesis", "masters thesis", "doctoral dissertation", "phd thesis",
                                  "ph.d. thesis", "thesis", "dissertation"})
