"""The CSL conversion cache: a warm export is byte for byte a cold one, and no change to what an item depends
on is ever answered from the cache."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest

from bibkit.bib.bibtex import load_bibliography
from bibkit.cli import cli
from bibkit.formatting import csl
from bibkit.formatting import csl_cache
from bibkit.formatting import pandoc_run
from bibkit.formatting.cache import RenderCache
from bibkit.infra.diagnostics import Diagnostics
from bibkit.interchange.export import export_entries
from bibkit.interchange.export.csljson import json_array

pytest.importorskip("pypandoc")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import generate  # noqa: E402 - the benchmarks' generator, the source of the 5,000-entry file

#: Corpus files with what the key must cover: crossref chains and cycles, xdata, sets, @string macros,
#: an entry left out (encoding1), unknown types read as misc.
CORPUS_SAMPLE = ["biber/crossrefs.bib", "biber/xdata.bib", "biber/sets.bib", "biber/encoding1.bib",
                 "biber/dm-constraints.bib", "python-bibtexparser/crossref_cascading_cycle.bib",
                 "python-bibtexparser/xref_entries.bib", "python-bibtexparser/common_strings.bib",
                 "php-bibtex-parser/abbreviation.bib", "biblatex/biblatex-examples.bib",
                 "better-bibtex/Spaces_lost_when_expanding_string_variables_during_import_1081.bib"]


def export(path: Path, cache_dir: Path | None) -> tuple[str, list[tuple[str, str]]]:
    """CSL-JSON of a whole file and its warnings as (key, message); ``cache_dir`` None: no cache."""
    bib = load_bibliography([str(path)], Diagnostics())
    warnings: list = []
    cache = RenderCache(enabled=cache_dir is not None, directory=cache_dir)
    text = export_entries(list(bib), "csl-json", bib, warnings=warnings, cache=cache)
    return text, [(e.key, message) for e, message in warnings]


def converted(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Records the keys of each batch given to pandoc."""
    batches: list[list[str]] = []
    real = csl._convert

    def spy(entries, texts, warnings):
        batches.append([e.key for e in entries])
        return real(entries, texts, warnings)

    monkeypatch.setattr(csl, "_convert", spy)
    return batches


def test_warm_equals_cold_on_corpus_files(corpus, tmp_path):
    root = Path(os.path.commonpath(corpus))
    paths = [p for p in corpus if str(p.relative_to(root)) in CORPUS_SAMPLE]
    assert len(paths) == len(CORPUS_SAMPLE), sorted(set(CORPUS_SAMPLE) - {str(p.relative_to(root)) for p in paths})
    for path in paths:
        cold = export(path, None)
        first = export(path, tmp_path / "cache")
        warm = export(path, tmp_path / "cache")
        assert cold == first == warm, path.name
    assert any(message for path in paths for _, message in export(path, tmp_path / "cache")[1])  # warnings compared too


def test_warm_equals_cold_on_the_generated_bibliography(tmp_path, monkeypatch):
    path = tmp_path / "generated.bib"
    path.write_text(generate.bibliography(400), encoding="utf-8")
    cold = export(path, None)
    first = export(path, tmp_path / "cache")
    batches = converted(monkeypatch)
    warm = export(path, tmp_path / "cache")
    assert cold == first == warm
    assert batches == []  # nothing went to pandoc
    assert cold[0] == json.dumps(json.loads(cold[0]), indent=2, ensure_ascii=False) + "\n"
    assert len(json.loads(cold[0])) == 400


