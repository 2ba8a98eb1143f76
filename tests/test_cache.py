"""The parse cache: same results warm as cold, never stale, never trusted when damaged, never fatal."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bibkit.bib.bibtex import load_bibliography
from bibkit.checks import run_checks
from bibkit.cli import cli
from bibkit.infra import cache
from bibkit.infra.diagnostics import Diagnostics
from bibkit.project import load_project

DATA = Path(__file__).parent / "data" / "scale"


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private BIBKIT_CACHE_DIR."""
    d = tmp_path / "cache"
    monkeypatch.setenv("BIBKIT_CACHE_DIR", str(d))
    return d


@pytest.fixture
def bib(tmp_path: Path) -> str:
    """A copy of the mixed test bibliography (so tests may change it)."""
    path = tmp_path / "mixed.bib"
    shutil.copy(DATA / "mixed.bib", path)
    return str(path)


def snapshot(bibliography) -> list:
    """Everything a user of the model can see, as plain data."""
    out = []
    for f in bibliography.files:
        for b in f.blocks:
            row = [type(b).__name__ if type(b).__name__ != "PackedEntry" else "Entry", b.start, b.end]
            if hasattr(b, "fields"):
                row += [b.type, b.key, b.line, b.column, b.broken, b.type_raw, b.delimiters, b.trailing_comments,
                        [(x.name, x.value, x.offset, x.comments, [(p.kind, p.text) for p in x.parts]) for x in b.fields],
                        dict(b.values), b.file]
            else:
                row.append(getattr(b, "text", None) or getattr(b, "value", None))
            out.append(row)
    return [out, list(bibliography.entries), dict(bibliography.macros), [(f.encoding, f.bom) for f in bibliography.files]]


def load(paths: list[str], use_cache: bool):
    diags = Diagnostics()
    bibliography = load_bibliography(paths, diags, use_cache=use_cache)
    return bibliography, [str(d) for d in diags]


def records(cache_dir: Path, kind: str = "bib") -> list[Path]:
    return sorted(cache_dir.glob(f"{kind}-*.marshal")) if cache_dir.exists() else []


def test_warm_load_equals_cold_load(cache_dir: Path, bib: str) -> None:
    cold, cold_diags = load([bib], use_cache=False)
    assert not records(cache_dir)
    first, first_diags = load([bib], use_cache=True)
    assert len(records(cache_dir)) == 1
    warm, warm_diags = load([bib], use_cache=True)
    assert snapshot(cold) == snapshot(first) == snapshot(warm)
    assert cold_diags == first_diags == warm_diags
    assert any("B005" in d for d in warm_diags) and any("B019" in d for d in warm_diags)
    assert type(warm.entries["dikotter2010"]).__name__ == "PackedEntry"


def test_lazy_entry_answers_absent_fields_without_building_them(cache_dir: Path, bib: str) -> None:
    from bibkit.model import _FIELDS_SLOT

    load([bib], use_cache=True)
    warm, _ = load([bib], use_cache=True)
    entry = warm.entries["dikotter2010"]
    assert entry.field("journal") is None and entry.get("journal", "x") == "x" and "journal" not in entry
    assert entry.get("TITLE") == "Mao's Great Famine" and entry.field("isbn").value and "isbn" in entry
    assert _FIELDS_SLOT.__get__(entry) is None  # no Field list built for that
    assert entry.get("TITLE") == "Mao's Great Famine" and "isbn" in entry
    entry.fields = entry.fields + [type(entry.fields[0])("journal", [], "J", 0)]
    assert entry.field("journal") is not None and entry.get("journal") == "J"


def test_lazy_entry_copies_like_an_entry(cache_dir: Path, bib: str) -> None:
    import copy
    import dataclasses
    import pickle

    load([bib], use_cache=True)
    warm, _ = load([bib], use_cache=True)
    entry = warm.entries["dikotter2010"]
    moved = dataclasses.replace(entry, key="moved2010")
    assert moved.key == "moved2010" and moved.get("title") == "Mao's Great Famine" and moved.field("isbn")
    for clone in (copy.copy(entry), copy.deepcopy(entry), pickle.loads(pickle.dumps(entry))):
        assert clone.key == "dikotter2010" and [f.value for f in clone.fields] == [f.value for f in entry.fields]
        assert clone.get("journal") is None and clone.get("year") == "2010"


