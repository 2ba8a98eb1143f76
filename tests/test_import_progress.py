"""import with a progress callback: each format's reader, the target's reading and the plan report; same result."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from bibkit.infra.progress import SCALE
from bibkit.interchange.importer import import_files, plan

N = 1100  # records: 2200 blocks, so the reader hook fires twice (every 2048 blocks)


class Calls(list):
    def __call__(self, done: int, total: int) -> None:
        self.append((done, total))


def _items(n: int) -> list[dict]:
    return [{"id": f"r{i}", "type": "article-journal", "title": f"Harvest report number {i}",
             "author": [{"family": f"Wu{i % 50}", "given": "Ann"}], "issued": {"date-parts": [[1950 + i % 60]]},
             "DOI": f"10.1000/x{i}"} for i in range(n)]


def _write(tmp_path: Path, fmt: str, n: int = N) -> Path:
    items = _items(n)
    if fmt == "csl-json":
        path, text = tmp_path / "in.json", json.dumps(items)
    elif fmt == "csl-yaml":
        path, text = tmp_path / "in.yaml", yaml.safe_dump({"references": items})
    elif fmt == "ris":
        path = tmp_path / "in.ris"
        text = "".join(f"TY  - JOUR\nID  - {it['id']}\nTI  - {it['title']}\nAU  - {it['author'][0]['family']}, Ann\n"
                       f"PY  - {it['issued']['date-parts'][0][0]}\nDO  - {it['DOI']}\nER  - \n\n" for it in items)
    else:
        path = tmp_path / "in.bib"
        text = "".join(f"@article{{{it['id']},\n  title = {{{it['title']}}},\n"
                       f"  author = {{{it['author'][0]['family']}, Ann}},\n"
                       f"  year = {{{it['issued']['date-parts'][0][0]}}},\n  doi = {{{it['DOI']}}}\n}}\n\n"
                       for it in items)
    path.write_text(text, encoding="utf-8")
    return path


def _target(tmp_path: Path) -> Path:
    """A bibliography that already has every tenth incoming record (same DOI) and 1100 others."""
    own = "".join(f"@book{{own{i},\n  title = {{Own book {i}}},\n  author = {{Lee, Bo}},\n  year = {{1999}}\n}}\n\n"
                  for i in range(1100))
    dups = "".join(f"@article{{d{i},\n  title = {{Harvest report number {i}}},\n  doi = {{10.1000/x{i}}}\n}}\n\n"
                   for i in range(0, N, 10))
    path = tmp_path / "references.bib"
    path.write_text(own + dups, encoding="utf-8")
    return path


def _summary(result) -> tuple:
    return result.new_text, [(d.action, d.key, d.reason) for d in result.decisions]


@pytest.mark.parametrize("fmt", ["ris", "csl-json", "csl-yaml", "bibtex"])
def test_every_stage_of_an_import_reports(tmp_path: Path, fmt: str) -> None:
    source, target = _write(tmp_path, fmt), _target(tmp_path)
    calls = Calls()
    watched = import_files([str(source)], str(target), merge=True, progress=calls)
    assert _summary(watched) == _summary(import_files([str(source)], str(target), merge=True))
    assert watched.count("merge") + watched.count("skip") == N // 10 and watched.count("add") == N - N // 10
    steps = [done for done, _ in calls]
    assert steps == sorted(steps) and calls[-1] == (SCALE, SCALE) and {t for _, t in calls} == {SCALE}
    reading = [s for s in steps if s < 400]
    loading = [s for s in steps if 400 <= s < 600]
    planning = [s for s in steps if s >= 600]
    assert len(set(reading)) >= 2 and len(set(loading)) >= 2 and len(set(planning)) > 100


def test_files_take_equal_shares_of_the_reading(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = _write(tmp_path / "a", "ris", 10), _write(tmp_path / "b", "csl-json", 1000)
    calls = Calls()
    import_files([str(first), str(second)], str(tmp_path / "new.bib"), progress=calls)
    steps = [done for done, _ in calls]
    assert steps == sorted(steps)
    assert max(steps[:11]) == 200  # the small first file (ten records, then its end) is half of the reading
    assert len({s for s in steps if 200 < s <= 400}) > 100  # the second file's items, one by one


def test_plan_reports_target_entries_then_records(tmp_path: Path) -> None:
    from bibkit.interchange.importer import load_target, read_file

    records, _ = read_file(str(_write(tmp_path, "ris", 100)))
    _, entries, _, _ = load_target(str(_target(tmp_path)))
    calls = Calls()
    decisions = plan(records, entries, progress=calls)
    assert [(d.action, d.key) for d in decisions] == [(d.action, d.key) for d in plan(records, entries)]
    steps = [done for done, _ in calls]
    # entries indexed first, then each record read and decided
    assert len(calls) == len(entries) + 2 * len(records) and steps == sorted(steps)
    assert calls[len(entries) - 1][0] == round(SCALE * len(entries) / (len(entries) + 2 * len(records)))
