"""GoogleSQL text of the BigQuery backend's writes.

Only identifiers from the schema and the configured dataset appear in the
text; every value is a query parameter (``@name``). Rows of a batch arrive
as one ``ARRAY<STRUCT>`` parameter ``@rows``.
"""

# S608: statements are composed from schema identifiers and placeholders only;
# every value is bound (the injection tests hold both backends to it).
# ruff: noqa: S608

from __future__ import annotations

from hefesto_core.history.schema import FINDING_CONTENT, FINDINGS

__all__ = [
    "EXTRA_FIELDS",
    "merge_findings",
    "resolve_absent_events",
    "resolve_absent_update",
    "set_status_event",
    "set_status_update",
    "upsert_events",
]

# Per-row fields of @rows besides the findings columns (all STRING).
EXTRA_FIELDS = ("detect_key", "reopen_key", "detect_note", "reopen_note", "changed_by")

_SOURCE = ", ".join(f"r.{c} AS {c}" for c in (*FINDINGS.names, *EXTRA_FIELDS))
_REOPEN = "T.status = 'resolved' AND (T.status_changed_at IS NULL OR T.status_changed_at < S.last_seen)"
_RESOLVABLE = (
    "f.repo = @repo AND f.file_path = @file_path AND f.status IN ('open', 'acknowledged') "
    "AND f.last_seen < @seen AND (f.status_changed_at IS NULL OR f.status_changed_at <= @seen) "
    "AND f.finding_id NOT IN UNNEST(@present)"
)
_EVENT_COLS = (
    "event_key, finding_id, repo, file_path, severity, status, previous_status, changed_by, note, "
    "changed_at, recorded_at"
)


def upsert_events(findings: str, events: str) -> str:
    """Status rows for first detections and reopenings; run before the MERGE,
    which makes the same rows no longer qualify (so a replay adds none)."""
    return f"""
INSERT INTO {events} ({_EVENT_COLS})
SELECT
  IF(f.finding_id IS NULL, r.detect_key, r.reopen_key),
  r.finding_id, r.repo, r.file_path, r.severity,
  IF(f.finding_id IS NULL, r.status, 'open'),
  IF(f.finding_id IS NULL, NULL, 'resolved'),
  r.changed_by,
  IF(f.finding_id IS NULL, r.detect_note, r.reopen_note),
  IF(f.finding_id IS NULL, r.first_seen, r.last_seen),
  @recorded
FROM UNNEST(@rows) AS r
LEFT JOIN {findings} AS f ON f.finding_id = r.finding_id
WHERE f.finding_id IS NULL
   OR (f.status = 'resolved' AND r.last_seen > f.last_seen
       AND (f.status_changed_at IS NULL OR f.status_changed_at < r.last_seen))
"""


def merge_findings(findings: str) -> str:
    refresh = ", ".join(f"{c} = S.{c}" for c in FINDING_CONTENT)
    cols = ", ".join(FINDINGS.names)
    values = ", ".join(f"S.{c}" for c in FINDINGS.names)
    return f"""
MERGE {findings} AS T
USING (SELECT {_SOURCE} FROM UNNEST(@rows) AS r) AS S
ON T.finding_id = S.finding_id
WHEN MATCHED AND S.last_seen > T.last_seen THEN UPDATE SET
  {refresh},
  first_seen = LEAST(T.first_seen, S.first_seen),
  last_seen = S.last_seen,
  occurrence_count = T.occurrence_count + 1,
  status = IF({_REOPEN}, 'open', T.status),
  status_changed_at = IF({_REOPEN}, S.last_seen, T.status_changed_at),
  resolved_at = IF({_REOPEN}, NULL, T.resolved_at)
WHEN MATCHED AND S.first_seen < T.first_seen THEN UPDATE SET first_seen = S.first_seen
WHEN NOT MATCHED THEN INSERT ({cols}) VALUES ({values})
"""


def resolve_absent_events(findings: str, events: str) -> str:
    return f"""
INSERT INTO {events} ({_EVENT_COLS})
SELECT CONCAT(f.finding_id, @key_suffix), f.finding_id, f.repo, f.file_path, f.severity,
       'resolved', f.status, @changed_by, @note, @seen, @recorded
FROM {findings} AS f
WHERE {_RESOLVABLE}
"""


def resolve_absent_update(findings: str) -> str:
    return f"""
UPDATE {findings} AS f
SET status = 'resolved', status_changed_at = @seen, resolved_at = @seen
WHERE {_RESOLVABLE}
"""


def set_status_event(findings: str, events: str) -> str:
    return f"""
INSERT INTO {events} ({_EVENT_COLS})
SELECT @event_key, @finding_id, @repo, @file_path,
       (SELECT MAX(severity) FROM {findings} WHERE finding_id = @finding_id),
       @status,
       COALESCE(@previous_status, (SELECT MAX(status) FROM {findings} WHERE finding_id = @finding_id)),
       @changed_by, @note, @changed_at, @recorded
FROM (SELECT 1 AS one)
WHERE NOT EXISTS (SELECT 1 FROM {events} WHERE event_key = @event_key)
"""


def set_status_update(findings: str) -> str:
    return f"""
UPDATE {findings}
SET status = @status, status_changed_at = @changed_at, resolved_at = @resolved_at
WHERE finding_id = @finding_id AND (status_changed_at IS NULL OR status_changed_at <= @changed_at)
"""
