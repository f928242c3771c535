"""Conversions between models and *logical rows*: dicts keyed by the column
names of :mod:`hefesto_core.history.schema`, timestamps as integer ms. Each
backend maps logical rows to its own physical form."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import orjson

from hefesto_core.history.queries import StatusEvent, StoredFinding
from hefesto_core.models import (
    EnrichedAlert,
    Finding,
    FindingStatus,
    IrisAlert,
    StatusChange,
    severity_rank,
)

__all__ = [
    "absent_note",
    "alert_row",
    "correlation_row",
    "correlation_row_from_json",
    "detected_note",
    "event_key",
    "finding_row",
    "from_ms",
    "reopened_note",
    "status_event_from_row",
    "status_row",
    "stored_finding_from_row",
    "to_ms",
]


def to_ms(value: datetime) -> int:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value.isoformat()}: the store only takes timezone-aware times")
    return int(value.timestamp() * 1000)


def from_ms(value_ms: int) -> datetime:
    return datetime.fromtimestamp(value_ms / 1000, tz=UTC)


def _opt_ms(value: datetime | None) -> int | None:
    return None if value is None else to_ms(value)


def _opt_dt(value_ms: int | None) -> datetime | None:
    return None if value_ms is None else from_ms(value_ms)


def event_key(finding_id: str, *, changed_at_ms: int, status: str) -> str:
    """Dedup key of a status transition: replaying it yields the same key."""
    return f"{finding_id}@{changed_at_ms}:{status}"


def finding_row(finding: Finding, *, seen_ms: int) -> dict[str, Any]:
    """The row a first observation at ``seen_ms`` would create; on an
    existing row the backend keeps first_seen, status and counts."""
    first_ms = min(seen_ms, to_ms(finding.first_seen)) if finding.first_seen else seen_ms
    return {
        "finding_id": finding.finding_id,
        "repo": finding.repo,
        "commit_sha": finding.commit_sha,
        "file_path": finding.file_path,
        "line_start": finding.line_start,
        "line_end": finding.line_end,
        "column_number": finding.column,
        "function_name": finding.function_name,
        "rule_id": finding.rule_id,
        "issue_type": finding.issue_type,
        "severity": finding.severity.value,
        "severity_rank": severity_rank(finding.severity),
        "message": finding.message,
        "suggestion": finding.suggestion,
        "code_snippet": finding.code_snippet,
        "confidence": finding.confidence,
        "status": finding.status.value,
        "detected_by": finding.detected_by,
        "metadata": orjson.dumps(finding.metadata).decode(),
        "first_seen": first_ms,
        "last_seen": seen_ms,
        "occurrence_count": 1,
        "status_changed_at": first_ms,
        "resolved_at": seen_ms if finding.status is FindingStatus.RESOLVED else None,
    }


def stored_finding_from_row(row: Mapping[str, Any]) -> StoredFinding:
    return StoredFinding(
        finding_id=row["finding_id"],
        repo=row["repo"],
        commit_sha=row["commit_sha"],
        file_path=row["file_path"],
        line_start=row["line_start"],
        line_end=row["line_end"],
        column=row["column_number"],
        function_name=row["function_name"],
        rule_id=row["rule_id"],
        issue_type=row["issue_type"],
        severity=row["severity"],
        message=row["message"],
        suggestion=row["suggestion"],
        code_snippet=row["code_snippet"],
        confidence=row["confidence"],
        status=row["status"],
        detected_by=row["detected_by"],
        metadata=orjson.loads(row["metadata"]),
        first_seen=from_ms(row["first_seen"]),
        last_seen=from_ms(row["last_seen"]),
        occurrence_count=row["occurrence_count"],
        status_changed_at=_opt_dt(row["status_changed_at"]),
        resolved_at=_opt_dt(row["resolved_at"]),
    )


def status_row(
    change: StatusChange, *, repo: str, file_path: str, recorded_ms: int, severity: str | None = None
) -> dict[str, Any]:
    changed_ms = to_ms(change.changed_at)
    return {
        "event_key": event_key(change.finding_id, changed_at_ms=changed_ms, status=change.status.value),
        "finding_id": change.finding_id,
        "repo": repo,
        "file_path": file_path,
        "severity": severity,
        "status": change.status.value,
        "previous_status": change.previous_status.value if change.previous_status else None,
        "changed_by": change.changed_by,
        "note": change.note,
        "changed_at": changed_ms,
        "recorded_at": recorded_ms,
    }


def status_event_from_row(row: Mapping[str, Any]) -> StatusEvent:
    return StatusEvent(
        finding_id=row["finding_id"],
        repo=row["repo"],
        file_path=row["file_path"],
        status=row["status"],
        previous_status=row["previous_status"],
        changed_by=row["changed_by"],
        note=row["note"],
        changed_at=from_ms(row["changed_at"]),
    )


def alert_row(alert: IrisAlert, *, recorded_ms: int) -> dict[str, Any]:
    return {
        "alert_id": alert.alert_id,
        "alerted_at": to_ms(alert.timestamp),
        "severity": alert.severity.value,
        "service": alert.service,
        "repo": alert.repo,
        "file_path": alert.file_path,
        "payload": alert.model_dump_json(),
        "recorded_at": recorded_ms,
    }


def correlation_row(
    enriched: EnrichedAlert, *, recorded_ms: int, payload: str | None = None
) -> dict[str, Any]:
    best = enriched.hefesto_findings[0] if enriched.hefesto_findings else None
    file_path = enriched.code_context.file_path if enriched.code_context else None
    return {
        "alert_id": enriched.alert_id,
        "correlation_version": enriched.correlation_version,
        "enriched": enriched.enriched,
        "correlation_confidence": enriched.correlation_confidence,
        "file_path": file_path or (best.file_path if best else None),
        "severity": best.severity.value if best else None,
        "processed_at": to_ms(enriched.processed_at),
        "payload": payload if payload is not None else enriched.model_dump_json(),
        "recorded_at": recorded_ms,
    }


def correlation_row_from_json(payload: str, *, recorded_ms: int) -> dict[str, Any]:
    """:func:`correlation_row` read from an enriched alert's JSON as this
    product encodes it (every field present), without building the model:
    the stream's history sink has only that JSON, and validating a few KB
    of nested models per alert would cost more than the write. JSON of any
    other shape goes through the model, and is validated there."""
    data = orjson.loads(payload)
    try:
        findings = data["hefesto_findings"]
        best = findings[0] if findings else None
        context = data["code_context"]
        file_path = context.get("file_path") if context else None
        return {
            "alert_id": data["alert_id"],
            "correlation_version": data["correlation_version"],
            "enriched": data["enriched"],
            "correlation_confidence": data["correlation_confidence"],
            "file_path": file_path or (best["file_path"] if best else None),
            "severity": best["severity"] if best else None,
            "processed_at": to_ms(datetime.fromisoformat(data["processed_at"])),
            "payload": payload,
            "recorded_at": recorded_ms,
        }
    except (KeyError, TypeError, ValueError, AttributeError):
        return correlation_row(EnrichedAlert.model_validate(data), recorded_ms=recorded_ms, payload=payload)


def _at(commit_sha: str | None) -> str:
    return f" at commit {commit_sha}" if commit_sha else ""


def detected_note(commit_sha: str | None) -> str:
    return f"first detected{_at(commit_sha)}"


def reopened_note(commit_sha: str | None) -> str:
    return f"seen again{_at(commit_sha)}"


def absent_note(commit_sha: str | None) -> str:
    return f"no longer reported{_at(commit_sha)}"
