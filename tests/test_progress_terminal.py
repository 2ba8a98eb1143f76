"""The progress bar on a real pseudo-terminal, and Ctrl-C while it is drawn.

Each test runs a real ``python -m bibkit`` in its own session and process group with its output
on a pty (``BIBKIT_PROGRESS_DELAY=0``, so the bar shows at once instead of after a second): the
bar must appear there and be cleared before anything else is written; with stderr on a pipe
nothing of it may appear anywhere. SIGINT sent to the process group while the bar is drawn must
stop the run with exit 130, one line on stderr, no traceback, and the file being written either
absent or as it was.
"""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import pytest

pty = pytest.importorskip("pty")
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX pseudo-terminals and process groups")

BAR = re.compile(rb"(Reading|Exporting|Checking|Formatting|Importing|Verifying|Rendering)[^\r\n]* \[[#-]{30}\] +\d+%")
CLEAR = b"\r\x1b[K"


def _bib(n: int) -> str:
    """``n`` entries, not in fmt's layout (quoted titles, bare numbers, field order), with accents for pandoc."""
    return "".join(f'@Article{{k{i},\n title = "Harvest {i} in caf{{\\\'e}}s", author={{Wu, Ann and Lee, Bo}},'
                   f" journal = {{J}},\n year = {1900 + i % 100}, month = 3, pages = {{1-9}}}}\n\n" for i in range(n))


def _ris(n: int) -> str:
    return "".join(f"TY  - JOUR\nTI  - Field report {i}\nAU  - Ho, Li\nPY  - {1950 + i % 50}\nDO  - 10.1/r{i}\n"
                   "ER  - \n\n" for i in range(n))


def _env(tmp_path: Path, **more: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("BIBKIT_NO_PROGRESS", "NO_COLOR")}
    env.update(BIBKIT_PROGRESS_DELAY="0", BIBKIT_NO_CACHE="1", BIBKIT_CACHE_DIR=str(tmp_path / "cache"),
               NO_COLOR="1", PYTHONDONTWRITEBYTECODE="1", **more)
    return env


