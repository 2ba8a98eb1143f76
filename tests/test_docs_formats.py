"""docs/formats.md cannot drift: its example project is rebuilt and every JSON example is what bibkit prints."""

from __future__ import annotations

import json
import re

from bibkit.cli import cli
from conftest import ROOT

DOC = (ROOT / "docs" / "formats.md").read_text(encoding="utf-8")


def _block(lang: str, first_line: str) -> str:
    for body in re.findall(rf"```{lang}\n(.*?)```", DOC, flags=re.S):
        if body.startswith(first_line):
            return body.split("\n", 1)[1]
    raise AssertionError(f"no {lang} block starting {first_line!r}")


def test_json_examples_are_real_output(runner, project):
    project(references__bib=_block("bibtex", "% references.bib"), claims__yaml=_block("yaml", "# claims.yaml"),
            article__md=_block("markdown", "<!-- article.md -->"))
    examples = [json.loads(body) for body in re.findall(r"```json\n(.*?)```", DOC, flags=re.S)]
    outputs = [runner.invoke(cli, args).stdout for args in (
        ["check", "--format", "json", "--no-cache"], ["scan", "article.md", "--format", "json"],
        ["claim-map", "--format", "json", "--fail-under", "50"])]
    assert [json.loads(o) for o in outputs] == examples


def test_readme_links_the_formats_page_and_names_no_missing_design_doc():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/formats.md" in readme and "DESIGN.md" not in readme
