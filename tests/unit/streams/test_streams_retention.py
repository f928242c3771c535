"""How long an alert's state lives (streams/retention.py): the eviction
heap, the changelogs' time retention, and the assembler's scan after a
change of assignment."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from hefesto_core.settings import Settings
from streams.agents import fanout
from streams.agents.assemble import Deadlines
from streams.app import create_engine
from streams.retention import Evictions, changelog_retention, horizon_ms
from streams.tuning import load_tuning
from tests.unit.streams.joinkit import AllOwned, FakeEvent, alert_bytes


def test_evictions_come_due_oldest_first_and_a_tick_is_bounded() -> None:
    ev = Evictions()
    for alert_id, at in (("c", 30), ("a", 10), ("b", 20), ("late", 99)):
        ev.schedule(alert_id, at)
    assert ev.due(5) == []
    assert ev.due(30, limit=2) == ["a", "b"]
    assert ev.due(30) == ["c"]
    assert len(ev) == 1
    assert ev.due(1_000) == ["late"]


def test_only_an_alerts_latest_scheduling_counts_and_it_is_due_once() -> None:
    ev = Evictions()
    ev.schedule("a", 10)
    ev.schedule("a", 10)  # a rescan after a rebalance finds it again
    ev.schedule("b", 10)
    ev.schedule("b", 50)  # replayed after its state went: a later horizon
    assert len(ev) == 2
    assert ev.due(20) == ["a"]
    assert ev.due(20) == []
    assert ev.due(60) == ["b"]
    assert len(ev) == 0


def test_the_per_alert_changelogs_keep_the_horizon_then_delete_by_time() -> None:
    settings = Settings(correlation_window_ms=3_600_000, grace_ms=300_000)
    assert horizon_ms(settings) == 3_900_000
    config = changelog_retention(settings)
    assert config["cleanup.policy"] == "compact,delete"
    segment, retention = int(config["segment.ms"]), int(config["retention.ms"])
    # Nothing inside the horizon can be deleted: a segment goes only when
    # its newest record is older than the retention.
    assert retention >= horizon_ms(settings)
    assert segment <= retention
    # A short horizon still gets whole-minute segments, not a segment per record.
    short = changelog_retention(Settings(correlation_window_ms=1_000, grace_ms=0))
    assert int(short["segment.ms"]) == 60_000


def test_only_the_per_alert_tables_get_a_time_retention(tmp_path: Path) -> None:
    engine = create_engine(
        Settings(app_id="unit-retention", data_dir=tmp_path), load_tuning(), with_sink=False
    )
    tables = engine.tables
    expected = changelog_retention(engine.settings)
    for batched in (tables.assembly, tables.correlations):
        assert batched.table.changelog_topic.config == expected
    for name in ("findings_by_file", "paths_by_basename", "pending_paths"):
        config = getattr(tables, name).changelog_topic.config or {}
        assert "delete" not in config.get("cleanup.policy", ""), name
    assert not tables.recent_alerts_by_file.table.changelog_topic.config


def test_the_scan_schedules_deadlines_for_unfinished_and_evictions_for_finished() -> None:
    deadlines, evictions = Deadlines(), Evictions()
    items: list[tuple[str, dict[str, Any]]] = [
        ("open", {"version": 0, "first_ms": 1_000}),
        ("done", {"version": 1, "header": {"ingest_ms": 2_000}, "first_ms": 2_000}),
        ("old", {"version": 2, "header": {"ingest_ms": 10}, "first_ms": 10}),
    ]
    added = deadlines.rescan(items, now_ms=5_000, timeout_ms=500, horizon_ms=4_000, evictions=evictions)
    assert added == 1
    assert deadlines.due(5_000) == ["open"]
    # "old" came back already past the horizon: due at once; "done" at its end.
    assert evictions.due(5_000) == ["old"]
    assert evictions.due(6_000) == ["done"]


@pytest.fixture
def engine(tmp_path: Path) -> Any:
    settings = Settings(app_id="unit-retention-emit", data_dir=tmp_path)
    return create_engine(settings, load_tuning(), with_sink=False)


async def test_an_answered_alert_is_scheduled_to_go_at_the_end_of_the_horizon(engine: Any) -> None:
    settings = engine.settings
    handle = fanout.make_handler(
        engine, ownership=AllOwned(engine.app, topic=settings.topic_findings, partitions=4)
    )
    event = FakeEvent(alert_bytes("a-1"), b"a-1")
    await handle(event)
    assert engine.tables.assembly.get("a-1")["version"] == 1
    ingest_ms = int(event.message.timestamp * 1000)
    end = ingest_ms + horizon_ms(settings)
    assert engine.evictions.due(end - 1) == []
    assert engine.evictions.due(end) == ["a-1"]
    assert time.time() * 1000 < end  # the default horizon is an hour away
