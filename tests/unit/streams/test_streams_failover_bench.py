"""The failover benchmark's own arithmetic: what it counts as lost, wrong
or corrected, and the replay file it writes."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import orjson
import pytest

from streams.codecs import decode_alert
from streams.errors import MessageError

from ...benchmods import load_bench


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_bench("failover")


def _answer(alert_id: str, version: int, file_path: str | None) -> dict[str, Any]:
    findings = [{"file_path": file_path}] if file_path else []
    return {
        "alert_id": alert_id,
        "correlation_version": version,
        "enriched": file_path is not None,
        "hefesto_findings": findings,
    }


def test_score_counts_lost_wrong_and_corrected_answers(bench: ModuleType) -> None:
    kinds = {"a": "demo-1", "b": "demo-1", "c": "demo-4", "d": "demo-2", "e": "demo-3"}
    records = [
        _answer("a", 1, "payments/processor.py"),  # right at once
        _answer("b", 1, None),  # partial first answer ...
        _answer("b", 2, "payments/processor.py"),  # ... corrected
        _answer("c", 1, None),  # no code location expected: right
        _answer("d", 2, "payments/orders.py"),  # its version 1 never came
        # "e": never answered
    ]
    assert bench.score(records, kinds) == {"lost": 1, "wrong_first": 2, "wrong_latest": 0, "corrected": 1}


def test_score_calls_a_finding_where_none_is_expected_wrong(bench: ModuleType) -> None:
    records = [_answer("c", 1, "payments/processor.py")]
    assert bench.score(records, {"c": "demo-4"})["wrong_first"] == 1
    assert bench.score(records, {"c": "demo-4"})["wrong_latest"] == 1


def test_the_replay_file_mixes_every_alert_with_poison_lines(bench: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "alerts.jsonl"
    kinds = bench.alerts_file(path, alerts=50, poison=10, seed=3)
    lines = path.read_bytes().splitlines()
    assert len(lines) == 60
    alerts, poison = [], []
    for line in lines:
        try:
            alerts.append(decode_alert(line))
        except MessageError:
            poison.append(line)
    assert len(poison) == 10
    assert {a.alert_id for a in alerts} == set(kinds)
    samples = {
        s["alert_id"] for s in map(orjson.loads, (bench.EXAMPLES / "alerts.jsonl").read_bytes().splitlines())
    }
    assert set(kinds.values()) <= samples <= set(bench.EXPECTED)
