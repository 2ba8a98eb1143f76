"""``bibkit verify`` from the command line: text and JSON reports, filters, gates, exit codes."""

from __future__ import annotations

import json

import pytest

from bibkit.cli import cli

BIB = """\
@article{alpha2001, author={Alpha, A.}, title={T}, journal={J}, year={2001}, pages={10--11}}
@misc{beta2002, author={Beta, B.}, title={T}, year={2002}}
@misc{gamma2003, author={Gamma, C.}, title={T}, year={2003}}
"""
CLAIMS = """\
version: 1
claims:
  - id: dam
    text: The dam was finished in 1958.
    sources:
      - key: alpha2001
        locator: p. 10
        quote: "the dam was finished in 1958"
  - id: fields
    text: The fields flooded.
    sources:
      - key: alpha2001
        locator: p. 10
        quote: "the fields flooded in spring"
      - key: alpha2001
        locator: p. 11
        quote: "the fields flooded in autumn"
  - id: invented
    text: Something else.
    sources:
      - key: alpha2001
        quote: "the orchestra rehearsed the symphony twice before dawn"
      - key: gamma2003
        quote: "no text for this one"
      - beta2002
"""
SOURCE = "Page ten says the dam was finished in 1958.\fPage eleven says the \ufb01elds \ufb02ooded in spring.\f"


def with_source(project, claims: str, key: str, text: str):
    """A project of BIB and ``claims`` whose source ``key`` has ``text`` as its full text in sources/."""
    root = project(bib=BIB, claims=claims)
    (root / "sources").mkdir()
    (root / "sources" / f"{key}.txt").write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def proj(project):
    return with_source(project, CLAIMS, "alpha2001", SOURCE)


def test_text_report(runner, proj):
    result = runner.invoke(cli, ["verify"])
    assert result.exit_code == 1, result.output
    assert result.stdout == (
        "claims.yaml:12:9: warning V001 quote found in alpha2001 on p. 11, not on the cited p. 10"
        " (sources/alpha2001.txt)\n"
        "    source: the fields flooded in spring.\n"
        "claims.yaml:15:9: warning V002 quote only nearly matches alpha2001 on p. 11 (79% alike)"
        " (sources/alpha2001.txt)\n"
        "    quote:  the fields flooded in [autumn]\n"
        "    source: the fields flooded in [spring.]\n"
        "claims.yaml:21:9: error V003 quote not found in alpha2001 (sources/alpha2001.txt)\n"
        "    closest passage (p. 11, 39% alike): the fields flooded in spring.\n"  # shown however unlike
        "claims.yaml:23:9: info V005 no full text for gamma2003 (no file field; looked for sources/gamma2003.pdf,"
        " .txt, .md or .html)\n"
        "5 quoted links: 1 found, 1 found elsewhere, 1 close, 1 not found, 1 without full text, 0 unreadable\n"
    )


def test_all_lists_found_and_unquoted_links(runner, proj):
    out = runner.invoke(cli, ["verify", "--all"]).stdout
    assert "claims.yaml:6:9: found quote found in alpha2001 on p. 10 (sources/alpha2001.txt)\n" in out
    assert "claims.yaml:25:9: no-quote no quote to check for beta2002\n" in out
    assert out.endswith(", 1 without a quote\n")


def test_json_report(runner, proj):
    result = runner.invoke(cli, ["verify", "--format", "json"])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["format"] == 1
    assert doc["summary"] == {"found": 1, "found-elsewhere": 1, "close": 1, "not-found": 1, "no-fulltext": 1,
                              "unreadable": 0}
    first = doc["links"][1]
    for k in ("claim", "key", "locator", "status", "page", "score", "source_text", "file", "line"):
        assert k in first
    assert (first["claim"], first["key"], first["locator"], first["status"], first["page"], first["score"],
            first["file"], first["line"]) == ("fields", "alpha2001", "p. 10", "found-elsewhere", "11", 1.0,
                                              "sources/alpha2001.txt", 12)
    close = doc["links"][2]
    assert close["diff"] == [{"op": "replace", "quote": "autumn", "source": "spring."}]
    assert [link["status"] for link in doc["links"]] == ["found", "found-elsewhere", "close", "not-found",
                                                         "no-fulltext"]


