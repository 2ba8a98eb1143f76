"""fmt with a progress callback: reading, formatting and the --check diff all report; the result is the same."""

from __future__ import annotations

from pathlib import Path

from bibkit.bib.fmt import FmtOptions, format_file, unified_diff
from bibkit.infra.progress import SCALE

ENTRY = "@Article{{k{i},\n title = \"T {i}\", author={{A, B}},  year = 2000 ,month=3}}\n\n"


class Calls(list):
    def __call__(self, done: int, total: int) -> None:
        self.append((done, total))


def _big(tmp_path: Path, n: int = 3000) -> Path:
    path = tmp_path / "refs.bib"
    path.write_text("".join(ENTRY.format(i=i) for i in range(n)), encoding="utf-8")
    return path


def test_format_file_reports_reading_then_each_block(tmp_path: Path) -> None:
    path = _big(tmp_path)
    calls = Calls()
    watched = format_file(str(path), FmtOptions(), calls)
    assert watched.new_data == format_file(str(path), FmtOptions()).new_data
    steps = [done for done, _ in calls]
    assert steps == sorted(steps) and calls[-1] == (SCALE, SCALE)
    assert all(total == SCALE for _, total in calls)
    reading = [s for s in steps if s < 400]  # the first two fifths are the reader's
    assert len(reading) >= 2 and len(set(steps)) > 100  # the reader and every block report


def test_unified_diff_reports_lines_compared(tmp_path: Path) -> None:
    path = _big(tmp_path, 500)
    result = format_file(str(path))
    calls = Calls()
    diff = unified_diff(result.before, result.after, str(path), calls)
    assert diff == unified_diff(result.before, result.after, str(path))
    lines = result.before.count("\n")
    assert calls[-1] == (lines, lines) and len(calls) >= 500
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
