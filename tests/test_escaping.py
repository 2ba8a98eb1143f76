"""Every user string reaches each output format escaped: HTML script payloads stay text, LaTeX specials
are quoted, CSV cells cannot start a formula, DOT labels are quoted strings.

The project puts a payload in every field a user writes (titles, authors, annotations, keywords,
claim ids, texts, notes, sections, tags, quotes, locators and the document title), then renders each
report through the command line. Formats that do not exist in this checkout are skipped by name.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from bibkit.cli import cli

SCRIPT = "<script>alert(1)</script>"
ATTR = "\"><img src=x onerror=alert(2)>"
FORMULA = "=HYPERLINK(\"http://evil\")"
LATEX = "\\input{/etc/passwd} 100% & $x$ #1 a_b ^ ~"
DOT = "quote\" ] ; evil [label=\"x"

BIB = r"""
@book{k<b>bold</b>,
  author = {Scripter, <script>alert(1)</script> and Attr, "><img src=x onerror=alert(2)>},
  title = {<script>alert(1)</script> =HYPERLINK("http://evil") \input{/etc/passwd} 100\% & more},
  publisher = {+Pub @cmd -minus},
  year = 2001,
  keywords = {<script>alert(1)</script>, =cmd},
  annote = {Annotation <script>alert(1)</script> \input{/etc/passwd} 100% & $x$ #1 a_b ^ ~ quote" ] ; evil [label="x}
}

@book{payload2003,
  author = {Scripter, <script>alert(1)</script>},
  title = {Title <script>alert(1)</script> "><img src=x onerror=alert(2)> \input{/etc/passwd} 100\% \& more},
  publisher = {Pub <script>alert(1)</script>},
  year = 2003,
  keywords = {<script>alert(1)</script>},
  annote = {Note <script>alert(1)</script> \input{/etc/passwd} 100% & $x$ #1 a_b ^ ~}
}

@article{plain2002,
  author = {Plain, Paula},
  title = {A plain title},
  journal = {@Journal},
  year = 2002
}
"""

CLAIMS = """\
version: 1
document:
  title: "Doc <script>alert(1)</script>"
claims:
  - id: c-1
    text: "=HYPERLINK(\\"http://evil\\") <script>alert(1)</script> \\\\input{/etc/passwd} 100% & $x$ #1 a_b ^ ~ quote\\" ] ; evil [label=\\"x"
    section: "<script>alert(1)</script>"
    note: "\\"><img src=x onerror=alert(2)> \\\\input{/etc/passwd}"
    tags: ["<script>alert(1)</script>", "=tag"]
    sources:
      - key: k<b>bold</b>
        locator: "p. <script>alert(1)</script>"
        quote: "+quote \\"><img src=x onerror=alert(2)> \\\\input{/etc/passwd} 100% & $x$"
        note: "-note <script>alert(1)</script>"
      - key: plain2002
        stance: contradicts
      - payload2003
  - id: "@c-2"
    text: "-2+3 <script>alert(1)</script>"
"""


@pytest.fixture
def payload_project(project):
    return project(bib=BIB, claims=CLAIMS)


def has_format(command: str, fmt: str) -> bool:
    """True when ``bibkit <command> --format <fmt>`` exists in this checkout."""
    from bibkit.cli import cli as group

    cmd = group.commands.get(command)
    if cmd is None:
        return False
    for param in cmd.params:
        if param.name == "fmt":
            return fmt in getattr(param.type, "choices", ())
    return False


def render(runner, command: str, fmt: str, *extra: str) -> str:
    if not has_format(command, fmt):
        pytest.skip(f"'bibkit {command} --format {fmt}' does not exist in this checkout yet")
    result = runner.invoke(cli, [command, "--no-cache", "--format", fmt, *extra])
    assert result.exit_code in (0, 1), (result.output, result.stderr if hasattr(result, "stderr") else "")
    return result.stdout


def assert_html_inert(html: str) -> None:
    """No payload survives as markup."""
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html or "&lt;script&gt;alert(1)&lt;&#x2F;script&gt;" in html


@pytest.mark.parametrize("command,extra", [
    ("claim-map", ()),
    ("reading-list", ("--style", "apa", "--group-by", "claim")),
    ("reading-list", ("--style", "plain", "--group-by", "tag")),
])
def test_html_escapes_script_payloads_in_every_field(payload_project, runner, command, extra) -> None:
    html = render(runner, command, "html", *extra)
    assert_html_inert(html)
    # scripts the report ships itself are fine; none may contain user text
    for chunk in html.split("<script")[1:]:
        assert "alert(" not in chunk.split("</script>")[0]


def test_markdown_does_not_pass_raw_html_through(payload_project, runner) -> None:
    md = render(runner, "claim-map", "markdown")
    assert "<script>alert" not in md and "<img src=x" not in md


def test_csv_neutralises_formulas(payload_project, runner) -> None:
    text = render(runner, "claim-map", "csv")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) > 1
    cells = [cell for row in rows for cell in row]
    dangerous = [c for c in cells if c[:1] in ("=", "+", "-", "@")]
    assert not dangerous, dangerous
    assert any("HYPERLINK" in c for c in cells)  # the text is kept, only defused


def test_dot_labels_are_quoted(payload_project, runner, tmp_path: Path) -> None:
    dot = render(runner, "claim-map", "dot")
    assert 'evil [label="x' not in dot
    if shutil.which("dot"):
        result = subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert "<script>alert" not in result.stdout
        assert "evil" in result.stdout  # the payload is shown as text in a label


def test_latex_escapes_annotations_and_claims(payload_project, runner) -> None:
    tex = render(runner, "reading-list", "latex", "--style", "plain", "--group-by", "claim")
    # Claim texts (headings) and annotations are plain text: every LaTeX special is quoted.
    # (BibTeX fields such as titles are LaTeX source by definition and pass through, as with BibTeX.)
    heading = next(line for line in tex.splitlines() if "HYPERLINK" in line and "section" in line)
    note = next(line for line in tex.splitlines() if "Annotation" in line)
    for line in (heading, note):
        assert "\\input{" not in line and "\\input {" not in line, line
        assert "100\\%" in line and "\\&" in line and "\\#1" in line and "a\\_b" in line, line
        assert "<script>" not in line, line
        for special in ("%", "&", "#", "_"):
            assert all(line[i - 1] == "\\" for i, c in enumerate(line) if c == special), (special, line)


def test_json_round_trips_payloads_exactly(payload_project, runner) -> None:
    text = render(runner, "claim-map", "json")
    doc = json.loads(text)
    claim = next(c for c in doc["claims"] if c["id"] == "c-1")
    assert SCRIPT in claim["text"] and "\\input{/etc/passwd}" in claim["text"]
