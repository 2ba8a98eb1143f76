"""``--format sarif`` (bibkit/reports/sarif.py): SARIF 2.1.0 logs judged by the official JSON Schema.

The schema is OASIS's own (tests/data/sarif/, source and licence in its README) and the validator is
``jsonschema``, so a log that GitHub code scanning would reject fails here whatever bibkit believes.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import unquote, urlparse
from urllib.request import url2pathname

import jsonschema
import pytest

from bibkit.cli import cli
from bibkit.infra.diagnostics import Diagnostic, Severity
from bibkit.reports.findings import render_diagnostics
from bibkit.reports.sarif import sarif_log

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def validate(log: dict) -> None:
    """Raise when ``log`` is not a valid SARIF 2.1.0 log."""
    jsonschema.Draft4Validator(SCHEMA).validate(log)


def uri_path(location: dict) -> str:
    """The file a SARIF artifactLocation names, relative to the current directory when it has a base id."""
    art = location["physicalLocation"]["artifactLocation"]
    if "uriBaseId" in art:
        assert art["uriBaseId"] == "%SRCROOT%"
        assert not urlparse(art["uri"]).scheme, "a uri with a base id must be a relative reference"
        return unquote(art["uri"])
    parsed = urlparse(art["uri"])
    assert parsed.scheme == "file"
    return url2pathname(parsed.path)


def test_the_schema_is_the_real_one_and_rejects_a_broken_log():
    assert SCHEMA["id"].endswith("/sarif-schema-2.1.0.json")
    good = sarif_log([Diagnostic("a.bib", 1, 1, Severity.ERROR, "B001", "syntax error")])
    validate(good)
    for broken in ({**good, "version": "2.0.0"},
                   {**good, "runs": [{**good["runs"][0], "results": [{**good["runs"][0]["results"][0],
                                                                        "level": "info"}]}]}):
        with pytest.raises(jsonschema.ValidationError):
            validate(broken)


def test_check_on_the_defects_project(runner, data, monkeypatch):
    monkeypatch.chdir(data / "defects")
    result = runner.invoke(cli, ["check", "--format", "sarif"])
    assert result.exit_code == 1  # the gate is the same whatever the format
    log = json.loads(result.stdout)
    validate(log)
    assert log["version"] == "2.1.0" and len(log["runs"]) == 1
    run = log["runs"][0]
    assert run["tool"]["driver"]["name"] == "bibkit"
    rules = run["tool"]["driver"]["rules"]
    assert len({r["id"] for r in rules}) == len(rules)
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
    # Written out by hand from tests/data/defects/references.bib (the entry at line 4 has no journal).
    b003 = [r for r in run["results"] if r["ruleId"] == "B003"]
    assert b003 == [{
        "ruleId": "B003", "ruleIndex": b003[0]["ruleIndex"], "level": "error",
        "message": {"text": "article nojournal2002 lacks required field journal or journaltitle"},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": "references.bib", "uriBaseId": "%SRCROOT%"},
                                            "region": {"startLine": 4, "startColumn": 1}}}],
        "properties": {"key": "nojournal2002"},
    }]
    assert next(r for r in rules if r["id"] == "B003")["shortDescription"]["text"] == "missing required field"
    # The duplicate entry is a warning; everything else an error.
    assert {r["ruleId"]: r["level"] for r in run["results"]}["B008"] == "warning"


def test_sarif_carries_every_diagnostic_that_json_does(runner, data, monkeypatch):
    monkeypatch.chdir(data / "defects")
    as_json = json.loads(runner.invoke(cli, ["check", "--format", "json"]).stdout)["diagnostics"]
    run = json.loads(runner.invoke(cli, ["check", "--format", "sarif"]).stdout)["runs"][0]
    levels = {"error": "error", "warning": "warning", "info": "note"}
    got = []
    for res in run["results"]:
        (loc,) = res["locations"]
        region = loc["physicalLocation"].get("region", {})
        got.append((uri_path(loc), region.get("startLine", 0), region.get("startColumn", 0), res["level"],
                    res["ruleId"], res["message"]["text"]))
    want = [(d["file"], d["line"], d["column"], levels[d["severity"]], d["code"], d["message"]) for d in as_json]
    assert got == want and len(want) == 11


def test_bundled_example_infos_are_notes(runner, root, monkeypatch):
    monkeypatch.chdir(root)
    result = runner.invoke(cli, ["check", "--format", "sarif", "--quiet"])  # --quiet does not thin SARIF
    assert result.exit_code == 0
    log = json.loads(result.stdout)
    validate(log)
    levels = [r["level"] for r in log["runs"][0]["results"]]
    assert levels and set(levels) == {"note"}
    assert log["runs"][0]["tool"]["driver"]["rules"][0]["defaultConfiguration"] == {"level": "note"}


def test_clean_project_has_an_empty_but_valid_run(project, runner):
    project(bib="@book{a2001, author = {A, B}, title = {T}, publisher = {P}, year = {2001}}\n")
    result = runner.invoke(cli, ["check", "--format", "sarif"])
    assert result.exit_code == 0
    log = json.loads(result.stdout)
    validate(log)
    assert log["runs"][0]["results"] == [] and log["runs"][0]["tool"]["driver"]["rules"] == []


def test_scan_sarif(runner, data, monkeypatch):
    monkeypatch.chdir(data / "scan")
    result = runner.invoke(cli, ["scan", "cites.md", "--bib", "refs.bib", "--format", "sarif"])
    assert result.exit_code == 1  # ghost2020 is missing: the default gate fails as with text output
    log = json.loads(result.stdout)
    validate(log)
    results = log["runs"][0]["results"]
    # cites.md line 19 cites @ghost2020, which refs.bib lacks; delta2004 (refs.bib line 22) is never cited.
    by_rule = {r["ruleId"]: r for r in results}
    assert by_rule["M001"]["level"] == "error"
    assert by_rule["M001"]["locations"][0]["physicalLocation"]["region"] == {"startLine": 19, "startColumn": 56}
    assert uri_path(by_rule["M001"]["locations"][0]) == "cites.md"
    assert by_rule["M004"]["level"] == "note" and by_rule["M004"]["properties"] == {"key": "delta2004"}
    assert by_rule["M004"]["locations"][0]["physicalLocation"]["region"]["startLine"] == 22


def test_paths_are_percent_encoded_uris_that_name_the_same_files(tmp_path, monkeypatch):
    weird = tmp_path / "my refs #1" / "Bücher%20.bib"
    weird.parent.mkdir()
    weird.write_text("", encoding="utf-8")
    outside = tmp_path / "elsewhere.bib"
    outside.write_text("", encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(tmp_path)
    diags = [Diagnostic(os.path.join("my refs #1", "Bücher%20.bib"), 2, 3, Severity.WARNING, "B004", "dup"),
             Diagnostic(str(outside), 1, 0, Severity.INFO, "C011", "no sources")]
    log = sarif_log(diags)
    validate(log)
    locs = [r["locations"][0] for r in log["runs"][0]["results"]]
    assert locs[0]["physicalLocation"]["artifactLocation"]["uri"] == "my%20refs%20%231/B%C3%BCcher%2520.bib"
    assert os.path.samefile(uri_path(locs[0]), weird)
    assert "uriBaseId" not in locs[1]["physicalLocation"]["artifactLocation"]
    assert os.path.samefile(uri_path(locs[1]), outside)
    assert locs[1]["physicalLocation"]["region"] == {"startLine": 1}  # unknown column left out
    # A path that climbs out of the current directory is made absolute too.
    monkeypatch.chdir(work)
    up = sarif_log([Diagnostic(os.path.join("..", "elsewhere.bib"), 1, 1, Severity.ERROR, "B001", "x")])
    validate(up)
    loc = up["runs"][0]["results"][0]["locations"][0]
    assert "uriBaseId" not in loc["physicalLocation"]["artifactLocation"]
    assert os.path.samefile(uri_path(loc), outside)


def test_unlocated_diagnostics_and_unknown_codes():
    diags = [Diagnostic("claims.yaml", 0, 0, Severity.ERROR, "C001", "not YAML"),
             Diagnostic("", 0, 0, Severity.WARNING, "V901", "something else")]
    log = json.loads(render_diagnostics("sarif", diags, {"V901": "quote changed"}))
    validate(log)
    first, second = log["runs"][0]["results"]
    assert "region" not in first["locations"][0]["physicalLocation"]
    assert "locations" not in second
    rule = log["runs"][0]["tool"]["driver"]["rules"][second["ruleIndex"]]
    assert rule == {"id": "V901", "name": "QuoteChanged", "shortDescription": {"text": "quote changed"},
                    "defaultConfiguration": {"level": "warning"}}


def test_messages_with_markup_and_control_characters_stay_valid_json(tmp_path):
    diags = [Diagnostic("a.bib", 1, 1, Severity.ERROR, "B001", 'bad "quote" <b>\\ \x00 \u2028 end')]
    text = render_diagnostics("sarif", diags)
    log = json.loads(text)
    validate(log)
    assert log["runs"][0]["results"][0]["message"]["text"] == 'bad "quote" <b>\\ \x00 \u2028 end'


def test_output_file(runner, data, monkeypatch, tmp_path):
    monkeypatch.chdir(data / "defects")
    out = tmp_path / "bibkit.sarif"
    result = runner.invoke(cli, ["check", "--format", "sarif", "-o", str(out)])
    assert result.exit_code == 1
    validate(json.loads(out.read_text(encoding="utf-8")))
    assert result.stdout == ""


def test_rules_take_the_worst_severity_names_from_the_description_and_the_semantic_version(monkeypatch):
    diags = [Diagnostic("a.bib", 1, 1, Severity.INFO, "X900", "i"), Diagnostic("a.bib", 2, 1, Severity.ERROR, "X900", "e"),
             Diagnostic("a.bib", 3, 1, Severity.WARNING, "X900", "w")]
    log = sarif_log(diags, {"X900": "GitHub-flavoured output of 3 kinds"})
    (rule,) = log["runs"][0]["tool"]["driver"]["rules"]
    assert rule["defaultConfiguration"] == {"level": "error"}  # the worst seen, written out by hand
    assert rule["name"] == "GitHubFlavouredOutputOf3Kinds"
    assert [r["level"] for r in log["runs"][0]["results"]] == ["note", "error", "warning"]
    import bibkit.reports.sarif as sarif

    for version in ("1.2.3-RC.1", "1.2.3-rc.1+build.5"):
        monkeypatch.setattr(sarif, "__version__", version)
        assert sarif.sarif_log(diags)["runs"][0]["tool"]["driver"]["semanticVersion"] == version
    monkeypatch.setattr(sarif, "__version__", "1.2")  # not a semantic version: left out, as the schema wants
    assert "semanticVersion" not in sarif.sarif_log(diags)["runs"][0]["tool"]["driver"]


def test_the_text_is_indented_utf8_and_folders_stay_slashes():
    text = render_diagnostics("sarif", [Diagnostic("dir/sub/é x.bib", 1, 1, Severity.ERROR, "B001", "café")])
    assert '\n  "version": "2.1.0",' in text and "café" in text  # two-space indent, no \\u escapes
    uri = json.loads(text)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "dir/sub/%C3%A9%20x.bib"


@pytest.mark.parametrize("first, second, want", [
    ("a", "b", [("warning", "claim a has no text", 3, 5), ("error", "'verified' in claim b must be true or false", 8, 35)]),
    ("b", "a", [("error", "'verified' in claim b must be true or false", 6, 35), ("warning", "claim a has no text", 7, 5)]),
])
def test_check_a_code_seen_as_a_warning_and_an_error_defaults_to_error(runner, tmp_path, monkeypatch, first, second,
                                                                        want):
    # C003 is a warning for a claim without text and an error for 'verified: maybe': both in one file,
    # in either order; the rule's default level is the worse one, each result keeps its own.
    claim = {"a": "  - id: a\n    sources: [smil1999]\n",
             "b": "  - id: b\n    text: B.\n    sources:\n      - {key: smil1999, verified: maybe}\n"}
    (tmp_path / "references.bib").write_text(
        "@book{smil1999, author = {Smil, Vaclav}, title = {Famine}, publisher = {BMJ}, year = {1999}}\n", encoding="utf-8")
    (tmp_path / "claims.yaml").write_text("version: 1\nclaims:\n" + claim[first] + claim[second], encoding="utf-8")
    (tmp_path / "bibkit.toml").write_text('bib = "references.bib"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["check", "--format", "sarif"])
    assert result.exit_code == 1
    log = json.loads(result.stdout)
    validate(log)
    (run,) = log["runs"]
    assert run["tool"]["driver"]["rules"] == [{"id": "C003", "name": "WrongType",
                                               "shortDescription": {"text": "wrong type"},
                                               "defaultConfiguration": {"level": "error"}}]
    got = [(r["ruleId"], r["ruleIndex"], r["level"], r["message"]["text"], r["locations"][0]["physicalLocation"])
           for r in run["results"]]
    assert got == [("C003", 0, level, message, {"artifactLocation": {"uri": "claims.yaml", "uriBaseId": "%SRCROOT%"},
                                                "region": {"startLine": line, "startColumn": column}})
                   for level, message, line, column in want]


def test_artifact_locations_inside_and_outside_the_current_directory():
    import os
    from pathlib import Path

    from bibkit.reports.sarif import artifact_location

    assert artifact_location("./a/../refs//x.bib") == {"uri": "refs/x.bib", "uriBaseId": "%SRCROOT%"}
    assert artifact_location("..notes/x:y z.bib") == {"uri": "..notes/x%3Ay%20z.bib", "uriBaseId": "%SRCROOT%"}
    assert artifact_location("..") == {"uri": Path(os.path.abspath("..")).as_uri()}
    assert artifact_location("../x.bib") == {"uri": Path(os.path.abspath("../x.bib")).as_uri()}


def test_a_file_outside_the_directory_is_an_absolute_file_uri_percent_encoded(tmp_path, monkeypatch):
    """RFC 8089 file URIs, written out by hand: a space, '#', '%' and non-ASCII are percent-encoded (UTF-8)."""
    from bibkit.reports.sarif import artifact_location

    assert artifact_location("/srv/my refs/#1 100%.bib") == {"uri": "file:///srv/my%20refs/%231%20100%25.bib"}
    assert artifact_location("/srv/Zotero/Smíl.bib") == {"uri": "file:///srv/Zotero/Sm%C3%ADl.bib"}
    work = tmp_path / "paper draft"
    work.mkdir()
    monkeypatch.chdir(work)
    parent = str(tmp_path).replace(" ", "%20")
    assert artifact_location("../x y.bib") == {"uri": f"file://{parent}/x%20y.bib"}


def test_rules_sorted_by_code_named_from_descriptions_which_override_the_registry(monkeypatch):
    from bibkit.reports import sarif

    diags = [Diagnostic("x.bib", 1, 1, Severity.WARNING, "B003", "m", key=""),
             Diagnostic("x.bib", 2, 0, Severity.ERROR, "ZZ9", "n"),
             Diagnostic("x.bib", 3, 0, Severity.INFO, "A000", "o")]
    log = sarif.sarif_log(diags, {"ZZ9": "-- --", "B003": "my own words"})
    run = log["runs"][0]
    assert [(r["id"], r["name"], r["shortDescription"]["text"]) for r in run["tool"]["driver"]["rules"]] == [
        ("A000", "A000", "A000"), ("B003", "MyOwnWords", "my own words"), ("ZZ9", "ZZ9", "-- --")]
    assert [r["ruleIndex"] for r in run["results"]] == [1, 2, 0]
    assert run["results"][0]["properties"] == {"key": ""} and "properties" not in run["results"][1]
    assert run["columnKind"] == "unicodeCodePoints"
    for version, semantic in [("1.2.3", "1.2.3"), ("1.2.3-rc.1+b5", "1.2.3-rc.1+b5"), ("1.2.3.dev4", None),
                              ("1.2", None), ("1.2.3x", None)]:
        monkeypatch.setattr(sarif, "__version__", version)
        driver = sarif.sarif_log(diags)["runs"][0]["tool"]["driver"]
        assert (driver["version"], driver.get("semanticVersion")) == (version, semantic)
