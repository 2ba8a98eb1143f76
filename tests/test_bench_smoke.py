"""A small run of the benchmark tools: the generator makes what it promises and bibkit reads it all.

Timings are not asserted (CI machines vary); the full run is ``python benchmarks/run.py``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bibkit.checks import run_checks
from bibkit.infra.diagnostics import Diagnostics
from bibkit.project import load_project

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import generate  # noqa: E402

pytestmark = pytest.mark.slow


def test_generator_is_deterministic_and_realistic() -> None:
    text = generate.bibliography(1000)
    assert text == generate.bibliography(1000)
    keys = generate.keys_of(text)
    assert len(keys) == len(set(keys)) == 1000
    assert text.count("@string{") == len(generate.JOURNALS)
    assert 0.10 < text.count("abstract = ") / 1000 < 0.20
    assert "{\\\"o}" in text or "{\\'e}" in text


def test_bibkit_reads_every_generated_entry_cleanly(tmp_path: Path) -> None:
    text = generate.bibliography(1000)
    bib = tmp_path / "bench.bib"
    generate.write(str(bib), text)
    claims = tmp_path / "claims.yaml"
    generate.write(str(claims), generate.claims(generate.keys_of(text), 2000))
    project = load_project([str(bib)], str(claims))
    assert len(project.bibliography) == 1000
    diags = run_checks(project)
    assert not [d for d in diags if d.severity.value != "info"], [str(d) for d in diags][:5]
    assert len(project.claims.claims) == 2000
    # only claims without sources, and links marked verified by hand (no review record)
    assert {d.code for d in diags} == {"C011", "C021"}
    entry = project.bibliography.entries[generate.keys_of(text)[0]]
    assert entry.get("journal") or entry.get("booktitle") or entry.get("publisher")


def test_pathological_inputs_are_read_whole() -> None:
    diags = Diagnostics()
    from bibkit.bib.bibtex import parse_text

    huge = parse_text(generate.huge_field(2), "huge.bib", diags)
    assert len(huge.entries[0].get("abstract")) > 2_000_000
    macros = parse_text(generate.many_macros(5000), "macros.bib", diags)
    assert len(macros.entries) == 50 and macros.entries[0].get("title") == "Macro value number 0 and more"
    crowd = parse_text(generate.many_authors(2000), "crowd.bib", diags)
    assert crowd.entries[0].get("author").count(" and ") == 1999
    assert not list(diags)


def test_runner_measures_bibkit_and_writes_a_report(tmp_path: Path) -> None:
    out = tmp_path / "BENCHMARKS.md"
    out.write_text("# Old\n\n## Reading list\n\nkept by its own benchmark\n", encoding="utf-8")
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--sizes", "1000", "--repeat", "1",
                             "--no-peers", "--no-pathological", "--workdir", str(tmp_path / "work"), "-o", str(out)],
                            capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    report = out.read_text(encoding="utf-8")
    assert "| bibkit check (cold) |" in report and "| bibkit check (warm) |" in report
    assert "## Reading list\n\nkept by its own benchmark" in report and "# Old" not in report
    assert "Machine:" in report


def test_report_keeps_the_sections_other_benchmarks_write(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import run

    out = tmp_path / "BENCHMARKS.md"
    out.write_text("# Old\n\n## Reading list\n\nlist numbers\n\n## Full texts and verify\n\nverify numbers\n",
                   encoding="utf-8")
    run.write_benchmarks("# Benchmarks\n\nnew numbers\n", str(out))
    assert out.read_text(encoding="utf-8") == (
        "# Benchmarks\n\nnew numbers\n\n## Reading list\n\nlist numbers\n\n## Full texts and verify\n\nverify numbers\n")
