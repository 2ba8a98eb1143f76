"""``-o`` never names one of the command's own inputs, however the path is spelled (one rule, in bibkit.infra.output)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bibkit.cli import cli

BIB = "@book{smith2000,\n  author = {Smith, Ann},\n  title = {A Book},\n  year = {2000},\n  publisher = {P},\n}\n"
CLAIMS = ("version: 1\ndocument:\n  path: article.md\nclaims:\n  - id: c1\n    text: A claim.\n"
          "    sources: [smith2000]\n")
ARTICLE = "# Title\n\nA claim [@smith2000].\n"

# (command line without -o, the input file -o will name)
CASES = [
    (["check"], "references.bib"),
    (["check"], "claims.yaml"),
    (["check"], "article.md"),  # the manuscript claims.yaml points at
    (["check"], "bibkit.toml"),
    (["export", "--to", "bibtex"], "references.bib"),
    (["export", "--to", "csl-json"], "claims.yaml"),
    (["reading-list", "--style", "plain"], "references.bib"),
    (["claim-map"], "claims.yaml"),
    (["claim-map", "--manuscript", "article.md"], "article.md"),
    (["scan", "article.md"], "article.md"),
    (["scan"], "notes.md"),  # the configured manuscript
    (["scan", "article.md"], "references.bib"),
    (["claims", "extract", "article.md"], "article.md"),
]


def _make(project) -> Path:
    path = project(bib=BIB, claims=CLAIMS, article__md=ARTICLE, notes__md=ARTICLE,
                   bibkit__toml='manuscript = "notes.md"\n')
    return path


def _spellings(path: Path, name: str) -> dict[str, str]:
    """Ways to name the same file: as given, ./x, absolute, through a symlink, through a hard link."""
    os.symlink(name, path / f"link-{name}")
    os.link(path / name, path / f"hard-{name}")
    return {"plain": name, "dot": f"./{name}", "absolute": str(path / name), "symlink": f"link-{name}",
            "hardlink": f"hard-{name}", "dotdot": f"../{path.name}/{name}"}


@pytest.mark.parametrize("args,victim", CASES, ids=[f"{' '.join(a)}>{v}" for a, v in CASES])
def test_output_naming_an_input_is_refused(project, runner, args, victim) -> None:
    path = _make(project)
    before = {p.name: p.read_bytes() for p in path.iterdir() if p.is_file()}
    for how, spelled in _spellings(path, victim).items():
        result = runner.invoke(cli, [*args, "--no-cache", "-o", spelled] if args[0] not in ("claims",)
                               else [*args, "-o", spelled])
        assert result.exit_code == 2, (how, result.stdout, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert lines[-1].startswith(f"bibkit: error: {spelled}: is an input of this command"), (how, lines)
        assert "Traceback" not in result.stderr
        for name, data in before.items():
            assert (path / name).read_bytes() == data, f"{name} changed ({how})"
        assert (path / f"link-{victim}").is_symlink()


def test_reading_list_template_and_style_are_inputs(project, runner, root) -> None:
    path = _make(project)
    (path / "tpl").mkdir()
    (path / "tpl" / "reading-list.txt").write_text("{% for g in rl.groups %}{% for i in g.items %}{{ i.key }}\n{% endfor %}{% endfor %}")
    before = (path / "tpl" / "reading-list.txt").read_bytes()
    result = runner.invoke(cli, ["reading-list", "--no-cache", "--style", "plain", "--template-dir", "tpl",
                                 "-o", "tpl/reading-list.txt"])
    assert result.exit_code == 2 and "is an input of this command" in result.stderr
    assert (path / "tpl" / "reading-list.txt").read_bytes() == before


def test_output_next_to_the_inputs_is_fine(project, runner) -> None:
    path = _make(project)
    result = runner.invoke(cli, ["check", "--no-cache", "-o", "check.txt"])
    assert result.exit_code in (0, 1), result.stderr
    assert (path / "check.txt").read_text().splitlines()[-1].startswith("1 entries, 1 claims: ")
    assert (path / "references.bib").read_text() == BIB


def test_export_over_a_bibliography_that_is_not_an_input_is_allowed(project, runner) -> None:
    path = _make(project)
    (path / "other.bib").write_text("@misc{x, title = {X}}\n")
    result = runner.invoke(cli, ["export", "--no-cache", "--bib", "other.bib", "--to", "bibtex", "-o", "references.bib"])
    assert result.exit_code == 0, result.stderr
    assert "@misc{x," in (path / "references.bib").read_text()
