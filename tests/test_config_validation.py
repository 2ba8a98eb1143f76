"""Configuration never switches a gate off silently: every key of every command table is checked,
a gate over zero claims fails, and the options that tables mirror (select/ignore, orphans, uncited)."""

from __future__ import annotations

import json

import pytest

from bibkit.cli import cli

BIB = "@misc{a, author = {Ann Author}, title = {T}, year = {2001}}\n@misc{b, title = {U}}\n"
CLAIMS = "version: 1\nclaims:\n  - {id: x, text: One claim., sources: [a]}\n"


@pytest.mark.parametrize("typo", ["fail-under", "failunder", "fail_undr"])
def test_misspelt_gate_setting_is_an_error_naming_the_setting(runner, project, typo):
    project(bib=BIB, claims=CLAIMS, bibkit__toml=f"[claim-map]\n{typo} = 80\n")
    result = runner.invoke(cli, ["claim-map"])
    assert result.exit_code == 2
    assert result.stderr.strip() == (f"bibkit: error: bibkit.toml: unknown setting '{typo}' in [claim-map] "
                                     f"(did you mean fail_under?)")


@pytest.mark.parametrize("table,key", [("check", "fail-on"), ("scan", "fail-on"), ("reading-list", "styel"),
                                       ("fmt", "sort-entries")])
def test_every_command_table_is_checked_by_every_command(runner, project, table, key):
    project(bib=BIB, claims=CLAIMS, bibkit__toml=f'[{table}]\n{key} = "x"\n')
    result = runner.invoke(cli, ["check"])  # a typo in any table stops every command
    assert result.exit_code == 2
    assert f"unknown setting '{key}' in [{table}] (did you mean " in result.stderr


def test_command_table_must_be_a_table(runner, project):
    project(bib=BIB, bibkit__toml='check = "strict"\n')
    result = runner.invoke(cli, ["check"])
    assert result.exit_code == 2 and "'check' must be a table" in result.stderr


def test_pyproject_table_is_checked_too(runner, project):
    project(bib=BIB, claims=CLAIMS, pyproject__toml='[tool.bibkit.claim-map]\nfailunder = 80\n')
    result = runner.invoke(cli, ["claim-map"])
    assert result.exit_code == 2 and "pyproject.toml: unknown setting 'failunder'" in result.stderr


def test_config_gate_fails_at_zero_percent(runner, project):
    project(bib=BIB, claims="version: 1\nclaims:\n  - {id: x, text: One claim.}\n",
            bibkit__toml="[claim-map]\nfail_under = 80\n")
    result = runner.invoke(cli, ["claim-map"])
    assert result.exit_code == 1 and "Coverage failure: backed total of 0.0" in result.stderr


def test_gate_over_no_claims_fails(runner, project):
    project(bib=BIB, claims="version: 1\nclaims: []\n")
    result = runner.invoke(cli, ["claim-map", "--fail-under", "80", "--metric", "verified"])
    assert result.exit_code == 1
    assert "No claims to measure: the project has no claims" in result.stderr
    assert runner.invoke(cli, ["claim-map"]).exit_code == 0  # no gate, nothing to fail


def test_gate_over_a_filter_that_matches_nothing_fails(runner, project):
    project(bib=BIB, claims=CLAIMS)
    result = runner.invoke(cli, ["claim-map", "--fail-under", "10", "--tag", "no-such-tag"])
    assert result.exit_code == 1
    assert "No claims to measure: no claim matches the filters" in result.stderr


def test_check_select_and_ignore(runner, project):
    # b016 (error) and B017 (unknown type) and C011 (claim without sources, info)
    project(bib="@misc{a, title = {T}, crossref = {nowhere}}\n@weird{w, title = {W}}\n",
            claims="version: 1\nclaims:\n  - {id: x, text: One.}\n")
    codes = lambda args: [d["code"] for d in json.loads(  # noqa: E731
        runner.invoke(cli, ["check", "--format", "json", *args]).stdout)["diagnostics"]]
    everything = codes([])
    assert {"B016", "B017", "C011"} <= set(everything)
    assert set(codes(["--select", "B"])) == {c for c in everything if c.startswith("B")}
    assert "B016" not in codes(["--ignore", "B016"])
    assert codes(["--select", "C011,B016"]) == [c for c in everything if c in ("C011", "B016")]
    # the more specific prefix wins, as in ruff
    assert codes(["--select", "B016", "--ignore", "B"]) == ["B016"]
    assert "B016" not in codes(["--select", "B", "--ignore", "B01"])
    # the gate follows the selection: without B016 there is no error left
    assert runner.invoke(cli, ["check", "--ignore", "B016"]).exit_code == 0
    assert runner.invoke(cli, ["check"]).exit_code == 1


