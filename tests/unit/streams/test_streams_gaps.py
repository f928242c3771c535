from __future__ import annotations

from streams.gaps import GapWatchdog, hop_progress


def test_a_head_gap_must_persist_before_a_seek():
    w = GapWatchdog(stall_ms=3_000)
    assert w.stuck("tp", committed=7, acked=[8, 9], now=100.0) is None
    assert w.stuck("tp", committed=7, acked=[8, 9, 10], now=102.0) is None
    assert w.stuck("tp", committed=7, acked=[8, 9, 10], now=103.5) == 7
    # After a seek the clock starts again.
    assert w.stuck("tp", committed=7, acked=[8], now=104.0) is None


def test_no_gap_or_progress_resets_the_clock():
    w = GapWatchdog(stall_ms=1_000)
    assert w.stuck("tp", committed=7, acked=[7, 8], now=0.0) is None
    assert w.stuck("tp", committed=7, acked=[], now=5.0) is None
    assert w.stuck("tp", committed=None, acked=[9], now=6.0) is None
    assert w.stuck("tp", committed=7, acked=[9], now=7.0) is None
    assert w.stuck("tp", committed=9, acked=[11], now=7.9) is None  # committed moved: new gap, new clock
    assert w.stuck("tp", committed=9, acked=[11], now=8.5) is None
    assert w.stuck("tp", committed=9, acked=[11], now=9.0) == 9


def test_deadlines_come_due_in_order_and_cancelled_ones_never():
    from streams.agents.assemble import Deadlines

    d = Deadlines()
    d.schedule("b", 200)
    d.schedule("a", 100)
    d.schedule("a", 50)  # already scheduled: the first deadline stands
    d.schedule("c", 300)
    d.cancel("c")
    assert d.due(150) == ["a"]
    assert d.due(1_000) == ["b"]
    d.schedule("c", 400)  # a cancelled alert can be scheduled again
    assert d.due(1_000) == ["c"]


def test_a_partition_with_pending_messages_and_no_progress_is_stalled():
    from streams.gaps import StallDetector

    d = StallDetector(stall_ms=10_000)
    assert not d.stalled("tp", progress=5, highwater=9, now=0.0)
    assert not d.stalled("tp", progress=5, highwater=12, now=9.0)  # not long enough yet
    assert d.stalled("tp", progress=5, highwater=12, now=10.5)
    # After a repair the clock starts again.
    assert not d.stalled("tp", progress=5, highwater=12, now=11.0)


def test_progress_or_nothing_pending_is_not_a_stall():
    from streams.gaps import StallDetector

    d = StallDetector(stall_ms=1_000)
    assert not d.stalled("tp", progress=5, highwater=9, now=0.0)
    assert not d.stalled("tp", progress=7, highwater=9, now=5.0)  # moved: new clock
    assert not d.stalled("tp", progress=9, highwater=9, now=10.0)  # caught up
    assert not d.stalled("tp", progress=None, highwater=9, now=20.0)
    assert not d.stalled("tp", progress=9, highwater=None, now=30.0)
    d.stalled("tp", progress=9, highwater=11, now=40.0)
    d.reset()  # a rebalance: nothing carries over
    assert not d.stalled("tp", progress=9, highwater=11, now=45.0)


class _Consumer:
    """What streams.gaps.progress_of reads of the engine's consumer."""

    def __init__(self, *, acked: dict[str, list[int]], heads: dict[str, int | None]) -> None:
        self._acked = acked
        self._heads = heads

    def head_offset(self, tp: str) -> int | None:
        return self._heads.get(tp)


def test_hop_progress_tells_a_partition_not_read_yet_from_one_not_assigned() -> None:
    consumer = _Consumer(acked={"paths-0": [5, 6, 7]}, heads={"paths-0": 5, "paths-2": None})
    assigned = {"paths-0", "paths-2"}
    assert hop_progress(consumer, "paths-0", assigned=assigned) == 8
    # Taken over a moment ago: nothing acked, its committed offset not read yet.
    assert hop_progress(consumer, "paths-2", assigned=assigned) == -1
    assert hop_progress(consumer, "paths-3", assigned=assigned) is None
