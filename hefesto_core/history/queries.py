"""Query and result models of the history store.

These are what the API serializes, so they are pydantic models with the same
conventions as the wire models: timezone-aware datetimes at the edges,
durations in integer milliseconds or, where a person reads them, hours.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Generic, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from hefesto_core.models import Finding, FindingStatus, Severity

__all__ = [
    "MAX_PAGE_SIZE",
    "FindingDetail",
    "FindingQuery",
    "FindingsHistory",
    "MetricsSummary",
    "Page",
    "StatusEvent",
    "StoredFinding",
    "TrendBucket",
    "TrendDirection",
    "TrendGranularity",
]

MAX_PAGE_SIZE = 1000

T = TypeVar("T")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TrendGranularity(StrEnum):
    DAY = "day"
    WEEK = "week"
    """ISO weeks: buckets start on Monday 00:00 UTC."""
    MONTH = "month"


class TrendDirection(StrEnum):
    INCREASING = "increasing"
    DECREASING = "decreasing"
    STABLE = "stable"


class FindingQuery(_Model):
    """Filters of ``GET /api/v1/findings``; every filter is optional and they
    combine with AND. ``seen_from``/``seen_to`` select findings whose
    ``last_seen`` falls in ``[seen_from, seen_to)``."""

    repo: str | None = None
    file_path: str | None = None
    rule_id: str | None = None
    issue_type: str | None = None
    min_severity: Severity | None = Field(default=None, description="this severity or worse")
    statuses: tuple[FindingStatus, ...] = Field(default=(), description="any of these; empty = all")
    commit_sha: str | None = None
    seen_from: AwareDatetime | None = None
    seen_to: AwareDatetime | None = None
    limit: int = Field(default=100, ge=1, le=MAX_PAGE_SIZE)
    offset: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _range(self) -> FindingQuery:
        if self.seen_from and self.seen_to and self.seen_to < self.seen_from:
            raise ValueError("seen_to is before seen_from")
        return self


class Page(_Model, Generic[T]):
    """One page of a list; ``total_count`` is exact (all matching rows)."""

    items: list[T]
    total_count: int = Field(ge=0)
    limit: int
    offset: int
    has_more: bool
    next_offset: int | None

    @classmethod
    def of(cls, items: list[T], *, total_count: int, limit: int, offset: int) -> Page[T]:
        end = offset + len(items)
        more = end < total_count
        return cls(
            items=items,
            total_count=total_count,
            limit=limit,
            offset=offset,
            has_more=more,
            next_offset=end if more else None,
        )


class StoredFinding(Finding):
    """A finding as the store knows it: the latest version seen, plus how
    often and when its status last changed."""

    occurrence_count: int = Field(ge=1, description="distinct observations (replays are not counted)")
    status_changed_at: AwareDatetime | None = None
    resolved_at: AwareDatetime | None = None


class StatusEvent(_Model):
    """One status transition of a finding (who, when, from, to, note).
    ``previous_status`` is null for the first detection."""

    finding_id: str
    repo: str
    file_path: str
    status: FindingStatus
    previous_status: FindingStatus | None
    changed_by: str | None
    note: str | None
    changed_at: AwareDatetime


class FindingDetail(_Model):
    finding: StoredFinding
    history: list[StatusEvent] = Field(description="oldest first")


class MetricsSummary(_Model):
    """``GET /api/v1/metrics/summary``. Active = open or acknowledged."""

    total_findings: int
    active_findings: int
    by_status: dict[FindingStatus, int]
    by_severity: dict[Severity, int] = Field(description="active findings by severity")
    files_affected: int = Field(description="files with at least one active finding")
    quality_score: float = Field(ge=0, le=100, description="see hefesto_core.history.scoring")


class TrendBucket(_Model):
    bucket_start: datetime
    new_findings: int
    resolved_findings: int
    new_by_severity: dict[Severity, int]


class FindingsHistory(_Model):
    """``GET /api/v1/iris/findings-history``: new findings in the window
    against the window of the same length just before it."""

    window_start: AwareDatetime
    window_end: AwareDatetime
    new_findings: int
    previous_new_findings: int
    change_pct: float | None = Field(description="null when the previous window had none")
    trend: TrendDirection
    resolved_findings: int
    mean_hours_to_resolution: dict[Severity, float] = Field(
        description="findings resolved in the window: resolved_at - first_seen, by severity"
    )
