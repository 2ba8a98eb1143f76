"""Hostile sources from a pull request stay bounded and inside the project.

Each attack input is generated here (no bombs are committed) and run through the real command
line in a child process under a memory ceiling (RLIMIT_AS) and a wall-clock limit: the code
before the fixes ran out of memory (a MemoryError traceback) or past the limit on every one.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

GIB = 1024 ** 3


def bounded_bibkit(args: list[str], cwd: Path, *, memory: int = 2 * GIB, timeout: float = 60,
                   env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m bibkit ARGS`` in ``cwd`` under ``memory`` bytes of address space and ``timeout`` seconds."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    full_env = {**os.environ, "BIBKIT_CACHE": "off", **(env or {})}
    return subprocess.run([sys.executable, "-m", "bibkit", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, preexec_fn=limit, env=full_env)


def no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stderr and "MemoryError" not in proc.stderr, proc.stderr[-3000:]


# -- @string macros that double on every line ---------------------------------------------------------

def string_bomb(levels: int = 41) -> str:
    lines = ['@string{s0 = "abcdefgh"}']
    lines += [f"@string{{s{i} = s{i - 1} # s{i - 1}}}" for i in range(1, levels)]
    lines.append(f"@article{{k, author = {{Ann Author}}, title = s{levels - 1}, journal = {{J}}, year = 2000}}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("command", [["check"], ["fmt", "--check"], ["export", "--to", "csl-json"],
                                     ["claim-map", "--format", "json"]])
def test_string_bomb_is_a_located_error_within_bounds(tmp_path: Path, command: list[str]) -> None:
    (tmp_path / "references.bib").write_text(string_bomb(), encoding="utf-8")
    proc = bounded_bibkit(command, tmp_path, timeout=30)
    no_traceback(proc)
    if command == ["check"]:
        assert proc.returncode == 1
        first = proc.stdout.splitlines()[0]
        # the first value that passes 1,000,000 characters: s17 (8 * 2**17 = 1,048,576), on line 18
        assert first.startswith("references.bib:18:") and " B023 " in first, proc.stdout[:2000]


def test_joined_values_are_bounded_per_file_too(tmp_path: Path) -> None:
    lines = ['@string{s0 = "abcdefgh"}'] + [f"@string{{s{i} = s{i - 1} # s{i - 1}}}" for i in range(1, 17)]
    # each value is 524,289 characters, well under the per-value limit; 200 of them pass the per-file one
    lines += [f"@misc{{k{i}, title = s16 # \"x\"}}" for i in range(200)]
    (tmp_path / "references.bib").write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = bounded_bibkit(["check", "--select", "B023"], tmp_path, timeout=30)
    no_traceback(proc)
    located = [line for line in proc.stdout.splitlines() if " B023 " in line]
    # the @string lines join 8 * (2 + 4 + ... + 2**16) = 1,048,560 characters; then
    # (64,000,000 - 1,048,560) // 524,289 = 120 values fit, and the 121st (line 18 + 120) is refused
    assert located and located[0].startswith("references.bib:138:"), proc.stdout[:2000]
    assert "in this file" in located[0]


# -- manuscripts with very many citations -------------------------------------------------------------

@pytest.mark.parametrize("name, line", [
    ("essay.md", "Claim {i} is stated here [@knuth1984, p. {i}].\n"),
    ("paper.tex", "Claim {i} is stated here \\cite[p.~{i}]{{knuth1984}}.\n"),
])
def test_fifty_thousand_citations_scan_in_linear_time(tmp_path: Path, name: str, line: str) -> None:
    (tmp_path / "references.bib").write_text("@book{knuth1984, author = {Donald Knuth}, title = {Literate "
                                             "Programming}, publisher = {CSLI}, year = 1984}\n", encoding="utf-8")
    (tmp_path / name).write_text("".join(line.format(i=i) for i in range(50_000)), encoding="utf-8")
    # one paragraph of 50,000 sentences: each sentence used to look at every citation (98 s; now about 3 s)
    proc = bounded_bibkit(["scan", name, "--format", "json"], tmp_path, timeout=40)
    no_traceback(proc)
    import json

    (doc,) = json.loads(proc.stdout)["documents"]
    assert len(doc["citations"]) == 50_000
    assert {c["key"] for c in doc["citations"]} == {"knuth1984"}
    assert doc["needs_citation"] == []  # every sentence was handed its own citation
