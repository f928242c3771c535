from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from hefesto_core.models import (
    EnrichedAlert,
    Finding,
    FindingEvent,
    FindingEventKind,
    IrisAlert,
    NotEnrichedReason,
    Severity,
    severity_rank,
)

Body = Callable[..., dict[str, Any]]


def _errors(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, str]:
    return {".".join(str(p) for p in e["loc"]) or "__root__": e["msg"] for e in exc.value.errors()}


def test_audit_example_is_accepted_unchanged(alert_body: Body) -> None:
    alert = IrisAlert.model_validate(alert_body())
    assert alert.alert_id == "alert_12345"
    assert alert.severity is Severity.CRITICAL
    assert alert.timestamp == datetime(2025, 10, 30, 12, tzinfo=UTC)
    assert alert.schema_version == 1
    assert alert.has_code_location


def test_alert_without_location_is_valid_but_says_so(alert_body: Body) -> None:
    alert = IrisAlert.model_validate(alert_body(file_path=None, line_number=None, stack_trace=None))
    assert not alert.has_code_location


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"timestamp": "2025-10-30T12:00:00"}, "timestamp", "timezone"),
        ({"timestamp": "yesterday"}, "timestamp", "datetime"),
        ({"severity": "SEVERE"}, "severity", "CRITICAL"),
        ({"line_number": 0}, "line_number", "greater than or equal to 1"),
        ({"alert_id": ""}, "alert_id", "at least 1 character"),
        ({"commit_sha": "not-a-sha"}, "commit_sha", "hexadecimal"),
        ({"schema_version": 2}, "schema_version", "1"),
        ({"linenumber": 3}, "linenumber", "Extra inputs are not permitted"),
        ({"affected_users": -1}, "affected_users", "greater than or equal to 0"),
    ],
)
def test_alert_rejections_name_the_field(
    alert_body: Body, overrides: dict[str, Any], field: str, fragment: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        IrisAlert.model_validate(alert_body(**overrides))
    errors = _errors(exc)
    assert field in errors, errors
    assert fragment in errors[field]


def test_line_without_file_is_rejected(alert_body: Body) -> None:
    with pytest.raises(ValidationError, match="line_number was given without file_path"):
        IrisAlert.model_validate(alert_body(file_path=None))


def test_severity_is_case_insensitive(alert_body: Body) -> None:
    assert IrisAlert.model_validate(alert_body(severity="high")).severity is Severity.HIGH
    assert severity_rank("critical") > severity_rank(Severity.HIGH) > severity_rank("info")


@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        ("/etc/passwd", "relative"),
        ("C:/app/x.py", "relative"),
        ("src/../../etc/passwd", "'..'"),
        ("src\\x.py", "'/' separators"),
        ("", "empty"),
    ],
)
def test_finding_paths_are_repo_relative(finding_body: Body, path: str, fragment: str) -> None:
    with pytest.raises(ValidationError) as exc:
        Finding.model_validate(finding_body(file_path=path))
    assert fragment in _errors(exc)["file_path"]


def test_finding_path_is_normalized_and_keyed(finding_body: Body) -> None:
    f = Finding.model_validate(finding_body(file_path="./src//payment_processor.py"))
    assert f.file_path == "src/payment_processor.py"
    assert f.file_key == "payments:src/payment_processor.py"


def test_finding_span_and_issue_type(finding_body: Body) -> None:
    with pytest.raises(ValidationError, match="line_end \\(3\\) is before line_start \\(140\\)"):
        Finding.model_validate(finding_body(line_end=3))
    with pytest.raises(ValidationError, match="UPPER_SNAKE_CASE"):
        Finding.model_validate(finding_body(issue_type="none deref"))


def test_finding_event_consistency(finding_body: Body) -> None:
    now = datetime.now(UTC)
    ok = FindingEvent(
        event_id="e1",
        kind=FindingEventKind.REPLACE,
        repo="payments",
        file_path="src/payment_processor.py",
        findings=[Finding.model_validate(finding_body())],
        emitted_at=now,
    )
    assert ok.file_key == "payments:src/payment_processor.py"
    with pytest.raises(ValidationError, match="not to this event's file"):
        FindingEvent(
            event_id="e2",
            kind=FindingEventKind.UPSERT,
            repo="payments",
            file_path="src/other.py",
            findings=[Finding.model_validate(finding_body())],
            emitted_at=now,
        )
    with pytest.raises(ValidationError, match="needs status_change"):
        FindingEvent(event_id="e3", kind=FindingEventKind.STATUS, repo="p", file_path="a.py", emitted_at=now)
    with pytest.raises(ValidationError, match="at least one finding"):
        FindingEvent(event_id="e4", kind=FindingEventKind.UPSERT, repo="p", file_path="a.py", emitted_at=now)
    # An empty replace is how a file's last finding disappears.
    assert (
        FindingEvent(event_id="e5", kind="replace", repo="p", file_path="a.py", emitted_at=now).findings == []
    )


def test_enriched_alert_reason_iff_not_enriched() -> None:
    now = datetime.now(UTC)
    EnrichedAlert(alert_id="a", enriched=False, reason=NotEnrichedReason.NO_CODE_LOCATION, processed_at=now)
    with pytest.raises(ValidationError, match="needs a reason"):
        EnrichedAlert(alert_id="a", enriched=False, processed_at=now)
    with pytest.raises(ValidationError, match="only set when enriched=false"):
        EnrichedAlert(alert_id="a", enriched=True, reason="no_candidate", processed_at=now)
    with pytest.raises(ValidationError, match="less than or equal to 1"):
        EnrichedAlert(alert_id="a", enriched=True, correlation_confidence=1.5, processed_at=now)


def test_round_trip_json(alert_body: Body) -> None:
    alert = IrisAlert.model_validate(alert_body(frames=[{"file_path": "/srv/app/x.py", "line_number": 3}]))
    assert IrisAlert.model_validate_json(alert.model_dump_json()) == alert
