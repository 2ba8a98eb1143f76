"""``bibkit init``: the templates are valid as written and stay valid once their examples are uncommented."""

from __future__ import annotations

import re

from bibkit.cli import cli
from bibkit.cli.init import BIB_TEMPLATE, CLAIMS_TEMPLATE


def test_templates_have_no_placeholder_url():
    assert not re.search(r"https?://", CLAIMS_TEMPLATE + BIB_TEMPLATE)


def test_new_project_checks_clean_before_and_after_uncommenting_the_examples(runner, project, tmp_path):
    project()
    assert runner.invoke(cli, ["init"]).exit_code == 0
    assert runner.invoke(cli, ["check", "--fail-on", "warning"]).exit_code == 0
    claims = (tmp_path / "claims.yaml").read_text(encoding="utf-8")
    example = claims.split("claims:\n", 1)[1]
    assert example.strip() and all(line.startswith("# ") for line in example.splitlines())
    (tmp_path / "claims.yaml").write_text(claims.split("claims:\n", 1)[0] + "claims:\n" + "".join(
        line[2:] + "\n" for line in example.splitlines()), encoding="utf-8")
    result = runner.invoke(cli, ["check", "--fail-on", "warning"])
    assert result.exit_code == 0, result.stdout
    assert result.stdout.splitlines()[-1] == "0 entries, 1 claims: 0 errors, 0 warnings, 1 info"
    cm = runner.invoke(cli, ["claim-map"])
    assert cm.exit_code == 0 and "first-claim" in cm.stdout and "UNSOURCED  1 claim" in cm.stdout