def test_changed_file_is_parsed_again(cache_dir: Path, bib: str) -> None:
    load([bib], use_cache=True)
    with open(bib, "a", encoding="utf-8") as fh:
        fh.write("\n@misc{added2024, title = {New}}\n")
    warm, _ = load([bib], use_cache=True)
    assert "added2024" in warm.entries
    assert len(records(cache_dir)) == 2


def test_macros_from_an_earlier_file_are_part_of_the_key(cache_dir: Path, tmp_path: Path) -> None:
    uses = tmp_path / "uses.bib"
    uses.write_text("@article{a, journal = jx, title = {T}}\n", encoding="utf-8")
    one = tmp_path / "one.bib"
    one.write_text("@string{jx = {First Journal}}\n", encoding="utf-8")
    two = tmp_path / "two.bib"
    two.write_text("@string{jx = {Second Journal}}\n", encoding="utf-8")
    a, _ = load([str(one), str(uses)], use_cache=True)
    b, _ = load([str(two), str(uses)], use_cache=True)
    assert a.entries["a"].get("journal") == "First Journal"
    assert b.entries["a"].get("journal") == "Second Journal"
    c, _ = load([str(one), str(uses)], use_cache=True)
    assert c.entries["a"].get("journal") == "First Journal" and c.macros["jx"] == "First Journal"


@pytest.mark.parametrize("damage", ["truncate", "flip", "foreign", "empty", "other-version"])
def test_damaged_record_is_ignored_and_rebuilt(cache_dir: Path, bib: str, damage: str,
                                               caplog: pytest.LogCaptureFixture) -> None:
    cold, cold_diags = load([bib], use_cache=False)
    load([bib], use_cache=True)
    (record,) = records(cache_dir)
    blob = record.read_bytes()
    if damage == "truncate":
        record.write_bytes(blob[: len(blob) // 2])
    elif damage == "flip":
        record.write_bytes(blob[:-10] + bytes([blob[-10] ^ 0xFF]) + blob[-9:])
    elif damage == "foreign":
        record.write_bytes(b"\x80\x04\x95 this is a pickle, or anything else")
    elif damage == "empty":
        record.write_bytes(b"")
    else:  # a valid record written by another version under this key
        import hashlib
        import marshal

        payload = marshal.dumps((cache.FORMAT, "0.0.0-other", record.stem.split("-", 1)[1], ("x",)))
        record.write_bytes(cache.MAGIC + hashlib.sha256(payload).digest() + payload)
    with caplog.at_level(logging.DEBUG, logger="bibkit.infra.cache"):
        warm, warm_diags = load([bib], use_cache=True)
    assert snapshot(warm) == snapshot(cold) and warm_diags == cold_diags
    assert any("ignored" in r.getMessage() for r in caplog.records)
    # rebuilt: the next run reads a good record again
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="bibkit.infra.cache"):
        again, _ = load([bib], use_cache=True)
    assert snapshot(again) == snapshot(cold) and not caplog.records


def test_unwritable_cache_dir_is_not_fatal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bib: str) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("BIBKIT_CACHE_DIR", str(blocker / "cache"))
    cold, _ = load([bib], use_cache=False)
    warm, _ = load([bib], use_cache=True)
    assert snapshot(warm) == snapshot(cold)


def test_default_cache_dir_is_the_platform_user_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    import platformdirs

    monkeypatch.delenv("BIBKIT_CACHE_DIR", raising=False)
    assert cache.cache_dir() == platformdirs.user_cache_dir("bibkit")
    monkeypatch.setenv("BIBKIT_CACHE_DIR", "/somewhere/else")
    assert cache.cache_dir() == "/somewhere/else"


def test_check_results_and_claims_are_the_same_warm(cache_dir: Path, bib: str) -> None:
    claims = str(DATA / "claims.yaml")
    cold = [str(d) for d in run_checks(load_project([bib], claims, use_cache=False))]
    first = [str(d) for d in run_checks(load_project([bib], claims, use_cache=True))]
    warm_project = load_project([bib], claims, use_cache=True)
    warm = [str(d) for d in run_checks(warm_project)]
    assert cold == first == warm
    assert records(cache_dir, "checks") and records(cache_dir, "claims")
    assert [link.key for link in warm_project.claims.by_id()["death-toll"].links] == ["dikotter2010", "ghost1999",
                                                                                      "peng1987"]


