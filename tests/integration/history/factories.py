"""Builders of findings, events, alerts and correlations for the contract suite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hefesto_core.models import (
    EnrichedAlert,
    Finding,
    FindingEvent,
    FindingEventKind,
    IrisAlert,
    StatusChange,
)

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
"""A Monday: week buckets start on T0's day."""


def at(hours: float = 0, *, days: float = 0) -> datetime:
    return T0 + timedelta(hours=hours, days=days)


def finding(fid: str, **overrides: Any) -> Finding:
    body: dict[str, Any] = {
        "finding_id": fid,
        "repo": "acme/pay",
        "commit_sha": "a1b2c3d",
        "file_path": "src/payment_processor.py",
        "line_start": 140,
        "line_end": 150,
        "function_name": "PaymentProcessor.process_payment",
        "rule_id": "HF101",
        "issue_type": "POSSIBLE_NONE_DEREFERENCE",
        "severity": "HIGH",
        "message": "customer may be None here",
        "suggestion": "check for None first",
        "code_snippet": "customer.charge(amount)",
        "confidence": 0.9,
        "metadata": {"complexity": 15},
    }
    body.update(overrides)
    return Finding(**body)


def event(
    kind: str, *findings: Finding, when: datetime, event_id: str | None = None, **overrides: Any
) -> FindingEvent:
    first = findings[0] if findings else None
    body: dict[str, Any] = {
        "event_id": event_id or f"{kind}-{when.isoformat()}",
        "kind": FindingEventKind(kind),
        "repo": first.repo if first else "acme/pay",
        "file_path": first.file_path if first else "src/payment_processor.py",
        "commit_sha": first.commit_sha if first else None,
        "findings": list(findings),
        "emitted_at": when,
    }
    body.update(overrides)
    return FindingEvent(**body)


def status_change(fid: str, status: str, *, when: datetime, by: str = "ops@acme", **kw: Any) -> StatusChange:
    return StatusChange(finding_id=fid, status=status, changed_by=by, changed_at=when, **kw)


def alert(alert_id: str, **overrides: Any) -> IrisAlert:
    body: dict[str, Any] = {
        "alert_id": alert_id,
        "timestamp": T0,
        "severity": "CRITICAL",
        "service": "payments",
        "repo": "acme/pay",
        "file_path": "src/payment_processor.py",
        "line_number": 145,
        "error_message": "NoneType object has no attribute 'charge'",
    }
    body.update(overrides)
    return IrisAlert(**body)


def enriched(alert_id: str, version: int, *, confidence: float = 0.8) -> EnrichedAlert:
    return EnrichedAlert(
        alert_id=alert_id,
        enriched=True,
        correlation_version=version,
        correlation_confidence=confidence,
        code_context={"file_path": "src/payment_processor.py", "line_number": 145},
        hefesto_findings=[
            {
                "finding_id": "f-1",
                "file_path": "src/payment_processor.py",
                "line_number": 140,
                "rule_id": "HF101",
                "issue_type": "POSSIBLE_NONE_DEREFERENCE",
                "severity": "HIGH",
                "message": "customer may be None here",
                "match_confidence": confidence,
            }
        ],
        processed_at=at(version),
    )
