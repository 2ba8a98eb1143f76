"""The progress bar: only on a terminal, only after a delay, cleared at the end."""

from __future__ import annotations

import io

from bibkit.bib.bibtex import parse_text
from bibkit.bib.reader import READ_PROGRESS
from bibkit.cli.options import Progress
from bibkit.infra.diagnostics import Diagnostics


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


def test_empty_label_leaves_no_double_space(monkeypatch) -> None:
    monkeypatch.delenv("BIBKIT_NO_PROGRESS", raising=False)
    stream = FakeTTY()
    Progress("Exporting", delay=0, stream=stream).update(1, 4)
    assert stream.getvalue() == "\rExporting [#######-----------------------]  25%\x1b[K"


def test_callback_is_none_when_nothing_would_be_drawn(monkeypatch) -> None:
    monkeypatch.delenv("BIBKIT_NO_PROGRESS", raising=False)
    assert Progress("x", stream=io.StringIO()).callback is None
    tty = Progress("x", stream=FakeTTY())
    assert tty.callback == tty.update
    monkeypatch.setenv("BIBKIT_NO_PROGRESS", "1")
    assert Progress("x", stream=FakeTTY()).callback is None


def test_delay_comes_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("BIBKIT_PROGRESS_DELAY", "0")
    assert Progress("x").delay == 0
    monkeypatch.setenv("BIBKIT_PROGRESS_DELAY", "soon")
    assert Progress("x").delay == 1.0
    monkeypatch.delenv("BIBKIT_PROGRESS_DELAY")
    assert Progress("x").delay == 1.0
    assert Progress("x", delay=5).delay == 5


def test_a_cleared_bar_draws_again(monkeypatch) -> None:
    monkeypatch.delenv("BIBKIT_NO_PROGRESS", raising=False)
    stream = FakeTTY()
    bar = Progress("Formatting", delay=0, stream=stream)
    bar.update(1, 2)
    bar.close()
    bar.last = 0.0  # as if a tenth of a second had passed
    bar.update(2, 2)
    assert stream.getvalue().count("Formatting [") == 2 and stream.getvalue().endswith("100%\x1b[K")


class InterruptedTTY(FakeTTY):
    """A terminal on which Ctrl-C lands while the bar is being written."""

    def flush(self) -> None:
        if self.getvalue().endswith("%\x1b[K"):
            raise KeyboardInterrupt


def test_ctrl_c_while_drawing_still_clears_the_line(monkeypatch) -> None:
    monkeypatch.delenv("BIBKIT_NO_PROGRESS", raising=False)
    stream = InterruptedTTY()
    try:
        with Progress("Exporting", delay=0, stream=stream) as bar:
            bar.update(1, 2)
    except KeyboardInterrupt:
        pass
    assert stream.getvalue().endswith("%\x1b[K\r\x1b[K")
