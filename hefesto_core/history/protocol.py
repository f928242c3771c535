"""The ``HistoryStore`` protocol: what the stream's history sink writes and
what the API reads. Implementations: :class:`SqliteHistoryStore` (embedded
default) and :class:`BigQueryHistoryStore`.

Contract, for every implementation:

* all methods are synchronous and safe to call from several threads;
* writes are idempotent: replaying an event, alert or correlation version
  (the stream is at-least-once) changes nothing and duplicates nothing;
* ``occurrence_count`` counts distinct observation times: an observation at
  or before ``last_seen`` is a replay and is not counted;
* a status change older than the finding's ``status_changed_at`` is kept in
  the history but does not overwrite the newer status;
* failures raise :class:`~hefesto_core.errors.StoreError`, and
  :class:`~hefesto_core.errors.StoreUnavailableError` when the backend cannot
  be reached (the API maps it to 503 ``STORE_UNAVAILABLE``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

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
from hefesto_core.models import (
    EnrichedAlert,
    Finding,
    FindingEvent,
    IrisAlert,
    Severity,
    StatusChange,
)

__all__ = ["HistoryStore"]


@runtime_checkable
class HistoryStore(Protocol):
    backend: str
    """``"sqlite"`` or ``"bigquery"`` (shown by ``/api/v1/status``)."""

    # -- writes --------------------------------------------------------------
    def record_finding_events(self, events: Sequence[FindingEvent]) -> None:
        """Apply ``upsert``, ``replace`` (findings of the file absent from the
        event become resolved) and ``status`` events, in order."""
        ...

    def upsert_findings(self, findings: Sequence[Finding], *, seen_at: datetime) -> None:
        """Observe findings at ``seen_at``: insert new ones, keep
        ``first_seen``, advance ``last_seen`` and ``occurrence_count``; a
        resolved finding seen again is reopened."""
        ...

    def record_status_change(self, change: StatusChange, *, repo: str, file_path: str) -> None: ...

    def record_alerts(self, alerts: Sequence[IrisAlert]) -> None: ...

    def record_correlations(
        self, enriched: Sequence[EnrichedAlert], *, payloads: Sequence[str | None] | None = None
    ) -> None:
        """Every ``correlation_version`` is kept. ``payloads``, when given,
        are the models' ``model_dump_json()``, already made by the caller
        (the stream sends that JSON downstream), stored instead of encoding
        each model again; a ``None`` entry is encoded here."""
        ...

    def record_correlation_payloads(self, payloads: Sequence[str]) -> None:
        """``record_correlations`` from the enriched alerts' JSON alone,
        each stored as given (the stream's history sink has only that)."""
        ...

    # -- reads ---------------------------------------------------------------
    def query_findings(self, query: FindingQuery) -> Page[StoredFinding]:
        """Worst severity first, then most recently seen, then ``finding_id``."""
        ...

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
        """The audit's section 6.5: findings of one file seen since ``since``."""
        ...

    def get_finding(self, finding_id: str) -> FindingDetail | None: ...

    def get_alert(self, alert_id: str) -> IrisAlert | None: ...

    def latest_correlation(self, alert_id: str) -> EnrichedAlert | None: ...

    def correlation_versions(self, alert_id: str) -> list[EnrichedAlert]:
        """All versions, oldest first."""
        ...

    def metrics_summary(self, *, repo: str | None = None) -> MetricsSummary: ...

    def trends(
        self,
        *,
        start: datetime,
        end: datetime,
        granularity: TrendGranularity = TrendGranularity.DAY,
        repo: str | None = None,
    ) -> list[TrendBucket]:
        """Buckets covering ``[start, end)``, empty ones included."""
        ...

    def findings_history(
        self,
        *,
        start: datetime,
        end: datetime,
        repo: str | None = None,
        file_path: str | None = None,
    ) -> FindingsHistory: ...

    def ping(self) -> None:
        """Raise :class:`StoreUnavailableError` unless the backend answers."""
        ...

    def close(self) -> None: ...