def test_cli_export_warm_equals_cold(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("BIBKIT_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "refs.bib"
    path.write_text(generate.bibliography(30) + "@misc{bad\u00a6key, title = {T}}\n@foo{odd, title = {T}}\n",
                    encoding="utf-8")
    args = ["export", "--bib", str(path), "--to", "csl-json"]
    cold = runner.invoke(cli, [*args, "--no-cache"])
    assert not (tmp_path / "cache").exists()
    first = runner.invoke(cli, args)  # entries parsed: the keys are made from parsed entries...
    batches = converted(monkeypatch)
    warm = runner.invoke(cli, args)  # ...and found again from the entries the parse cache rebuilds
    assert batches == []
    assert (cold.stdout, cold.stderr) == (first.stdout, first.stderr) == (warm.stdout, warm.stderr)
    assert "R001 cannot convert bad\u00a6key" in warm.stderr and "@foo for odd" in warm.stderr
    assert len(list((tmp_path / "cache").glob("render-*.marshal"))) == 1
    yaml_args = ["export", "--bib", str(path), "--to", "csl-yaml"]
    assert runner.invoke(cli, yaml_args).stdout == runner.invoke(cli, [*yaml_args, "--no-cache"]).stdout


BIB = """@string{pub = "Farrar and Giroux"}
@string{jas = {Journal of Asian Studies}}
@book{b1, title = {One}, author = {Smil, Vaclav}, publisher = pub, year = 1999}
@article{a1, title = {Two}, author = {Peng, Xizhe}, journal = jas, year = 1987}
@inproceedings{c1, title = {Three}, author = {Ashton, Basil}, crossref = {p1}, year = 1984}
@proceedings{p1, title = {Proceedings}, booktitle = {The Proceedings}, editor = {Hill, Kenneth}, year = 1984}
@misc{m1, title = {Four}, note = {Nothing shared}, year = 2000}
@string{pub = "Straus and Giroux"}
"""


def exports_follow_edits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, old: str, new: str, sent: set[str]) -> None:
    """Export, edit the file (``old`` -> ``new``), export again: the warm answer is the cold one, and only the
    entries of ``sent`` went to pandoc."""
    path = tmp_path / "refs.bib"
    path.write_text(BIB, encoding="utf-8")
    export(path, tmp_path / "cache")
    assert BIB.count(old) == 1
    path.write_text(BIB.replace(old, new), encoding="utf-8")
    batches = converted(monkeypatch)
    warm = export(path, tmp_path / "cache")
    assert {key for batch in batches for key in batch} == sent
    assert warm == export(path, None)


def test_an_edited_entry_alone_is_converted_again(tmp_path, monkeypatch):
    exports_follow_edits(tmp_path, monkeypatch, "{Four}", "{Four, revised}", {"m1"})


def test_a_changed_macro_converts_the_entries_that_use_it(tmp_path, monkeypatch):
    exports_follow_edits(tmp_path, monkeypatch, "{Journal of Asian Studies}", "{The Journal of Asian Studies}", {"a1"})


def test_a_macro_value_as_read_counts_too(tmp_path, monkeypatch):
    # pub is redefined after b1: b1's publisher is the value as read ("Farrar and Giroux"), kept whole.
    exports_follow_edits(tmp_path, monkeypatch, '"Farrar and Giroux"', '"Knopf and Sons"', {"b1"})


def test_an_edited_crossref_parent_converts_its_children(tmp_path, monkeypatch):
    exports_follow_edits(tmp_path, monkeypatch, "{The Proceedings}", "{The Other Proceedings}", {"c1", "p1"})


def test_a_removed_crossref_counts(tmp_path, monkeypatch):
    exports_follow_edits(tmp_path, monkeypatch, "crossref = {p1}, ", "", {"c1"})


def test_another_pandoc_is_another_key(tmp_path, monkeypatch):
    bundled = csl_cache.base_key()
    fake = tmp_path / "pandoc"
    fake.write_text("#!/bin/sh\n")
    monkeypatch.setenv("BIBKIT_PANDOC", str(fake))
    chosen = csl_cache.base_key()
    fake.write_text("#!/bin/sh\n# upgraded\n")
    assert len({bundled, chosen, csl_cache.base_key()}) == 3


@pytest.mark.parametrize("damage", ["truncate", "garbage", "foreign"])
def test_a_damaged_record_is_ignored_and_rewritten(tmp_path, monkeypatch, damage):
    path = tmp_path / "refs.bib"
    path.write_text(BIB, encoding="utf-8")
    cold = export(path, None)
    export(path, tmp_path / "cache")
    (record,) = (tmp_path / "cache").glob("render-*.marshal")
    if damage == "truncate":
        record.write_bytes(record.read_bytes()[: len(record.read_bytes()) // 2])
    elif damage == "garbage":
        record.write_bytes(b"\x00" * 64)
    else:  # a valid record that does not hold results
        RenderCache(directory=tmp_path / "cache").put(record.name[len("render-"):-len(".marshal")],
                                                        {"x": 1, "y": ("a", "b", "c")})
    assert export(path, tmp_path / "cache") == cold
    batches = converted(monkeypatch)
    assert export(path, tmp_path / "cache") == cold and batches == []  # rewritten


def test_pandoc_failures_are_cached_with_their_warnings(tmp_path, monkeypatch):
    """An entry pandoc rejects (simulated) is left out with the same warning, warm or cold, and so is its
    crossref parent's failure for the child that needs it."""
    real = pandoc_run.run_pandoc

    def picky(args, stdin):
        lines = stdin.splitlines()
        bad = [i + 1 for i, line in enumerate(lines) if "POISON" in line]
        if bad:
            raise pandoc_run.PandocFailed(f'Error at "stdin" (line {bad[0]}, column 3): unexpected')
        return real(args, stdin)

    monkeypatch.setattr(pandoc_run, "run_pandoc", picky)
    path = tmp_path / "refs.bib"
    path.write_text(BIB.replace("{The Proceedings}", "{POISON}").replace("{Two}", "{POISON two}"), encoding="utf-8")
    bib = load_bibliography([str(path)], Diagnostics())
    wanted = [bib.entries[k] for k in ("a1", "b1", "c1", "m1")]  # p1 only as c1's parent

    def run(cache: RenderCache) -> tuple[str, list[tuple[str, str]]]:
        warnings: list = []
        return export_entries(wanted, "csl-json", bib, warnings=warnings, cache=cache), [(e.key, m) for e, m in warnings]

    cold = run(RenderCache(enabled=False))
    first = run(RenderCache(directory=tmp_path / "cache"))
    batches = converted(monkeypatch)
    warm = run(RenderCache(directory=tmp_path / "cache"))
    assert cold == first == warm and batches == []
    assert [k for k, _ in cold[1]] == ["a1", "p1"]  # in the order of the entries they concern
    assert all(re.search(r"could not read it \(Error at .*line \d+", m) for _, m in cold[1])
    assert [item["id"] for item in json.loads(cold[0])] == ["b1", "c1", "m1"]


@pytest.mark.parametrize("items", [[], [{}], [{"id": "a", "title": "Ünïcode \"q\" \\ \n line", "n": [1, 2.5, None],
                                                "x": {"y": []}}, {"id": "b"}]])
def test_json_array_is_json_dumps(items):
    assert json_array([csl.array_element(i) for i in items]) == json.dumps(items, indent=2, ensure_ascii=False)
