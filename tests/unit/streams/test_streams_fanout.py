"""The fan-out's local join in one process (``fanout.make_handler``, what
``bench/fanout.py`` times): the engine a worker builds, no broker; the Kafka
tests run the same handler inside workers."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import orjson
import pytest

from hefesto_core.settings import Settings
from streams.agents import fanout
from streams.app import create_engine
from streams.codecs import decode_finding_event
from streams.ownership import Ownership
from streams.tables import apply_finding_event
from streams.tuning import load_tuning


class _AllOwned(Ownership):
    def owned(self) -> frozenset[int]:
        return frozenset(range(self._partitions))


class _Event:
    def __init__(self, value: bytes, key: bytes) -> None:
        self.value, self.key = value, key
        self.message = type("M", (), {"timestamp": time.time()})()


@pytest.fixture
def engine(tmp_path: Path) -> Any:
    engine = create_engine(Settings(app_id="unit-fanout", data_dir=tmp_path), load_tuning(), with_sink=False)
    event = decode_finding_event(
        orjson.dumps(
            {
                "event_id": "e1",
                "kind": "replace",
                "repo": "shop",
                "file_path": "src/cart.py",
                "emitted_at": "2026-01-01T00:00:00Z",
                "findings": [
                    {
                        "finding_id": "f-near",
                        "repo": "shop",
                        "file_path": "src/cart.py",
                        "line_start": 41,
                        "line_end": 42,
                        "function_name": "total",
                        "rule_id": "HEF-REL-001",
                        "issue_type": "POSSIBLE_NONE_DEREFERENCE",
                        "severity": "HIGH",
                        "message": "value may be None",
                    }
                ],
            }
        )
    )
    state, _ = apply_finding_event(None, event)
    engine.tables.findings_by_file.data[event.file_key] = state
    return engine


def _alert(alert_id: str) -> bytes:
    return orjson.dumps(
        {
            "alert_id": alert_id,
            "timestamp": "2026-01-01T00:00:00Z",
            "repo": "shop",
            "severity": "HIGH",
            "error_type": "AttributeError",
            "error_message": "'NoneType' object has no attribute 'price'",
            "frames": [
                {"file_path": "src/cart.py", "line_number": 42, "function_name": "total", "in_app": True}
            ],
        }
    )


async def test_a_locally_joined_alert_is_emitted_with_its_finding_and_recorded(engine: Any) -> None:
    settings = engine.settings
    ownership = _AllOwned(engine.app, topic=settings.topic_findings, partitions=settings.topic_partitions)
    handle = fanout.make_handler(engine, ownership=ownership)
    await handle(_Event(_alert("a-1"), b"a-1"))

    out = engine.app.output_buffer
    assert out.pending == 1
    (key, value, headers) = out._pending[0]
    assert key == b"a-1"
    assert headers == [("correlation-version", b"1")]
    enriched = orjson.loads(value)
    assert enriched["enriched"] is True
    assert [m["finding_id"] for m in enriched["hefesto_findings"]] == ["f-near"]
    assert engine.tables.assembly.get("a-1")["version"] == 1
    assert "a-1" in engine.tables.correlations
    assert "a-1" in engine.tables.recent_alerts_by_file.get("shop:src/cart.py")
    # Every table write is queued for its changelog, none sent yet.
    assert engine.app.changelog_writer.pending >= 3


async def test_a_replayed_alert_is_answered_again_not_joined_twice(engine: Any) -> None:
    settings = engine.settings
    ownership = _AllOwned(engine.app, topic=settings.topic_findings, partitions=settings.topic_partitions)
    handle = fanout.make_handler(engine, ownership=ownership)
    await handle(_Event(_alert("a-2"), b"a-2"))
    await handle(_Event(_alert("a-2"), b"a-2"))
    records = engine.app.output_buffer._pending
    assert [r[0] for r in records] == [b"a-2", b"a-2"]
    assert [r[2] for r in records] == [[("correlation-version", b"1")]] * 2
    assert orjson.loads(records[1][1]) == orjson.loads(records[0][1])