class Run:
    """A bibkit process with stdout (and stderr, unless piped) on a pseudo-terminal."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str], *, pipe_stderr: bool = False) -> None:
        master, slave = pty.openpty()
        self.master = master
        self.terminal = b""
        self.stderr = b""
        self.proc = subprocess.Popen([sys.executable, "-m", "bibkit", *args], cwd=cwd, env=env,
                                     stdin=slave, stdout=slave, stderr=subprocess.PIPE if pipe_stderr else slave,
                                     start_new_session=True)  # its own session and process group
        os.close(slave)

    def read(self, until: Callable[[], bool] = lambda: False, timeout: float = 120) -> None:
        """Collect the terminal and the stderr pipe until ``until()`` holds or the process has ended and said all."""
        fds = [self.master] + ([self.proc.stderr.fileno()] if self.proc.stderr else [])
        deadline = time.monotonic() + timeout
        while fds and not until():
            assert time.monotonic() < deadline, f"timed out; terminal so far: {self.terminal[-500:]!r}"
            ready, _, _ = select.select(fds, [], [], 0.2)
            for fd in ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:  # EIO: the terminal's other end is closed
                    chunk = b""
                if not chunk:
                    fds.remove(fd)
                elif fd == self.master:
                    self.terminal += chunk
                else:
                    self.stderr += chunk

    def finish(self, timeout: float = 120) -> int:
        """Read to the end; the exit code."""
        self.read(timeout=timeout)
        return self.proc.wait(timeout=timeout)

    def close(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        os.close(self.master)
        if self.proc.stderr:
            self.proc.stderr.close()


@pytest.fixture
def bibkit_on_a_terminal():
    runs: list[Run] = []

    def start(*args, **kw) -> Run:
        runs.append(Run(*args, **kw))
        return runs[-1]

    yield start
    for run in runs:
        run.close()


def _bars_are_cleared(terminal: bytes) -> bool:
    """Bars were drawn, and each is followed by ``\r`` (the next bar or the clearing): nothing is written after one."""
    drawn = list(re.finditer(rb"\r" + BAR.pattern + rb"\x1b\[K", terminal))
    return bool(drawn) and all(terminal[m.end():m.end() + 1] == b"\r" for m in drawn)


def _after_last_clear(terminal: bytes) -> str:
    """What stays on the screen after the bar was last cleared (the pty writes ``\\r\\n`` for ``\\n``)."""
    return terminal.rsplit(CLEAR, 1)[-1].decode("utf-8").replace("\r\n", "\n")


def _project(tmp_path: Path) -> None:
    (tmp_path / "refs.bib").write_text(_bib(2000), encoding="utf-8")
    (tmp_path / "in.ris").write_text(_ris(2000), encoding="utf-8")
    (tmp_path / "sources").mkdir()
    claims = ["version: 1", "claims:"]
    for i in range(40):
        (tmp_path / "sources" / f"k{i}.txt").write_text(f"The harvest of year {i} was poor.\f" * 20, encoding="utf-8")
        claims += [f"  - id: c{i}", f"    text: Claim {i}.", "    sources:",
                   f"      - {{key: k{i}, quote: \"harvest of year {i} was poor\"}}"]
    (tmp_path / "claims.yaml").write_text("\n".join(claims) + "\n", encoding="utf-8")


COMMANDS = {
    # name: (arguments, the bar's label, what the command says last on stderr)
    "export": (["export", "--bib", "refs.bib", "--to", "bibtex", "-o", "out.bib"], b"Exporting [",
               "Wrote 2000 entries as BibTeX to out.bib"),
    "fmt --check": (["fmt", "--check", "refs.bib"], b"Checking [", "1 of 1 file would change"),
    "fmt": (["fmt", "refs.bib"], b"Formatting [", "Formatted refs.bib"),
    "import": (["import", "in.ris", "--into", "new.bib"], b"Importing [", "Wrote new.bib"),
    "verify": (["verify", "--bib", "refs.bib", "-o", "verify.txt"], b"Verifying [",
               "Wrote text verification to verify.txt"),
}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_the_bar_shows_on_a_terminal_and_is_cleared(tmp_path: Path, bibkit_on_a_terminal, name: str) -> None:
    _project(tmp_path)
    args, label, last = COMMANDS[name]
    run = bibkit_on_a_terminal(args, tmp_path, _env(tmp_path))
    code = run.finish()
    assert code == (1 if name == "fmt --check" else 0), run.terminal[-2000:]
    assert label in run.terminal
    assert len(re.findall(rb"\r" + re.escape(label), run.terminal)) >= 1
    assert BAR.search(run.terminal), "a whole bar: label, 30 cells, a percentage"
    assert _bars_are_cleared(run.terminal), run.terminal[-3000:]
    screen = _after_last_clear(run.terminal)
    assert screen.endswith(last + "\n") and not BAR.search(screen.encode()), screen[-300:]
    assert "Traceback" not in screen


@pytest.mark.parametrize("name", list(COMMANDS))
def test_nothing_of_the_bar_when_stderr_is_a_pipe(tmp_path: Path, bibkit_on_a_terminal, name: str) -> None:
    _project(tmp_path)
    args, label, last = COMMANDS[name]
    run = bibkit_on_a_terminal(args, tmp_path, _env(tmp_path), pipe_stderr=True)
    code = run.finish()
    assert code == (1 if name == "fmt --check" else 0), run.stderr[-2000:]
    for stream in (run.terminal, run.stderr):
        assert b"\x1b[K" not in stream and not BAR.search(stream) and label not in stream
    assert run.stderr.decode().endswith(last + "\n")


# A stand-in pandoc: records its pid and hangs, so the export is still at work when the signal comes.
HANGING_PANDOC = """\
#!/bin/sh
echo $$ >> "{dir}/pandoc.pids"
exec sleep 120
"""


def _pids(tmp_path: Path) -> list[int]:
    """The pids the stand-in pandocs have recorded, one whole line each (several run side by side; one
    killed while it writes leaves at most a partial last line, which is not yet a pid)."""
    try:
        text = (tmp_path / "pandoc.pids").read_text()
    except FileNotFoundError:
        return []
    return [int(line) for line in text.splitlines(keepends=True) if line.endswith("\n")]


def _stand_in_pandoc(tmp_path: Path, script: str) -> Path:
    """An executable ``pandoc`` script in ``tmp_path`` (pass it as BIBKIT_PANDOC)."""
    pandoc = tmp_path / "pandoc"
    pandoc.write_text(script)
    pandoc.chmod(0o755)
    return pandoc


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except (ProcessLookupError, FileNotFoundError):
        return False


def _all_die(pids: list[int], within: float = 15.0) -> bool:
    """True once every pid is gone or a zombie (a SIGKILL lands when the kernel next runs the process: on a
    loaded machine that can be after bibkit has exited; a stand-in nobody killed hangs for ever)."""
    deadline = time.monotonic() + within
    while any(_alive(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def _interrupt_when_drawn(run: Run, label: bytes, ready: Callable[[], bool] = lambda: True) -> float:
    """Wait for the bar (and ``ready()``), then SIGINT to the whole process group, as Ctrl-C does; when it was sent."""
    run.read(until=lambda: label in run.terminal and BAR.search(run.terminal) is not None and ready(), timeout=60)
    assert run.proc.poll() is None, "the work ended before it could be interrupted: make the input longer"
    os.killpg(run.proc.pid, signal.SIGINT)
    return time.monotonic()


def _assert_interrupted(run: Run, sent: float) -> None:
    code = run.finish(timeout=30)
    assert code == 130, run.terminal[-2000:]
    assert time.monotonic() - sent < 20, "Ctrl-C must stop the run promptly"
    assert b"Traceback" not in run.terminal
    assert _bars_are_cleared(run.terminal)
    assert _after_last_clear(run.terminal).strip().splitlines() == ["bibkit: interrupted"]


def test_ctrl_c_during_a_watched_csl_export_keeps_the_old_output(tmp_path: Path, bibkit_on_a_terminal) -> None:
    """The pandoc child dies with bibkit; ``-o`` keeps its previous complete content and no temporary file is left."""
    (tmp_path / "refs.bib").write_text(_bib(1200), encoding="utf-8")
    (tmp_path / "out.json").write_text('[{"id": "old"}]\n', encoding="utf-8")
    pandoc = _stand_in_pandoc(tmp_path, HANGING_PANDOC.format(dir=tmp_path))
    run = bibkit_on_a_terminal(["export", "--bib", "refs.bib", "--to", "csl-json", "-o", "out.json"], tmp_path,
                               _env(tmp_path, BIBKIT_PANDOC=str(pandoc)))
    sent = _interrupt_when_drawn(run, b"Exporting [", ready=lambda: bool(_pids(tmp_path)))
    _assert_interrupted(run, sent)
    assert _all_die(_pids(tmp_path))
    assert (tmp_path / "out.json").read_text(encoding="utf-8") == '[{"id": "old"}]\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json", "pandoc", "pandoc.pids", "refs.bib"]


def test_ctrl_c_during_a_new_export_writes_no_file(tmp_path: Path, bibkit_on_a_terminal) -> None:
    (tmp_path / "refs.bib").write_text(_bib(1200), encoding="utf-8")
    pandoc = _stand_in_pandoc(tmp_path, HANGING_PANDOC.format(dir=tmp_path))
    run = bibkit_on_a_terminal(["export", "--bib", "refs.bib", "--to", "csl-json", "-o", "new.json"], tmp_path,
                               _env(tmp_path, BIBKIT_PANDOC=str(pandoc)))
    sent = _interrupt_when_drawn(run, b"Exporting [", ready=lambda: bool(_pids(tmp_path)))
    _assert_interrupted(run, sent)
    assert not (tmp_path / "new.json").exists()


# fmt and import rewrite their file in place: long inputs, interrupted as soon as the bar shows.
LONG = {
    "fmt": (["fmt", "refs.bib"], b"Formatting [", "refs.bib"),
    "import": (["import", "in.ris", "--into", "refs.bib"], b"Importing [", "refs.bib"),
}


@pytest.mark.parametrize("name", list(LONG))
def test_ctrl_c_while_rewriting_keeps_the_file_whole(tmp_path: Path, bibkit_on_a_terminal, name: str) -> None:
    (tmp_path / "refs.bib").write_text(_bib(40000), encoding="utf-8")
    (tmp_path / "in.ris").write_text(_ris(40000), encoding="utf-8")
    before = (tmp_path / "refs.bib").read_bytes()
    args, label, target = LONG[name]
    run = bibkit_on_a_terminal(args, tmp_path, _env(tmp_path))
    sent = _interrupt_when_drawn(run, label)
    _assert_interrupted(run, sent)
    assert (tmp_path / target).read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.ris", "refs.bib"], "no temporary file or lock left"


def _namesakes(n: int) -> str:
    """``n`` entries by 40 authors over a few years: every name group goes to phase two of the CSL engine."""
    return "".join(f"@article{{n{i},\n  author = {{Name{i % 40}, Ann}},\n  title = {{Paper {i}}},\n  journal = {{J}},\n"
                   f"  year = {2000 + i % 3}\n}}\n\n" for i in range(n))


def test_reading_list_shows_the_bar_and_clears_it(tmp_path: Path, bibkit_on_a_terminal) -> None:
    (tmp_path / "refs.bib").write_text(_namesakes(400), encoding="utf-8")
    run = bibkit_on_a_terminal(["reading-list", "--bib", "refs.bib", "--style", "apa", "-o", "rl.txt"], tmp_path,
                               _env(tmp_path))
    assert run.finish() == 0, run.terminal[-2000:]
    assert BAR.search(run.terminal) and b"Rendering" in run.terminal
    assert _bars_are_cleared(run.terminal), run.terminal[-3000:]
    assert _after_last_clear(run.terminal).endswith("Wrote text reading list to rl.txt\n")


# pandoc that hangs on phase two's runs (the real style, with year suffixes) and is itself otherwise.
HANGING_PHASE_TWO = """\
#!/bin/sh
for a in "$@"; do
  if [ "$prev" = "--csl" ] && grep -q 'disambiguate-add-year-suffix="true"' "$a"; then
    echo $$ >> "{dir}/pandoc.pids"
    exec sleep 120
  fi
  prev="$a"
done
exec "{real}" "$@"
"""


def test_ctrl_c_during_a_reading_list_stops_its_pandoc_runs_and_writes_nothing(tmp_path: Path,
                                                                              bibkit_on_a_terminal) -> None:
    from bibkit.formatting.pandoc_run import pandoc_path

    (tmp_path / "refs.bib").write_text(_namesakes(400), encoding="utf-8")
    pandoc = _stand_in_pandoc(tmp_path, HANGING_PHASE_TWO.format(dir=tmp_path, real=pandoc_path()))
    run = bibkit_on_a_terminal(["reading-list", "--bib", "refs.bib", "--style", "apa", "-o", "rl.txt"], tmp_path,
                               _env(tmp_path, BIBKIT_PANDOC=str(pandoc), BIBKIT_JOBS="2"))
    sent = _interrupt_when_drawn(run, b"Rendering [", ready=lambda: bool(_pids(tmp_path)))
    _assert_interrupted(run, sent)
    assert _all_die(_pids(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pandoc", "pandoc.pids", "refs.bib"]
