from __future__ import annotations

import pytest

from streams.backlog import HopBacklog

OURS, THEIRS = b"ours", b"theirs"


class Rebalances:
    count = 0


class Offsets:
    """How far each hop partition is processed; absent = not assigned here."""

    def __init__(self) -> None:
        self.done: dict[str, int] = {}

    def __call__(self, tp: object) -> int | None:
        return self.done.get(str(tp))


@pytest.fixture
def rebalances() -> Rebalances:
    return Rebalances()


@pytest.fixture
def offsets() -> Offsets:
    return Offsets()


@pytest.fixture
def hops(rebalances) -> HopBacklog:
    """Past its barrier: nothing was left in its hop partitions."""
    hops = HopBacklog(owns=lambda key: key == OURS, epoch=lambda: rebalances.count, max_wait_ms=10_000)
    hops.set_barrier({}, epoch=hops.epoch)
    return hops


def release(hops: HopBacklog, due: list[str], now_ms: int, offsets: Offsets | None = None):
    return hops.release(due, now_ms=now_ms, progress=offsets or Offsets())


def everything(released) -> list[str]:
    return [*released.at_deadline, *released.after_backlog, *released.at_cap]


def test_with_no_probe_in_flight_here_a_timeout_goes_at_its_deadline(hops):
    hops.sent("a", THEIRS, slot="probes/0")  # another worker's partition: not waited for
    released = release(hops, ["a", "b"], 1_000)
    assert released.at_deadline == ["a", "b"]
    assert everything(released) == ["a", "b"]
    assert hops.held == 0


def test_a_timeout_waits_for_the_last_probe_read_here(hops):
    hops.sent("a", OURS, slot="paths/0")  # the fan-out, an unmapped frame
    hops.sent("a", OURS, slot="probes/1")  # and a mapped one
    assert everything(release(hops, ["a"], 1_000)) == []
    assert hops.held == 1
    hops.sent("a", OURS, slot="probes/0")  # the resolve agent forwards frame 0 ...
    hops.read("a", slot="paths/0")  # ... and is done with it
    hops.read("a", slot="probes/1")
    assert everything(release(hops, [], 1_100)) == []
    hops.read("a", slot="probes/0")
    released = release(hops, [], 1_200)
    assert released.after_backlog == ["a"]
    assert not released.at_deadline
    assert not released.at_cap
    assert hops.held == 0
    assert hops.in_flight == 0


def test_a_probe_left_by_an_earlier_owner_cancels_nothing(hops):
    # Read here without having been sent here (sent before a crash): its
    # forwarded probe is still counted.
    hops.sent("a", OURS, slot="probes/0")
    hops.read("a", slot="paths/0")
    assert hops.in_flight == 1
    hops.read("a", slot="probes/0")
    hops.read("a", slot="probes/0")  # a replayed probe read twice: no count below zero
    assert hops.in_flight == 0
    assert release(hops, ["a"], 0).at_deadline == ["a"]


def test_a_probe_never_read_is_given_up_at_the_cap(hops):
    hops.sent("a", OURS, slot="probes/0")
    hops.sent("b", OURS, slot="probes/0")
    release(hops, ["a"], 0)
    release(hops, ["b"], 5_000)
    assert everything(release(hops, [], 9_999)) == []
    released = release(hops, [], 10_000)
    assert released.at_cap == ["a"]
    assert hops.held == 1
    assert release(hops, [], 15_000).at_cap == ["b"]


