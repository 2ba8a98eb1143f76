"""Interrupted runs: Ctrl-C exits 130 and SIGTERM 143 (never 1), child processes die, temporary files go.

Real signals to a real ``python -m bibkit`` process; a stand-in pandoc records its pid and hangs in
the citeproc run so the signal lands while bibkit waits for its child with temporary files open.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL") or sys.platform == "win32", reason="POSIX signals")

BIB = "@book{smith2000,\n  author = {Smith, Ann},\n  title = {A Book},\n  year = {2000},\n  publisher = {P},\n}\n"


def _real_pandoc() -> str:
    from bibkit.formatting.pandoc_run import pandoc_path

    return pandoc_path()  # $BIBKIT_PANDOC when set, else the bundled or PATH pandoc


def _fake_pandoc(tmp_path: Path) -> Path:
    script = tmp_path / "pandoc"
    script.write_text(textwrap.dedent(f"""\
        #!/bin/sh
        case " $* " in
          *" --citeproc "*) echo $$ > "{tmp_path}/pandoc.pid"; exec sleep 120 ;;
          *) exec "{_real_pandoc()}" "$@" ;;
        esac
    """))
    script.chmod(0o755)
    return script


def _wait_for(path: Path, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return path.read_text().strip()
        time.sleep(0.05)
    raise AssertionError(f"{path} never appeared")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie counts as dead
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def _dies(pid: int, within: float = 15.0) -> bool:
    """True once ``pid`` is gone or a zombie: a SIGKILL is delivered when the kernel next runs the process,
    which on a loaded machine can be after bibkit has exited; a pandoc nobody killed hangs for ever."""
    deadline = time.monotonic() + within
    while _alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def _reading_list_over_a_hanging_pandoc(tmp_path: Path, *output: str) -> tuple[subprocess.Popen, Path, Path, int]:
    """``bibkit reading-list --style apa [OUTPUT]`` in ``tmp_path/project`` with the stand-in pandoc and
    ``TMPDIR=tmp_path/tmp``, once citeproc's pandoc runs: the process, the project, the temporary folder and
    pandoc's pid."""
    work = tmp_path / "project"
    work.mkdir()
    (work / "references.bib").write_text(BIB)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = dict(os.environ, BIBKIT_PANDOC=str(_fake_pandoc(tmp_path)), TMPDIR=str(tmp), BIBKIT_NO_CACHE="1",
               BIBKIT_CACHE_DIR=str(tmp_path / "cache"))
    proc = subprocess.Popen([sys.executable, "-m", "bibkit", "reading-list", "--style", "apa", *output],
                            cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        return proc, work, tmp, int(_wait_for(tmp_path / "pandoc.pid"))
    except BaseException:
        proc.kill()
        raise


@pytest.mark.parametrize("sig,code,message", [(signal.SIGTERM, 143, "bibkit: terminated"),
                                              (signal.SIGINT, 130, "bibkit: interrupted")])
def test_signal_during_pandoc_kills_it_and_removes_temporaries(tmp_path: Path, sig, code, message) -> None:
    proc, work, tmp, pid = _reading_list_over_a_hanging_pandoc(tmp_path, "-o", "list.txt")
    try:
        assert [p.name for p in tmp.iterdir() if p.name.startswith("bibkit-")], "citeproc's temporary copies"
        proc.send_signal(sig)
        _out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == code, err
    assert err.strip().splitlines() == [message]
    assert _dies(pid), "pandoc outlived bibkit"
    assert [p.name for p in tmp.iterdir()] == []
    assert sorted(p.name for p in work.iterdir()) == ["references.bib"]


# The child writes through atomic_write and stops right after the temporary file is complete.
WRITER = textwrap.dedent("""
    import os, sys, time
    from bibkit.infra import output
    from bibkit.cli import install_signal_handlers, Terminated
    install_signal_handlers()
    real_fsync = os.fsync
    def fsync(fd):
        real_fsync(fd)
        sys.stdout.write("written\\n"); sys.stdout.flush()
        time.sleep(60)
    output.os.fsync = fsync
    try:
        output.atomic_write(sys.argv[1], b"new " * 1024)
    except Terminated:
        sys.exit(143)
""")


def test_sigterm_mid_write_keeps_the_original_and_removes_the_temporary(tmp_path: Path) -> None:
    target = tmp_path / "references.bib"
    target.write_text(BIB)
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(target)], stdout=subprocess.PIPE)
    try:
        assert proc.stdout.readline() == b"written\n"
        assert any(p.name.endswith(".tmp") for p in tmp_path.iterdir())
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 143
    assert target.read_text() == BIB
    assert [p.name for p in tmp_path.iterdir()] == ["references.bib"]


def test_sigterm_during_a_long_check_exits_143(tmp_path: Path) -> None:
    """No child: SIGTERM in the middle of Python code still exits 143, not 1 and not -15."""
    (tmp_path / "references.bib").write_text(BIB)
    code = textwrap.dedent("""
        import sys, time
        import bibkit.cli.check as check
        def slow(project, **options):
            print("running", flush=True)
            time.sleep(60)
        check.run_checks = slow
        from bibkit.cli import main
        sys.argv = ["bibkit", "check", "--no-cache"]
        main()
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline() == "running\n"
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 143, err
    assert "Traceback" not in err


@pytest.mark.parametrize("gap", [0.0, 0.02, 0.05])
def test_a_second_sigterm_still_leaves_no_pandoc_and_no_temporary_behind(tmp_path: Path, gap: float) -> None:
    proc, work, tmp, pid = _reading_list_over_a_hanging_pandoc(tmp_path, "-o", "list.txt")
    try:
        proc.send_signal(signal.SIGTERM)
        time.sleep(gap)  # the second signal is sent as a user or a supervisor would: shortly after the first
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    # 143, or death by SIGTERM (which a shell reports as 143 too) when the second signal lands after the
    # cleanup, while Python shuts down and has put the default handlers back
    assert proc.returncode in (143, -signal.SIGTERM), err
    assert "bibkit: terminated" in err and "Traceback" not in err
    assert _dies(pid), "pandoc outlived bibkit"
    assert [p.name for p in tmp.iterdir()] == []
    assert sorted(p.name for p in work.iterdir()) == ["references.bib"]


def test_pandoc_dying_of_ctrl_c_first_is_an_interruption_not_a_pandoc_failure(tmp_path: Path) -> None:
    # A terminal's Ctrl-C reaches the whole process group; when pandoc dies of it before bibkit's own
    # KeyboardInterrupt is raised, the run said "pandoc failed: no message" and exit 2. Here only pandoc
    # gets the signal, which makes that order certain.
    proc, _work, _tmp, pid = _reading_list_over_a_hanging_pandoc(tmp_path)
    try:
        os.kill(pid, signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert (proc.returncode, err.strip(), out) == (130, "bibkit: interrupted", "")
