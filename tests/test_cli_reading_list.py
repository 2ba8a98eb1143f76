"""``bibkit reading-list`` on the bundled example project: every format and grouping, filters, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from bibkit.cli import cli


@pytest.fixture(autouse=True)
def in_root(root: Path, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.chdir(root)
    monkeypatch.setenv("BIBKIT_CACHE_DIR", str(tmp_path / "cache"))


def run(runner, *args):
    return runner.invoke(cli, ["reading-list", *args])


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "latex"])
@pytest.mark.parametrize("group", ["none", "tag", "type", "year", "claim"])
def test_every_format_and_grouping(runner, fmt: str, group: str) -> None:
    r = run(runner, "--format", fmt, "--group-by", group, "--show-claims")
    assert r.exit_code == 0, r.output
    assert "Smil" in r.stdout and "Backs:" in r.stdout


def test_text_is_apa_with_annotations(runner) -> None:
    r = run(runner)
    assert r.exit_code == 0
    assert "Ó Gráda, C. (2011). Great leap into famine: A review essay." in r.stdout
    assert "    A short retrospective essay" in r.stdout
    assert "A short retrospective" not in run(runner, "--no-annotations").stdout


def test_group_by_claim_ends_with_unbacking_sources(runner) -> None:
    out = run(runner, "--group-by", "claim").stdout
    assert "Sources that back no claim" in out
    assert out.index("In 1958") < out.index("Sources that back no claim")


def test_filters(runner) -> None:
    out = run(runner, "--keys", "smil1999,peng1987", "--no-annotations").stdout
    assert "Smil" in out and "Peng" in out and "Zhang" not in out
    out = run(runner, "--claim", "launch-1958", "--no-annotations").stdout
    assert "Smil" in out and "Li, X." not in out
    assert run(runner, "--tag", "no-such-tag").exit_code == 0
    assert run(runner, "--status", "supported", "--cited-only").exit_code == 0


def test_html_escapes_user_text_and_latex_escapes_annotations(runner) -> None:
    html = run(runner, "--format", "html", "--intro", "<b>x</b> & y").stdout
    assert "&lt;b&gt;x&lt;/b&gt; &amp; y" in html and "@media print" in html
    tex = run(runner, "--format", "latex", "--intro", "50% & $5_x").stdout
    assert r"50\% \& \$5\_x" in tex and r"\begin{document}" in tex


def test_bibtex_style(runner) -> None:
    r = run(runner, "--style", "unsrt", "--no-annotations")
    assert r.exit_code == 0 and "Shige Song" in r.stdout


def test_unknown_style_exits_2(runner) -> None:
    r = run(runner, "--style", "apaa")
    assert r.exit_code == 2 and "did you mean apa" in r.stderr


def test_template_dir_overrides_one_file(runner, tmp_path: Path) -> None:
    (tmp_path / "reading-list.txt").write_text("{{ rl.count }} sources\n")
    r = run(runner, "--template-dir", str(tmp_path))
    assert r.stdout == "8 sources\n"
    assert "<!DOCTYPE html>" in run(runner, "--template-dir", str(tmp_path), "--format", "html").stdout


def test_works_without_claims_file(runner, tmp_path: Path, root: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    r = runner.invoke(cli, ["reading-list", "--bib", str(root / "references.bib"), "--style", "ieee"])
    assert r.exit_code == 0 and "[1]" in r.stdout


def test_entry_missing_fields_still_renders_with_a_located_warning(runner, project):
    project(bib="@book{good, author = {Roe, R.}, title = {Good}, publisher = {P}, year = 2001}\n\n"
                "@article{thin,\n  title = {Only a Title},\n}\n")
    result = runner.invoke(cli, ["reading-list", "--style", "plain", "--no-annotations"])
    assert result.exit_code == 0, result.output
    assert "Good" in result.stdout and "Only a Title" in result.stdout
    assert "references.bib:3:1: warning R001 " in result.stderr


def test_claim_text_is_plain_text_in_every_format(runner, data, monkeypatch):
    """Claim text comes from YAML, not BibTeX: no LaTeX decoding may eat its characters."""
    monkeypatch.chdir(data / "latex")
    md = runner.invoke(cli, ["reading-list", "--format", "markdown", "--group-by", "claim"]).stdout
    assert r"## A claim with % and & and $ and \# and \_ and \\ and \{\} and ~ and ^." in md
    html = runner.invoke(cli, ["reading-list", "--format", "html", "--group-by", "claim"]).stdout
    assert "A claim with % and &amp; and $ and # and _ and \\ and {} and ~ and ^." in html
    tex = runner.invoke(cli, ["reading-list", "--format", "latex", "--group-by", "claim"]).stdout
    assert r"\$ and \# and \_ and \textbackslash{} and \{\} and \textasciitilde{} and \textasciicircum{}." in tex


@pytest.mark.slow
@pytest.mark.parametrize("style, group_by", [("apa", "claim"), ("plain", "tag"), ("ieee", "none")])
def test_latex_output_compiles(runner, data, monkeypatch, tmp_path, style, group_by):
    """The LaTeX reading list compiles with pdflatex, hostile annotation and claim text included."""
    import shutil
    import subprocess

    from tex_tools import require_tex

    require_tex("fontenc.sty", "inputenc.sty", "hyperref.sty", "textcomp.sty", "xcolor.sty")
    monkeypatch.chdir(data / "latex")
    out = tmp_path / "list.tex"
    result = runner.invoke(cli, ["reading-list", "--style", style, "--format", "latex", "--show-claims",
                                 "--group-by", group_by, "-o", str(out)])
    assert result.exit_code == 0, result.output
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", out.name],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]
    assert (tmp_path / "list.pdf").stat().st_size > 1000
