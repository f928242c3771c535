"""Calendar buckets (UTC) for ``GET /api/v1/metrics/trends``.

Backends count per UTC day (``day = ms // 86_400_000``, the same integer in
SQLite and BigQuery); this module rolls days up into days, ISO weeks
(Monday) or calendar months, so both backends bucket identically.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from hefesto_core.history.queries import TrendBucket, TrendGranularity
from hefesto_core.models import Severity

__all__ = ["DAY_MS", "MAX_BUCKETS", "bucket_start", "bucket_starts", "roll_up"]

DAY_MS = 86_400_000
MAX_BUCKETS = 3660
"""Ten years of days: a larger request is a mistake, not a query."""


def bucket_start(moment: datetime, granularity: TrendGranularity) -> datetime:
    day = moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if granularity is TrendGranularity.WEEK:
        return day - timedelta(days=day.weekday())
    if granularity is TrendGranularity.MONTH:
        return day.replace(day=1)
    return day


def _next(start: datetime, granularity: TrendGranularity) -> datetime:
    if granularity is TrendGranularity.DAY:
        return start + timedelta(days=1)
    if granularity is TrendGranularity.WEEK:
        return start + timedelta(days=7)
    year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    return start.replace(year=year, month=month)


def bucket_starts(start: datetime, end: datetime, *, granularity: TrendGranularity) -> list[datetime]:
    if end <= start:
        raise ValueError("end must be after start")
    out: list[datetime] = []
    cursor = bucket_start(start, granularity)
    while cursor < end:
        out.append(cursor)
        if len(out) > MAX_BUCKETS:
            raise ValueError(f"more than {MAX_BUCKETS} buckets: use a coarser granularity")
        cursor = _next(cursor, granularity)
    return out


def roll_up(
    *,
    start: datetime,
    end: datetime,
    granularity: TrendGranularity,
    new_by_day: Iterable[tuple[int, str, int]],
    resolved_by_day: Iterable[tuple[int, str, int]],
) -> list[TrendBucket]:
    """``*_by_day`` rows are ``(day_index, severity, count)``."""
    starts = bucket_starts(start, end, granularity=granularity)
    new: dict[datetime, dict[Severity, int]] = {s: {} for s in starts}
    resolved: dict[datetime, int] = dict.fromkeys(starts, 0)
    for day, severity, count in new_by_day:
        key = bucket_start(datetime.fromtimestamp(day * DAY_MS / 1000, tz=UTC), granularity)
        if key in new:
            sev = Severity(severity)
            new[key][sev] = new[key].get(sev, 0) + count
    for day, _severity, count in resolved_by_day:
        key = bucket_start(datetime.fromtimestamp(day * DAY_MS / 1000, tz=UTC), granularity)
        if key in resolved:
            resolved[key] += count
    return [
        TrendBucket(
            bucket_start=s,
            new_findings=sum(new[s].values()),
            resolved_findings=resolved[s],
            new_by_severity={sev: new[s].get(sev, 0) for sev in Severity},
        )
        for s in starts
    ]
