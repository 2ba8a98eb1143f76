"""Read-modify-write commands never lose a concurrent edit: real processes racing on one bibliography.

Every outcome is judged by bibtexparser v2 reading the final file, not by bibkit: an import either
lands (its entry is in the file) or its process exits 2 saying the file changed; nothing in between.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import bibtexparser
import pytest

BASE = textwrap.dedent("""\
    @book{base2000,
      author = {Base, Anna},
      title = {The Base Entry},
      year = {2000},
      publisher = {Press},
    }
""")

CHANGED = "changed on disk since bibkit read it"


def _bibkit(args: list[str], cwd: Path, **kw) -> subprocess.Popen:
    env = dict(os.environ, BIBKIT_NO_CACHE="1", BIBKIT_NO_PROGRESS="1", NO_COLOR="1")
    return subprocess.Popen([sys.executable, "-m", "bibkit", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def _incoming(directory: Path, i: int) -> str:
    """A one-entry .bib file whose title is unique to worker ``i``."""
    name = f"in{i}.bib"
    (directory / name).write_text(
        f"@article{{w{i},\n  author = {{Worker{chr(ord('a') + i)}, Person}},\n"
        f"  title = {{Concurrent import number {i}}},\n  journal = {{Journal}},\n  year = {{{2001 + i}}},\n}}\n",
        encoding="utf-8")
    return name


def _titles(path: Path) -> set[str]:
    library = bibtexparser.parse_string(path.read_text(encoding="utf-8"))
    assert not library.failed_blocks, [b.raw for b in library.failed_blocks]
    return {entry.fields_dict["title"].value for entry in library.entries}


def _race(tmp_path: Path, trial: int, workers: int, with_fmt: bool) -> None:
    """Start ``workers`` imports (and optionally one fmt) at once; assert no update was lost."""
    work = tmp_path / f"trial{trial}"
    work.mkdir()
    (work / "references.bib").write_text(BASE, encoding="utf-8")
    names = [_incoming(work, i) for i in range(workers)]
    procs = [_bibkit(["import", name], work) for name in names]
    fmt = _bibkit(["fmt"], work) if with_fmt else None
    results = [(p, *p.communicate(timeout=120)) for p in procs]
    titles = _titles(work / "references.bib")
    assert "The Base Entry" in titles
    for i, (proc, _out, err) in enumerate(results):
        title = f"Concurrent import number {i}"
        if proc.returncode == 0:
            assert title in titles, f"trial {trial}: import {i} said it wrote but its entry is gone:\n{err}"
        else:
            assert proc.returncode == 2 and CHANGED in err, err
            assert len(err.strip().splitlines()[-1:]) == 1 and "Traceback" not in err
    if fmt is not None:
        _out, err = fmt.communicate(timeout=120)
        assert fmt.returncode in (0, 2), err
        assert "Traceback" not in err
        if fmt.returncode == 2:
            assert CHANGED in err


def test_concurrent_imports_lose_nothing(tmp_path: Path) -> None:
    for trial in range(3):
        _race(tmp_path, trial, workers=3, with_fmt=False)


def test_fmt_racing_imports_loses_nothing(tmp_path: Path) -> None:
    for trial in range(3):
        _race(tmp_path, trial, workers=2, with_fmt=True)


@pytest.mark.slow
def test_many_concurrent_trials_lose_nothing(tmp_path: Path) -> None:
    for trial in range(10):
        _race(tmp_path, trial, workers=4, with_fmt=trial % 2 == 1)


# An editor (no lock) appends an entry while fmt is between reading and writing: the child process
# runs the real fmt command with format_file wrapped so the append happens right after the read.
APPEND_DURING_FMT = textwrap.dedent("""
    import sys
    import bibkit.cli.fmt as cli_fmt
    real = cli_fmt.format_file
    def format_then_edit(path, options, *more):
        result = real(path, options, *more)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write("\\n@misc{added, title = {Added by an editor meanwhile}}\\n")
        return result
    cli_fmt.format_file = format_then_edit
    from bibkit.cli import main
    sys.argv = ["bibkit", "fmt"]
    main()
""")


def test_entry_appended_while_fmt_runs_is_kept(tmp_path: Path) -> None:
    (tmp_path / "references.bib").write_text("@misc{first,title={Messy   layout}}\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-c", APPEND_DURING_FMT], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip() == f"bibkit: error: references.bib: {CHANGED}; nothing written (run the command again)"
    assert "Formatted" not in proc.stderr
    assert _titles(tmp_path / "references.bib") == {"Messy   layout", "Added by an editor meanwhile"}


def test_import_waits_for_a_held_lock_instead_of_overwriting(tmp_path: Path) -> None:
    """A bibkit process holding the update lock makes an import wait, then the import sees its write."""
    (tmp_path / "references.bib").write_text(BASE, encoding="utf-8")
    name = _incoming(tmp_path, 1)
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
        import sys, time
        from bibkit.infra.output import read_for_update, write_if_unchanged
        snap = read_for_update("references.bib")
        print("locked", flush=True)
        time.sleep(1.5)
        write_if_unchanged(snap, snap.data + b"\\n@misc{held, title = {Written by the lock holder}}\\n")
    """)], cwd=tmp_path, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "locked\n"
        importer = _bibkit(["import", name], tmp_path)
        _out, err = importer.communicate(timeout=120)
    finally:
        holder.wait(timeout=60)
    assert holder.returncode == 0
    assert importer.returncode == 0, err
    assert _titles(tmp_path / "references.bib") == {"The Base Entry", "Written by the lock holder",
                                                    "Concurrent import number 1"}
