"""The engine and records the fan-out's unit tests share: the engine a
worker builds, with one file's findings applied, and no broker."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import orjson

from hefesto_core.settings import Settings
from streams.app import create_engine
from streams.codecs import decode_finding_event
from streams.ownership import Ownership
from streams.tables import apply_finding_event
from streams.tuning import load_tuning

__all__ = ["AllOwned", "FakeEvent", "alert_bytes", "joined_engine"]


class AllOwned(Ownership):
    def owned(self) -> frozenset[int]:
        return frozenset(range(self._partitions))


class FakeEvent:
    def __init__(self, value: bytes, key: bytes) -> None:
        self.value, self.key = value, key
        self.message = type("M", (), {"timestamp": time.time()})()


def joined_engine(tmp_path: Path, **tuning: Any) -> Any:
    engine = create_engine(
        Settings(app_id="unit-fanout", data_dir=tmp_path), load_tuning(**tuning), with_sink=False
    )
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


def alert_bytes(alert_id: str) -> bytes:
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