@pytest.mark.parametrize("fail_on, code", [("not-found", 1), ("close", 1), ("found-elsewhere", 1), ("never", 0)])
def test_fail_on(runner, proj, fail_on, code):
    assert runner.invoke(cli, ["verify", "--fail-on", fail_on]).exit_code == code


def test_fail_on_levels_without_a_miss(runner, proj):
    # Only the close and found-elsewhere links: not-found passes, close fails.
    args = ["verify", "--claim", "fields"]
    assert runner.invoke(cli, args).exit_code == 0
    assert runner.invoke(cli, args + ["--fail-on", "close"]).exit_code == 1
    assert runner.invoke(cli, ["verify", "--claim", "dam", "--fail-on", "found-elsewhere"]).exit_code == 0


def test_filters(runner, proj):
    out = runner.invoke(cli, ["verify", "--status", "close", "--format", "json"]).stdout
    assert [link["status"] for link in json.loads(out)["links"]] == ["close"]
    out = runner.invoke(cli, ["verify", "--source", "gamma2003", "--format", "json"]).stdout
    assert [link["key"] for link in json.loads(out)["links"]] == ["gamma2003"]
    out = runner.invoke(cli, ["verify", "--status", "found"]).stdout
    assert out.startswith("claims.yaml:6:9: found quote found in alpha2001 on p. 10")
    bad = runner.invoke(cli, ["verify", "--status", "lost"])
    assert bad.exit_code == 2


def test_output_file_and_config(runner, proj):
    result = runner.invoke(cli, ["verify", "--format", "json", "-o", "v.json"])
    assert result.exit_code == 1
    assert json.loads((proj / "v.json").read_text(encoding="utf-8"))["format"] == 1
    assert "Wrote json verification to v.json" in result.stderr
    (proj / "bibkit.toml").write_text('fulltext = "elsewhere"\n[verify]\nfail_on = "never"\n', encoding="utf-8")
    result = runner.invoke(cli, ["verify"])
    assert result.exit_code == 0
    assert "looked for elsewhere/alpha2001.pdf" in result.stdout
    (proj / "bibkit.toml").write_text("fulltext = 3\n", encoding="utf-8")
    result = runner.invoke(cli, ["verify"])
    assert result.exit_code == 2
    assert result.stderr == "bibkit: error: bibkit.toml: 'fulltext' must be a folder path\n"


def test_unreadable_files_are_located_not_tracebacks(runner, project):
    root = project(bib="""\
        @misc{a1, title={T}, year={2001}, file={:papers/missing.pdf:PDF}}
        @misc{b2, title={T}, year={2002}, file={papers}}
        @misc{c3, title={T}, year={2003}, file={fake.pdf}}
        """, claims="""\
        version: 1
        claims:
          - id: x
            text: X.
            sources:
              - {key: a1, quote: "some words here"}
              - {key: b2, quote: "some words here"}
              - {key: c3, quote: "some words here"}
        """)
    (root / "papers").mkdir()
    (root / "fake.pdf").write_text("this is not a PDF at all", encoding="utf-8")
    result = runner.invoke(cli, ["verify"])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[:3] == [
        "claims.yaml:6:9: warning V004 cannot read the full text of a1: papers/missing.pdf: file not found",
        "claims.yaml:7:9: warning V004 cannot read the full text of b2: papers: is a directory, not a file",
        "claims.yaml:8:9: warning V004 cannot read the full text of c3: fake.pdf: not a PDF (it starts with "
        "'this is not ')",
    ]


def test_missing_claims_file_is_a_usage_error(runner, project):
    project(bib=BIB)
    result = runner.invoke(cli, ["verify"])
    assert result.exit_code == 2
    assert "claims.yaml: no such file" in result.stderr


