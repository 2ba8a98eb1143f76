"""``bibkit lookup`` from the command line against recorded answers on 127.0.0.1; ``check`` reads its cache;
``--fix`` writes only what the registries settle, checked with bibtexparser."""

from __future__ import annotations

import json
from pathlib import Path

import bibtexparser
import pytest

from bibkit.cli import cli
from lookup_fixtures import BIB, EXPECTED, MAILTO, registries


@pytest.fixture
def server(monkeypatch, tmp_path):
    monkeypatch.setenv("BIBKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("BIBKIT_MAILTO", MAILTO)
    with registries() as fake:
        monkeypatch.setenv("BIBKIT_CROSSREF_URL", fake.url + "/crossref")
        monkeypatch.setenv("BIBKIT_OPENALEX_URL", fake.url + "/openalex")
        yield fake


def test_json_report_and_gate(server, project, runner):
    project(bib=BIB)
    result = runner.invoke(cli, ["lookup", "--format", "json"])
    assert result.exit_code == 1, result.stderr  # the default gate: a retraction and a wrong DOI
    doc = json.loads(result.stdout)
    assert doc["format"] == 1
    assert {e["key"]: e["status"] for e in doc["entries"]} == EXPECTED
    assert doc["summary"] == {"confirmed": 3, "mismatch": 1, "wrong-doi": 1, "missing-doi": 1, "not-found": 2,
                              "no-answer": 0, "retracted": 1}
    wrong = next(e for e in doc["entries"] if e["key"] == "tosatto2015")
    assert wrong["suggested"] == {"doi": "10.1038/srep16696"} and wrong["doi_exists"] is True
    # only some keys; a gate that holds
    ok = runner.invoke(cli, ["lookup", "sadasivan2012", "lieber1997", "--fail-on", "wrong-doi"])
    assert ok.exit_code == 0, ok.stderr
    assert "L004" in ok.stdout and "L007" in ok.stdout and "2 entries:" in ok.stdout


def test_offline_reproduces_the_statuses_and_check_reports_them(server, project, runner):
    project(bib=BIB)
    first = runner.invoke(cli, ["lookup", "--format", "json", "--fail-on", "never"])
    server.close()
    again = runner.invoke(cli, ["lookup", "--format", "json", "--offline", "--fail-on", "never"])
    assert again.exit_code == 0
    assert json.loads(again.stdout)["entries"] == json.loads(first.stdout)["entries"]
    check = runner.invoke(cli, ["check", "--format", "json", "--select", "L"])
    codes = sorted((d["key"], d["code"]) for d in json.loads(check.stdout)["diagnostics"])
    assert codes == [("boulkedid2011", "L005"), ("knuth1997", "L002"), ("lieber1997", "L004"),
                     ("marsh2023", "L002"), ("sadasivan2012", "L007"), ("snail2011", "L001"),
                     ("tosatto2015", "L003")]
    assert check.exit_code == 1  # L001 and L003 are errors
    # an entry edited since the lookup is left out until it is looked up again; the others stay
    bib = (Path.cwd() / "references.bib").read_text(encoding="utf-8").replace("year = {1990}", "year = {1991}")
    (Path.cwd() / "references.bib").write_text(bib, encoding="utf-8")
    later = runner.invoke(cli, ["check", "--format", "json", "--select", "L"])
    keys = {d["key"] for d in json.loads(later.stdout)["diagnostics"]}
    assert "lieber1997" not in keys and {"snail2011", "tosatto2015"} <= keys


def test_check_says_nothing_without_a_lookup(project, runner, monkeypatch, tmp_path):
    monkeypatch.setenv("BIBKIT_CACHE_DIR", str(tmp_path / "empty-cache"))
    project(bib=BIB)
    check = runner.invoke(cli, ["check", "--format", "json", "--select", "L"])
    assert json.loads(check.stdout)["diagnostics"] == []


@pytest.mark.parametrize("fmt", ["sarif", "github"])
def test_sarif_and_github(server, project, runner, fmt):
    project(bib=BIB)
    result = runner.invoke(cli, ["lookup", "--format", fmt, "--fail-on", "never"])
    assert result.exit_code == 0
    if fmt == "sarif":
        rules = {r["ruleId"] for r in json.loads(result.stdout)["runs"][0]["results"]}
        assert {"L001", "L002", "L003", "L004", "L005", "L007"} <= rules
    else:
        assert "::error file=references.bib,line=" in result.stdout and "L003" in result.stdout


def test_fix_writes_only_what_is_settled(server, project, runner):
    root = project(bib="% my comment stays\n" + BIB)
    result = runner.invoke(cli, ["lookup", "--fix", "--fail-on", "never"])
    assert result.exit_code == 0, result.stderr
    assert "+++ references.bib (fixed)" in result.stdout
    assert "+  doi     = {10.1371/journal.pone.0020476},\n" in result.stdout
    text = (root / "references.bib").read_text(encoding="utf-8")
    assert text.startswith("% my comment stays\n")
    library = bibtexparser.parse_string(text)
    fields = {e.key: {f.key.lower(): f.value for f in e.fields} for e in library.entries}
    assert fields["boulkedid2011"]["doi"] == "10.1371/journal.pone.0020476"  # missing DOI added
    assert fields["tosatto2015"]["doi"] == "10.1038/srep16696"  # wrong DOI replaced
    assert fields["lieber1997"]["year"] == "1997"  # same work, year corrected
    assert "doi" not in fields["knuth1997"] and fields["marsh2023"]["doi"] == "10.9999/jabp.2023.0042"  # untouched
    assert fields["sadasivan2012"]["title"].startswith("Methylphenidate")
    second = runner.invoke(cli, ["lookup", "--format", "json", "--fail-on", "never"])
    statuses = {e["key"]: e["status"] for e in json.loads(second.stdout)["entries"]}
    assert statuses["boulkedid2011"] == statuses["tosatto2015"] == statuses["lieber1997"] == "confirmed"


def test_max_age_from_the_config(server, project, runner):
    project(bib=BIB, bibkit__toml="[lookup]\nmax_age = 0\n")
    runner.invoke(cli, ["lookup", "sadasivan2012", "--fail-on", "never"])
    before = len(server.requests)
    runner.invoke(cli, ["lookup", "sadasivan2012", "--fail-on", "never"])
    assert len(server.requests) > before  # a number of seconds: every answer is too old
    project(bibkit__toml="[lookup]\nmax_age = true\n")
    result = runner.invoke(cli, ["lookup", "sadasivan2012"])
    assert result.exit_code == 2 and "max_age must be an age" in result.stderr


def test_usage_errors_are_one_line(server, project, runner):
    project(bib=BIB)
    for args, words in ((["--max-age", "soon"], "not an age"), (["--fail-on", "fake"], "is not one of"),
                        (["nosuchkey"], "not in the bibliography")):
        result = runner.invoke(cli, ["lookup", *args])
        assert result.exit_code == 2, (args, result.stderr)
        assert words in result.stderr and "Traceback" not in result.stderr


CLAIMS = """\
version: 1
claims:
  - id: snail-tides
    text: The snail follows the tides.
    sources:
      - key: snail2011
  - id: two-sources
    text: Methylphenidate harms dopamine neurons.
    sources:
      - key: snail2011
      - key: sadasivan2012
  - id: unknown-source
    text: Sourdough starters show quantum coherence.
    sources:
      - key: marsh2023
"""


def _map(runner, fmt: str, *more: str):
    return runner.invoke(cli, ["claim-map", "--format", fmt, *more])


def test_claim_map_does_not_count_a_retracted_source(server, project, runner):
    import csv
    import io
    import subprocess

    from lxml import html as lxml_html

    project(bib=BIB, claims=CLAIMS)
    before = json.loads(_map(runner, "json").stdout)  # no lookup yet: the retracted paper still backs its claim
    assert {c["id"]: c["status"] for c in before["claims"]}["snail-tides"] == "supported"
    runner.invoke(cli, ["lookup", "--fail-on", "never"])
    doc = json.loads(_map(runner, "json").stdout)
    status = {c["id"]: c["status"] for c in doc["claims"]}
    assert status == {"snail-tides": "retracted", "two-sources": "supported", "unknown-source": "supported"}
    assert doc["summary"]["backed"] == 2 and doc["summary"]["by_status"]["retracted"] == 1
    flags = {(c["id"], link["key"]): link["source_flag"] for c in doc["claims"] for link in c["links"]}
    assert flags[("unknown-source", "marsh2023")] == "not-found" and flags[("two-sources", "sadasivan2012")] is None
    gate = _map(runner, "text", "--fail-under", "100")
    assert gate.exit_code == 1 and "RETRACTED" in gate.stdout and "source not found" in gate.stdout
    assert "retracted 1" in gate.stdout
    md = _map(runner, "markdown").stdout
    assert "**source retracted**" in md and "retracted" in md.split("##")[1]
    page = lxml_html.fromstring(_map(runner, "html").stdout)
    assert page.xpath("//*[contains(@class, 's-retracted')]")
    notice = page.xpath("//p[contains(@class, 'notice')]")
    assert notice and notice[0].text_content() == "Retraction of 2021-03-04: 10.5555/bibkit.retraction.notice"
    assert notice[0].xpath(".//a/@href") == ["https://doi.org/10.5555/bibkit.retraction.notice"]
    table = list(csv.DictReader(io.StringIO(_map(runner, "csv").stdout)))
    assert {(r["claim_id"], r["status"], r["key"], r["source_flag"]) for r in table} >= {
        ("snail-tides", "retracted", "snail2011", "retracted"), ("unknown-source", "supported", "marsh2023", "not-found")}
    dot = _map(runner, "dot").stdout
    graph = json.loads(subprocess.run(["dot", "-Tjson"], input=dot, capture_output=True, text=True, check=True).stdout)
    labels = [o.get("label", "") for o in graph.get("objects", [])]
    assert any("snail-tides [retracted]" in label for label in labels)
    edge_labels = [e.get("label", "") for e in graph.get("edges", [])]
    assert "supports (unverified) [source retracted]" in edge_labels


def test_reading_list_status_filter_sees_a_retracted_source(server, project, runner):
    project(bib=BIB, claims=CLAIMS)
    args = ["reading-list", "--style", "plain", "--format", "markdown", "--status"]
    before = runner.invoke(cli, [*args, "retracted"])  # no lookup yet: no claim is retracted
    assert before.exit_code == 0 and "nothing selected" in before.stderr
    assert "Tidal rhythms" not in before.stdout
    runner.invoke(cli, ["lookup", "--fail-on", "never"])
    after = runner.invoke(cli, [*args, "retracted"])
    assert after.exit_code == 0, after.stderr
    assert "Tidal rhythms of a hypothetical estuary snail" in after.stdout  # snail-tides rests on it alone
    assert "Methylphenidate" not in after.stdout and "sourdough" not in after.stdout.lower()
    supported = runner.invoke(cli, [*args, "supported"]).stdout
    assert "Methylphenidate" in supported and "sourdough" in supported.lower()


def test_claim_map_diff_judges_both_sides_with_the_lookup(server, project, runner):
    import subprocess

    root = project(bib=BIB, claims=CLAIMS)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run([*git, "add", "."], cwd=root, check=True)
    subprocess.run([*git, "commit", "-qm", "base"], cwd=root, check=True)
    (root / "claims.yaml").write_text(CLAIMS.replace("The snail follows the tides.", "The snail follows the moon."),
                                      encoding="utf-8")
    runner.invoke(cli, ["lookup", "--fail-on", "never"])
    doc = json.loads(_map(runner, "json", "--diff", "HEAD").stdout)
    status = {c["id"]: c["status"] for c in doc["claims"]}
    assert status == {"snail-tides": "retracted"}  # the edited claim alone; the lookup changed no file
    assert doc["summary"]["backed"] == 0
    link = doc["claims"][0]["links"][0]
    assert (link["key"], link["source_flag"]) == ("snail2011", "retracted")
    summary = _map(runner, "markdown", "--diff", "HEAD", "--summary").stdout
    assert "(was supported)" not in summary


RW_CSV = ("Record ID,Title,OriginalPaperDOI,RetractionDOI,RetractionNature,RetractionDate,Reason\n"
          "7,x,10.1002/jor.1100150407,10.5555/eoc.7,Expression of concern,2/3/2022 0:00,+Concerns about data;\n")


def test_update_retractions_downloads_then_is_used_by_default(monkeypatch, project, runner, tmp_path):
    from lookup_fixtures import registries as serve

    monkeypatch.setenv("BIBKIT_CACHE_DIR", str(tmp_path / "cache"))
    files = {"/rw.csv": (200, "text/csv", RW_CSV.encode()), "/html": (200, "text/html", b"<html>login</html>"),
             "/gone": (500, "text/plain", b"down")}
    with serve() as fake:
        fake.files.update(files)
        monkeypatch.setenv("BIBKIT_CROSSREF_URL", fake.url + "/crossref")
        monkeypatch.setenv("BIBKIT_OPENALEX_URL", "")
        project(bib=BIB)
        for bad in ("/html", "/gone"):
            monkeypatch.setenv("BIBKIT_RETRACTIONS_URL", fake.url + bad)
            result = runner.invoke(cli, ["lookup", "--update-retractions", "lieber1997"])
            assert result.exit_code == 2 and "the cached file is kept" in result.stderr
            assert not (tmp_path / "cache" / "retraction_watch.csv").exists()
        monkeypatch.setenv("BIBKIT_RETRACTIONS_URL", fake.url + "/rw.csv")
        result = runner.invoke(cli, ["lookup", "--update-retractions", "--fail-on", "never", "lieber1997"])
        assert result.exit_code == 0, result.stderr
        assert "Retraction Watch: 1 DOIs with notices" in result.stderr
        downloads = [r for r in fake.requests if r["path"] == "/rw.csv"]
        assert downloads and "bibkit/" in downloads[0]["user_agent"]
        again = runner.invoke(cli, ["lookup", "--format", "json", "--fail-on", "expression-of-concern", "lieber1997"])
    assert again.exit_code == 1
    notices = json.loads(again.stdout)["entries"][0]["notices"]
    assert notices == [{"type": "expression_of_concern", "doi": "10.5555/eoc.7", "date": "2022-02-03",
                        "source": "retraction-watch", "reason": "+Concerns about data"}]


def test_pandoc_filter_draft_marks_a_claim_resting_on_a_retracted_source(server, runner, tmp_path, monkeypatch):
    """The Lua filter reads the claim map JSON that bibkit writes after a lookup; real pandoc renders the draft."""
    import shutil
    import subprocess

    from lxml import html as lxml_html

    from bibkit.filters import filter_path
    from lookup_fixtures import ROOT

    pypandoc = pytest.importorskip("pypandoc")
    work = tmp_path / "demo"
    shutil.copytree(ROOT / "examples" / "lookup-demo", work)
    (work / "article.md").write_text("# Notes\n\nThe snail follows the tides. Methylphenidate exposure is followed "
                                     "by dopamine neuron loss in mice.\n", encoding="utf-8")
    monkeypatch.chdir(work)
    assert runner.invoke(cli, ["lookup", "--fail-on", "never"]).exit_code == 0
    assert runner.invoke(cli, ["claim-map", "--format", "json", "-o", "claim-map.json"]).exit_code == 0
    out = subprocess.run([pypandoc.get_pandoc_path(), "-L", str(filter_path()), "article.md", "-s", "-t", "html",
                          "-M", "bibkit-draft=true"], cwd=work, capture_output=True, timeout=120, check=True).stdout
    spans = {" ".join(s.text_content().split()): (s.get("data-status"), s.get("data-claims"))
             for s in lxml_html.fromstring(out).xpath('//span[contains(concat(" ", @class, " "), " bibkit-claim ")]')}
    assert spans["The snail follows the tides."] == ("retracted", "snail-tides")
    assert next(v for k, v in spans.items() if k.startswith("Methylphenidate")) == ("supported", "dopamine")
    assert b"1 retracted" in out


def test_language_server_shows_lookup_findings_on_citations(server, runner, tmp_path, monkeypatch):
    import shutil

    from bibkit import lsp as core
    from lookup_fixtures import ROOT

    work = tmp_path / "demo"
    shutil.copytree(ROOT / "examples" / "lookup-demo", work)
    text = "Snails follow tides [@snail2011, p. 3].\n\nKnuth wrote it down [@knuth1997; @sadasivan2012].\n"
    (work / "article.md").write_text(text, encoding="utf-8")
    monkeypatch.chdir(work)
    before = core.load_state(core.config_for(str(work / "article.md")), {})
    assert not [d for d in core.diagnostics(before, str(work / "article.md"), text) if d.code.startswith("L")]
    assert runner.invoke(cli, ["lookup", "--fail-on", "never"]).exit_code == 0
    state = core.load_state(core.config_for(str(work / "article.md")), {})
    found = [(d.line, d.column, d.code, d.key) for d in core.diagnostics(state, str(work / "article.md"), text)
             if d.code.startswith("L")]
    assert found == [(1, 22, "L001", "snail2011"), (3, 22, "L002", "knuth1997")]
    assert "**L001** snail2011: retraction of 2021-03-04" in core.hover_text(state, "snail2011")
    assert {r.id: r.status for r in state.claim_map.claims}["snail-tides"] == "retracted"