def test_after_a_rebalance_every_deadline_waits_for_the_barrier(offsets, rebalances):
    hops = HopBacklog(owns=lambda key: key == OURS, epoch=lambda: rebalances.count, max_wait_ms=10_000)
    assert hops.needs_barrier()
    # Before the lookup (tables not ready yet) nothing times out.
    assert everything(release(hops, ["a"], 0, offsets)) == []
    hops.set_barrier({"paths-0": 100, "probes-0": 7}, epoch=hops.epoch)
    assert not hops.needs_barrier()
    offsets.done.update({"paths-0": 40, "probes-0": 7})
    hops.sent("b", OURS, slot="probes/0")  # forwarded from the backlog meanwhile
    assert everything(release(hops, ["b", "c"], 100, offsets)) == []
    assert hops.held == 3
    offsets.done["paths-0"] = 100
    released = release(hops, [], 200, offsets)
    assert sorted(released.after_backlog) == ["a", "c"]
    assert hops.held == 1  # b: its probe is not read yet
    hops.read("b", slot="probes/0")
    assert release(hops, [], 300, offsets).after_backlog == ["b"]
    assert release(hops, ["d"], 400, offsets).at_deadline == ["d"]


def test_a_partition_no_longer_assigned_holds_no_barrier(offsets, rebalances):
    hops = HopBacklog(owns=lambda key: True, epoch=lambda: rebalances.count, max_wait_ms=10_000)
    hops.set_barrier({"paths-3": 100}, epoch=hops.epoch)
    offsets.done["paths-3"] = 40
    assert everything(release(hops, ["a"], 0, offsets)) == []
    del offsets.done["paths-3"]  # moved to another worker
    assert release(hops, [], 1, offsets).after_backlog == ["a"]


def test_an_empty_hop_partition_holds_no_barrier(offsets, rebalances):
    # Its progress may never be known (nothing to read, nothing committed).
    hops = HopBacklog(owns=lambda key: True, epoch=lambda: rebalances.count, max_wait_ms=10_000)
    hops.set_barrier({"paths-0": 0, "probes-0": 3}, epoch=hops.epoch)
    offsets.done.update({"paths-0": -1, "probes-0": 2})
    assert everything(release(hops, ["a"], 0, offsets)) == []
    offsets.done["probes-0"] = 3
    assert release(hops, [], 1, offsets).after_backlog == ["a"]


def test_an_assigned_partition_not_read_yet_holds_the_barrier(offsets, rebalances):
    """After a takeover: -1 (streams.gaps.hop_progress) until its progress is known."""
    hops = HopBacklog(owns=lambda key: True, epoch=lambda: rebalances.count, max_wait_ms=10_000)
    hops.set_barrier({"paths-2": 865}, epoch=hops.epoch)
    offsets.done["paths-2"] = -1
    assert everything(release(hops, ["a"], 0, offsets)) == []
    offsets.done["paths-2"] = 865
    assert release(hops, [], 1, offsets).after_backlog == ["a"]


def test_a_rebalance_forgets_the_counts_and_calls_for_a_new_barrier(hops, rebalances, offsets):
    hops.sent("a", OURS, slot="probes/0")
    release(hops, ["a"], 0)
    epoch = hops.epoch
    rebalances.count += 1
    assert hops.needs_barrier()
    assert hops.in_flight == 0
    hops.set_barrier({"paths-0": 5}, epoch=epoch)  # looked up before the rebalance: ignored
    assert hops.needs_barrier()
    hops.set_barrier({"paths-0": 5}, epoch=hops.epoch)
    offsets.done["paths-0"] = 4
    assert everything(release(hops, ["b"], 1, offsets)) == []  # a, still held, waits too
    offsets.done["paths-0"] = 5
    assert sorted(release(hops, [], 2, offsets).after_backlog) == ["a", "b"]


def test_a_zero_wait_times_out_at_the_deadline_as_before():
    hops = HopBacklog(owns=lambda key: True, epoch=lambda: 0, max_wait_ms=0)
    hops.sent("a", OURS, slot="probes/0")
    assert release(hops, ["a", "b"], 0).at_cap == ["a", "b"]  # b: the barrier is not looked up yet


def test_an_alert_answered_while_held_needs_no_timeout(hops):
    hops.sent("a", OURS, slot="probes/0")
    hops.sent("b", OURS, slot="probes/0")
    release(hops, ["a", "b"], 0)
    hops.read("a", slot="probes/0")
    hops.read("b", slot="probes/0")
    hops.cancel("a")  # its part completed it: emitted
    assert release(hops, [], 1).after_backlog == ["b"]
    assert hops.held == 0
