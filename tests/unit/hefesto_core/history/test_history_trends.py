from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hefesto_core.history import TrendGranularity
from hefesto_core.history.rows import to_ms
from hefesto_core.history.trends import DAY_MS, bucket_start, bucket_starts, roll_up
from hefesto_core.models import Severity


def _day(y: int, m: int, d: int) -> int:
    return to_ms(datetime(y, m, d, tzinfo=UTC)) // DAY_MS


def test_bucket_start_per_granularity() -> None:
    moment = datetime(2026, 3, 5, 17, 30, tzinfo=UTC)  # a Thursday
    assert bucket_start(moment, TrendGranularity.DAY) == datetime(2026, 3, 5, tzinfo=UTC)
    assert bucket_start(moment, TrendGranularity.WEEK) == datetime(2026, 3, 2, tzinfo=UTC)
    assert bucket_start(moment, TrendGranularity.MONTH) == datetime(2026, 3, 1, tzinfo=UTC)


def test_month_buckets_cross_the_year() -> None:
    starts = bucket_starts(
        datetime(2025, 11, 20, tzinfo=UTC),
        datetime(2026, 2, 1, tzinfo=UTC),
        granularity=TrendGranularity.MONTH,
    )
    assert [(s.year, s.month) for s in starts] == [(2025, 11), (2025, 12), (2026, 1)]


def test_bad_ranges_are_refused() -> None:
    t = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="after"):
        bucket_starts(t, t, granularity=TrendGranularity.DAY)
    with pytest.raises(ValueError, match="buckets"):
        bucket_starts(t.replace(year=2000), t, granularity=TrendGranularity.DAY)


def test_roll_up_sums_days_into_weeks_and_keeps_empty_buckets() -> None:
    buckets = roll_up(
        start=datetime(2026, 3, 2, tzinfo=UTC),
        end=datetime(2026, 3, 23, tzinfo=UTC),
        granularity=TrendGranularity.WEEK,
        new_by_day=[
            (_day(2026, 3, 2), "HIGH", 2),
            (_day(2026, 3, 8), "LOW", 1),
            (_day(2026, 3, 9), "HIGH", 4),
        ],
        resolved_by_day=[(_day(2026, 3, 10), "HIGH", 3)],
    )
    assert [(b.new_findings, b.resolved_findings) for b in buckets] == [(3, 0), (4, 3), (0, 0)]
    assert buckets[0].new_by_severity[Severity.HIGH] == 2
    assert buckets[0].new_by_severity[Severity.LOW] == 1
    assert set(buckets[2].new_by_severity) == set(Severity)