def test_check_runs_the_quote_checks_when_full_texts_exist(runner, proj):
    result = runner.invoke(cli, ["check", "--format", "json"])
    assert result.exit_code == 1  # the V003 error
    codes = [(d["line"], d["code"], d["severity"]) for d in json.loads(result.stdout)["diagnostics"]
             if d["code"].startswith("V")]
    assert codes == [(12, "V001", "warning"), (15, "V002", "warning"), (21, "V003", "error"), (23, "V005", "info")]
    text = runner.invoke(cli, ["check"]).stdout
    assert ("claims.yaml:15:9: warning V002 quote only nearly matches alpha2001 on p. 11 (79% alike)"
            " (sources/alpha2001.txt) — quote: the fields flooded in [autumn]; source: the fields flooded in"
            " [spring.]\n") in text


def test_check_skips_quote_checks_without_full_texts(runner, project):
    project(bib=BIB, claims=CLAIMS)
    result = runner.invoke(cli, ["check", "--format", "json"])
    assert not [d for d in json.loads(result.stdout)["diagnostics"] if d["code"].startswith("V")]


def test_check_warns_about_a_bad_first_page(runner, project):
    project(bib="@article{a1, title={T}, journal={J}, year={2001}, author={A, A},\n  fulltext_first_page = {xii}}\n",
            claims="version: 1\nclaims: []\n")
    out = runner.invoke(cli, ["check"]).stdout
    assert ("references.bib:2:3: warning V006 a1: fulltext_first_page 'xii' is not a page number (ignored)\n"
            in out)


def test_claim_map_shows_quote_status(runner, proj):
    doc = json.loads(runner.invoke(cli, ["claim-map", "--format", "json"]).stdout)
    got = [(c["id"], link["key"], link["quote_status"], link["quote_page"]) for c in doc["claims"] for link in c["links"]]
    assert got == [("dam", "alpha2001", "found", "10"), ("fields", "alpha2001", "found-elsewhere", "11"),
                   ("fields", "alpha2001", "close", "11"), ("invented", "alpha2001", "not-found", "11"),
                   ("invented", "gamma2003", "no-fulltext", None), ("invented", "beta2002", None, None)]
    assert doc["claims"][0]["links"][0]["quote_source_text"] == "the dam was finished in 1958."
    text = runner.invoke(cli, ["claim-map"]).stdout
    assert "Alpha (2001, p. 11)  unverified  quote close p. 11\n" in text
    md = runner.invoke(cli, ["claim-map", "--format", "markdown"]).stdout
    assert "(unverified) · quote found-elsewhere (p. 11)\n" in md


def test_claim_map_html_shows_the_passage_escaped(runner, proj):
    (proj / "sources" / "alpha2001.txt").write_text(
        "Page ten says the dam was finished in 1958<script>alert(1)</script>.\fPage eleven.\f", encoding="utf-8")
    html = runner.invoke(cli, ["claim-map", "--format", "html"]).stdout
    from html.parser import HTMLParser

    class Grab(HTMLParser):
        def __init__(self):
            super().__init__()
            self.inside, self.texts, self.scripts = 0, [], 0

        def handle_starttag(self, tag, attrs):
            if tag == "script":
                self.scripts += 1
            if tag == "p" and (dict(attrs).get("class") or "").startswith("qcheck "):
                self.inside = 1
                self.texts.append("")

        def handle_endtag(self, tag):
            if tag == "p":
                self.inside = 0

        def handle_data(self, data):
            if self.inside:
                self.texts[-1] += data

    g = Grab()
    g.feed(html)
    # the "1" after 1958 makes the numbers differ: close, not found
    assert g.texts[0] == "Quote close p. 10: the dam was finished in 1958<script>alert(1)</script>."
    assert len(g.texts) == 5
    assert g.scripts == 1  # only the report's own script