def test_check_table_select_ignore_and_prefixes(runner, project):
    project(bib="@misc{a, title = {T}, crossref = {nowhere}}\n@weird{w, title = {W}}\n",
            bibkit__toml='[check]\nignore = ["B01"]\nfail_on = "warning"\n')
    result = runner.invoke(cli, ["check", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert [d["code"] for d in json.loads(result.stdout)["diagnostics"]] == []
    # --select on the command line replaces the table's select, --ignore adds to its ignore
    project(bibkit__toml='[check]\nselect = ["B016"]\n')
    result = runner.invoke(cli, ["check", "--format", "json", "--select", "B017"])
    assert [d["code"] for d in json.loads(result.stdout)["diagnostics"]] == ["B017"]


@pytest.mark.parametrize("args,toml,message", [
    (["--select", "B9"], "", "--select: 'B9' is not a diagnostic code or prefix of one"),
    (["--ignore", "X001"], "", "--ignore: 'X001' is not a diagnostic code"),
    ([], '[check]\nignore = ["B0166"]\n', "bibkit.toml: [check] ignore: 'B0166' is not a diagnostic code or prefix "
                                         "of one (did you mean B016?)"),
    ([], '[check]\nignore = "B016"\n', "[check] ignore must be a list of codes"),
    ([], '[check]\nfail_on = "warnings"\n', "[check] fail_on must be one of error, warning, info, never"),
])
def test_bad_codes_are_usage_errors(runner, project, args, toml, message):
    project(bib=BIB, **({"bibkit__toml": toml} if toml else {}))
    result = runner.invoke(cli, ["check", *args])
    assert result.exit_code == 2 and message in result.stderr


def test_claim_map_orphans_option_and_setting(runner, project):
    project(bib=BIB, claims=CLAIMS)
    shown = runner.invoke(cli, ["claim-map"]).stdout
    assert "ORPHANS  1 source no claim links to" in shown and "\n  b  " in shown
    hidden = runner.invoke(cli, ["claim-map", "--no-orphans"]).stdout
    assert "ORPHANS" not in hidden and "\n  b  " not in hidden
    md = runner.invoke(cli, ["claim-map", "--no-orphans", "--format", "markdown"]).stdout
    assert "Orphan sources" not in md
    html = runner.invoke(cli, ["claim-map", "--no-orphans", "--format", "html"]).stdout
    assert 'id="orphans"' not in html and "#orphans" not in html
    project(bibkit__toml="[claim-map]\norphans = false\n")
    assert "ORPHANS" not in runner.invoke(cli, ["claim-map"]).stdout
    assert "ORPHANS" in runner.invoke(cli, ["claim-map", "--orphans"]).stdout
    project(bibkit__toml='[claim-map]\norphans = "no"\n')
    assert runner.invoke(cli, ["claim-map"]).exit_code == 2


def test_scan_no_uncited_and_quiet(runner, project):
    project(bib=BIB, article__md="As @a showed, it rained.\n\nMore than 90% of people agree.\n")
    full = runner.invoke(cli, ["scan", "article.md"]).stdout
    assert "uncited-key b is never cited" in full and "1 manuscript:" in full
    no_uncited = runner.invoke(cli, ["scan", "article.md", "--no-uncited"]).stdout
    assert "uncited-key" not in no_uncited and "1 manuscript:" in no_uncited
    quiet = runner.invoke(cli, ["scan", "article.md", "-q"]).stdout
    assert quiet.splitlines() == [line for line in full.splitlines() if "needs-citation" in line]
    assert quiet  # the flagged sentence is still reported
    project(bibkit__toml="[scan]\nuncited = false\n")
    assert "uncited-key" not in runner.invoke(cli, ["scan", "article.md"]).stdout


# -- every key of every table, every type rule and its edges (issue 24) ----------------------------------

from bibkit.config import Config, check_command_table, command_keys, find_config  # noqa: E402
from bibkit.infra.errors import BibkitError  # noqa: E402

TABLE_KEYS = {
    "check": ["fail_on", "format", "ignore", "select", "suggest"],
    "claim-map": ["fail_under", "format", "metric", "orphans", "style", "suggest"],
    "reading-list": ["format", "style"],
    "scan": ["fail_on", "format", "needs_citation_threshold", "uncited"],
    "verify": ["fail_on", "format", "suggest"],
    "lookup": ["concurrency", "crossref_url", "fail_on", "format", "mailto", "max_age", "openalex_url",
               "retractions", "retractions_url", "timeout"],
}


@pytest.mark.parametrize("table", sorted(TABLE_KEYS))
def test_each_command_table_accepts_exactly_its_keys(table):
    assert command_keys(table) == TABLE_KEYS[table]
    assert {"indent", "align", "sort_fields", "order"} <= set(command_keys("fmt"))


GOOD = {"format": "json", "style": "apa", "metric": "verified", "fail_on": "error", "orphans": False,
        "uncited": True, "suggest": 3, "needs_citation_threshold": 0.9, "select": ["B0"], "ignore": [],
        "fail_under": 80, "concurrency": 4, "crossref_url": "u", "openalex_url": "u", "mailto": "m",
        "retractions": True, "timeout": 5, "max_age": 30, "retractions_url": "u"}


@pytest.mark.parametrize("table, key", [(t, k) for t, keys in sorted(TABLE_KEYS.items()) for k in keys])
def test_every_key_of_every_table_takes_a_good_value(table, key):
    value = True if (table, key) == ("check", "suggest") else GOOD[key]
    check_command_table(table, {key: value}, "bibkit.toml")


@pytest.mark.parametrize("table, key, value, message", [
    ("check", "format", 1, "[check] format must be text"),
    ("claim-map", "style", ["apa"], "[claim-map] style must be text"),
    ("claim-map", "metric", 1, "[claim-map] metric must be text"),
    ("verify", "fail_on", True, "[verify] fail_on must be text"),
    ("claim-map", "orphans", 1, "[claim-map] orphans must be true or false"),
    ("scan", "uncited", "yes", "[scan] uncited must be true or false"),
    ("check", "suggest", 3, "[check] suggest must be true or false"),
    ("verify", "suggest", 21, "[verify] suggest must be a whole number from 0 to 20"),
    ("claim-map", "suggest", -1, "[claim-map] suggest must be a whole number from 0 to 20"),
    ("verify", "suggest", "3", "[verify] suggest must be a whole number from 0 to 20"),
    ("scan", "needs_citation_threshold", 0, "[scan] needs_citation_threshold must be a number between 0 and 1"),
    ("scan", "needs_citation_threshold", 1, "[scan] needs_citation_threshold must be a number between 0 and 1"),
    ("scan", "needs_citation_threshold", 1.0, "[scan] needs_citation_threshold must be a number between 0 and 1"),
    ("scan", "needs_citation_threshold", True, "[scan] needs_citation_threshold must be a number between 0 and 1"),
    ("scan", "needs_citation_threshold", "0.5", "[scan] needs_citation_threshold must be a number between 0 and 1"),
    ("check", "select", "B0", "[check] select must be a list of codes"),
    ("check", "ignore", "B0", "[check] ignore must be a list of codes"),
    ("check", "ignore", [1], "[check] ignore must be a list of codes"),
    ("check", "select", ["B0", 2], "[check] select must be a list of codes"),
])
def test_every_type_rule_of_the_command_tables(table, key, value, message):
    with pytest.raises(BibkitError) as exc:
        check_command_table(table, {key: value}, "bibkit.toml")
    assert str(exc.value).startswith(f"bibkit.toml: {message}")


@pytest.mark.parametrize("table, key, value", [
    ("verify", "suggest", 0), ("verify", "suggest", 20), ("claim-map", "suggest", False), ("check", "suggest", False),
    ("scan", "needs_citation_threshold", 0.001), ("scan", "needs_citation_threshold", 0.999),
])
def test_the_edges_each_type_rule_accepts(table, key, value):
    check_command_table(table, {key: value}, "bibkit.toml")


def _config(tmp_path, monkeypatch, text: str) -> Config:
    (tmp_path / "bibkit.toml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return find_config()


def test_every_top_level_setting_is_read_into_its_field(tmp_path, monkeypatch):
    cfg = _config(tmp_path, monkeypatch, 'bib = ["a.bib", "b.bib"]\nclaims = "c.yaml"\nmanuscript = "m.md"\n'
                  'style = "apa"\nformat = "json"\nfulltext = "pdfs"\nallow_outside = "/srv/pdfs"\n'
                  'key_pattern = "[auth][year]"\n[fmt]\nindent = 4\n[scan]\nneeds_citation_threshold = 0.8\n')
    assert (cfg.root, cfg.path, cfg.bib, cfg.claims, cfg.manuscript, cfg.style, cfg.format, cfg.fulltext,
            cfg.allow_outside) == (".", "bibkit.toml", ["a.bib", "b.bib"], "c.yaml", ["m.md"], "apa", "json", "pdfs",
                                   ["/srv/pdfs"])
    assert cfg.extra == {"key_pattern": "[auth][year]", "fmt": {"indent": 4}, "scan": {"needs_citation_threshold": 0.8}}
    assert cfg.section("fmt") == {"indent": 4} and cfg.section("check") == {}
    assert cfg.needs_citation_threshold == 0.8


def test_the_defaults_without_a_setting(tmp_path, monkeypatch):
    cfg = _config(tmp_path, monkeypatch, "")
    assert (cfg.root, cfg.path, cfg.bib, cfg.claims, cfg.manuscript, cfg.style, cfg.format, cfg.fulltext,
            cfg.allow_outside, cfg.extra, cfg.needs_citation_threshold) == (
        ".", "bibkit.toml", ["references.bib"], "claims.yaml", [], None, None, "sources", [], {}, None)
    assert Config(extra={"key_pattern": "x"}).section("key_pattern") == {}  # not a table


@pytest.mark.parametrize("text, message", [
    ("bib = 1\n", "'bib' must be a path or a list of paths"),
    ('bib = ["a.bib", 2]\n', "'bib' must be a path or a list of paths"),
    ('manuscript = [1]\n', "'manuscript' must be a path or a list of paths"),
    ('allow_outside = [1]\n', "'allow_outside' must be a path or a list of paths"),
    ("claims = 1\n", "'claims' must be a path"),
    ("claims = [\"a.yaml\"]\n", "'claims' must be a path"),
    ('fulltext = ""\n', "'fulltext' must be a folder path"),
    ('fulltext = "  "\n', "'fulltext' must be a folder path"),
    ("fulltext = 1\n", "'fulltext' must be a folder path"),
    ("style = 1\n", "'style' must be text"),
    ("format = true\n", "'format' must be text"),
    ('verify = "strict"\n', "'verify' must be a table ([verify])"),
    ('[verify]\nfail-on = "close"\n', "unknown setting 'fail-on' in [verify] (did you mean fail_on?)"),
    ('allow-outside = ["/x"]\n', "unknown setting 'allow-outside' (did you mean allow_outside?)"),
    ('bibb = "x.bib"\n', "unknown setting 'bibb' (did you mean bib?)"),
    ('zzz = 1\n', "unknown setting 'zzz' (known: bib, claims, manuscript, style, format, fulltext, allow_outside, "
                  "key_pattern, check, claim-map, fmt, lookup, reading-list, scan, verify)"),
])
def test_every_bad_top_level_setting_is_an_error(tmp_path, monkeypatch, text, message):
    with pytest.raises(BibkitError) as exc:
        _config(tmp_path, monkeypatch, text)
    assert str(exc.value) == f"bibkit.toml: {message}"
