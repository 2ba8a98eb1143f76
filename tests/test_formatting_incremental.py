"""Edit-then-render (issue 26): a list rendered before is rendered again only where an edit reaches,
and the result is byte for byte bibkit's cold render (cache off) of the edited file.

The reference for each edit is a cold render of the edited .bib (``RenderCache(enabled=False)``,
which never reads a state); :mod:`tests.test_formatting_oracle` ties cold renders to pandoc itself.
Edits are random single edits (a title, an author, a year, an entry added or removed) on a sample
of the bibtex-tidy corpus, in an author-date style (APA), a numeric one (IEEE) and a note style
(Chicago notes), and on a generated list where most citations collide (year suffixes move).
"""

from __future__ import annotations

import os
import random
import re
from pathlib import Path

import pytest

from bibkit.bib.bibtex import load_bibliography
from bibkit.formatting import RenderCache, format_bibliography, incremental, pandoc_engine
from bibkit.infra.diagnostics import Diagnostics
from tests.conftest import CORPUS, corpus_files
from tests.test_formatting_disambiguation import dense_authors
from tests.test_formatting_oracle import sample_corpus

STYLES = ["apa", "ieee", "chicago-notes-bibliography"]
EDITS = ["title", "author", "year", "add", "remove"]


def corpus_or_skip() -> list[Path]:
    """The corpus files; a failure instead of a skip under BIBKIT_REQUIRE_CORPUS=1 or in CI (CI=true)."""
    files = corpus_files()
    if not files:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but the bibtex-tidy corpus is not at {CORPUS}", pytrace=False)
        pytest.skip(f"corpus not found at {CORPUS} (it exists on developer machines and in CI)")
    return files


def render(path: Path, text: str, style: str, cache: RenderCache, fmt: str = "text") -> list[tuple[str, str]]:
    """The list as (key, rendered text) pairs, the .bib at ``path`` holding ``text``."""
    path.write_text(text, encoding="utf-8")
    bib = load_bibliography([str(path)], Diagnostics())
    out = format_bibliography(list(bib), style, fmt, macros=bib.macros, cache=cache, bibliography=bib)
    return [(e.key, e.text) for e in out.entries]


def split_entries(text: str) -> list[str]:
    """The .bib text as one string per entry (each starts with ``@``)."""
    parts = text.split("\n@")
    return [parts[0], *("@" + p for p in parts[1:])]


def edit(entries: list[str], kind: str, rnd: random.Random) -> list[str]:
    """One random edit of ``kind``; the entry chosen has the field the edit needs."""
    need = {"title": r"\n  title = \{", "author": r"\n  author = \{", "year": r"\n  year = \{?\d{4}\b"}.get(kind)
    candidates = [i for i, e in enumerate(entries) if need is None or re.search(need, e)]
    i = rnd.choice(candidates)
    e = entries[i]
    if kind == "title":
        e = re.sub(r"(\n  title = \{)", r"\1Revised ", e, count=1)
    elif kind == "author":
        e = re.sub(r"(\n  author = \{)", r"\1Smith, John and ", e, count=1)
    elif kind == "year":
        e = re.sub(r"(\n  year = \{?)(\d{4})\b", lambda m: f"{m.group(1)}{int(m.group(2)) - rnd.randrange(1, 4)}", e,
                   count=1)
    elif kind == "remove":
        return entries[:i] + entries[i + 1:]
    else:  # add: a copy of an entry under a new key, somewhere in the file
        copy = re.sub(r"^(@\w+\{)([^,\n]+),", r"\1\2added,", e, count=1)
        at = rnd.randrange(len(entries) + 1)
        return entries[:at] + [copy] + entries[at:]
    return entries[:i] + [e] + entries[i + 1:]


@pytest.fixture(scope="module")
def corpus_text() -> str:
    return sample_corpus(corpus_or_skip(), 260, seed=26)


@pytest.mark.parametrize("style", STYLES)
def test_random_edits_on_the_corpus_render_as_cold(tmp_path: Path, corpus_text: str, style: str) -> None:
    rnd = random.Random(f"issue26-{style}")
    cache = RenderCache(directory=tmp_path / "cache")
    bib = tmp_path / "list.bib"
    entries = split_entries(corpus_text)
    render(bib, "\n".join(entries), style, cache)
    assert incremental.LAST_PATH == ["cold"]
    for kind in EDITS + rnd.sample(EDITS, 3):
        entries = edit(entries, kind, rnd)
        text = "\n".join(entries)
        warm = render(bib, text, style, cache)
        assert incremental.LAST_PATH == ["update"], kind
        assert warm == render(bib, text, style, RenderCache(enabled=False)), kind


