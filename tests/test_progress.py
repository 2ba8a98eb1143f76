"""The progress bar: only on a terminal, only after a delay, cleared at the end."""

from __future__ import annotations

import io

from bibkit.bibtex import READ_PROGRESS, parse_text
from bibkit.cli.options import Progress
from bibkit.diagnostics import Diagnostics


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_nothing_is_drawn_when_not_a_terminal() -> None:
    stream = io.StringIO()
    bar = Progress("Reading", delay=0, stream=stream)
    bar.update(5, 10, "x.bib")
    bar.close()
    assert stream.getvalue() == "" and not bar.enabled


def test_quick_work_stays_quiet_on_a_terminal() -> None:
    stream = FakeTTY()
    bar = Progress("Reading", delay=60, stream=stream)
    bar.update(5, 10, "x.bib")
    bar.close()
    assert stream.getvalue() == ""


def test_slow_work_draws_a_bar_and_clears_it(monkeypatch) -> None:
    monkeypatch.delenv("BIBKIT_NO_PROGRESS", raising=False)
    stream = FakeTTY()
    with Progress("Reading", delay=0, stream=stream) as bar:
        token = READ_PROGRESS.set(bar.bibtex_hook)
        try:
            parse_text("@misc{a, title = {A}}\n" * 5000, "big.bib", Diagnostics())
        finally:
            READ_PROGRESS.reset(token)
    out = stream.getvalue()
    assert "Reading big.bib [" in out and "%" in out
    assert out.endswith("\r\x1b[K")  # the line is cleared for what comes next
