"""Key patterns are checked before use: three field names, small widths, no attribute access."""

from __future__ import annotations

import pytest

from bibkit.bib.keypattern import MAX_WIDTH, KeyPatternError, check_key_pattern
from bibkit.cli import cli


@pytest.mark.parametrize("pattern", ["{author}{year}{title}", "{author}-{year}", "{title:.8}{year}",
                                     "{author:_<10}{year}", "{author!s}{year}", f"{{author:{MAX_WIDTH}}}"])
def test_usable_patterns(pattern: str) -> None:
    assert check_key_pattern(pattern) == pattern
    pattern.format(author="smith", year="2000", title="book")  # and Python agrees they work


@pytest.mark.parametrize("pattern,why", [
    ("{author:>99999999999}", "width 99,999,999,999 of {author} is more than 64"),
    ("{title:.99999999999}", "precision 99,999,999,999 of {title} is more than 64"),
    (f"{{author:{MAX_WIDTH + 1}}}", f"width {MAX_WIDTH + 1} of {{author}} is more than 64"),
    ("{author.__class__}", "may only use {author}, {year} and {title}"),
    ("{author[0]}", "may only use"),
    ("{0}", "may only use"),
    ("{author:{year}}", "format spec '{year}' of {author} is not"),
    ("{author!r}", "conversion !r is not allowed"),
    ("{author", "is not a valid format string"),
    ("plain", "has no {author}, {year} or {title}"),
    (42, "must be text, not int"),
])
def test_unusable_patterns(pattern, why) -> None:
    with pytest.raises(KeyPatternError) as err:
        check_key_pattern(pattern)
    assert why in str(err.value)
    assert "\n" not in str(err.value)


def test_huge_width_in_the_config_is_one_line_exit_2(project, runner) -> None:
    path = project(bib="", bibkit__toml='key_pattern = "{author:>99999999999}"\n',
                   new__bib="@book{x, author = {Smith, Ann}, title = {A Book}, year = {2000}}\n")
    result = runner.invoke(cli, ["import", "new.bib"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "bibkit: error: bibkit.toml: key pattern '{author:>99999999999}': width 99,999,999,999 of {author} "
        "is more than 64"]
    assert (path / "references.bib").read_text() == ""


def test_huge_width_on_the_command_line_is_a_usage_error(project, runner) -> None:
    project(bib="", new__bib="@book{x, author = {Smith, Ann}, title = {A Book}, year = {2000}}\n")
    result = runner.invoke(cli, ["import", "new.bib", "--key-pattern", "{author:>99999999999}"])
    assert result.exit_code == 2
    assert "--key-pattern" in result.stderr and "is more than 64" in result.stderr
    assert "Traceback" not in result.stderr
