"""The README cannot drift: its Quick start is what CI runs, its Python examples run here."""

from __future__ import annotations

import re


def test_quick_start_holds_exactly_two_commands(root):
    readme = (root / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Quick start", 1)[1].split("```", 2)[1]
    commands = [line for line in block.splitlines()[1:] if line.strip()]
    assert len(commands) == 2
    assert commands[0].startswith("pip install . ") and commands[0].endswith("bibkit claim-map")
    assert "[test]" in commands[1] and "pytest" in commands[1]


def test_python_api_examples_run(root, monkeypatch, capsys):
    readme = (root / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Python API", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert blocks
    monkeypatch.chdir(root)
    for code in blocks:
        exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "Smil (1999, p. 1619)" in out
