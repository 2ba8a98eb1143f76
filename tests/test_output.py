"""Writes are whole or not at all: a killed writer leaves the old file, permissions survive, pipes are written in place."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from bibkit.cli import cli
from bibkit.infra.errors import BibkitError
from bibkit.infra.output import atomic_write, write_output

OLD = "old content that must survive\n"

# The child writes a large file through atomic_write; fsync is wrapped so the parent knows the data is
# in the temporary file (not yet renamed) and can kill the child with SIGKILL right there.
CHILD = textwrap.dedent("""
    import os, sys, time
    from bibkit.infra import output
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
        script = "import sys; from bibkit.infra.output import atomic_write; atomic_write(sys.argv[1], b'x' * (64 * 1024 * 1024))"
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

    monkeypatch.setattr("bibkit.infra.output.os.fsync", full)
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
    script = "from bibkit.infra.output import write_output; write_output('/dev/stdout', 'to the terminal\\n')"
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


# -- links, stale temporaries, the update lock ------------------------------------------------------

from bibkit.infra.output import (ConcurrentEditError, STALE_AFTER, read_for_update, remove_stale_temporaries,  # noqa: E402
                           snapshot_of, update_lock, write_if_unchanged)


def test_symlinked_file_is_written_through_and_stays_a_link(tmp_path: Path) -> None:
    real_dir = tmp_path / "shared"
    real_dir.mkdir()
    real = real_dir / "library.bib"
    real.write_text(OLD)
    link = tmp_path / "references.bib"
    link.symlink_to(os.path.relpath(real, tmp_path))
    write_if_unchanged(read_for_update(str(link)), b"new\n")
    assert link.is_symlink() and os.readlink(link) == os.path.relpath(real, tmp_path)
    assert real.read_bytes() == b"new\n"
    assert not _tmp_files(tmp_path) and not _tmp_files(real_dir)


def test_symlinked_report_is_written_through(tmp_path: Path) -> None:
    real = tmp_path / "real.html"
    real.write_text(OLD)
    (tmp_path / "link.html").symlink_to(real)
    write_output(str(tmp_path / "link.html"), "<p>new</p>\n")
    assert (tmp_path / "link.html").is_symlink()
    assert real.read_text() == "<p>new</p>\n"


def test_hard_linked_file_is_updated_in_place_not_split(tmp_path: Path) -> None:
    first = tmp_path / "references.bib"
    first.write_text(OLD)
    other = tmp_path / "elsewhere.bib"
    os.link(first, other)
    inode = first.stat().st_ino
    write_if_unchanged(read_for_update(str(first)), b"new and longer than before? no\n")
    assert first.stat().st_ino == inode and first.stat().st_nlink == 2
    assert other.read_bytes() == first.read_bytes() == b"new and longer than before? no\n"
    write_output(str(other), "short\n")  # shorter data: the old tail must not survive
    assert first.read_bytes() == b"short\n"


