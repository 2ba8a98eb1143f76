"""bibkit/infra/files.py: the one reader of input files (size limit, special files, FIFOs, odd names, UTF-16)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bibkit.cli import cli
from bibkit.infra.errors import BibkitError
from bibkit.infra.files import decode_utf8, max_input_bytes, read_bytes

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX special files")


def test_regular_file_is_read(tmp_path):
    path = tmp_path / "a.bib"
    path.write_bytes(b"@misc{a}")
    assert read_bytes(str(path)) == b"@misc{a}"


def test_file_above_the_limit_is_refused_with_one_line(tmp_path, monkeypatch):
    path = tmp_path / "big.bib"
    path.write_bytes(b"%" * (2 * 1024 * 1024))
    monkeypatch.setenv("BIBKIT_MAX_INPUT_MB", "1")
    with pytest.raises(BibkitError, match=r"big.bib: larger than the 1 MB input limit \(raise it with BIBKIT_MAX_INPUT_MB\)"):
        read_bytes(str(path))
    monkeypatch.setenv("BIBKIT_MAX_INPUT_MB", "3")
    assert len(read_bytes(str(path))) == 2 * 1024 * 1024


@pytest.mark.parametrize("value", ["0", "-1", "inf", "1e9", "many", "99999999"])
def test_bad_limit_setting_is_one_line(monkeypatch, value):
    monkeypatch.setenv("BIBKIT_MAX_INPUT_MB", value)
    with pytest.raises(BibkitError, match="BIBKIT_MAX_INPUT_MB"):
        max_input_bytes()


def test_limit_applies_to_every_command(project, runner, monkeypatch):
    root = project(bib="@misc{a, title = {A}}\n" + "% padding\n" * 200_000)
    monkeypatch.setenv("BIBKIT_MAX_INPUT_MB", "1")
    for args in (["check"], ["fmt", "--check"], ["export", "--to", "ris"], ["reading-list"]):
        result = runner.invoke(cli, [*args, "--no-cache"] if args[0] != "fmt" else args)
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr.strip().count("\n") == 0 and "larger than the 1 MB input limit" in result.stderr
    assert (root / "references.bib").stat().st_size > 1024 * 1024


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_dev_zero_is_refused_without_reading_it():
    """Run in a child with 1 GB of address space: reading /dev/zero whole would be a MemoryError there."""
    code = ("import resource, sys\nresource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))\n"
            "from bibkit.cli import main\nsys.argv = ['bibkit', 'check', '--no-cache', '--bib', '/dev/zero']\nmain()\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 2, run.stderr
    assert run.stderr == "bibkit: error: /dev/zero: is a device or socket, not a BibTeX file\n"


def test_directory_is_refused(tmp_path):
    with pytest.raises(BibkitError, match="is a directory"):
        read_bytes(str(tmp_path))


def _feed_fifo(path: Path, data: bytes, opened: list) -> threading.Thread:
    def write() -> None:
        with open(path, "wb") as fh:  # blocks until the reader opens the FIFO
            opened.append(1)
            fh.write(data)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


def test_fmt_check_reads_a_fifo_once(tmp_path):
    """In a child process with a time limit: a second open of the FIFO would wait for a writer for ever."""
    fifo = tmp_path / "refs.bib"
    os.mkfifo(fifo)
    opened: list = []
    thread = _feed_fifo(fifo, b"@misc{a,title={T}}\n", opened)
    run = subprocess.run([sys.executable, "-m", "bibkit", "fmt", "--check", str(fifo)], capture_output=True,
                         text=True, timeout=60, cwd=tmp_path)
    thread.join(5)
    assert opened == [1]
    assert run.returncode == 1, run.stderr
    assert "+  title = {T},\n" in run.stdout
    assert "1 of 1 file would change" in run.stderr


def test_fmt_refuses_to_rewrite_a_fifo(tmp_path):
    fifo = tmp_path / "refs.bib"
    os.mkfifo(fifo)
    run = subprocess.run([sys.executable, "-m", "bibkit", "fmt", str(fifo)], capture_output=True, text=True,
                         timeout=60, cwd=tmp_path)
    assert run.returncode == 2
    assert run.stderr.startswith(f"bibkit: error: {fifo}: not a regular file") and run.stderr.count("\n") == 1
    assert fifo.is_fifo()


def test_check_reads_a_pipe(tmp_path):
    """``bibkit check --bib <(...)``: the shell passes a pipe's /dev/fd path."""
    run = subprocess.run(["bash", "-c", f"{sys.executable} -m bibkit check --no-cache --bib <(printf '@misc{{a, title={{T}}}}\\n')"],
                         capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "1 entries" in run.stdout or "1 entry" in run.stdout


def test_file_name_that_is_not_utf8_is_opened(tmp_path, monkeypatch):
    name = os.fsdecode(b"caf\xe9.bib")
    (tmp_path / name).write_bytes(b"@misc{a, title = {T}}\n")
    monkeypatch.chdir(tmp_path)
    run = subprocess.run([sys.executable, "-m", "bibkit", "check", "--no-cache", "--bib", os.fsencode(name)],
                         capture_output=True, timeout=60)
    assert run.returncode == 0, run.stderr
    missing = tmp_path / os.fsdecode(b"n\xe9ant.bib")
    run = subprocess.run([sys.executable, "-m", "bibkit", "check", "--no-cache", "--bib", os.fsencode(missing)],
                         capture_output=True, timeout=60)
    assert run.returncode == 2 and b"no such file" in run.stderr and b"Traceback" not in run.stderr


@pytest.mark.parametrize("codec, bom", [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b""), ("utf-8", b"\xef\xbb\xbf")])
def test_text_files_may_be_utf16(codec, bom):
    assert decode_utf8(bom + "Tr\u00e8s [@a].\n".encode(codec), "m.md") == "Tr\u00e8s [@a].\n"


def test_utf16_bibliography_is_never_an_empty_one(project, runner):
    root = project()
    (root / "references.bib").write_bytes(b"\xff\xfe" + "@misc{a, title = {T}}\n".encode("utf-16-le"))
    result = runner.invoke(cli, ["export", "--to", "csl-json", "--no-cache"])
    assert result.exit_code == 0
    assert '"id": "a"' in result.stdout
    assert "references.bib:1:1: warning B007 file is UTF-16" in result.stderr
