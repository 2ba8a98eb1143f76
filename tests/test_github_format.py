"""``--format github`` (bibkit/reports/github.py): GitHub Actions workflow-command annotations.

The reference is GitHub's documented grammar, ``::<command> <k>=<v>,...::<message>``, read back here
by a parser written from the Actions runner's rules (``ActionCommand.TryParseV2``): the command ends
at the first ``::`` after the name, properties split at ``,`` and ``=``, and the escapes
``%0D %0A %3A %2C`` (properties) and ``%0D %0A`` (message) are undone before ``%25``.
"""

from __future__ import annotations

import json

from bibkit.cli import cli
from bibkit.infra.diagnostics import Diagnostic, Severity
from bibkit.reports.findings import render_diagnostics

COMMAND_OF = {"error": "error", "warning": "warning", "info": "notice"}


def _unescape_data(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def _unescape_property(text: str) -> str:
    return (text.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",")
            .replace("%25", "%"))


def parse(line: str) -> tuple[str, dict[str, str], str]:
    """One workflow command as the Actions runner reads it: (command, properties, message)."""
    assert line.startswith("::"), line
    end = line.index("::", 2)
    head, data = line[2:end], line[end + 2:]
    name, _, props = head.partition(" ")
    properties = {}
    for pair in filter(None, props.split(",")):
        key, sep, value = pair.partition("=")
        assert sep, f"property without '=': {pair!r} in {line!r}"
        properties[key] = _unescape_property(value)
    return name, properties, _unescape_data(data)


def test_escaping_written_out_by_hand():
    d = Diagnostic("dir,x/a:b.bib", 3, 2, Severity.ERROR, "B001", "50% done\r\nnext::x, y: z")
    assert render_diagnostics("github", [d]) == (
        "::error file=dir%2Cx/a%3Ab.bib,line=3,col=2,title=B001::50%25 done%0D%0Anext::x, y: z\n")


def test_hostile_messages_round_trip_and_cannot_forge_commands():
    nasty = ["%0A", "100%", "a\n::error file=x::forged", "key, with: colons", "%25%3A", "\r", "tab\tand ∞"]
    diags = [Diagnostic(f"f{i},{m}.bib" if i % 2 else "ok.bib", i + 1, i, Severity.WARNING, "B004", m)
             for i, m in enumerate(nasty)]
    out = render_diagnostics("github", diags)
    lines = out.splitlines()
    assert len(lines) == len(diags)  # no message breaks its line, so none can start a second command
    for d, line in zip(diags, lines):
        name, props, message = parse(line)
        assert name == "warning"
        assert message == d.message
        assert props["file"] == d.file
        assert props["title"] == "B004"
        assert props["line"] == str(d.line)
        assert ("col" in props) == (d.column > 0)


def test_check_annotations_match_the_json_diagnostics(runner, data, monkeypatch):
    monkeypatch.chdir(data / "defects")
    result = runner.invoke(cli, ["check", "--format", "github"])
    assert result.exit_code == 1
    as_json = json.loads(runner.invoke(cli, ["check", "--format", "json"]).stdout)["diagnostics"]
    lines = result.stdout.splitlines()
    assert len(lines) == len(as_json) == 11
    for d, line in zip(as_json, lines):
        name, props, message = parse(line)
        assert name == COMMAND_OF[d["severity"]]
        assert props["file"] == d["file"] and props["line"] == str(d["line"]) and props["title"] == d["code"]
        assert props.get("col") == (str(d["column"]) if d["column"] else None)
        assert message == d["message"]
    # Hand-checked against tests/data/defects/claims.yaml: the duplicate id is at line 6 (first at 3).
    assert lines[0] == "::error file=claims.yaml,line=6,title=C005::duplicate claim id fine (first at line 3)"


def test_quiet_leaves_notices_out(runner, root, monkeypatch):
    monkeypatch.chdir(root)
    loud = runner.invoke(cli, ["check", "--format", "github"]).stdout.splitlines()
    quiet = runner.invoke(cli, ["check", "--format", "github", "-q"]).stdout
    assert loud and all(parse(line)[0] == "notice" for line in loud)
    assert quiet == ""


def test_scan_annotations(runner, data, monkeypatch):
    monkeypatch.chdir(data / "scan")
    result = runner.invoke(cli, ["scan", "cites.md", "--bib", "refs.bib", "--format", "github"])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "::error file=cites.md,line=19,col=56,title=M001::cited key ghost2020 is not in the bibliography",
        "::notice file=refs.bib,line=22,col=1,title=M004::delta2004 is never cited",
    ]


def test_format_from_config(project, runner):
    project(bib="@book{a, title = {T}, publisher = {P}, year = {2001}}\n",
            bibkit__toml='[check]\nformat = "github"\n')
    result = runner.invoke(cli, ["check"])
    name, props, message = parse(result.stdout.splitlines()[0])
    assert name == "error" and props["title"] == "B003" and props["file"] == "references.bib"


def test_an_unlocated_diagnostic_has_no_line_or_col():
    d = Diagnostic("claims.yaml", 0, 0, Severity.ERROR, "C014", "document outside")
    assert render_diagnostics("github", [d]) == "::error file=claims.yaml,title=C014::document outside\n"
    d = Diagnostic("claims.yaml", 4, 0, Severity.WARNING, "C020", "stale")
    assert render_diagnostics("github", [d]) == "::warning file=claims.yaml,line=4,title=C020::stale\n"


def test_annotation_properties_exactly():
    from bibkit.reports.github import render

    diags = [
        Diagnostic("./refs//sub/../x.bib", 4, 2, Severity.ERROR, "B003", "m"),
        Diagnostic("", 0, 0, Severity.INFO, "C010", "no file"),
        Diagnostic("x.bib", 0, 7, Severity.WARNING, "B001", "column but no line"),
        Diagnostic("x.bib", 3, 0, Severity.WARNING, "B001", "line but no column"),
    ]
    assert render(diags) == (
        "::error file=refs/x.bib,line=4,col=2,title=B003::m\n"
        "::notice title=C010::no file\n"
        "::warning file=x.bib,title=B001::column but no line\n"
        "::warning file=x.bib,line=3,title=B001::line but no column\n"
    )