@pytest.mark.parametrize("style", ["apa", "chicago-author-date"])
def test_edits_that_move_year_suffixes_render_as_cold(tmp_path: Path, style: str) -> None:
    """Few names in few years: an edit changes the letters of the namesakes (APA: 2001a, 2001b)."""
    rnd = random.Random(f"dense-{style}")
    cache = RenderCache(directory=tmp_path / "cache")
    bib = tmp_path / "dense.bib"
    entries = split_entries(dense_authors(220, seed=26))
    render(bib, "\n".join(entries), style, cache)
    suffixed = 0
    for kind in ["year", "author", "remove", "add", "year", "title", "year"]:
        entries = edit(entries, kind, rnd)
        text = "\n".join(entries)
        warm = render(bib, text, style, cache)
        assert incremental.LAST_PATH == ["update"], kind
        assert warm == render(bib, text, style, RenderCache(enabled=False)), kind
        suffixed += sum(bool(re.search(r"\b\d{4}[a-z]\b", t)) for _, t in warm)
    assert suffixed  # year suffixes really were in play


def test_one_title_edit_sends_few_entries_to_pandoc(tmp_path: Path, monkeypatch) -> None:
    """After a one-title edit of a 600-entry APA list: pandoc cites a few pivots and neighbours, not the
    list; only the edited entry's bibliography text is converted again."""
    cache = RenderCache(directory=tmp_path / "cache")
    bib = tmp_path / "dense.bib"
    text = dense_authors(600, seed=3)
    render(bib, text, "apa", cache)
    written: list[int] = []
    real = pandoc_engine._write
    monkeypatch.setattr(pandoc_engine, "_write", lambda items, fmt: written.append(len(items)) or real(items, fmt))
    edited = text.replace("title = {Study number 431}", "title = {Study number 431, revised}")
    warm = render(bib, edited, "apa", cache)
    assert incremental.LAST_PATH == ["update"]
    cited = sorted(len(run) for run in incremental.LAST_RUNS)
    # the edited entry beside the unchanged entries around where it was, and at the same time its
    # name group (the entries sharing its first author's family name), nothing else
    assert len(incremental.LAST_RUNS) <= 2 and sum(cited) < 120, cited
    assert written == [1]
    assert warm == render(bib, edited, "apa", RenderCache(enabled=False))


def test_numeric_style_renumbers_without_rendering_again(tmp_path: Path, monkeypatch) -> None:
    """IEEE: removing the first entry moves every number; the other entries' blocks are renumbered, not rendered."""
    cache = RenderCache(directory=tmp_path / "cache")
    bib = tmp_path / "list.bib"
    entries = split_entries(dense_authors(200, seed=5))
    before = render(bib, "\n".join(entries), "ieee", cache)
    calls: list[set] = []
    real = incremental.robust_citeproc
    monkeypatch.setattr(incremental, "robust_citeproc", lambda *a, **k: calls.append(k.get("cited")) or real(*a, **k))
    after = render(bib, "\n".join(entries[1:]), "ieee", cache)
    assert incremental.LAST_PATH == ["update"]
    assert calls == []  # nothing changed but the order: no pandoc run
    assert after == render(bib, "\n".join(entries[1:]), "ieee", RenderCache(enabled=False))
    assert before[1][1].startswith("[2]") and after[0][1].startswith("[1]")


def test_a_style_whose_bibliography_tests_disambiguate_renders_cold(tmp_path: Path) -> None:
    """``disambiguate="true"`` reached from the bibliography: no name group bounds its effect, so every edit renders whole."""
    from bibkit.formatting import load_style

    apa = load_style("apa")
    text = apa.text.replace('<macro name="title">', '<macro name="title">\n    <choose><if disambiguate="true">'
                            '<text value="[again] "/></if></choose>', 1)
    assert text != apa.text
    style = tmp_path / "apa-disambiguate.csl"
    style.write_text(text, encoding="utf-8")
    assert incremental.style_kind(text) == "full"
    cache = RenderCache(directory=tmp_path / "cache")
    bib = tmp_path / "list.bib"
    entries = split_entries(dense_authors(30, seed=1))
    render(bib, "\n".join(entries), str(style), cache)
    edited = "\n".join(edit(entries, "year", random.Random(1)))
    warm = render(bib, edited, str(style), cache)
    assert incremental.LAST_PATH == ["cold"]
    assert warm == render(bib, edited, str(style), RenderCache(enabled=False))


def test_unchanged_list_is_one_cache_read(tmp_path: Path) -> None:
    cache = RenderCache(directory=tmp_path / "cache")
    bib = tmp_path / "list.bib"
    text = dense_authors(40, seed=2)
    first = render(bib, text, "apa", cache)
    assert render(bib, text, "apa", cache) == first
    assert incremental.LAST_PATH == ["exact"]


