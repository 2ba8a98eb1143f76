"""Writes are whole or not at all: a killed writer leaves the old file, permissions survive, pipes are written in place."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from bibkit.cli import cli
from bibkit.errors import BibkitError
from bibkit.output import atomic_write, write_output

OLD = "old content that must survive\n"

# The child writes a large file through atomic_write; fsync is wrapped so the parent knows the data is
# in the temporary file (not yet renamed) and can kill the child with SIGKILL right there.
CHILD = textwrap.dedent("""
    import os, sys, time
    from bibkit import output
    real_fsync = os.fsync
    def fsync(fd):
        real_fsync(fd)
        sys.stdout.write("written\\n"); sys.stdout.flush()
        time.sleep(60)
    output.os.fsync = fsync
    output.atomic_write(sys.argv[1], b"new " * (8 * 1024 * 1024))
""")


def _tmp_files(directory: Path) -> list[str]:
    return [p.name for p in directory.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_writer_killed_mid_write_leaves_old_file_intact(tmp_path: Path) -> None:
    target = tmp_path / "references.bib"
    target.write_text(OLD)
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(target)], stdout=subprocess.PIPE)
    try:
        assert proc.stdout.readline() == b"written\n"
        # 32 MB are in a temporary file next to the target at this point
        assert any(os.path.getsize(tmp_path / name) == 32 * 1024 * 1024 for name in _tmp_files(tmp_path))
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert target.read_text() == OLD


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_writer_killed_at_any_moment_leaves_old_or_new_file(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    new = b"x" * (64 * 1024 * 1024)
    for delay in (0.05, 0.2, 0.5):
        target.write_text(OLD)
        script = "import sys; from bibkit.output import atomic_write; atomic_write(sys.argv[1], b'x' * (64 * 1024 * 1024))"
        proc = subprocess.Popen([sys.executable, "-c", script, str(target)])
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        data = target.read_bytes()
        assert data == OLD.encode() or data == new, f"half-written file after {delay}s"


def test_existing_permissions_are_kept(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_text(OLD)
    target.chmod(0o640)
    write_output(str(target), "<p>new</p>\n")
    assert target.read_text() == "<p>new</p>\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert not _tmp_files(tmp_path)


def test_new_file_gets_the_umask_mode(tmp_path: Path) -> None:
    umask = os.umask(0o027)
    try:
        write_output(str(tmp_path / "new.txt"), "hello\n")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o640


def test_failed_write_raises_bibkit_error_and_keeps_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "references.bib"
    target.write_text(OLD)

    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("bibkit.output.os.fsync", full)
    with pytest.raises(BibkitError, match="No space left on device"):
        write_output(str(target), "new\n")
    assert target.read_text() == OLD
    assert not _tmp_files(tmp_path)


def test_missing_directory_is_a_bibkit_error(tmp_path: Path) -> None:
    with pytest.raises(BibkitError, match="does not exist"):
        write_output(str(tmp_path / "no" / "such" / "dir" / "out.txt"), "x")
    with pytest.raises(BibkitError, match="does not exist"):
        atomic_write(str(tmp_path / "nope" / "out.txt"), b"x")


def test_directory_as_output_is_a_bibkit_error(tmp_path: Path) -> None:
    with pytest.raises(BibkitError, match="is a directory"):
        write_output(str(tmp_path), "x")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_fifo_is_written_in_place_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    write_output(str(fifo), "through the pipe\n")
    reader.join(timeout=10)
    assert received == ["through the pipe\n"]
    assert stat.S_ISFIFO(fifo.stat().st_mode)


@pytest.mark.skipif(not os.path.exists("/dev/stdout"), reason="needs /dev/stdout")
def test_dev_stdout_is_written_directly(tmp_path: Path) -> None:
    script = "from bibkit.output import write_output; write_output('/dev/stdout', 'to the terminal\\n')"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "to the terminal\n"


def test_dash_means_stdout(capsys: pytest.CaptureFixture) -> None:
    write_output("-", "dash\n")
    assert capsys.readouterr().out == "dash\n"


def test_cli_output_to_missing_directory_is_one_line_exit_2(project, runner) -> None:
    project(bib="@misc{a, title = {A}}\n")
    result = runner.invoke(cli, ["check", "--no-cache", "-o", "missing/dir/check.txt"])
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "missing/dir/check.txt" in lines[0] and "does not exist" in lines[0]
