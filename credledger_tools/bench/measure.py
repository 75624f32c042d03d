"""Measuring: a write rate, repeated timings (interleaved), the best of a few runs, percentiles.

Wall-clock time (`time.perf_counter`) in the benchmark's own process; no
imports of ours.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")


def rate(events: int, batch: int, write: Callable[[int], Any]) -> float:
    """Events per second of `write(n)` called in batches of `batch` until `events` are written."""
    done = 0
    started = time.perf_counter()
    while done < events:
        n = min(batch, events - done)
        write(n)
        done += n
    return events / (time.perf_counter() - started)


def samples(work: Callable[[], Any], runs: int) -> list[float]:
    """The seconds each of `runs` calls of `work` took, sorted."""
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return sorted(timings)


def best_of(work: Callable[[], T], repeat: int) -> tuple[float, T]:
    """The fastest of `repeat` calls of `work` (seconds), and what the last one returned."""
    if repeat < 1:
        raise ValueError("repeat at least once")
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        timings.append(time.perf_counter() - started)
    return min(timings), result


def percentile_ms(timings: Sequence[float], fraction: float, digits: int) -> float:
    """The `fraction` percentile (0.5: the median) of sorted timings in seconds, as milliseconds."""
    return round(timings[int(len(timings) * fraction)] * 1e3, digits)


def interleaved(work: dict[str, Callable[[], Any]], runs: int) -> dict[str, list[float]]:
    """Sorted timings (seconds) of `runs` calls of each piece of work, taken in turn, one call of each
    per round, so that drift in the machine's speed (another process, a frequency change) falls on
    all of them alike; one warm-up call each first."""
    for call in work.values():
        call()
    timings: dict[str, list[float]] = {name: [] for name in work}
    for _ in range(runs):
        for name, call in work.items():
            timings[name] += samples(call, 1)
    return {name: sorted(t) for name, t in timings.items()}
