"""Issue 14's benchmark shape: the generator's long records and the runner's table of goals (no timing here)."""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import generate  # noqa: E402
import run  # noqa: E402


def entries_of(text: str) -> list[str]:
    return [e for e in re.split(r"\n(?=@)", text) if e.startswith("@") and not e.startswith("@string")]


def field_count(entry: str) -> int:
    return len(re.findall(r"^  [a-z]+ = ", entry, re.M))


def test_long_records_alone_give_every_entry_a_long_abstract_and_15_to_20_fields() -> None:
    text = generate.bibliography(400, profile="long-records")
    assert text == generate.bibliography(400, profile="long-records", abstract_share=1.0)  # the option's default
    entries = entries_of(text)
    assert len(entries) == 400
    for entry in entries:
        assert 15 <= field_count(entry) <= 20
        (abstract,) = re.findall(r"^  abstract = \{(.*)\}", entry, re.M)
        assert 150 <= len(abstract.split()) <= 330


def test_the_share_keeps_issue_14s_shape_100k_entries_in_about_44_mb() -> None:
    text = generate.bibliography(5000, profile="long-records", abstract_share=0.02)
    assert text == generate.bibliography(5000, profile="long-records", abstract_share=0.02)
    entries = entries_of(text)
    assert len(entries) == 5000 and len(set(generate.keys_of(text))) == 5000
    assert all(15 <= field_count(e) <= 20 for e in entries)
    with_abstract = sum("  abstract = {" in e for e in entries)
    assert 0.01 < with_abstract / 5000 < 0.03
    assert 42e6 < len(text.encode()) * 20 < 46e6  # 100,000 entries of this shape


def test_lean_records_check_clean_but_for_nothing(tmp_path: Path) -> None:
    """Only the long records' made-up ISSNs are findings: the lean ones are valid, so a check times reading."""
    from bibkit.checks import run_checks
    from bibkit.project import load_project

    text = generate.bibliography(600, profile="long-records", abstract_share=0.02)
    bib = tmp_path / "lr.bib"
    bib.write_text(text, encoding="utf-8")
    diags = run_checks(load_project([str(bib)], None, no_claims=True))
    long_keys = {generate.keys_of(e)[0] for e in entries_of(text) if "  abstract = {" in e}
    assert {d.code for d in diags} <= {"B014"} and {d.key for d in diags} <= long_keys


def test_generator_refuses_a_share_outside_0_to_1_or_without_long_records(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        generate.main(["--entries", "3", "--abstract-share", "1.5", "-o", str(tmp_path / "x.bib")])
    with pytest.raises(SystemExit):
        generate.main(["--entries", "3", "--abstract-share", "0.5", "-o", str(tmp_path / "x.bib")])


def test_default_profile_output_is_unchanged() -> None:
    """The default data (BENCHMARKS.md's 1k-100k rows) is byte for byte what it was before the share existed."""
    digest = hashlib.sha256(generate.bibliography(3000).encode()).hexdigest()
    assert digest == "9a7e96472546065a941543a36d0422b6dd381c7d1c248a8bf4d7a3bb00c7d2d8"
    digest = hashlib.sha256(generate.bibliography(3000, profile="long-records").encode()).hexdigest()
    assert digest == "0f1d016ec75d65370d4873728670cfe9af4544abb2f11f96d350400d71986aef"


def fake_run(parse: float, walls: list[float], rss_mb: list[int]) -> dict:
    peer = run.Result("bibtexparser", "x.bib", walls=[parse + 0.1], parses=[parse], rss_kb=700 * 1024)
    rows = [run.Result(name, "x.bib", walls=[w], rss_kb=m * 1024)
            for (name, *_), w, m in zip(run.LONG_RECORDS_GOALS, walls, rss_mb)]
    return {"n": 100_000, "share": 0.02, "size_mb": 43.9, "peer": peer, "rows": rows}


def test_goals_are_judged_against_the_peer_measured_in_the_same_run() -> None:
    met = run.long_records_goals(fake_run(14.0, [7.0, 3.0, 2.0], [400, 900, 600]))
    assert [ok for *_, ok in met] == [True, True, True]
    assert met[0][1] == "7.00 s = 0.50x bibtexparser's parse (14.00 s), 400 MB" and met[0][2] == "≤ 0.5x, ≤ 400 MB"
    missed = run.long_records_goals(fake_run(14.0, [7.1, 3.01, 1.5], [300, 100, 601]))
    assert [ok for *_, ok in missed] == [False, False, False]
    assert [ok for *_, ok in run.long_records_goals(fake_run(14.0, [6.0, 2.0, 1.0], [401, 100, 100]))] == \
        [False, True, True]


def test_the_long_records_section_replaces_only_itself(tmp_path: Path) -> None:
    out = tmp_path / "BENCHMARKS.md"
    out.write_text("# Benchmarks\n\nnumbers\n\n## Reading list\n\nlist\n", encoding="utf-8")
    text = run.render_long_records([fake_run(14.0, [6.0, 2.5, 1.8], [330, 270, 480])], 3, "today")
    assert "| cold `bibkit check` (whole process) | 6.00 s = 0.43x" in text and "| yes |" in text
    run.write_section(text, run.LONG_RECORDS_SECTION, str(out))
    first = out.read_text(encoding="utf-8")
    assert first.startswith("# Benchmarks\n\nnumbers\n\n## Reading list\n\nlist\n\n## Long records (issue 14)")
    run.write_section(text.replace("6.00 s", "5.00 s"), run.LONG_RECORDS_SECTION, str(out))
    second = out.read_text(encoding="utf-8")
    assert second == first.replace("6.00 s", "5.00 s")
    run.write_benchmarks("# Benchmarks\n\nnew numbers\n", str(out))  # a default run keeps the section
    assert "## Long records (issue 14)" in out.read_text(encoding="utf-8")
