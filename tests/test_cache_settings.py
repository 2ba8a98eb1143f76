"""``BIBKIT_CACHE_MAX_MB`` is a number of megabytes from 0 to a million, or a one-line error (exit 2)."""

from __future__ import annotations

import pytest

from bibkit.cli import cli
from bibkit.infra.cache import max_bytes
from bibkit.infra.errors import BibkitError


@pytest.mark.parametrize("value,expected", [("1024", 1024 * 1024 * 1024), ("0", 0), ("0.5", 512 * 1024),
                                            (" 2 ", 2 * 1024 * 1024), ("1e3", 1000 * 1024 * 1024)])
def test_valid_sizes(monkeypatch, value, expected) -> None:
    monkeypatch.setenv("BIBKIT_CACHE_MAX_MB", value)
    assert max_bytes() == expected


def test_unset_or_empty_means_the_default(monkeypatch) -> None:
    monkeypatch.delenv("BIBKIT_CACHE_MAX_MB", raising=False)
    assert max_bytes() == 1024 * 1024 * 1024
    monkeypatch.setenv("BIBKIT_CACHE_MAX_MB", "")
    assert max_bytes() == 1024 * 1024 * 1024


@pytest.mark.parametrize("value", ["inf", "-inf", "Infinity", "nan", "-1", "-0.5", "1e400", "2000000", "lots", "1 GB"])
def test_invalid_sizes_are_errors(monkeypatch, value) -> None:
    monkeypatch.setenv("BIBKIT_CACHE_MAX_MB", value)
    with pytest.raises(BibkitError, match="BIBKIT_CACHE_MAX_MB=.*expected a number of megabytes from 0 to 1,000,000"):
        max_bytes()


@pytest.mark.parametrize("value", ["inf", "-5", "lots"])
def test_cli_reports_a_bad_size_in_one_line(project, runner, monkeypatch, tmp_path, value) -> None:
    project(bib="@misc{a, title = {A}}\n")
    monkeypatch.setenv("BIBKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("BIBKIT_NO_CACHE", raising=False)
    monkeypatch.setenv("BIBKIT_CACHE_MAX_MB", value)
    result = runner.invoke(cli, ["check"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"bibkit: error: BIBKIT_CACHE_MAX_MB={value!r}: expected a number of megabytes from 0 to 1,000,000"]
    # --no-cache does not read the setting
    assert runner.invoke(cli, ["check", "--no-cache"]).exit_code == 0
