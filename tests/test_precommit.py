""".pre-commit-hooks.yaml, run by pre-commit itself on a sample git repository, offline.

pre-commit clones this tree (a snapshot of the working tree, so uncommitted changes are tested too)
from a local path, makes its own virtual environment and pip-installs bibkit into it, as it does for
users. Nothing may come from the network: pip gets ``--no-index`` and a wheelhouse made here from
the distributions already installed in the test environment, and the whole run happens in a
network namespace with no network at all when the machine allows one (``unshare -n``).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HOOKS = ROOT / ".pre-commit-hooks.yaml"


def test_manifest_is_valid_for_pre_commit():
    from pre_commit.clientlib import load_manifest

    hooks = {h["id"]: h for h in load_manifest(str(HOOKS))}
    assert sorted(hooks) == ["bibkit-check", "bibkit-claim-map", "bibkit-fmt"]
    assert all(h["language"] == "python" for h in hooks.values())
    assert hooks["bibkit-fmt"]["pass_filenames"] is True
    assert hooks["bibkit-check"]["pass_filenames"] is False and hooks["bibkit-claim-map"]["pass_filenames"] is False
    for hook_id, name in (("bibkit-check", "refs/a.bib"), ("bibkit-fmt", "x.bib"), ("bibkit-claim-map", "claims.yaml")):
        assert re.search(hooks[hook_id]["files"], name)
    assert not re.search(hooks["bibkit-fmt"]["files"], "claims.yaml")
    assert not re.search(hooks["bibkit-check"]["files"], "setup.py")


# -- an offline wheelhouse ---------------------------------------------------------------------

def _requirement_closure(roots: list[str]) -> list[metadata.Distribution]:
    """The installed distributions ``roots`` need, transitively (markers evaluated, extras left out)."""
    from packaging.requirements import Requirement

    seen: dict[str, metadata.Distribution] = {}
    todo = list(roots)
    while todo:
        req = Requirement(todo.pop())
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        name = re.sub(r"[-_.]+", "-", req.name).lower()
        if name in seen:
            continue
        dist = metadata.distribution(req.name)
        seen[name] = dist
        todo.extend(dist.requires or [])
    return list(seen.values())


def _repack(dist: metadata.Distribution, into: Path) -> None:
    """Write an installed distribution back out as a wheel (its files, its dist-info, a fresh RECORD)."""
    files = [f for f in (dist.files or []) if not str(f).startswith("..") and "__pycache__" not in str(f)]
    info = next(str(f).split("/")[0] for f in files if str(f).split("/")[0].endswith(".dist-info"))
    wheel_meta = Path(dist.locate_file(f"{info}/WHEEL")).read_text(encoding="utf-8")
    tags = [t.split("-") for t in re.findall(r"^Tag: (\S+)$", wheel_meta, re.M)]
    tag = "-".join(".".join(dict.fromkeys(t[i] for t in tags)) for i in range(3))  # py2.py3-none-any
    name = re.sub(r"[-_.]+", "_", dist.metadata["Name"])
    path = into / f"{name}-{dist.version}-{tag}.whl"
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for f in files:
            rel = str(f)
            if rel in (f"{info}/RECORD", f"{info}/INSTALLER", f"{info}/REQUESTED", f"{info}/direct_url.json"):
                continue
            src = Path(dist.locate_file(f))
            if not src.is_file():
                continue
            data = src.read_bytes()
            zi = zipfile.ZipInfo(rel)
            zi.external_attr = (src.stat().st_mode & 0xFFFF) << 16
            zf.writestr(zi, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            writer.writerow([rel, f"sha256={digest}", len(data)])
        writer.writerow([f"{info}/RECORD", "", ""])
        zf.writestr(f"{info}/RECORD", record.getvalue())


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory) -> Path:
    """Wheels of everything pip needs to install bibkit from source: its dependencies and hatchling."""
    pytest.importorskip("hatchling")
    house = tmp_path_factory.mktemp("wheelhouse")
    roots = [r for r in (metadata.requires("bibkit") or []) if "extra ==" not in r] + ["hatchling"]
    for dist in _requirement_closure(roots):
        _repack(dist, house)
    return house


# -- repositories ------------------------------------------------------------------------------

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}).stdout.strip()


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory) -> tuple[Path, str]:
    """A git repository holding a snapshot of this working tree; returns (path, commit)."""
    repo = tmp_path_factory.mktemp("bibkit-hooks")
    listed = git(ROOT, "ls-files", "-co", "--exclude-standard", "-z").split("\0")
    for rel in filter(None, listed):
        src = ROOT / rel
        if src.is_file():
            (repo / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, repo / rel)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "snapshot")
    return repo, git(repo, "rev-parse", "HEAD")


# Already in bibkit's canonical layout (aligned "=", fields in the standard order), so fmt passes.
BIB = """\
@book{smil1999,
  author    = {Smil, Vaclav},
  title     = {China's Great Famine: 40 Years Later},
  year      = {1999},
  publisher = {BMJ},
}
"""
CLAIMS = """\
version: 1
claims:
  - id: sourced
    text: A claim with a source.
    sources: [smil1999]
  - id: unsourced
    text: A claim without one.
"""


def sample_project(base: Path, hook_repo: tuple[Path, str], *, bib: str = BIB, fail_under: float = 50) -> Path:
    repo_path, rev = hook_repo
    proj = base / "paper"
    proj.mkdir()
    (proj / "references.bib").write_text(bib, encoding="utf-8")
    (proj / "claims.yaml").write_text(CLAIMS, encoding="utf-8")
    (proj / "bibkit.toml").write_text(f"[claim-map]\nfail_under = {fail_under}\n", encoding="utf-8")
    (proj / ".pre-commit-config.yaml").write_text(textwrap.dedent(f"""\
        repos:
          - repo: {repo_path}
            rev: {rev}
            hooks:
              - id: bibkit-check
              - id: bibkit-fmt
              - id: bibkit-claim-map
        """), encoding="utf-8")
    git(proj, "init", "-q")
    git(proj, "add", "-A")
    return proj


def _offline_prefix() -> list[str]:
    """``unshare -n`` (a network namespace with no network) when this machine allows it."""
    unshare = shutil.which("unshare")
    if unshare:
        for args in ([unshare, "-n"], [unshare, "-rn"]):
            if subprocess.run([*args, "true"], capture_output=True).returncode == 0:
                return args
    return []


def run_pre_commit(proj: Path, home: Path, wheelhouse: Path, all_files: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "VIRTUALENV_"))}
    env.update(GIT_ENV)
    env.update({
        "PRE_COMMIT_HOME": str(home),
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(wheelhouse),
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "VIRTUALENV_NO_DOWNLOAD": "1",
        # Without a network namespace: any attempt to reach the network goes to a closed local port.
        "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9",
        "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
        "NO_COLOR": "1",
    })
    cmd = [*_offline_prefix(), sys.executable, "-m", "pre_commit", "run", "--color", "never",
           *(["--all-files"] if all_files else [])]
    return subprocess.run(cmd, cwd=proj, env=env, capture_output=True, text=True, timeout=900)


def hook_lines(out: str) -> dict[str, str]:
    """pre-commit's one status line per hook: name -> Passed / Failed / (no files to check)Skipped."""
    status = {}
    for line in out.splitlines():
        m = re.match(r"^(bibkit [a-z-]+)\.{2,}(.*)$", line)
        if m:
            status[m.group(1)] = m.group(2).strip()
    return status


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory) -> Path:
    """One PRE_COMMIT_HOME for the module, so bibkit is installed once and the later runs reuse it."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.mark.slow
def test_clean_project_passes_every_hook(tmp_path, hook_repo, wheelhouse, pre_commit_home):
    proj = sample_project(tmp_path, hook_repo)
    result = run_pre_commit(proj, pre_commit_home, wheelhouse)
    assert result.returncode == 0, result.stdout + result.stderr
    assert hook_lines(result.stdout) == {"bibkit check": "Passed", "bibkit fmt": "Passed",
                                         "bibkit claim-map": "Passed"}


@pytest.mark.slow
def test_each_hook_fails_on_its_own_problem(tmp_path, hook_repo, wheelhouse, pre_commit_home):
    # An article without a journal (check: B003), in a layout fmt would change, and coverage of
    # 50% under a gate of 60 (one of the two claims is sourced).
    bib = "@article{smil1999, author={Smil, Vaclav}, title={China's Great Famine}, year={1999}}\n"
    proj = sample_project(tmp_path, hook_repo, bib=bib, fail_under=60)
    result = run_pre_commit(proj, pre_commit_home, wheelhouse)
    assert result.returncode == 1
    assert hook_lines(result.stdout) == {"bibkit check": "Failed", "bibkit fmt": "Failed",
                                         "bibkit claim-map": "Failed"}
    out = result.stdout
    assert "references.bib:1:1: error B003 article smil1999 lacks required field journal" in out
    assert "files were modified by this hook" in out
    assert re.search(r"Coverage failure: backed total of 50\.0%? is less than fail-under=60", out)
    # fmt rewrote the file: every field on its own line, nothing lost (judged by bibtexparser).
    import bibtexparser

    after = (proj / "references.bib").read_text(encoding="utf-8")
    assert after != bib and len(after.splitlines()) > 1
    (entry,) = bibtexparser.parse_string(after).entries
    assert entry.key == "smil1999"
    assert {f.key: f.value for f in entry.fields} == {"author": "Smil, Vaclav", "title": "China's Great Famine",
                                                     "year": "1999"}


@pytest.mark.slow
def test_hooks_skip_when_no_matching_file_changed(tmp_path, hook_repo, wheelhouse, pre_commit_home):
    proj = sample_project(tmp_path, hook_repo, fail_under=90)  # would fail if it ran
    git(proj, "commit", "-q", "-m", "start")
    (proj / "notes.py").write_text("x = 1\n", encoding="utf-8")
    git(proj, "add", "notes.py")
    result = run_pre_commit(proj, pre_commit_home, wheelhouse, all_files=False)  # the staged files only
    assert result.returncode == 0, result.stdout + result.stderr
    assert set(hook_lines(result.stdout).values()) == {"(no files to check)Skipped"}