def test_an_edited_crossref_parent_renders_its_children_again(tmp_path: Path) -> None:
    """A child inherits its booktitle from its crossref parent: editing the parent changes the child's text."""
    parents = "".join(f"@proceedings{{conf{i},\n  title = {{Proceedings of Meeting {i}}},\n  year = {{2010}},\n"
                      f"  publisher = {{P}}\n}}\n\n" for i in range(3))
    children = "".join(f"@inproceedings{{paper{i},\n  author = {{Writer{i}, Ann}},\n  title = {{Paper {i}}},\n"
                       f"  crossref = {{conf{i % 3}}},\n  pages = {{1--9}}\n}}\n\n" for i in range(30))
    text = dense_authors(40, seed=9) + "\n" + children + parents
    cache = RenderCache(directory=tmp_path / "cache")
    bib = tmp_path / "list.bib"
    before = dict(render(bib, text, "apa", cache))
    edited = text.replace("Proceedings of Meeting 1}", "Proceedings of the Renamed Meeting 1}")
    warm = render(bib, edited, "apa", cache)
    assert incremental.LAST_PATH == ["update"]
    assert warm == render(bib, edited, "apa", RenderCache(enabled=False))
    assert "Renamed" in dict(warm)["paper1"] and "Renamed" not in before["paper1"]


def test_an_author_edit_that_moves_an_entry_far_takes_two_runs_side_by_side(tmp_path: Path) -> None:
    """Adding a first author moves an entry from the end of a 405-entry APA list ("Zorn2") into the
    Smiths, far from where it was: it is placed by one run beside the entries around its guessed new
    place (no pivot runs), while the name group it joins (every Smith citation) is rendered at the
    same time, not after; nothing else reaches pandoc, and the result is the cold render's."""
    extra = "".join(f"@book{{z{i},\n  author = {{Zorn{i}, Ada}},\n  title = {{Book {i}}},\n  publisher = {{P}},\n"
                    f"  year = {{2001}}\n}}\n\n" for i in range(5))
    text = dense_authors(400, seed=4) + "\n" + extra
    cache = RenderCache(directory=tmp_path / "cache")
    bib = tmp_path / "list.bib"
    render(bib, text, "apa", cache)
    edited = text.replace("author = {Zorn2, Ada}", "author = {Smith, John and Zorn2, Ada}")
    warm = render(bib, edited, "apa", cache)
    assert incremental.LAST_PATH == ["update"]
    smiths = {f"d{i:04d}" for i, part in enumerate(split_entries(text)[:400])
              if re.search(r"author = \{Smith,", part)} | {"z2"}
    assert len(smiths) > 10
    assert len(incremental.LAST_RUNS) == 2, [len(r) for r in incremental.LAST_RUNS]
    beside = incremental.LAST_BESIDE
    assert len(beside) == 1 and smiths <= beside[0]  # the new name group, beside the placing run
    placing = [r for r in incremental.LAST_RUNS if r is not beside[0]][0]
    assert "z2" in placing and len(placing) <= 4 * incremental.WINDOW + 1
    assert warm == render(bib, edited, "apa", RenderCache(enabled=False))


