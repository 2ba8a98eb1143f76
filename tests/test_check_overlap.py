"""A cold ``check`` computes some of the bibliography's rules in a forked child beside the reading of the claims
file and the other rules (issue 26): the findings are those of a serial run, the parent runs only its share, and
nothing is forked where it cannot help (record already cached, ``BIBKIT_JOBS=1``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import bibkit.checks as checks
from bibkit.infra.diagnostics import Diagnostics
from bibkit.project import load_project
from tests.test_bib_reparse import generated

ROOT = Path(__file__).resolve().parent.parent
CLAIMS = "version: 1\nclaims:\n" + "".join(
    f"  - id: c{i}\n    text: Claim {i}.\n    sources:\n      - k{i * 7}\n      - ghost{i}\n" for i in range(40))

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork here")


@pytest.fixture
def files(tmp_path: Path, monkeypatch) -> Path:
    (tmp_path / "references.bib").write_text(generated(300) + "@article{dup, title = {Title 3}, year = 1903}\n",
                                            encoding="utf-8")
    (tmp_path / "claims.yaml").write_text(CLAIMS, encoding="utf-8")
    (tmp_path / "bibkit.toml").write_text("", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BIBKIT_JOBS", raising=False)
    return tmp_path


def view(diags: Diagnostics) -> list[tuple]:
    return [(d.file, d.line, d.column, d.severity.value, d.code, d.message, d.key) for d in diags]


def test_the_child_computes_what_a_serial_run_would(files, monkeypatch):
    monkeypatch.setenv("BIBKIT_CACHE_DIR", str(files / "serial-cache"))
    serial = view(checks.run_checks(load_project(use_cache=False)))
    assert {"B003", "B019", "C008"} <= {d[4] for d in serial}  # bibliography rules, reading, claims
    calls = []

    def counted(rule):
        def run(project):
            calls.append(rule.__name__)
            return rule(project)
        run.__name__ = rule.__name__
        return run

    wrapped = {r: counted(r) for r in checks.BIB_RULES}
    monkeypatch.setattr(checks, "BIB_RULES", [wrapped[r] for r in checks.BIB_RULES])
    monkeypatch.setattr(checks, "RULES", [wrapped.get(r, r) for r in checks.RULES])
    monkeypatch.setenv("BIBKIT_CACHE_DIR", str(files / "cache"))
    started = []
    project = load_project(use_cache=True, after_bibliography=lambda p: (checks.start_bib_findings(p),
                                                                           started.append(dict(checks._PENDING))))
    assert started and len(started[0]) == 1  # a child was started, before the claims were read
    overlapped = view(checks.run_checks(project))
    # the parent ran only its share of the bibliography's rules: the child sent the findings of the others
    assert calls == [r.__name__ for r in checks.BIB_RULES[checks.CHILD_RULES:]]
    assert checks._PENDING == {}
    assert overlapped == serial
    # warm: the record is there, nothing is forked, and the rules are still not run
    again = load_project(use_cache=True, after_bibliography=checks.start_bib_findings)
    assert checks._PENDING == {}
    calls.clear()
    assert view(checks.run_checks(again)) == serial and calls == []


def test_nothing_is_forked_with_one_job(files, monkeypatch):
    monkeypatch.setenv("BIBKIT_CACHE_DIR", str(files / "cache"))
    monkeypatch.setenv("BIBKIT_JOBS", "1")
    load_project(use_cache=True, after_bibliography=checks.start_bib_findings)
    assert checks._PENDING == {}


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_check_output_is_the_serial_output(files, fmt):
    def run(cache: str, jobs: str) -> subprocess.CompletedProcess:
        env = dict(os.environ, BIBKIT_CACHE_DIR=str(files / cache), BIBKIT_JOBS=jobs, NO_COLOR="1",
                   PYTHONPATH=str(ROOT))
        return subprocess.run([sys.executable, "-m", "bibkit", "check", "--format", fmt], cwd=files, env=env,
                              capture_output=True, timeout=120)

    serial, overlapped = run("c1", "1"), run("c2", "2")
    assert overlapped.returncode == serial.returncode == 1
    assert overlapped.stdout == serial.stdout and overlapped.stderr == serial.stderr


def test_a_child_that_fails_changes_nothing_but_the_time(files, monkeypatch):
    monkeypatch.setenv("BIBKIT_CACHE_DIR", str(files / "serial-cache"))
    serial = view(checks.run_checks(load_project(use_cache=False)))
    parent = os.getpid()
    first = checks.BIB_RULES[0]

    def fails_in_the_child(project):
        if os.getpid() != parent:
            raise RuntimeError("planted")
        return first(project)

    fails_in_the_child.__name__ = first.__name__
    monkeypatch.setattr(checks, "BIB_RULES", [fails_in_the_child, *checks.BIB_RULES[1:]])
    monkeypatch.setattr(checks, "RULES", [fails_in_the_child if r is first else r for r in checks.RULES])
    monkeypatch.setenv("BIBKIT_CACHE_DIR", str(files / "cache"))
    project = load_project(use_cache=True, after_bibliography=checks.start_bib_findings)
    assert view(checks.run_checks(project)) == serial and checks._PENDING == {}


def test_the_first_claim_map_after_check_reads_everything_from_the_cache(files, monkeypatch):
    """``claim-map`` after ``check`` parses neither the bibliography nor the claims file: both come from the records
    ``check`` wrote (each read once)."""
    from click.testing import CliRunner

    import bibkit.bib.cache as bib_cache
    import bibkit.bib.reader as reader
    import bibkit.claims.cache as claims_cache
    import bibkit.claims.loader as loader
    from bibkit.cli import cli

    monkeypatch.setenv("BIBKIT_CACHE_DIR", str(files / "cache"))
    runner = CliRunner()
    assert runner.invoke(cli, ["check"]).exit_code == 1
    counts: dict[str, int] = {}

    def counted(owner, name):
        real = getattr(owner, name)

        def run(*args, **kwargs):
            counts[name] = counts.get(name, 0) + 1
            return real(*args, **kwargs)
        monkeypatch.setattr(owner, name, run)

    counted(reader.Reader, "read")
    counted(loader, "parse_claims")
    counted(bib_cache, "load_bibfile")
    counted(claims_cache, "load_claim_set")
    result = runner.invoke(cli, ["claim-map", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert counts == {"load_bibfile": 1, "load_claim_set": 1}
