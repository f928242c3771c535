from __future__ import annotations

from datetime import UTC, datetime

from streams.tables import apply_finding_event, recent_alerts_within, remember_alert, remember_pending


def test_upsert_adds_and_updates_keeping_others(make_event, finding):
    state, changed = apply_finding_event(None, make_event("upsert", [finding("a"), finding("b")]))
    assert changed
    assert set(state["findings"]) == {"a", "b"}
    state2, changed2 = apply_finding_event(state, make_event("upsert", [finding("a", line=20)]))
    assert changed2
    assert set(state2["findings"]) == {"a", "b"}
    assert state2["findings"]["a"]["line_start"] == 20
    assert state2["rev"] != state["rev"]


def test_replaying_the_same_upsert_changes_nothing(make_event, finding):
    ev = make_event("upsert", [finding("a")])
    state, _ = apply_finding_event(None, ev)
    again, changed = apply_finding_event(state, ev)
    assert not changed
    assert again == state


def test_replace_drops_findings_not_in_the_new_set(make_event, finding):
    state, _ = apply_finding_event(None, make_event("upsert", [finding("a"), finding("b")]))
    state, changed = apply_finding_event(state, make_event("replace", [finding("c")], commit_sha="abcdef1"))
    assert changed
    assert set(state["findings"]) == {"c"}
    assert state["commit_sha"] == "abcdef1"
    emptied, changed = apply_finding_event(state, make_event("replace", []))
    assert changed
    assert emptied["findings"] == {}


def test_status_change_updates_one_finding_and_ignores_unknown_ids(make_event, finding):
    state, _ = apply_finding_event(None, make_event("upsert", [finding("a"), finding("b")]))
    change = {
        "finding_id": "a",
        "status": "resolved",
        "changed_at": datetime(2026, 1, 2, tzinfo=UTC).isoformat(),
    }
    state2, changed = apply_finding_event(state, make_event("status", status_change=change))
    assert changed
    assert state2["findings"]["a"]["status"] == "resolved"
    assert state2["findings"]["b"]["status"] == "open"
    unknown = {**change, "finding_id": "zzz"}
    state3, changed = apply_finding_event(state2, make_event("status", status_change=unknown))
    assert not changed
    assert state3["findings"] == state2["findings"]


def test_remember_alert_prunes_by_horizon_and_cap():
    state, changed = remember_alert(None, "a1", 1_000, horizon_ms=500, cap=3)
    assert changed
    assert state == {"a1": 1_000}
    same, changed = remember_alert(state, "a1", 1_000, horizon_ms=500, cap=3)
    assert not changed
    assert same is state
    state, _ = remember_alert(state, "a2", 1_400, horizon_ms=500, cap=3)
    state, _ = remember_alert(state, "a3", 1_600, horizon_ms=500, cap=3)
    assert set(state) == {"a2", "a3"}  # a1 is more than 500 ms before the newest
    for i, ts in enumerate((1_610, 1_620, 1_630)):
        state, _ = remember_alert(state, f"b{i}", ts, horizon_ms=500, cap=3)
    assert set(state) == {"b0", "b1", "b2"}


def test_recent_alerts_within_the_window():
    state = {"old": 1_000, "mid": 5_000, "new": 9_000}
    assert recent_alerts_within(state, 10_000, horizon_ms=5_000) == ["mid", "new"]
    assert recent_alerts_within(None, 10_000, horizon_ms=5_000) == []


def test_remember_pending_keeps_the_newest_probes_within_the_horizon():
    state = remember_pending(None, "a1/0", "p1", 1_000, horizon_ms=500, cap=2)
    assert state == {"a1/0": {"probe": "p1", "ms": 1_000}}
    state = remember_pending(state, "a2/0", "p2", 1_400, horizon_ms=500, cap=2)
    state = remember_pending(state, "a3/1", "p3", 1_600, horizon_ms=500, cap=2)
    assert set(state) == {"a2/0", "a3/1"}  # a1 is too old, and the cap is 2
    state = remember_pending(state, "a2/0", "p2b", 1_700, horizon_ms=500, cap=2)
    assert state["a2/0"] == {"probe": "p2b", "ms": 1_700}


def test_remember_alert_at_the_cap_drops_the_oldest_as_the_sort_did():
    import random

    rng = random.Random(7)
    state: dict[str, int] | None = None
    reference: dict[str, int] = {}
    for i in range(400):
        ts = 10_000 + rng.randrange(0, 3_000)  # out of order, with ties
        state, _ = remember_alert(state, f"a{i}", ts, horizon_ms=2_000, cap=16)
        merged = {**reference, f"a{i}": ts}
        newest = max(merged.values())
        merged = {a: t for a, t in merged.items() if t >= newest - 2_000}
        reference = dict(sorted(merged.items(), key=lambda kv: kv[1])[-16:])
        assert state == reference