@pytest.mark.parametrize("damage", ["truncate", "garble", "delete"])
def test_a_damaged_state_falls_back_to_a_cold_render(tmp_path: Path, damage: str) -> None:
    """Every record a state is kept in (its head, the shards of texts and blocks, the index, the
    converted entries) damaged at once, or one shard alone: the edited list is rendered cold, without
    an error, and the next run finds a sound state again (a damaged shard is written anew, not trusted)."""
    cache_dir = tmp_path / "cache"
    bib = tmp_path / "list.bib"
    entries = split_entries(dense_authors(300, seed=8))
    render(bib, "\n".join(entries), "apa", RenderCache(directory=cache_dir))
    records = sorted(cache_dir.glob("render-*.marshal"))
    assert len(records) > 10  # a head, two sets of shards, an index, the converted entries' head and shards
    for which in (records, records[len(records) // 2:len(records) // 2 + 1]):
        for path in which:
            if damage == "truncate":
                path.write_bytes(path.read_bytes()[:-7])
            elif damage == "garble":
                data = bytearray(path.read_bytes())
                data[-3] ^= 0xFF
                path.write_bytes(bytes(data))
            else:
                path.unlink()
        edited = edit(entries, "title", random.Random(len(which)))
        text = "\n".join(edited)
        warm = render(bib, text, "apa", RenderCache(directory=cache_dir))
        assert warm == render(bib, text, "apa", RenderCache(enabled=False))
        if which is records:
            assert incremental.LAST_PATH == ["cold"]
        assert render(bib, text, "apa", RenderCache(directory=cache_dir)) == warm
        assert incremental.LAST_PATH == ["exact"]


def test_an_edit_rewrites_only_the_shards_it_changed(tmp_path: Path) -> None:
    """A one-title edit of a 305-entry list writes the state's small head, the shard of the edited
    entry's text and the shard of its blocks (and the index, the converted entries' shard): a few
    records, not the whole state."""
    cache_dir = tmp_path / "cache"
    bib = tmp_path / "list.bib"
    extra = "".join(f"@book{{z{i},\n  author = {{Zorn{i}, Ada}},\n  title = {{Book {i}}},\n  publisher = {{P}},\n"
                    f"  year = {{2001}}\n}}\n\n" for i in range(5))
    text = dense_authors(300, seed=6) + "\n" + extra
    render(bib, text, "apa", RenderCache(directory=cache_dir))
    before = {p.name: p.read_bytes() for p in cache_dir.glob("render-*.marshal")}
    edited = text.replace("title = {Book 3}", "title = {Book 3, revised}")  # no namesake: only its own blocks change
    warm = render(bib, edited, "apa", RenderCache(directory=cache_dir))
    assert incremental.LAST_PATH == ["update"]
    after = {p.name: p.read_bytes() for p in cache_dir.glob("render-*.marshal")}
    written = [name for name, data in after.items() if before.get(name) != data]
    assert 3 <= len(written) <= 6, len(written)
    assert sum(len(after[n]) for n in written) < sum(len(d) for d in after.values()) / 5
    assert warm == render(bib, edited, "apa", RenderCache(enabled=False))


def test_an_unchanged_file_is_found_without_converting_its_entries(tmp_path: Path, monkeypatch) -> None:
    """The same file's bytes (the parse cache's digest), the same entries: the state is found by a key
    of the digests, no entry is converted to BibLaTeX again; after an edit of the file the entries are
    converted (the digest changed) and the list is updated; the output is the cold render's each time,
    warnings for entries pandoc cannot read included."""
    from bibkit.formatting import citeproc as citeproc_module

    cache = RenderCache(directory=tmp_path / "cache")
    bib = tmp_path / "list.bib"
    text = dense_authors(80, seed=12) + "\n@article{bad<key>,\n  title = {Unreadable key}\n}\n"

    def run(source: str) -> tuple[list[tuple[str, str]], list[str]]:
        bib.write_text(source, encoding="utf-8")
        b = load_bibliography([str(bib)], Diagnostics(), use_cache=True)  # as the CLI reads it: digests known
        out = format_bibliography(list(b), "apa", "text", macros=b.macros, cache=cache, bibliography=b)
        return [(e.key, e.text) for e in out.entries], [m for _, m in out.warnings]

    first = run(text)
    converted: list[int] = []
    real = incremental.entries_biblatex
    monkeypatch.setattr(incremental, "entries_biblatex",
                        lambda entries, *a, **k: converted.append(len(entries)) or real(entries, *a, **k))
    assert run(text) == first
    assert incremental.LAST_PATH == ["exact"] and converted == []
    edited = text.replace("title = {Study number 7}", "title = {Study number 7, revised}")
    after = run(edited)
    assert incremental.LAST_PATH == ["update"] and converted
    assert after != first
    bib.write_text(edited, encoding="utf-8")
    b = load_bibliography([str(bib)], Diagnostics())
    cold = format_bibliography(list(b), "apa", "text", macros=b.macros, cache=RenderCache(enabled=False), bibliography=b)
    assert after == ([(e.key, e.text) for e in cold.entries], [m for _, m in cold.warnings])
    assert any("bad<key>" in m for m in after[1]) and any("bad<key>" in m for m in first[1])


def test_a_run_beside_the_placing_run_that_cited_part_of_a_group_is_not_taken(tmp_path: Path, monkeypatch) -> None:
    """A guessed run that cited only part of a name group saw other namesakes than a full render: its
    year-suffix letters are not the group's, so the group is rendered again whole. The guesses are cut
    in half here (the entry edited kept in); the output must still be the cold render's."""
    real = incremental._guessed_runs

    def halves(changed, *a, **k):
        return [{x for x in sorted(run)[::2]} | (run & set(changed)) for run in real(changed, *a, **k)]

    monkeypatch.setattr(incremental, "_guessed_runs", halves)
    rnd = random.Random("partial")
    cache = RenderCache(directory=tmp_path / "cache")
    bib = tmp_path / "dense.bib"
    entries = split_entries(dense_authors(220, seed=27))
    render(bib, "\n".join(entries), "apa", cache)
    partial = 0
    for kind in ["year", "author", "year", "title"]:
        entries = edit(entries, kind, rnd)
        text = "\n".join(entries)
        warm = render(bib, text, "apa", cache)
        assert incremental.LAST_PATH == ["update"], kind
        partial += bool(incremental.LAST_BESIDE)
        assert warm == render(bib, text, "apa", RenderCache(enabled=False)), kind
    assert partial  # runs beside the placing run were really made (and left out)
