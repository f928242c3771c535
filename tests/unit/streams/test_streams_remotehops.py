"""RemoteHops: a due deadline whose alert has a probe on another worker's
partition is held until the group's committed offsets pass the probe."""

from __future__ import annotations

import pytest

from streams.remotehops import RemoteHops

PROBES = [("probes", p) for p in range(3)]
CAP_MS = 30_000


@pytest.fixture
def remote() -> RemoteHops:
    return RemoteHops(probe_partitions=PROBES, max_wait_ms=CAP_MS)


def test_an_alert_without_remote_probes_is_not_held(remote: RemoteHops) -> None:
    remote.sent("a", ("probes", 1))
    assert remote.hold(["a", "b"], now_ms=0) == ["b"]
    assert remote.held == 1


def test_held_until_the_group_commits_past_the_high_water_mark(remote: RemoteHops) -> None:
    remote.sent("a", ("probes", 1))
    remote.sent("a", ("paths", 2))
    assert remote.hold(["a"], now_ms=0) == []
    assert remote.to_look_up() == [("paths", 2), ("probes", 1)]
    # Committed offsets before the marks are known mean nothing.
    assert remote.to_check() == []
    assert remote.release({("probes", 1): 99, ("paths", 2): 99}, now_ms=10).ready == []
    remote.set_highwaters({("probes", 1): 40, ("paths", 2): 7})
    assert remote.to_look_up() == []
    assert remote.to_check() == [("paths", 2), ("probes", 1)]
    assert remote.release({("probes", 1): 39, ("paths", 2): 7}, now_ms=20).ready == []
    assert remote.release({("probes", 1): None, ("paths", 2): 7}, now_ms=30).ready == []
    assert remote.release({("paths", 2): 7}, now_ms=40).ready == []
    released = remote.release({("probes", 1): 40, ("paths", 2): 8}, now_ms=50)
    assert (released.ready, released.at_cap) == (["a"], [])
    assert remote.held == 0


def test_a_held_alert_due_again_stays_held(remote: RemoteHops) -> None:
    # The rescan after a rebalance schedules every unfinished entry again.
    remote.sent("a", ("probes", 0))
    assert remote.hold(["a"], now_ms=0) == []
    assert remote.hold(["a"], now_ms=5_000) == []
    assert remote.held == 1


def test_a_released_alert_is_not_held_again(remote: RemoteHops) -> None:
    # Its deadline starts again; when that one comes due it is handled as
    # any other (the part it waited for is already ahead of any timeout).
    remote.sent("a", ("probes", 0))
    remote.hold(["a"], now_ms=0)
    remote.set_highwaters({("probes", 0): 5})
    assert remote.release({("probes", 0): 5}, now_ms=1).ready == ["a"]
    assert remote.hold(["a"], now_ms=2_000) == ["a"]


def test_a_probe_through_the_paths_hop_also_waits_for_every_probes_partition(remote: RemoteHops) -> None:
    # The resolve agent forwards it to a probes partition nobody here can
    # name: once the paths record is committed, every probes partition is
    # waited for up to its high-water mark at that moment.
    remote.sent("a", ("paths", 1), via_paths=True)
    remote.hold(["a"], now_ms=0)
    remote.set_highwaters({("paths", 1): 3})
    assert remote.release({("paths", 1): 3}, now_ms=10).ready == []
    assert remote.held == 1
    assert remote.to_look_up() == PROBES
    remote.set_highwaters({("probes", 0): 4, ("probes", 1): 5})  # one missing: looked up again
    assert remote.to_look_up() == PROBES
    remote.set_highwaters({("probes", 0): 4, ("probes", 1): 5, ("probes", 2): 6})
    assert remote.release({("probes", 0): 4, ("probes", 1): 5, ("probes", 2): 5}, now_ms=20).ready == []
    assert remote.release({("probes", 0): 4, ("probes", 1): 5, ("probes", 2): 6}, now_ms=30).ready == ["a"]


def test_a_hold_times_out_at_the_cap_in_the_order_they_came_due(remote: RemoteHops) -> None:
    for alert_id in ("a", "b", "c"):
        remote.sent(alert_id, ("probes", 0))
    remote.hold(["a", "b"], now_ms=0)
    remote.hold(["c"], now_ms=1_000)
    remote.set_highwaters({("probes", 0): 10})
    assert remote.release({}, now_ms=CAP_MS - 1).at_cap == []
    assert remote.release({}, now_ms=CAP_MS).at_cap == ["a", "b"]
    assert remote.release({}, now_ms=CAP_MS + 1_000).at_cap == ["c"]
    assert remote.held == 0


def test_an_emitted_alert_is_forgotten(remote: RemoteHops) -> None:
    remote.sent("a", ("probes", 0))
    remote.sent("b", ("probes", 0))
    remote.hold(["b"], now_ms=0)
    remote.cancel("a")
    remote.cancel("b")
    assert (remote.tracked, remote.held) == (0, 0)
    assert remote.hold(["a"], now_ms=1) == ["a"]


def test_a_zero_cap_turns_the_hold_off() -> None:
    remote = RemoteHops(probe_partitions=PROBES, max_wait_ms=0)
    remote.sent("a", ("probes", 0))
    assert remote.tracked == 0
    assert remote.hold(["a"], now_ms=0) == ["a"]


def test_many_holds_are_released_by_the_partitions_each_waits_on(remote: RemoteHops) -> None:
    # Under overload thousands are held at once, looked up in cohorts.
    for i in range(3_000):
        remote.sent(f"a{i}", ("probes", i % 3))
        if i % 2:
            remote.sent(f"a{i}", ("probes", (i + 1) % 3))
    remote.hold([f"a{i}" for i in range(1_500)], now_ms=0)
    remote.set_highwaters({tp: 100 for tp in PROBES})
    remote.hold([f"a{i}" for i in range(1_500, 3_000)], now_ms=10)
    remote.set_highwaters({tp: 200 for tp in PROBES})
    remote.cancel("a0")
    released = remote.release({("probes", 0): 150, ("probes", 1): 150, ("probes", 2): 99}, now_ms=20)
    # First cohort: waiting only on probes 0 and/or 1 (every third alert
    # waits on 2, alone or with 0).
    expected = {f"a{i}" for i in range(1, 1_500) if {i % 3, (i + 1) % 3 if i % 2 else i % 3} <= {0, 1}}
    assert set(released.ready) == expected
    assert remote.held == 3_000 - 1 - len(expected)
    released = remote.release({tp: 200 for tp in PROBES}, now_ms=30)
    assert len(released.ready) == 3_000 - 1 - len(expected)
    assert remote.held == 0
