"""What both backends share: the public methods of :class:`HistoryStore`,
written once on top of a few storage primitives each backend implements.
Keeping the semantics here is what lets one contract suite hold both to the
same behaviour."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

from hefesto_core.history import scoring
from hefesto_core.history.filters import Cond, file_filters, finding_filters
from hefesto_core.history.plan import Operation, SetStatus, plan_events, plan_upserts
from hefesto_core.history.queries import (
    FindingDetail,
    FindingQuery,
    FindingsHistory,
    MetricsSummary,
    Page,
    StoredFinding,
    TrendBucket,
    TrendGranularity,
)
from hefesto_core.history.rows import (
    alert_row,
    correlation_row,
    correlation_row_from_json,
    status_event_from_row,
    stored_finding_from_row,
    to_ms,
)
from hefesto_core.history.trends import roll_up
from hefesto_core.models import (
    EnrichedAlert,
    Finding,
    FindingEvent,
    FindingStatus,
    IrisAlert,
    Severity,
    StatusChange,
)

__all__ = ["ACTIVE_STATUSES", "AppendTable", "BaseHistoryStore", "now_ms"]

ACTIVE_STATUSES = (FindingStatus.OPEN.value, FindingStatus.ACKNOWLEDGED.value)

AppendTable = Literal["alerts", "correlations"]


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def _scope(repo: str | None, file_path: str | None = None) -> list[Cond]:
    conds = []
    if repo is not None:
        conds.append(Cond("repo", "=", repo))
    if file_path is not None:
        conds.append(Cond("file_path", "=", file_path))
    return conds


class BaseHistoryStore(ABC):
    backend: str

    # -- primitives ------------------------------------------------------------
    @abstractmethod
    def _apply(self, ops: Sequence[Operation], *, recorded_ms: int) -> None: ...

    @abstractmethod
    def _insert_rows(self, table: AppendTable, rows: Sequence[Mapping[str, Any]]) -> None:
        """Append-only tables; a row whose key exists already is a replay."""

    @abstractmethod
    def _select_findings(
        self, conds: Sequence[Cond], *, limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int]:
        """A page of logical rows in the documented order, and the exact total."""

    @abstractmethod
    def _count_findings(self, conds: Sequence[Cond], *, distinct_files: bool = False) -> int: ...

    @abstractmethod
    def _status_severity_counts(self, conds: Sequence[Cond]) -> list[tuple[str, str, int]]: ...

    @abstractmethod
    def _daily_counts(self, conds: Sequence[Cond], *, time_column: str) -> list[tuple[int, str, int]]:
        """``(day_index, severity, count)`` grouped on ``time_column``."""

    @abstractmethod
    def _resolution_stats(self, conds: Sequence[Cond]) -> list[tuple[str, int, int]]:
        """``(severity, count, sum of resolved_at - first_seen in ms)``."""

    @abstractmethod
    def _status_history(self, finding_id: str) -> list[dict[str, Any]]: ...

    @abstractmethod
    def _payloads(self, table: AppendTable, alert_id: str) -> list[str]:
        """Deduplicated payloads of ``alerts`` or ``correlations`` (oldest version first)."""

    # -- writes ----------------------------------------------------------------
    def record_finding_events(self, events: Sequence[FindingEvent]) -> None:
        ops = plan_events(events)
        if ops:
            self._apply(ops, recorded_ms=now_ms())

    def upsert_findings(self, findings: Sequence[Finding], *, seen_at: datetime) -> None:
        ops = plan_upserts(findings, seen_ms=to_ms(seen_at))
        if ops:
            self._apply(ops, recorded_ms=now_ms())

    def record_status_change(self, change: StatusChange, *, repo: str, file_path: str) -> None:
        self._apply([SetStatus(change, repo, file_path)], recorded_ms=now_ms())

    def record_alerts(self, alerts: Sequence[IrisAlert]) -> None:
        recorded = now_ms()
        rows = {a.alert_id: alert_row(a, recorded_ms=recorded) for a in alerts}
        if rows:
            self._insert_rows("alerts", list(rows.values()))

    def record_correlations(
        self, enriched: Sequence[EnrichedAlert], *, payloads: Sequence[str | None] | None = None
    ) -> None:
        if payloads is not None and len(payloads) != len(enriched):
            raise ValueError(f"{len(payloads)} payloads for {len(enriched)} correlations")
        recorded = now_ms()
        texts: Sequence[str | None] = payloads if payloads is not None else [None] * len(enriched)
        self._insert_correlations(
            correlation_row(e, recorded_ms=recorded, payload=text)
            for e, text in zip(enriched, texts, strict=True)
        )

    def record_correlation_payloads(self, payloads: Sequence[str]) -> None:
        recorded = now_ms()
        self._insert_correlations(correlation_row_from_json(text, recorded_ms=recorded) for text in payloads)

    def _insert_correlations(self, rows: Iterable[dict[str, Any]]) -> None:
        """One row per (alert_id, correlation_version), the last one given."""
        unique = {(row["alert_id"], row["correlation_version"]): row for row in rows}
        if unique:
            self._insert_rows("correlations", list(unique.values()))

    # -- reads -----------------------------------------------------------------
    def _page(self, conds: Sequence[Cond], *, limit: int, offset: int) -> Page[StoredFinding]:
        rows, total = self._select_findings(conds, limit=limit, offset=offset)
        items = [stored_finding_from_row(r) for r in rows]
        return Page[StoredFinding].of(items, total_count=total, limit=limit, offset=offset)

    def query_findings(self, query: FindingQuery) -> Page[StoredFinding]:
        return self._page(finding_filters(query), limit=query.limit, offset=query.offset)

    def findings_by_file(
        self,
        file_path: str,
        *,
        repo: str | None = None,
        since: datetime | None = None,
        min_severity: Severity | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> Page[StoredFinding]:
        # Validated like FindingQuery so the bounds are the API's bounds.
        checked = FindingQuery(limit=limit, offset=offset)
        conds = file_filters(
            file_path, repo=repo, since_ms=None if since is None else to_ms(since), min_severity=min_severity
        )
        return self._page(conds, limit=checked.limit, offset=checked.offset)

    def get_finding(self, finding_id: str) -> FindingDetail | None:
        rows, _ = self._select_findings([Cond("finding_id", "=", finding_id)], limit=1, offset=0)
        if not rows:
            return None
        history = [status_event_from_row(r) for r in self._status_history(finding_id)]
        return FindingDetail(finding=stored_finding_from_row(rows[0]), history=history)

    def get_alert(self, alert_id: str) -> IrisAlert | None:
        payloads = self._payloads("alerts", alert_id)
        return IrisAlert.model_validate_json(payloads[-1]) if payloads else None

    def correlation_versions(self, alert_id: str) -> list[EnrichedAlert]:
        return [EnrichedAlert.model_validate_json(p) for p in self._payloads("correlations", alert_id)]

    def latest_correlation(self, alert_id: str) -> EnrichedAlert | None:
        versions = self._payloads("correlations", alert_id)
        return EnrichedAlert.model_validate_json(versions[-1]) if versions else None

    def metrics_summary(self, *, repo: str | None = None) -> MetricsSummary:
        scope = _scope(repo)
        by_status = dict.fromkeys(FindingStatus, 0)
        active = dict.fromkeys(Severity, 0)
        for status, severity, count in self._status_severity_counts(scope):
            by_status[FindingStatus(status)] += count
            if status in ACTIVE_STATUSES:
                active[Severity(severity)] += count
        files = self._count_findings([*scope, Cond("status", "in", ACTIVE_STATUSES)], distinct_files=True)
        return MetricsSummary(
            total_findings=sum(by_status.values()),
            active_findings=sum(active.values()),
            by_status=by_status,
            by_severity=active,
            files_affected=files,
            quality_score=scoring.quality_score(active),
        )

    def trends(
        self,
        *,
        start: datetime,
        end: datetime,
        granularity: TrendGranularity = TrendGranularity.DAY,
        repo: str | None = None,
    ) -> list[TrendBucket]:
        start_ms, end_ms = to_ms(start), to_ms(end)
        scope = _scope(repo)
        new = self._daily_counts(
            [*scope, Cond("first_seen", ">=", start_ms), Cond("first_seen", "<", end_ms)],
            time_column="first_seen",
        )
        resolved = self._daily_counts(
            [
                *scope,
                Cond("status", "=", FindingStatus.RESOLVED.value),
                Cond("resolved_at", ">=", start_ms),
                Cond("resolved_at", "<", end_ms),
            ],
            time_column="resolved_at",
        )
        return roll_up(
            start=start, end=end, granularity=granularity, new_by_day=new, resolved_by_day=resolved
        )

    def findings_history(
        self,
        *,
        start: datetime,
        end: datetime,
        repo: str | None = None,
        file_path: str | None = None,
    ) -> FindingsHistory:
        start_ms, end_ms = to_ms(start), to_ms(end)
        if end_ms <= start_ms:
            raise ValueError("end must be after start")
        scope = _scope(repo, file_path)
        previous_start_ms = start_ms - (end_ms - start_ms)
        current = self._count_findings(
            [*scope, Cond("first_seen", ">=", start_ms), Cond("first_seen", "<", end_ms)]
        )
        previous = self._count_findings(
            [*scope, Cond("first_seen", ">=", previous_start_ms), Cond("first_seen", "<", start_ms)]
        )
        stats = self._resolution_stats(
            [
                *scope,
                Cond("status", "=", FindingStatus.RESOLVED.value),
                Cond("resolved_at", ">=", start_ms),
                Cond("resolved_at", "<", end_ms),
            ]
        )
        return FindingsHistory(
            window_start=start,
            window_end=end,
            new_findings=current,
            previous_new_findings=previous,
            change_pct=scoring.change_pct(current, previous),
            trend=scoring.trend_direction(current, previous),
            resolved_findings=sum(n for _, n, _ in stats),
            mean_hours_to_resolution={
                Severity(sev): round(total_ms / n / 3_600_000, 2) for sev, n, total_ms in stats if n
            },
        )