def test_cli_no_cache_leaves_the_cache_alone(cache_dir: Path, bib: str, runner) -> None:
    result = runner.invoke(cli, ["check", "--no-cache", "--bib", bib])
    assert result.exit_code == 1, result.output
    assert not records(cache_dir)
    result2 = runner.invoke(cli, ["check", "--bib", bib])
    assert result2.exit_code == 1 and result2.output == result.output
    assert len(records(cache_dir)) == 1 and records(cache_dir, "checks")


def test_concurrent_runs_share_the_cache_safely(cache_dir: Path, bib: str) -> None:
    env = dict(os.environ, BIBKIT_CACHE_DIR=str(cache_dir), NO_COLOR="1")
    cmd = [sys.executable, "-m", "bibkit", "check", "--bib", bib]
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(4)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [1] * 4
    assert len({o for o, _ in outs}) == 1 and all(not err for _, err in outs)
    assert len(records(cache_dir)) == 1
    assert not [p for p in cache_dir.iterdir() if p.name.endswith(".tmp")]


def test_every_corpus_file_round_trips_through_the_cache(corpus: list[Path], cache_dir: Path) -> None:
    for path in corpus:
        cold, cold_diags = load([str(path)], use_cache=False)
        load([str(path)], use_cache=True)
        warm, warm_diags = load([str(path)], use_cache=True)
        assert snapshot(warm) == snapshot(cold), path
        assert warm_diags == cold_diags, path


def test_cache_is_pruned_least_recently_used_first(cache_dir: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    paths = []
    for i in range(4):
        p = tmp_path / f"f{i}.bib"
        p.write_text(f"@misc{{k{i}, title = {{{'x' * 20000}}}}}\n", encoding="utf-8")
        paths.append(str(p))
    for p in paths[:3]:
        load([p], use_cache=True)
    sizes = [r.stat().st_size for r in records(cache_dir)]
    assert len(sizes) == 3
    by_age = sorted(records(cache_dir), key=lambda r: r.stat().st_mtime_ns)  # f0, f1, f2 as written
    for i, r in enumerate(by_age):
        os.utime(r, ns=(10**18 + i * 10**9, 10**18 + i * 10**9))  # long ago, a second apart
    load([paths[0]], use_cache=True)  # a hit: f0's record becomes the most recently used
    monkeypatch.setenv("BIBKIT_CACHE_MAX_MB", str(3.5 * max(sizes) / (1024 * 1024)))
    load([paths[3]], use_cache=True)  # a write over the limit prunes the least recently used: f1
    kept = records(cache_dir)
    assert len(kept) == 3
    assert by_age[0] in kept and by_age[1] not in kept and by_age[2] in kept


def test_macro_refs_are_the_same_warm(cache_dir: Path, bib: str) -> None:
    cold, _ = load([bib], use_cache=False)
    load([bib], use_cache=True)
    warm, _ = load([bib], use_cache=True)
    refs = {e.key: e.macro_refs() for e in cold.all_entries()}
    assert any(names for names, _ in refs.values())  # the file uses macros
    assert {e.key: e.macro_refs() for e in warm.all_entries()} == refs
    from bibkit.model import _FIELDS_SLOT, PackedEntry

    packed = [e for e in warm.all_entries() if isinstance(e, PackedEntry) and e._lnames is not None]
    assert packed and all(_FIELDS_SLOT.__get__(e) is None for e in packed)  # answered without building fields


@pytest.mark.parametrize("data", [
    "\ufeff@misc{bom, title = {Caf\u00e9}}\n".encode("utf-8"),
    "@misc{cp, title = {Caf\u00e9 \u2013 bar}}\n".encode("cp1252"),
    "\ufeff@misc{wide, title = {\u0141\u00f3d\u017a}}\n".encode("utf-16-le"),
    "@misc{wide, title = {\u0141\u00f3d\u017a}}\n".encode("utf-16-be"),
])
def test_files_in_any_encoding_read_the_same_from_the_cache(cache_dir: Path, tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "enc.bib"
    path.write_bytes(data)
    cold, cold_diags = load([str(path)], use_cache=False)
    first, first_diags = load([str(path)], use_cache=True)
    warm, warm_diags = load([str(path)], use_cache=True)
    assert snapshot(cold) == snapshot(first) == snapshot(warm)
    assert cold_diags == first_diags == warm_diags
    assert next(iter(warm.entries.values())).get("title") in ("Caf\u00e9", "Caf\u00e9 \u2013 bar", "\u0141\u00f3d\u017a")
