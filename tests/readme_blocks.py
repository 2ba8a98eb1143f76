"""Run the README's console blocks and compare (or rewrite) their output, in the manner of cog.

Every ```` ```console ```` block of README.md is a transcript: lines starting with ``$ `` are shell
commands, the lines under a command are what it prints (stdout and stderr together, as a terminal
shows them). ``python -m tests.readme_blocks`` runs every block and reports each difference;
``python -m tests.readme_blocks --update`` rewrites the outputs in README.md from the real runs.
``tests/test_readme.py`` runs the same check, so the README cannot drift from the code.

How a block runs:

- in a fresh temporary copy of the repository (so ``-o``, ``import`` and ``fmt`` never touch the
  checkout), from its root, one ``bash`` per block: ``cd`` and ``$?`` carry over between commands;
- with ``bibkit`` and ``python`` from the running interpreter's environment first on ``PATH`` (and
  the pandoc that pypandoc-binary ships, when no ``pandoc`` is installed), ``NO_COLOR=1``,
  ``COLUMNS=80``, ``TZ=UTC``, ``LC_ALL=C.UTF-8``, ``BIBKIT_NO_PROGRESS=1`` and an empty temporary
  ``BIBKIT_CACHE_DIR``, so the output is the same on every machine.

Markers: an HTML comment on the line right above the fence changes how a block runs.

- ``<!-- readme: skip REASON -->``: the block is not run (a timing, or a file the user supplies);
  the reason is required.
- ``<!-- readme: before COMMAND -->``: a hidden shell command run first, in the same shell (its
  output is not shown and it must succeed), e.g. to put a fixture where the transcript expects it,
  or to ``cd`` where the surrounding text says the reader is.

A command line that ends in a backslash continues on the next line, as in a shell.

Output lines that are only ``…`` or ``...`` (after indentation) stand for any number of lines, as
doctest's ELLIPSIS does, so a long report can be shown cut. ``--update`` keeps such a block when it
still matches and otherwise writes the whole output, saying that the block needs cutting again.

Substitutions (the only ones): the temporary copy's path is shown as ``.``, and blank lines at the
end of a command's output are dropped (a fence cannot show them); nothing else is rewritten.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
MARKER = re.compile(r"^<!-- readme: (skip|before) (.+?) -->$")
ELLIPSIS = {"…", "..."}
IGNORED = shutil.ignore_patterns(".git", ".venv", "venv", "__pycache__", "*.egg-info", ".pytest_cache",
                                 ".hypothesis", "mutants", "build", "dist", "node_modules")
SENTINEL = "--- readme_blocks: end of command 5f0c ---"


@dataclass
class Command:
    """One ``$ `` line of a block and the output lines the README shows under it."""

    line: str  # the command, without "$ "
    expected: list[str] = field(default_factory=list)


@dataclass
class Block:
    """A console block: where it is in README.md, its marker and its commands."""

    start: int  # 0-based index of the opening fence line
    end: int  # index of the closing fence line
    commands: list[Command]
    skip: str | None = None
    before: str | None = None

    @property
    def line(self) -> int:
        """1-based line number of the opening fence."""
        return self.start + 1


def parse(text: str) -> list[Block]:
    """Every ```` ```console ```` block of a Markdown text."""
    lines = text.split("\n")
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        if lines[i].strip() != "```console":
            i += 1
            continue
        end = next(j for j in range(i + 1, len(lines)) if lines[j].strip() == "```")
        block = Block(i, end, [])
        marker = MARKER.match(lines[i - 1].strip()) if i else None
        if marker:
            kind, value = marker.groups()
            setattr(block, kind, value)
        continued = False
        for body in lines[i + 1:end]:
            if continued:  # a command line ending in a backslash goes on in the next line, as in a shell
                block.commands[-1].line += "\n" + body
                continued = body.endswith("\\")
            elif body.startswith("$ "):
                block.commands.append(Command(body[2:]))
                continued = body.endswith("\\")
            elif block.commands:
                block.commands[-1].expected.append(body)
            elif block.skip is None:
                raise ValueError(f"README.md:{i + 1}: console block output before any '$ ' command "
                                 "(mark it <!-- readme: skip REASON --> if it is not a transcript)")
        if not block.commands and block.skip is None:
            raise ValueError(f"README.md:{i + 1}: console block without a '$ ' command")
        blocks.append(block)
        i = end + 1
    return blocks


