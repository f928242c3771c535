"""The probe's scoring helpers (no Kafka): the alert cache and the per-frame top-k."""

from __future__ import annotations

import orjson

from correlator import locate
from hefesto_core.models import Finding, IrisAlert
from streams.agents.scoring import AlertCache, score_probe
from streams.records import Probe, frame_to_dict


def _probe(alert_id: str = "a1", message: str = "'NoneType' object has no attribute 'x'") -> Probe:
    body = {
        "alert_id": alert_id,
        "timestamp": "2026-01-01T00:00:00Z",
        "repo": "shop",
        "error_type": "AttributeError",
        "error_message": message,
        "file_path": "src/pay.py",
        "line_number": 21,
    }
    alert = IrisAlert.model_validate(body)
    location = locate(alert)
    return Probe(
        alert_id=alert_id,
        file_key="shop:src/pay.py",
        frame_index=0,
        alert_json=orjson.dumps(body).decode(),
        frames=[frame_to_dict(f) for f in location.frames],
        error_type=location.error_type,
        error_message=location.error_message,
        ingest_ms=0,
    )


def _findings() -> list[Finding]:
    return [
        Finding.model_validate(
            {
                "finding_id": f"f{i}",
                "repo": "shop",
                "file_path": "src/pay.py",
                "line_start": 10 * i + 1,
                "line_end": 10 * i + 2,
                "rule_id": "HEF-REL-001",
                "issue_type": "POSSIBLE_NONE_DEREFERENCE",
                "severity": "HIGH",
                "message": "value may be None",
            }
        )
        for i in range(8)
    ]


def test_alert_cache_reuses_a_parse_only_for_the_same_text():
    cache = AlertCache(max_alerts=2)
    first = _probe()
    assert cache.get(first) is cache.get(first)
    reused_id = _probe(message="another alert under a reused id")
    assert cache.get(reused_id).error_message == "another alert under a reused id"
    cache.get(_probe("a2"))
    cache.get(_probe("a3"))
    assert len(cache._data) == 2


def test_per_frame_top_k_keeps_the_best_matches_in_order():
    probe, findings = _probe(), _findings()
    full = score_probe(probe, findings, now_ms=0).matches
    top = score_probe(probe, findings, now_ms=0, top_k=3).matches
    assert len(full) == 8
    assert top == full[:3]
    assert top[0]["finding_id"] == "f2"  # line 21 is inside f2's span


def test_the_confidence_floor_changes_nothing_the_assembler_reports():
    from datetime import UTC, datetime

    from correlator import assemble
    from hefesto_core.models import FindingMatch
    from streams.agents.emit import fingerprint

    probe, findings = _probe(), _findings()
    full = score_probe(probe, findings, now_ms=0, top_k=5).matches
    floored = score_probe(probe, findings, now_ms=0, top_k=5, min_confidence=0.7).matches
    assert 1 <= len(floored) < len(full)
    assert floored == [m for i, m in enumerate(full) if i == 0 or m["match_confidence"] >= 0.7]

    def enriched(matches: list) -> str:
        result = assemble(
            probe.alert(),
            probe.location(),
            [FindingMatch.model_validate(m) for m in matches],
            top_k=5,
            min_confidence=0.7,
            processed_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
        return fingerprint(result)

    assert enriched(full) == enriched(floored)
