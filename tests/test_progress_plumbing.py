"""The library's progress callbacks (bibkit.infra.progress): stages, tracking, and the reader's bridge."""

from __future__ import annotations

from bibkit.bib.bibtex import parse_text, reporting_reads
from bibkit.bib.reader import READ_PROGRESS
from bibkit.infra.diagnostics import Diagnostics
from bibkit.infra.progress import SCALE, split, track


class Calls(list):
    """A progress callback that records its calls."""

    def __call__(self, done: int, total: int) -> None:
        self.append((done, total))


def test_split_fills_each_stage_share_in_turn() -> None:
    calls = Calls()
    first, second = split(calls, 1, 3)
    first(1, 2)
    first(2, 2)
    second(1, 3)
    second(3, 3)
    assert calls == [(125, SCALE), (250, SCALE), (500, SCALE), (SCALE, SCALE)]


def test_split_stages_start_where_the_ones_before_end() -> None:
    calls = Calls()
    *_, last = split(calls, 1, 2, 1)
    last(0, 1)
    assert calls == [(750, SCALE)]


def test_split_stages_nest_and_never_pass_the_whole() -> None:
    calls = Calls()
    (whole,) = split(calls, 1)
    file_a, file_b = split(whole, 1, 1)
    parse, fmt = split(file_b, 1, 1)
    file_a(7, 7)
    parse(5, 10)
    fmt(99, 10)  # more than the total is the whole stage, not more
    assert calls == [(500, SCALE), (625, SCALE), (SCALE, SCALE)]


def test_split_without_a_callback_gives_none_per_stage() -> None:
    assert split(None, 1, 2, 3) == [None, None, None]


def test_split_with_zero_weights_and_zero_totals_does_not_divide_by_zero() -> None:
    calls = Calls()
    (stage,) = split(calls, 0)
    stage(0, 0)
    assert calls == [(0, SCALE)]
    (empty_total,) = split(calls, 1)
    empty_total(0, 0)
    assert calls[-1] == (SCALE, SCALE)


def test_track_reports_after_each_item() -> None:
    calls = Calls()
    seen = []
    for item in track(["a", "b", "c"], calls):
        seen.append((item, len(calls)))  # the item's own report comes after it was dealt with
    assert seen == [("a", 0), ("b", 1), ("c", 2)]
    assert calls == [(1, 3), (2, 3), (3, 3)]


def test_track_without_a_callback_is_the_sequence_itself() -> None:
    items = [1, 2]
    assert track(items, None) is items


def test_reporting_reads_bridges_the_reader_hook() -> None:
    calls = Calls()
    text = "@misc{a, title = {A}}\n" * 5000
    with reporting_reads(calls):
        parse_text(text, "big.bib", Diagnostics())
    assert calls and calls[0] == (0, len(text))
    assert all(total == len(text) for _, total in calls)
    assert READ_PROGRESS.get() is None  # put back afterwards


def test_reporting_reads_without_a_callback_leaves_the_hook_alone() -> None:
    def hook(path: str, done: int, total: int) -> None:
        pass

    token = READ_PROGRESS.set(hook)
    try:
        with reporting_reads(None):
            assert READ_PROGRESS.get() is hook
    finally:
        READ_PROGRESS.reset(token)


def test_batch_size_is_everything_when_nobody_watches() -> None:
    from bibkit.infra.progress import batch_size

    assert batch_size(5000, None, least=500) == 5000
    assert batch_size(0, None, least=500) == 1
    assert batch_size(5000, Calls(), least=500) == 500
    assert batch_size(50000, Calls(), least=500, steps=10) == 5000
    assert batch_size(1200, Calls(), least=500) == 500
    assert batch_size(400, Calls(), least=500) == 400


def test_batched_cuts_in_order() -> None:
    from bibkit.infra.progress import batched

    assert batched([1, 2, 3, 4, 5], 2) == [[1, 2], [3, 4], [5]]
    assert batched([], 3) == []


def test_the_reader_reports_all_along_a_file_with_text_between_entries() -> None:
    """Entries and the blank lines between them are two blocks each: the reader must still report as it goes."""
    calls = Calls()
    text = "@misc{a, title = {A}}\n\n" * 10000
    with reporting_reads(calls):
        parse_text(text, "big.bib", Diagnostics())
    done = [d for d, _ in calls]
    assert len(done) >= 8 and done == sorted(done) and done[-1] > len(text) * 0.8
