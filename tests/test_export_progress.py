"""Export with a progress callback: the bar moves, and the output is the same as without one.

Watched, CSL and RIS export run pandoc in batches so that a bar can move; these tests pin that the
batches change nothing (crossref and xdata families stay together) and that unwatched runs keep
one pandoc run.
"""

from __future__ import annotations

import pytest

from bibkit.bib.bibtex import parse_text
from bibkit.formatting.csl import _families
import bibkit.formatting.csl
from bibkit.infra.diagnostics import Diagnostics
from bibkit.infra.progress import SCALE
from bibkit.interchange.export import export_entries
import bibkit.interchange.export.text
from bibkit.model import Bibliography

pytest.importorskip("pypandoc")

PARENTS = """
@proceedings{Proc,
  title = {Proceedings of the Famine Workshop}, editor = {Ho, Li}, publisher = {Crop Press}, year = {1999},
}
@xdata{pubdata, publisher = {Granary House}, location = {Leeds}}
@book{Series, title = {The Big Series}, crossref = {Root}}
@book{Root, title = {Root Volume}, publisher = {Root Press}, year = {1990}}
"""


def _bibliography() -> Bibliography:
    """Children spread over the file, their parents at the end, one entry the CSL engine cannot read."""
    children = []
    for i in range(24):
        if i % 5 == 0:
            children.append(f"@inproceedings{{c{i:02d}, author = {{Wu, Ann}}, title = {{Paper {i}}}, "
                            f"crossref = {{proc}}, pages = {{{i}--{i + 9}}}}}")
        elif i % 7 == 0:
            children.append(f"@book{{b{i:02d}, author = {{Lee, Bo}}, title = {{Book {i}}}, year = {{2001}}, "
                            "xdata = {pubdata}}")
        elif i == 11:
            children.append("@inbook{deep, author = {Kim, Cy}, title = {Chapter}, crossref = {Series}}")
        elif i == 13:
            children.append("@article{broken, author = {Ng, Di}, title = {Unbalanced \\{ brace}, year = {2002}}")
        else:
            children.append(f"@article{{a{i:02d}, author = {{Roe, Ed}}, title = {{$H_2O$ and caf\\'e {i}}}, "
                            f"journal = {{J}}, year = {{{1980 + i}}}}}")
    bibfile = parse_text("\n".join(children) + PARENTS, "refs.bib", Diagnostics())
    return Bibliography(entries={e.key: e for e in bibfile.entries})


class Calls(list):
    def __call__(self, done: int, total: int) -> None:
        self.append((done, total))


@pytest.fixture
def pandoc_runs(monkeypatch) -> list[str]:
    """Counts pandoc runs (their first argument), keeping them real."""
    from bibkit.formatting import pandoc_run

    runs: list[str] = []
    real = pandoc_run.run_pandoc

    def counting(args: list[str], stdin: str) -> str:
        runs.append(" ".join(args[:4]))
        return real(args, stdin)

    monkeypatch.setattr(pandoc_run, "run_pandoc", counting)
    return runs


@pytest.mark.parametrize("to", ["csl-json", "csl-yaml"])
def test_csl_batches_give_the_same_items_and_warnings(monkeypatch, pandoc_runs, to) -> None:
    bib = _bibliography()
    wanted = [e for e in bib.entries.values() if e.type not in ("proceedings", "xdata")]
    monkeypatch.setattr(bibkit.formatting.csl, "BATCH_LEAST", 3)
    plain_warnings: list = []
    plain = export_entries(wanted, to, bib, warnings=plain_warnings)
    assert len(pandoc_runs) == 1, "unwatched: one pandoc run"
    assert "Crop Press" in plain and "Granary House" in plain and "Root Press" in plain  # inherited

    calls = Calls()
    watched_warnings: list = []
    watched = export_entries(wanted, to, bib, warnings=watched_warnings, progress=calls)
    assert len(pandoc_runs) > 4, "watched: several batches"
    assert watched == plain
    assert [(e.key, m) for e, m in watched_warnings] == [(e.key, m) for e, m in plain_warnings]
    assert [k for k, _ in [(e.key, m) for e, m in plain_warnings]] == ["broken"]
    steps = [done for done, _ in calls]
    assert steps == sorted(steps) and calls[-1] == (SCALE, SCALE) and len(set(steps)) > 5


