from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from hefesto_core.history.rows import (
    correlation_row,
    correlation_row_from_json,
    event_key,
    finding_row,
    from_ms,
    stored_finding_from_row,
    to_ms,
)
from hefesto_core.models import EnrichedAlert, Finding


def test_ms_round_trip_and_naive_refused() -> None:
    t = datetime(2026, 3, 2, 12, 0, 0, 123000, tzinfo=timezone(timedelta(hours=2)))
    assert from_ms(to_ms(t)) == t
    with pytest.raises(ValueError, match="naive"):
        to_ms(datetime(2026, 1, 1))


def test_finding_round_trip() -> None:
    f = Finding(
        finding_id="f", repo="r", file_path="a.py", line_start=3, line_end=4, column=7, rule_id="R",
        issue_type="BARE_EXCEPT", severity="MEDIUM", message="m", metadata={"k": [1, "two"]},
        first_seen=datetime(2026, 1, 1, tzinfo=UTC),
    )  # fmt: skip
    row = finding_row(f, seen_ms=to_ms(datetime(2026, 2, 1, tzinfo=UTC)))
    back = stored_finding_from_row(row)
    extra = {"occurrence_count", "status_changed_at", "resolved_at"}
    times = {"first_seen", "last_seen"}
    assert back.model_dump(exclude=extra | times) == f.model_dump(exclude=times)
    assert back.first_seen == datetime(2026, 1, 1, tzinfo=UTC)
    assert back.last_seen == datetime(2026, 2, 1, tzinfo=UTC)
    assert row["severity_rank"] == 2


def test_event_key_is_deterministic() -> None:
    assert event_key("f", changed_at_ms=1000, status="resolved") == "f@1000:resolved"


def _enriched(**overrides: object) -> EnrichedAlert:
    body: dict[str, object] = {
        "alert_id": "a-1",
        "enriched": True,
        "correlation_version": 2,
        "correlation_confidence": 0.8123456,
        "code_context": {"file_path": "src/pay.py", "line_number": 145},
        "hefesto_findings": [
            {
                "finding_id": "f-1",
                "file_path": "src/other.py",
                "line_number": 140,
                "rule_id": "HF101",
                "issue_type": "POSSIBLE_NONE_DEREFERENCE",
                "severity": "HIGH",
                "message": "customer may be None here",
                "match_confidence": 0.8,
            }
        ],
        "processed_at": datetime(2026, 3, 2, 12, 0, 0, 123456, tzinfo=UTC),
    }
    body.update(overrides)
    return EnrichedAlert.model_validate(body)


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"code_context": None},  # the file comes from the best finding
        {"code_context": None, "hefesto_findings": [], "enriched": False, "reason": "no_code_location"},
        {"processed_at": datetime(2026, 3, 2, 14, 0, tzinfo=timezone(timedelta(hours=2)))},
    ],
)
def test_a_correlation_row_read_from_json_is_the_models_row(overrides: dict[str, object]) -> None:
    model = _enriched(**overrides)
    text = model.model_dump_json()
    expected = correlation_row(model, recorded_ms=7, payload=text)
    assert correlation_row_from_json(text, recorded_ms=7) == expected


def test_json_of_another_shape_is_validated_through_the_model() -> None:
    model = _enriched()
    sparse = model.model_dump_json(exclude_defaults=True)
    assert "code_context" in sparse
    assert correlation_row_from_json(sparse, recorded_ms=1)["file_path"] == "src/pay.py"
    with pytest.raises(ValidationError):
        correlation_row_from_json('{"alert_id": "a-1", "processed_at": "yesterday"}', recorded_ms=1)
