"""`bibkit scan` reads the citations in what pandoc itself writes: a .docx and HTML made without
``--citeproc`` keep ``[@key, p. 4]`` as text, and HTML made with it marks every citation with
``<span class="citation" data-cites="a b">``. Every file here is made by the real pandoc (the one
pypandoc-binary ships) from one Markdown essay, and pandoc's own reading of that essay (its JSON
AST) says which keys are cited, in which order and mode.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from bibkit.cli import cli
from bibkit.formatting import load_style

pypandoc = pytest.importorskip("pypandoc")

BIB = """@book{knuth1984, author = {Knuth, Donald E.}, title = {Literate Programming}, year = {1984},
  publisher = {CSLI}}
@article{aruliah2014, author = {Aruliah, D. A. and Brown, C. Titus}, title = {Best Practices for Scientific
  Computing}, journal = {PLoS Biology}, year = {2014}}
@book{gal2009, author = {Gal, Ann}, title = {A Third Book}, publisher = {P}, year = {2009}}
"""

ESSAY = """# Programs for people

Programs should be written for people to read [@knuth1984, pp. 97-98].
Scientists write code too [@aruliah2014; see @knuth1984, chap. 2]. As @gal2009 [p. 3] says, it matters.
The point was made early [-@knuth1984]. Missing one [@nosuch2000].
Literate programs read as essays.^[See @gal2009 [p. 5] and [@aruliah2014].]

Code such as `@property` and mail to someone@example.org are not citations.

```
@decorator
def f(): pass
```
"""

MODES = {"NormalCitation": "normal", "AuthorInText": "in-text", "SuppressAuthor": "suppress-author"}
# The locators the essay gives, citation by citation (pandoc's AST keeps them inside the suffix).
LOCATORS = ["pp. 97-98", None, "chap. 2", "p. 3", None, None, "p. 5", None]


def _pandoc(*args: str, cwd) -> str:
    return subprocess.run([pypandoc.get_pandoc_path(), *args], capture_output=True, text=True, check=True,
                          timeout=120, cwd=cwd).stdout


def _pandoc_cites(cwd) -> list[tuple[str, str]]:
    """(key, mode) of every citation in pandoc's own AST of the essay, in document order (notes where they stand)."""
    out: list[tuple[str, str]] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            if node.get("t") == "Cite":
                out.extend((c["citationId"], MODES[c["citationMode"]["t"]]) for c in node["c"][0])
                return
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(_pandoc("essay.md", "-t", "json", cwd=cwd))["blocks"])
    return out


def _scan(runner, name: str) -> dict:
    result = runner.invoke(cli, ["scan", name, "--format", "json", "--fail-on", "never"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["documents"][0]


@pytest.fixture
def essay(project):
    return project(bib=BIB, **{"essay.md": ESSAY})


@pytest.mark.parametrize("target", ["essay.docx", "essay.html"])
def test_pandoc_output_without_citeproc_gives_the_essays_citations_key_by_key(essay, runner, target):
    _pandoc("essay.md", "-s", "-o", target, cwd=essay)
    expected = _pandoc_cites(essay)
    assert [k for k, _ in expected] == ["knuth1984", "aruliah2014", "knuth1984", "gal2009", "knuth1984",
                                        "nosuch2000", "gal2009", "aruliah2014"]
    doc = _scan(runner, target)
    got = [(c["key"], c.get("mode", "normal"), c["locator"]) for c in doc["citations"]]
    assert got == [(k, mode, loc) for (k, mode), loc in zip(expected, LOCATORS)]
    assert [c.get("prefix") for c in doc["citations"]][2] == "see"
    assert doc["missing_keys"] == ["nosuch2000"]
    assert doc["needs_citation"] == []
    # the Markdown itself reads the same
    md = _scan(runner, "essay.md")
    assert [(c["key"], c.get("mode", "normal"), c["locator"]) for c in md["citations"]] == got


@pytest.mark.parametrize("style", [None, "chicago-notes-bibliography"])
def test_citeproc_html_is_read_from_data_cites(essay, runner, style):
    args = ["essay.md", "-s", "--citeproc", "--bibliography", "references.bib", "-o", "essay.html"]
    if style:
        args += ["--csl", load_style(style).path]
    _pandoc(*args, cwd=essay)
    html = (essay / "essay.html").read_text(encoding="utf-8")
    assert 'data-cites="aruliah2014 knuth1984"' in html.replace("\n", " ")  # two keys, space-separated
    assert "csl-bib-body" in html
    doc = _scan(runner, "essay.html")
    keys = [c["key"] for c in doc["citations"]]
    assert keys == [k for k, _ in _pandoc_cites(essay)]
    assert doc["missing_keys"] == ["nosuch2000"]
    # the reference list pandoc appends is not prose: the same sentences as the essay's are read
    assert doc["sentences"] == _scan(runner, "essay.md")["sentences"] == 7


def test_citations_in_code_and_addresses_are_not_read_from_a_docx(essay, runner):
    _pandoc("essay.md", "-o", "essay.docx", cwd=essay)
    keys = {c["key"] for c in _scan(runner, "essay.docx")["citations"]}
    assert keys == {"knuth1984", "aruliah2014", "gal2009", "nosuch2000"}


def test_a_pandoc_key_not_in_the_bibliography_is_reported_as_written(essay, runner):
    (essay / "wrong.md").write_text("Text [@Knuth1984].\n", encoding="utf-8")
    _pandoc("wrong.md", "-o", "wrong.docx", cwd=essay)
    doc = _scan(runner, "wrong.docx")
    assert doc["missing_keys"] == ["Knuth1984"]
    assert "work" not in doc["citations"][0]


def test_markdown_keys_are_read_as_pandoc_reads_them(project, runner):
    """pandoc 3 reads ``@http://zotero.org/...`` whole (``:`` or ``/`` may stand before a ``/``); so does bibkit."""
    root = project(bib="", **{"keys.md": "One [@http://zotero.org/users/1/items/AB12CD34, p. 4]. Two [@a//b].\n"
                                          "Three [@{https://example.com/x?y=1}]. Four [@ab..cd]. Five @x:/y says.\n"
                                          "Six [@ab.]. Mail a@b.org and see https://example.org/page today.\n"})
    (root / "essay.md").write_text((root / "keys.md").read_text(encoding="utf-8"), encoding="utf-8")
    expected = [k for k, _ in _pandoc_cites(root)]
    assert expected == ["http://zotero.org/users/1/items/AB12CD34", "a//b", "https://example.com/x?y=1", "ab", "x:/y",
                        "ab"]
    assert [c["key"] for c in _scan(runner, "keys.md")["citations"]] == expected


@pytest.mark.parametrize("target, args", [("stats.docx", []), ("stats.html", ["-s"]),
                                          ("cp.html", ["-s", "--citeproc", "--bibliography", "references.bib"])])
def test_a_cited_statistic_is_not_flagged_and_an_uncited_one_is(essay, runner, target, args):
    (essay / "stats.md").write_text("In 1984, 40 percent of programs had no comments [@knuth1984, p. 3].\n\n"
                                    "In 2014, 60 percent of scientists wrote code daily.\n", encoding="utf-8")
    _pandoc("stats.md", *args, "-o", target, cwd=essay)
    flagged = [s["text"] for s in _scan(runner, target)["needs_citation"]]
    assert flagged == ["In 2014, 60 percent of scientists wrote code daily."]
