"""The corpus switch of tests/conftest.py: BIBKIT_REQUIRE_CORPUS=1 turns a missing corpus into a failure.

CI sets it (.ci/run), so the corpus comparisons (pandoc, CSL-JSON, fmt on every file) cannot silently
stop running. Each case runs pytest in a subprocess with BIBKIT_CORPUS pointing at a missing folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

PROBE = "def test_uses_corpus(corpus):\n    assert corpus\n"


def run_pytest(tmp_path: Path, require: bool, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("BIBKIT_REQUIRE_CORPUS", "PYTEST_ADDOPTS")}
    env["BIBKIT_CORPUS"] = str(tmp_path / "no-such-corpus")
    if require:
        env["BIBKIT_REQUIRE_CORPUS"] = "1"
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "tests.conftest",
                           "-q", "-rs", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_missing_corpus_skips_by_default(tmp_path):
    (tmp_path / "test_probe.py").write_text(PROBE)
    proc = run_pytest(tmp_path, False, str(tmp_path / "test_probe.py"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 skipped" in proc.stdout and "BIBKIT_REQUIRE_CORPUS=1 makes this a failure" in proc.stdout


def test_missing_corpus_fails_when_required(tmp_path):
    (tmp_path / "test_probe.py").write_text(PROBE)
    proc = run_pytest(tmp_path, True, str(tmp_path / "test_probe.py"))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"BIBKIT_REQUIRE_CORPUS=1 but no .bib file found at {tmp_path / 'no-such-corpus'}" in proc.stdout
    assert "skipped" not in proc.stdout


def test_required_corpus_stops_collection_of_the_corpus_tests(tmp_path):
    """Modules that parametrize over the corpus files fail at collection, before anything could be skipped."""
    proc = run_pytest(tmp_path, True, "--collect-only", "tests/test_corpus.py")
    assert proc.returncode != 0, proc.stdout + proc.stderr
    assert "BIBKIT_REQUIRE_CORPUS=1 but no .bib file found" in proc.stdout
