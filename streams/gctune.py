"""Garbage-collector settings of a worker, and the pauses it causes.

A worker keeps its tables in memory: every finding, every recent alert and
every enriched alert is a tree of dicts. CPython's default generation-0
threshold (700 allocations) starts a collection every few alerts, and the
older generations then walk those trees again and again although they never
hold a reference cycle the engine cares about. In ``bench/stream.py`` at
1,000 alerts/s this was about 15 % of the worker's CPU (4.5 s of 28.6 s),
and raising the threshold to 50,000 gave about a fifth more throughput (see
docs/streams.md, "Tuning"). The collector stays on, so a real cycle is still
freed, only later.
"""

from __future__ import annotations

import gc
import time
from typing import Any

from prometheus_client import Histogram

__all__ = ["GC_PAUSE", "configure_gc"]

GC_PAUSE = Histogram(
    "hefesto_stream_gc_pause_seconds",
    "Pauses of the cyclic garbage collector, by generation",
    ["generation"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)


class _PauseTimer:
    """A ``gc.callbacks`` entry that times each collection."""

    def __init__(self) -> None:
        self._started = 0.0
        self._children = {g: GC_PAUSE.labels(str(g)) for g in range(3)}

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self._children[int(info["generation"])].observe(time.perf_counter() - self._started)


def configure_gc(*, gen0_threshold: int | None) -> None:
    """Set generation 0's threshold (``None`` keeps CPython's) and time
    every collection into :data:`GC_PAUSE`. Safe to call more than once."""
    if gen0_threshold is not None:
        _, gen1, gen2 = gc.get_threshold()
        gc.set_threshold(gen0_threshold, gen1, gen2)
    if not any(isinstance(cb, _PauseTimer) for cb in gc.callbacks):
        gc.callbacks.append(_PauseTimer())