@pytest.mark.parametrize("size", [3, 5])
def test_families_keep_crossref_and_xdata_together_in_order(size) -> None:
    bib = _bibliography()
    entries = list(bib.entries.values())
    batches = _families(entries, size)
    assert sorted(e.key for b in batches for e in b) == sorted(bib.entries)
    where = {e.key: i for i, b in enumerate(batches) for e in b}
    assert where["c00"] == where["c20"] == where["Proc"]  # crossref names it "proc": case does not matter
    assert where["b07"] == where["b14"] == where["pubdata"]
    assert where["deep"] == where["Series"] == where["Root"]  # a chain of crossrefs is one family
    order = {e.key: i for i, e in enumerate(entries)}
    assert all([order[e.key] for e in b] == sorted(order[e.key] for e in b) for b in batches)
    assert len(batches) > 3
    assert _families(entries, len(entries)) == [entries]
    assert _families([], 3) == []


@pytest.mark.parametrize("with_broken", [False, True])
def test_ris_batches_give_the_same_text(monkeypatch, pandoc_runs, with_broken) -> None:
    bib = _bibliography()
    wanted = [e for e in bib.entries.values() if with_broken or e.key != "broken"]
    monkeypatch.setattr(bibkit.interchange.export.text, "BATCH_LEAST", 4)
    plain = export_entries(wanted, "ris", bib)
    unwatched_runs = len(pandoc_runs)
    assert with_broken or unwatched_runs == 1  # a value pandoc cannot read is found by halving
    calls = Calls()
    assert export_entries(wanted, "ris", bib, progress=calls) == plain
    assert with_broken or len(pandoc_runs) - unwatched_runs > 3
    steps = [done for done, _ in calls]
    assert steps == sorted(steps) and calls[-1] == (SCALE, SCALE)


@pytest.mark.parametrize("to", ["bibtex", "biblatex"])
def test_bibtex_export_reports_each_entry(to) -> None:
    bib = _bibliography()
    wanted = [e for e in bib.entries.values() if e.type != "xdata"]
    calls = Calls()
    assert export_entries(wanted, to, bib, progress=calls) == export_entries(wanted, to, bib)
    assert calls[-1][0] == calls[-1][1] and len(calls) >= len(wanted)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_csl_cache_with_progress_batches_only_the_misses(monkeypatch, tmp_path, pandoc_runs) -> None:
    """The cache decides what goes to pandoc; a bar only cuts those misses into batches, and a full hit completes."""
    from bibkit.formatting.cache import RenderCache

    bib = _bibliography()
    wanted = [e for e in bib.entries.values() if e.type not in ("proceedings", "xdata")]
    monkeypatch.setattr(bibkit.formatting.csl, "BATCH_LEAST", 3)
    plain_warnings: list = []
    plain = export_entries(wanted, "csl-json", bib, warnings=plain_warnings)
    plain_notes = [(e.key, m) for e, m in plain_warnings]

    def watched(cache: RenderCache, subset=None) -> tuple[str, list, Calls]:
        calls, warnings = Calls(), []
        text = export_entries(subset or wanted, "csl-json", bib, warnings=warnings, cache=cache, progress=calls)
        return text, [(e.key, m) for e, m in warnings], calls

    sent: list[list[str]] = []
    real = bibkit.formatting.csl._convert

    def spy(entries, texts, warnings):
        sent.append([e.key for e in entries])
        return real(entries, texts, warnings)

    monkeypatch.setattr(bibkit.formatting.csl, "_convert", spy)
    half = wanted[: len(wanted) // 2]
    watched(RenderCache(directory=tmp_path / "cache"), half)  # the first half is cached
    sent.clear()
    cold_text, cold_notes, calls = watched(RenderCache(directory=tmp_path / "cache"))
    assert (cold_text, cold_notes) == (plain, plain_notes)
    assert len(sent) > 1, "watched misses: several batches"
    converted = {k for batch in sent for k in batch}
    assert not converted & {e.key for e in half}  # hits stay out (their parents go in only for a miss)
    assert {e.key for e in wanted[len(half):]} <= converted | {"broken"}
    steps = [done for done, _ in calls]
    assert steps == sorted(steps) and calls[-1] == (SCALE, SCALE) and len(set(steps)) > 5

    sent.clear()
    warm_text, warm_notes, calls = watched(RenderCache(directory=tmp_path / "cache"))
    assert (warm_text, warm_notes) == (plain, plain_notes) and sent == []
    steps = [done for done, _ in calls]
    assert steps == sorted(steps) and calls[-1] == (SCALE, SCALE)