def environment(cache: Path) -> dict[str, str]:
    """The fixed environment every block runs in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BIBKIT_", "PYTEST_", "COV_"))}
    path = [str(Path(sys.executable).parent)]
    if shutil.which("pandoc") is None:
        try:
            import pypandoc

            path.append(str(Path(pypandoc.get_pandoc_path()).parent))
        except (ImportError, OSError):
            pass
    env.update({
        "PATH": os.pathsep.join(path + [env.get("PATH", "")]),
        "NO_COLOR": "1", "COLUMNS": "80", "TZ": "UTC", "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8",
        "BIBKIT_NO_PROGRESS": "1", "BIBKIT_CACHE_DIR": str(cache), "PYTHONDONTWRITEBYTECODE": "1",
    })
    return env


def run(block: Block) -> list[list[str]]:
    """The real output lines of each command of a block, run in a fresh copy of the repository."""
    with tempfile.TemporaryDirectory(prefix="bibkit-readme-") as tmp:
        copy = Path(tmp) / "repo"
        shutil.copytree(ROOT, copy, ignore=IGNORED, symlinks=True)
        env = environment(Path(tmp) / "cache")
        # the hidden command runs in the same shell (so a `cd` carries over), its output discarded
        script = [f"{{ {block.before}\n}} >/dev/null 2>&1 || {{ echo 'readme: before command failed'; exit 97; }}"
                  if block.before else ""]
        for cmd in block.commands:
            # each command's status is restored after the sentinel, so a following `echo $?` sees it
            script.append(f"{cmd.line}\n__s=$?; printf '%s\\n' '{SENTINEL}'; (exit $__s)")
        proc = subprocess.run(["bash", "-c", "exec 2>&1\n" + "\n".join(script)], cwd=copy, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
        out = proc.stdout.decode("utf-8", errors="replace").replace(str(copy), ".")
    parts = out.split(SENTINEL + "\n")
    if len(parts) != len(block.commands) + 1:
        raise RuntimeError(f"README.md:{block.line}: the block stopped early:\n{out}")
    return [trim(p.splitlines()) for p in parts[:-1]]


def trim(lines: list[str]) -> list[str]:
    """Output lines without the blank lines at the end (a fence cannot show them)."""
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def matches(expected: list[str], actual: list[str]) -> bool:
    """True when the actual lines are the expected ones, an ellipsis line standing for any number of lines."""
    pattern = "".join(r"(?:[^\n]*\n)*?" if line.strip() in ELLIPSIS else re.escape(line + "\n") for line in expected)
    return re.fullmatch(pattern, "".join(line + "\n" for line in actual)) is not None


def diff(block: Block, outputs: list[list[str]]) -> list[str]:
    """A readable report of every command whose output differs from the README."""
    import difflib

    problems = []
    for cmd, actual in zip(block.commands, outputs):
        if not matches(cmd.expected, actual):
            lines = difflib.unified_diff(cmd.expected, actual, "README.md", "actual output", lineterm="")
            problems.append(f"README.md:{block.line}: $ {cmd.line}\n" + "\n".join(lines))
    return problems


def check(text: str) -> list[str]:
    """Every difference between the README's console blocks and real runs (empty when they agree)."""
    problems = []
    for block in parse(text):
        if block.skip is None:
            problems += diff(block, run(block))
    return problems


def update(text: str) -> tuple[str, list[str]]:
    """The README with every run block's output replaced by the real one, and notes on cut blocks."""
    lines = text.split("\n")
    notes = []
    for block in reversed(parse(text)):  # from the end, so earlier line numbers stay valid
        if block.skip is not None:
            continue
        body = []
        for cmd, actual in zip(block.commands, run(block)):
            keep = matches(cmd.expected, actual)
            if not keep and any(line.strip() in ELLIPSIS for line in cmd.expected):
                notes.append(f"README.md:{block.line}: $ {cmd.line}: output changed; written in full, cut it again")
            body += ["$ " + cmd.line] + (cmd.expected if keep else actual)
        lines[block.start + 1:block.end] = body
    return "\n".join(lines), notes


def main(argv: list[str] | None = None) -> int:
    """Command line: check (exit 1 on a difference) or ``--update`` README.md."""
    parser = argparse.ArgumentParser(prog="python -m tests.readme_blocks", description=__doc__.split("\n")[0])
    parser.add_argument("--update", action="store_true", help="rewrite the outputs in README.md")
    args = parser.parse_args(argv)
    text = README.read_text(encoding="utf-8")
    if args.update:
        new, notes = update(text)
        if new != text:
            README.write_text(new, encoding="utf-8")
        for note in notes:
            print(note, file=sys.stderr)
        print("README.md updated" if new != text else "README.md already up to date")
        return 0
    problems = check(text)
    for problem in problems:
        print(problem + "\n")
    print(f"{len(problems)} difference(s)" if problems else "README console blocks match real runs")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
