"""Every user string reaches each output format escaped: HTML script payloads stay text, LaTeX specials
are quoted, CSV cells cannot start a formula, DOT labels are quoted strings.

The project puts a payload in every field a user writes (titles, authors, annotations, keywords,
claim ids, texts, notes, sections, tags, quotes, locators and the document title), then renders each
report through the command line. An orphan source (no claim links to it) carries its own payload:
the HTML report renders orphans in a separate section, which must escape them as well. HTML is judged
by a real HTML parser (the standard library's), CSV by the csv module: what a browser or a
spreadsheet would see, not what a substring search finds.
"""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser
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

@misc{orphan2004,
  author = {Orphan, <script>alert("orphan")</script>},
  title = {Orphan title <img src=x onerror=alert(4)>},
  year = 2004,
  annote = {Orphan annotation <script>alert("orphan")</script> "><img src=x onerror=alert(3)> <b>bold</b>}
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
  - id: c-3
    text: "\\r=1+2 starts with a carriage return"
    section: "\\t=1+3 starts with a tab"
"""


@pytest.fixture
def payload_project(project):
    return project(bib=BIB, claims=CLAIMS)


def render(runner, command: str, fmt: str, *extra: str) -> str:
    """``bibkit <command> --format <fmt>`` on the payload project; it must succeed (exit 0, no gate is set)."""
    result = runner.invoke(cli, [command, "--no-cache", "--format", fmt, *extra])
    assert result.exit_code == 0, (result.output, result.stderr)
    return result.stdout


class Elements(HTMLParser):
    """Every element a browser would build from a page: (tag, attributes), script bodies and all text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self._in_script = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        (self.scripts if self._in_script else self.text).append(data)


def assert_html_inert(html: str) -> Elements:
    """No payload survives as markup: no user <img>/<b>, no on* handler, no script that is not bibkit's own."""
    page = Elements(html)
    tags = [tag for tag, _ in page.elements]
    assert "img" not in tags and "b" not in tags, sorted(set(tags))
    handlers = [(tag, name) for tag, attrs in page.elements for name in attrs if name.startswith("on")]
    assert handlers == []
    assert all("alert(" not in body for body in page.scripts)
    text = "".join(page.text)
    assert SCRIPT in text  # the payload is shown to the reader as text
    return page


@pytest.mark.parametrize("command,extra", [
    ("claim-map", ()),
    ("reading-list", ("--style", "apa", "--group-by", "claim")),
    ("reading-list", ("--style", "plain", "--group-by", "tag")),
])
def test_html_escapes_script_payloads_in_every_field(payload_project, runner, command, extra) -> None:
    html = render(runner, command, "html", *extra)
    page = assert_html_inert(html)
    assert [tag for tag, _ in page.elements].count("script") <= 1  # at most the report's own script


def test_html_claim_map_escapes_orphan_sources(payload_project, runner) -> None:
    page = assert_html_inert(render(runner, "claim-map", "html"))
    text = "".join(page.text)
    assert 'Orphan annotation <script>alert("orphan")</script> "><img src=x onerror=alert(3)> <b>bold</b>' in text
    orphan = [attrs for tag, attrs in page.elements if tag == "article" and "orphan" in (attrs.get("class") or "")]
    assert [a.get("id") for a in orphan] == ["source-orphan2004"]


def test_markdown_does_not_pass_raw_html_through(payload_project, runner) -> None:
    md = render(runner, "claim-map", "markdown")
    assert "<script>alert" not in md and "<img src=x" not in md


def test_csv_neutralises_formulas(payload_project, runner) -> None:
    text = render(runner, "claim-map", "csv")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) > 1
    cells = [cell for row in rows for cell in row]
    dangerous = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert not dangerous, dangerous
    assert any("HYPERLINK" in c for c in cells)  # the text is kept, only defused
    by_id = {row[0]: row for row in rows[1:]}
    header = rows[0]
    c3 = by_id["c-3"]
    assert c3[header.index("text")] == "'\r=1+2 starts with a carriage return"
    assert c3[header.index("section")] == "'\t=1+3 starts with a tab"


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