def test_readme_shows_the_demo_as_it_runs(runner, monkeypatch, tmp_path):
    """The README's `bibkit verify` block is the demonstration project's real output."""
    from conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("$ cd examples/verify-demo && bibkit verify\n") + len("$ cd examples/verify-demo && bibkit verify\n")
    shown = readme[start:readme.index("$ echo $?", start)]
    monkeypatch.chdir(ROOT / "examples" / "verify-demo")
    monkeypatch.setenv("BIBKIT_CACHE_DIR", str(tmp_path))
    result = runner.invoke(cli, ["verify"])
    assert result.exit_code == 1
    assert result.stdout == shown


def test_claims_that_cannot_be_read_are_reported_on_stderr(runner, proj):
    (proj / "claims.yaml").write_text(CLAIMS.replace("  - id: invented\n", "  - idd: invented\n"), encoding="utf-8")
    result = runner.invoke(cli, ["verify"])
    assert "claims.yaml:18:5: error C004 claim without id (left out)" in result.stderr
    assert "claims.yaml:21:" not in result.stdout


MEANING_SOURCE = ("In the long run, markets often fail to allocate grain well when prices are fixed by decree.\n"
                  "The harvest of 1958 was large but much of it rotted in the fields.\n"
                  "Peasants were sent to build furnaces instead of bringing in the crops.\n")
MEANING_CLAIMS = """\
version: 1
claims:
  - id: negation
    text: A.
    sources:
      - key: beta2002
        quote: markets never fail to allocate grain well when prices are fixed by decree
  - id: number
    text: B.
    sources:
      - key: beta2002
        quote: The harvest of 1959 was large but much of it rotted in the fields
  - id: word
    text: C.
    sources:
      - key: beta2002
        quote: Peasants were sent to build ovens instead of bringing in the crops
"""


@pytest.fixture
def meaning(project):
    return with_source(project, MEANING_CLAIMS, "beta2002", MEANING_SOURCE)


def test_a_changed_number_or_negation_is_an_error_by_default(runner, meaning):
    result = runner.invoke(cli, ["verify"])
    assert result.exit_code == 1  # the default gate (not-found) fails on them
    lines = result.stdout.splitlines()
    assert lines[0] == ("claims.yaml:6:9: error V007 quote only nearly matches beta2002 (93% alike; a negation differs: "
                        "1 in the quote, 0 in the source) (sources/beta2002.txt)")
    assert lines[3] == ("claims.yaml:11:9: error V007 quote only nearly matches beta2002 (98% alike; numbers differ: "
                        "1959 in the quote, 1958 in the source) (sources/beta2002.txt)")
    assert lines[6] == "claims.yaml:16:9: warning V002 quote only nearly matches beta2002 (89% alike) (sources/beta2002.txt)"
    # another changed word is still only a warning: alone it passes the default gate
    assert runner.invoke(cli, ["verify", "--claim", "word"]).exit_code == 0
    for claim in ("negation", "number"):
        assert runner.invoke(cli, ["verify", "--claim", claim]).exit_code == 1
        assert runner.invoke(cli, ["verify", "--claim", claim, "--fail-on", "never"]).exit_code == 0
    check = json.loads(runner.invoke(cli, ["check", "--format", "json"]).stdout)
    assert sorted((d["code"], d["severity"]) for d in check["diagnostics"] if d["code"].startswith("V")) == [
        ("V002", "warning"), ("V007", "error"), ("V007", "error")]


def test_fail_on_close_and_found_elsewhere_fail_on_an_unreadable_full_text_too(runner, project):
    root = project(bib=BIB, claims=CLAIMS)
    (root / "sources").mkdir()
    (root / "sources" / "alpha2001.pdf").write_bytes(b"not a pdf at all")
    args = ["verify", "--claim", "dam"]
    result = runner.invoke(cli, args + ["--format", "json"])
    assert [link["status"] for link in json.loads(result.stdout)["links"]] == ["unreadable"]
    for level in ("not-found", "close", "found-elsewhere"):
        assert runner.invoke(cli, [*args, "--fail-on", level]).exit_code == 1, level
    assert runner.invoke(cli, [*args, "--fail-on", "never"]).exit_code == 0
