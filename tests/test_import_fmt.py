"""A fresh import passes ``bibkit fmt --check``: import lays out what it writes with fmt's own formatter
and field order (and the project's ``[fmt]`` options), for every input format, and after a merge."""

from __future__ import annotations

import shutil

import pytest

from bibkit.cli import cli

SEED = "% my sources\n\n@book{knuth1984,\n  author    = {Knuth, Donald E.},\n  title     = {Literate Programming},\n" \
       "  year      = {1984},\n  publisher = {CSLI},\n}\n"


# fields out of order, quotes, a number, a month number, a one-dash page range, a macro, runs of spaces
OTHER_BIB = """@string{jpe = "Journal of Political Economy"}
@ARTICLE{lin1990,
  pages = "1228-1252", year = 1990, journal = jpe, month = 12, keywords = {famine},
  title = {Collectivization and China's   Crisis}, author = "Lin, Justin Yifu", doi = {10.1086/261771}
}
"""


@pytest.mark.parametrize("name", ["zotero.ris", "pandoc.json", "pandoc.yaml", "other.bib"])
@pytest.mark.parametrize("layout", ["", "[fmt]\nindent = 4\nalign = false\norder = [\"doi\", \"title\"]\n"])
def test_fresh_import_passes_fmt_check(project, runner, data, name, layout):
    root = project(bib=SEED, **{"bibkit.toml": layout})
    if name == "other.bib":
        (root / name).write_text(OTHER_BIB, encoding="utf-8")
    else:
        shutil.copy(data / "io" / name, root / name)
    assert runner.invoke(cli, ["fmt"]).exit_code == 0  # the project's file, formatted with its own [fmt]
    result = runner.invoke(cli, ["import", name])
    assert result.exit_code == 0, result.output
    text = (root / "references.bib").read_text(encoding="utf-8")
    assert text.count("@") > SEED.count("@")
    check = runner.invoke(cli, ["fmt", "--check"])
    assert check.exit_code == 0, check.stdout + check.stderr
    if layout:
        assert "\n    doi = {" in text or "doi" not in text.split("@", 2)[2]


def test_merged_entry_passes_fmt_check(project, runner):
    root = project(bib=SEED, **{"more.ris": "TY  - BOOK\nAU  - Knuth, Donald E.\nTI  - Literate Programming\n"
                                            "PY  - 1984\nPB  - CSLI\nDO  - 10.1000/lp\nCY  - Stanford\nVL  - 3\n"
                                            "ER  - \n"})
    result = runner.invoke(cli, ["import", "more.ris", "--merge"])
    assert result.exit_code == 0, result.output
    text = (root / "references.bib").read_text(encoding="utf-8")
    assert "  year      = {1984},\n  volume    = {3},\n  publisher = {CSLI},\n  address   = {Stanford},\n" in text
    assert "doi       = {10.1000/lp}" in text
    check = runner.invoke(cli, ["fmt", "--check"])
    assert check.exit_code == 0, check.stdout + check.stderr
