from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from hefesto_core.history.rows import (
    event_key,
    finding_row,
    from_ms,
    stored_finding_from_row,
    to_ms,
)
from hefesto_core.models import Finding


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
