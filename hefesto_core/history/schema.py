"""Table schemas, one definition for both backends.

Four tables (DESIGN.md section 6):

``findings``
    Current state, one row per ``finding_id``; written by MERGE/UPSERT only.
``finding_events``
    Status transitions (first detection, resolution by absence, reopening,
    operator changes); append-only, deduplicated by ``event_key``.
``alerts``
    Iris alerts; append-only, deduplicated by ``alert_id``.
``correlations``
    Every ``correlation_version`` of every enriched alert; append-only,
    deduplicated by (``alert_id``, ``correlation_version``).

Timestamps are ``TIMESTAMP`` in BigQuery (partitioning needs it) and integer
milliseconds in SQLite, where the column takes a ``_ms`` suffix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "ALERTS",
    "CORRELATIONS",
    "FINDINGS",
    "FINDING_CONTENT",
    "FINDING_EVENTS",
    "SCHEMA_VERSION",
    "TABLES",
    "Column",
    "ColumnType",
    "Table",
]

SCHEMA_VERSION = 1

ColumnType = Literal["STRING", "INT64", "FLOAT64", "BOOL", "TIMESTAMP"]


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: ColumnType
    required: bool = False
    description: str = ""

    @property
    def sqlite_name(self) -> str:
        return f"{self.name}_ms" if self.type == "TIMESTAMP" else self.name


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    partition_field: str
    clustering: tuple[str, ...]
    description: str
    _by_name: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {c.name: c for c in self.columns})

    def column(self, name: str) -> Column:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"{self.name} has no column {name!r}") from None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def timestamp_names(self) -> frozenset[str]:
        return frozenset(c.name for c in self.columns if c.type == "TIMESTAMP")


def _c(name: str, type_: ColumnType, *, required: bool = False, description: str = "") -> Column:
    return Column(name, type_, required, description)


FINDINGS = Table(
    name="findings",
    columns=(
        _c("finding_id", "STRING", required=True, description="stable fingerprint"),
        _c("repo", "STRING", required=True),
        _c("commit_sha", "STRING", description="commit of the latest observation"),
        _c("file_path", "STRING", required=True, description="repo-relative POSIX path"),
        _c("line_start", "INT64", required=True),
        _c("line_end", "INT64", required=True),
        _c("column_number", "INT64", required=True),
        _c("function_name", "STRING"),
        _c("rule_id", "STRING", required=True),
        _c("issue_type", "STRING", required=True),
        _c("severity", "STRING", required=True),
        _c("severity_rank", "INT64", required=True, description="INFO 0 ... CRITICAL 4"),
        _c("message", "STRING", required=True),
        _c("suggestion", "STRING"),
        _c("code_snippet", "STRING"),
        _c("confidence", "FLOAT64", required=True),
        _c("status", "STRING", required=True),
        _c("detected_by", "STRING", required=True),
        _c("metadata", "STRING", required=True, description="JSON object"),
        _c("first_seen", "TIMESTAMP", required=True),
        _c("last_seen", "TIMESTAMP", required=True),
        _c("occurrence_count", "INT64", required=True, description="distinct observation times"),
        _c("status_changed_at", "TIMESTAMP"),
        _c("resolved_at", "TIMESTAMP", description="set while status is resolved"),
    ),
    key=("finding_id",),
    partition_field="first_seen",
    clustering=("file_path", "severity"),
    description="Hefesto findings, current state (one row per finding_id)",
)

FINDING_EVENTS = Table(
    name="finding_events",
    columns=(
        _c("event_key", "STRING", required=True, description="finding_id@changed_at_ms:status"),
        _c("finding_id", "STRING", required=True),
        _c("repo", "STRING", required=True),
        _c("file_path", "STRING", required=True),
        _c("severity", "STRING", description="severity of the finding when known"),
        _c("status", "STRING", required=True),
        _c("previous_status", "STRING", description="null for the first detection"),
        _c("changed_by", "STRING"),
        _c("note", "STRING"),
        _c("changed_at", "TIMESTAMP", required=True),
        _c("recorded_at", "TIMESTAMP", required=True),
    ),
    key=("event_key",),
    partition_field="changed_at",
    clustering=("file_path", "finding_id"),
    description="Status transitions of findings",
)

ALERTS = Table(
    name="alerts",
    columns=(
        _c("alert_id", "STRING", required=True),
        _c("alerted_at", "TIMESTAMP", required=True, description="the alert's own timestamp"),
        _c("severity", "STRING", required=True),
        _c("service", "STRING"),
        _c("repo", "STRING"),
        _c("file_path", "STRING"),
        _c("payload", "STRING", required=True, description="the IrisAlert as JSON"),
        _c("recorded_at", "TIMESTAMP", required=True),
    ),
    key=("alert_id",),
    partition_field="alerted_at",
    clustering=("file_path", "severity"),
    description="Iris alerts as received",
)

CORRELATIONS = Table(
    name="correlations",
    columns=(
        _c("alert_id", "STRING", required=True),
        _c("correlation_version", "INT64", required=True),
        _c("enriched", "BOOL", required=True),
        _c("correlation_confidence", "FLOAT64", required=True),
        _c("file_path", "STRING", description="code_context.file_path"),
        _c("severity", "STRING", description="severity of the best finding"),
        _c("processed_at", "TIMESTAMP", required=True),
        _c("payload", "STRING", required=True, description="the EnrichedAlert as JSON"),
        _c("recorded_at", "TIMESTAMP", required=True),
    ),
    key=("alert_id", "correlation_version"),
    partition_field="processed_at",
    clustering=("file_path", "severity"),
    description="Every version of every enriched alert",
)

TABLES: tuple[Table, ...] = (FINDINGS, FINDING_EVENTS, ALERTS, CORRELATIONS)

FINDING_CONTENT: tuple[str, ...] = tuple(
    c
    for c in FINDINGS.names
    if c
    not in {
        "finding_id",
        "repo",
        "file_path",
        "status",
        "first_seen",
        "last_seen",
        "occurrence_count",
        "status_changed_at",
        "resolved_at",
    }
)
"""Columns a newer observation refreshes: what the analyzer says about the
finding. Identity, timeline, counts and status are the store's own."""
