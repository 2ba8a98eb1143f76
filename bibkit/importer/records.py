"""What every import reader yields: :class:`Record` (one incoming source in BibTeX terms) and :class:`Decision`."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Record:
    """One incoming source, already in BibTeX terms."""

    type: str
    key: str | None
    fields: list[tuple[str, str]]
    origin: str
    ignored: list[str] = field(default_factory=list)

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
