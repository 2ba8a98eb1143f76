"""Year suffixes and added names equal pandoc's own run when collisions are everywhere.

Phase two renders collision groups in separate pandoc runs (``PHASE_TWO_BATCH``); the reference
is one plain ``pandoc --citeproc`` over the whole file, as in ``test_formatting_oracle``.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from bibkit.formatting import pandoc_engine
from tests.test_formatting_oracle import compare

FAMILIES = ["Chen", "Wang", "Li", "Zhang", "Liu", "Smith", "Jeong", "Kim", "Park", "Garc{\\'\\i}a",
            "M{\\\"u}ller", "Nguyen", "Rossi", "Silva", "Cohen", "Ivanov", "Sato", "Khan", "Brown", "Lee"]
GIVEN = ["A.", "Anna", "B.", "Bo", "C. J.", "Dmitri", "Eun", "J.", "Jia", "M."]


def dense_authors(n: int, seed: int = 7) -> str:
    """``n`` articles by few family names in few years: most would-be citations collide."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        authors = " and ".join(f"{rnd.choice(FAMILIES)}, {rnd.choice(GIVEN)}" for _ in range(rnd.choice([1, 1, 2, 3, 4])))
        out.append(f"@article{{d{i:04d},\n  author = {{{authors}}},\n  title = {{Study number {i}}},\n"
                   f"  journal = {{Journal {i % 3}}},\n  year = {2000 + rnd.randrange(4)},\n  pages = {{{i}--{i + 9}}}\n}}\n")
    return "\n".join(out)


@pytest.mark.parametrize("style", ["apa", "chicago-author-date"])
def test_dense_authors_match_pandoc_with_small_phase_two_runs(tmp_path: Path, monkeypatch, style: str) -> None:
    monkeypatch.setattr(pandoc_engine, "PHASE_TWO_BATCH", 7)
    runs = []
    real = pandoc_engine._robust_citeproc
    monkeypatch.setattr(pandoc_engine, "_robust_citeproc", lambda *a, **k: runs.append(k.get("cited")) or real(*a, **k))
    bib = tmp_path / "dense.bib"
    bib.write_text(dense_authors(160), encoding="utf-8")
    same, total, bad, _ = compare(bib, style)
    assert len([r for r in runs if r is not None]) > 5  # phase two really ran in several batches
    assert (same, bad) == (total, [])
