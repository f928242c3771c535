"""History store: findings, status changes, alerts and correlations that
outlive the stream's tables (DESIGN.md section 6).

``open_store(settings)`` returns a :class:`HistoryStore`: the embedded SQLite
file by default, BigQuery when configured.
"""

from __future__ import annotations

from hefesto_core.history.factory import open_store
from hefesto_core.history.protocol import HistoryStore
from hefesto_core.history.queries import (
    MAX_PAGE_SIZE,
    FindingDetail,
    FindingQuery,
    FindingsHistory,
    MetricsSummary,
    Page,
    StatusEvent,
    StoredFinding,
    TrendBucket,
    TrendDirection,
    TrendGranularity,
)
from hefesto_core.history.scoring import quality_score
from hefesto_core.history.sqlite import SqliteHistoryStore

__all__ = [
    "MAX_PAGE_SIZE",
    "FindingDetail",
    "FindingQuery",
    "FindingsHistory",
    "HistoryStore",
    "MetricsSummary",
    "Page",
    "SqliteHistoryStore",
    "StatusEvent",
    "StoredFinding",
    "TrendBucket",
    "TrendDirection",
    "TrendGranularity",
    "open_store",
    "quality_score",
]
