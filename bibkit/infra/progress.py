"""Progress of long work as numbers: the library reports ``(done, total)``, the command line draws.

A library function that can take long (export, fmt, import, verify) takes ``progress: ProgressFn |
None`` and calls it as it goes (per entry, per file, per link or per batch). It knows nothing about
terminals: :class:`bibkit.cli.options.Progress` draws the bar, and passes ``None`` when it would
not draw, so work that nobody watches pays nothing but an ``is None`` test.
"""

from __future__ import annotations

from typing import Callable, Iterable, Sequence, TypeVar

#: ``progress(done, total)``: ``done`` of ``total`` steps are finished (``done`` never goes back).
ProgressFn = Callable[[int, int], None]

#: The steps of a whole piece of work split into stages by :func:`split`.
SCALE = 1000

T = TypeVar("T")


def split(progress: ProgressFn | None, *weights: float) -> list[ProgressFn | None]:
    """One callback per consecutive stage of a piece of work, each filling its share of ``progress``.

    Stage ``i`` covers ``weights[i] / sum(weights)`` of the whole; whatever ``(done, total)`` it
    reports is scaled into that share and passed on as ``(steps, SCALE)``. Stages may be split
    again (files of a run, then stages of a file). With ``progress`` None every stage is None.
    """
    if progress is None:
        return [None] * len(weights)
    whole = sum(weights)
    stages: list[ProgressFn | None] = []
    start = 0.0
    for weight in weights:
        stages.append(_stage(progress, start / whole if whole else 0.0, weight / whole if whole else 0.0))
        start += weight
    return stages


def _stage(progress: ProgressFn, offset: float, share: float) -> ProgressFn:
    """A callback reporting its own ``(done, total)`` as the part ``[offset, offset + share]`` of the whole."""

    def report(done: int, total: int) -> None:
        fraction = min(1.0, done / total) if total > 0 else 1.0
        progress(round(SCALE * (offset + share * fraction)), SCALE)

    return report


def track(items: Sequence[T], progress: ProgressFn | None) -> Iterable[T]:
    """The items, with ``progress(i, len(items))`` reported after the ``i``-th is dealt with.

    Without a callback the sequence itself comes back: no generator, no cost per item.
    """
    if progress is None:
        return items
    return _tracked(items, progress)


def _tracked(items: Sequence[T], progress: ProgressFn) -> Iterable[T]:
    total = len(items)
    for done, item in enumerate(items, start=1):
        yield item
        progress(done, total)


def batch_size(count: int, progress: ProgressFn | None, *, least: int, steps: int = 10) -> int:
    """How many of ``count`` items one run of a batched job (a pandoc run) should take.

    All of them when nobody watches (one run is fastest: each run has a fixed cost); else about
    ``count / steps``, so a bar moves ``steps`` times, but never fewer than ``least``.
    """
    if progress is None or count <= least:
        return max(count, 1)
    return max(least, -(-count // steps))


def batched(items: Sequence[T], size: int) -> list[Sequence[T]]:
    """``items`` cut into consecutive runs of ``size`` (the last may be shorter); [] for no items."""
    return [items[i:i + size] for i in range(0, len(items), max(size, 1))]
