"""Shared fixtures: the repository root, the real-world corpus, a CLI runner and throwaway projects."""

from __future__ import annotations

import os
import shutil
import signal
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

# A suite started in the background of a non-interactive shell (`./.ci/run &`, nohup) inherits SIGINT
# ignored, and an ignored signal stays ignored across exec: every bibkit the Ctrl-C tests start would
# then shrug off their SIGINT and time out. A handler does not survive exec, so with Python's own
# handler back here, the children start with the default action, as from a terminal.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
# The bibtex-tidy corpus: next to the checkout on developer machines and in CI, or where BIBKIT_CORPUS says.
CORPUS = Path(os.environ.get("BIBKIT_CORPUS") or ROOT.parent / "shared" / "corpus" / "bibtex-tidy")


@pytest.fixture(scope="session", autouse=True)
def own_cache_folder(tmp_path_factory: pytest.TempPathFactory):
    """Every test run gets a cache folder of its own (BIBKIT_CACHE_DIR, inherited by the bibkit processes
    tests start), so no test reads what an earlier run (or a mutant, or the user) left in the real cache."""
    before = os.environ.get("BIBKIT_CACHE_DIR")
    os.environ["BIBKIT_CACHE_DIR"] = str(tmp_path_factory.mktemp("bibkit-cache"))
    yield
    if before is None:
        os.environ.pop("BIBKIT_CACHE_DIR", None)
    else:
        os.environ["BIBKIT_CACHE_DIR"] = before


@pytest.fixture
def root() -> Path:
    """The repository root (the bundled example project lives there)."""
    return ROOT


@pytest.fixture
def data() -> Path:
    """tests/data."""
    return DATA


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the verify demonstration project (examples/verify-demo), the working folder, with its own cache."""
    dest = tmp_path / "demo"
    shutil.copytree(ROOT / "examples" / "verify-demo", dest)
    monkeypatch.chdir(dest)
    monkeypatch.setenv("BIBKIT_CACHE_DIR", str(tmp_path / "cache"))
    return dest


def require_corpus() -> bool:
    """True when a missing corpus must fail the run instead of skipping (BIBKIT_REQUIRE_CORPUS=1, set by .ci/run)."""
    return os.environ.get("BIBKIT_REQUIRE_CORPUS") == "1"


def corpus_files() -> list[Path]:
    """Every .bib file of the corpus, or [] when it is absent (a failure under BIBKIT_REQUIRE_CORPUS=1).

    Called while tests are collected, so a required but missing corpus stops the run with a collection
    error before any corpus test could be skipped.
    """
    files = sorted(p for p in CORPUS.rglob("*.bib") if p.is_file()) if CORPUS.is_dir() else []
    if not files and require_corpus():
        pytest.fail(f"BIBKIT_REQUIRE_CORPUS=1 but no .bib file found at {CORPUS}", pytrace=False)
    return files


@pytest.fixture
def corpus() -> list[Path]:
    """The corpus files; skips the test when the corpus is absent (fails under BIBKIT_REQUIRE_CORPUS=1)."""
    files = corpus_files()
    if not files:
        pytest.skip(f"corpus not found at {CORPUS} (it exists on developer machines and in CI; "
                    "BIBKIT_REQUIRE_CORPUS=1 makes this a failure)")
    return files


@pytest.fixture
def runner() -> CliRunner:
    """A click runner with stderr kept apart from stdout."""
    try:
        return CliRunner(mix_stderr=False)
    except TypeError:  # click >= 8.2 always separates them
        return CliRunner()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A factory: ``project(bib=..., claims=..., **files)`` writes a project into tmp_path and chdirs there."""

    def make(bib: str | None = None, claims: str | None = None, **files: str) -> Path:
        if bib is not None:
            (tmp_path / "references.bib").write_text(textwrap.dedent(bib), encoding="utf-8")
        if claims is not None:
            (tmp_path / "claims.yaml").write_text(textwrap.dedent(claims), encoding="utf-8")
        for name, text in files.items():
            path = tmp_path / name.replace("__", ".")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text), encoding="utf-8")
        monkeypatch.chdir(tmp_path)
        return tmp_path

    return make


def require_browser() -> bool:
    """True when CI demands the browser tests run (BIBKIT_REQUIRE_BROWSER=1)."""
    return os.environ.get("BIBKIT_REQUIRE_BROWSER") == "1"