def test_stale_temporaries_of_killed_runs_are_removed_on_the_next_write(tmp_path: Path) -> None:
    old = time.time() - STALE_AFTER - 5
    stale = tmp_path / ".references.bib.bibkit-ab12cd_9.tmp"
    fresh = tmp_path / ".claims.yaml.bibkit-zz12cd_9.tmp"  # another run may be writing it right now
    foreign = tmp_path / ".references.bib.ab12cd_9.tmp"  # not bibkit's pattern
    mine_but_dir = tmp_path / ".x.bibkit-aaaaaaaa.tmp"
    for p in (stale, fresh, foreign):
        p.write_text("leftover")
    mine_but_dir.mkdir()
    for p in (stale, foreign, mine_but_dir):
        os.utime(p, (old, old))
    write_output(str(tmp_path / "report.txt"), "x\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [fresh.name, foreign.name, mine_but_dir.name, "report.txt"])


def test_remove_stale_temporaries_returns_what_it_removed(tmp_path: Path) -> None:
    (tmp_path / ".a.bib.bibkit-abcdefgh.tmp").write_text("x")
    assert remove_stale_temporaries(str(tmp_path), now=time.time() + 3600) == [".a.bib.bibkit-abcdefgh.tmp"]


def test_write_if_unchanged_refuses_an_edit_made_after_the_read(tmp_path: Path) -> None:
    target = tmp_path / "references.bib"
    target.write_text(OLD)
    snap = read_for_update(str(target))
    target.write_text(OLD + "edited\n")  # an editor does not take bibkit's lock
    with pytest.raises(ConcurrentEditError, match="changed on disk"):
        write_if_unchanged(snap, b"formatted\n")
    assert target.read_text() == OLD + "edited\n"
    assert not _tmp_files(tmp_path)


def test_edit_landing_while_the_new_bytes_are_written_is_refused(tmp_path: Path, monkeypatch) -> None:
    """The content check runs after the temporary file is on disk, right before the rename."""
    target = tmp_path / "references.bib"
    target.write_text(OLD)
    snap = read_for_update(str(target))
    real_fsync = os.fsync

    def fsync_then_edit(fd: int) -> None:
        real_fsync(fd)
        target.write_text("edited during the write\n")

    monkeypatch.setattr("bibkit.infra.output.os.fsync", fsync_then_edit)
    with pytest.raises(ConcurrentEditError):
        write_if_unchanged(snap, b"formatted\n")
    assert target.read_text() == "edited during the write\n"
    assert not _tmp_files(tmp_path)


LOCK_HOLDER = textwrap.dedent("""
    import sys, time
    from bibkit.infra.output import read_for_update
    snap = read_for_update(sys.argv[1])
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
""")


def test_lock_is_held_across_processes_and_times_out_with_a_message(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "references.bib"
    target.write_text(OLD)
    holder = subprocess.Popen([sys.executable, "-c", LOCK_HOLDER, str(target), "30"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "locked\n"
        with pytest.raises(BibkitError, match="another bibkit process has been updating it"):
            read_for_update(str(target), timeout=0.3)
        # Through a symlink and a hard link it is the same file, so the same lock.
        (tmp_path / "link.bib").symlink_to(target)
        os.link(target, tmp_path / "hard.bib")
        for other in ("link.bib", "hard.bib"):
            with pytest.raises(BibkitError, match="another bibkit process"):
                read_for_update(str(tmp_path / other), timeout=0.2)
    finally:
        holder.kill()
        holder.wait(timeout=30)
    snap = read_for_update(str(target), timeout=5)  # the holder died: the kernel dropped its lock
    snap.release()


def test_lock_is_reentrant_within_a_process_and_released_after_the_write(tmp_path: Path) -> None:
    target = tmp_path / "references.bib"
    target.write_text(OLD)
    with update_lock(str(target)):
        snap = read_for_update(str(target), timeout=0.5)  # the same process: no deadlock
        write_if_unchanged(snap, b"new\n")
        with update_lock(str(target), timeout=0.5):  # the file was replaced: a new inode, still ours
            pass
    probe = subprocess.run([sys.executable, "-c", LOCK_HOLDER, str(target), "0"], capture_output=True,
                           text=True, timeout=60)
    assert probe.returncode == 0 and probe.stdout == "locked\n", probe.stderr


def test_a_new_file_is_created_under_the_directory_lock(tmp_path: Path) -> None:
    target = tmp_path / "new.bib"
    with update_lock(str(target)):
        write_if_unchanged(snapshot_of(str(target), b""), b"@misc{a}\n")
    assert target.read_bytes() == b"@misc{a}\n"
    target.write_text("someone else's file\n")
    with pytest.raises(ConcurrentEditError):
        write_if_unchanged(snapshot_of(str(target), b""), b"@misc{b}\n")


def test_the_next_fmt_run_removes_stale_temporaries_beside_the_bibliography(project, runner) -> None:
    path = project(bib="@misc{a,title={A   b}}\n")
    old = time.time() - 3600
    stale = path / ".references.bib.bibkit-k3j9_x0q.tmp"
    stale.write_text("half of a killed write")
    os.utime(stale, (old, old))
    someone_elses = path / ".references.bib.swp.tmp"
    someone_elses.write_text("an editor's file")
    os.utime(someone_elses, (old, old))
    result = runner.invoke(cli, ["fmt"])
    assert result.exit_code == 0, result.stderr
    assert not stale.exists() and someone_elses.exists()
