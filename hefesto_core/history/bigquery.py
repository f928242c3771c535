"""The BigQuery backend (production).

* Dataset and tables are created with explicit schemas, partitioned by day
  and clustered (see :mod:`hefesto_core.history.schema`).
* ``findings`` is written only with DML (``MERGE``/``UPDATE``), never with
  streaming inserts: BigQuery refuses DML on rows still in the streaming
  buffer.
* ``alerts`` and ``correlations`` take batched streaming inserts
  (``insertAll``, with the natural key as ``insertId``); ``insertId`` dedup
  is best effort, so every read of those tables deduplicates with
  ``QUALIFY ROW_NUMBER()``, which makes replays exact.
* Every value is a query parameter; the SQL text only holds identifiers from
  the schema and the configured project/dataset, which are validated.
* Requests are retried on transient errors within ``timeout_ms``; what is
  still failing then raises :class:`StoreUnavailableError`.
"""

# S608: statements are composed from schema identifiers and placeholders only;
# every value is bound (the injection tests hold both backends to it).
# ruff: noqa: S608

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import requests
from google.api_core import exceptions as gexc
from google.api_core.retry import Retry
from google.auth import exceptions as auth_exc
from google.cloud import bigquery
from google.cloud.bigquery.retry import DEFAULT_JOB_RETRY, DEFAULT_RETRY

from hefesto_core.errors import ConfigError, StoreError, StoreUnavailableError
from hefesto_core.history import bigquery_sql as sql
from hefesto_core.history.base import AppendTable, BaseHistoryStore
from hefesto_core.history.filters import Cond, render
from hefesto_core.history.plan import Operation, ResolveAbsent, SetStatus, UpsertBatch
from hefesto_core.history.rows import (
    absent_note,
    detected_note,
    event_key,
    finding_row,
    from_ms,
    reopened_note,
    status_row,
    to_ms,
)
from hefesto_core.history.schema import FINDING_EVENTS, FINDINGS, TABLES, Column, Table
from hefesto_core.models import FindingStatus
from hefesto_core.settings import Settings

__all__ = ["INSERT_BATCH", "BigQueryHistoryStore", "bigquery_client"]

INSERT_BATCH = 500
"""Rows per ``insertAll`` request (BigQuery recommends about 500)."""

_PROJECT = re.compile(r"^[a-z][a-z0-9.:-]{3,62}$")
_DATASET = re.compile(r"^[A-Za-z0-9_]{1,1024}$")
_UNAVAILABLE = (
    gexc.ServiceUnavailable,
    gexc.TooManyRequests,
    gexc.InternalServerError,
    gexc.BadGateway,
    gexc.GatewayTimeout,
    gexc.DeadlineExceeded,
    gexc.RetryError,
    gexc.Unauthorized,
    gexc.Forbidden,
    auth_exc.GoogleAuthError,
    requests.exceptions.RequestException,  # a transport failure past the retries
    ConnectionError,
    TimeoutError,
)


def bigquery_client(settings: Settings) -> bigquery.Client:
    """A client for the configured project; credentials from the standard
    Google environment, or none when ``bigquery_api_endpoint`` names an
    emulator."""
    options: dict[str, Any] = {"project": settings.bigquery_project, "location": settings.bigquery_location}
    if settings.bigquery_api_endpoint:
        from google.auth.credentials import AnonymousCredentials

        options["credentials"] = AnonymousCredentials()
        options["client_options"] = {"api_endpoint": settings.bigquery_api_endpoint}
    try:
        return bigquery.Client(**options)
    except auth_exc.GoogleAuthError as exc:
        raise StoreUnavailableError(f"BigQuery credentials: {exc}") from exc


def _wire(column: Column, value: Any) -> Any:
    """A logical value as the REST API takes it in a row or parameter."""
    if value is None or column.type != "TIMESTAMP":
        return value
    return from_ms(value)


def _json_value(column: Column, value: Any) -> Any:
    return from_ms(value).isoformat() if value is not None and column.type == "TIMESTAMP" else value


def _logical(table: Table, row: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for c in table.columns:
        if c.name in row:
            v = row[c.name]
            out[c.name] = to_ms(v) if isinstance(v, datetime) else v
    return out


class _Params:
    def __init__(self) -> None:
        self.values: list[bigquery.ScalarQueryParameter] = []

    def bind(self, column: Column, value: Any) -> str:
        name = f"p{len(self.values)}"
        self.values.append(bigquery.ScalarQueryParameter(name, column.type, _wire(column, value)))
        return f"@{name}"


def _scalar(name: str, type_: str, value: Any) -> bigquery.ScalarQueryParameter:
    return bigquery.ScalarQueryParameter(name, type_, value)


class BigQueryHistoryStore(BaseHistoryStore):
    backend = "bigquery"

    def __init__(
        self,
        client: bigquery.Client,
        *,
        dataset: str,
        location: str = "US",
        timeout_ms: int = 60_000,
        create: bool = True,
    ) -> None:
        project = client.project
        if not project or not _PROJECT.fullmatch(project):
            raise ConfigError(f"invalid BigQuery project id {project!r}")
        if not _DATASET.fullmatch(dataset):
            raise ConfigError(f"invalid BigQuery dataset name {dataset!r}")
        self.client = client
        self.dataset = f"{project}.{dataset}"
        self.location = location
        self._timeout_s = timeout_ms / 1000
        self._retry: Retry = DEFAULT_RETRY.with_timeout(self._timeout_s)
        self._job_retry: Retry = DEFAULT_JOB_RETRY.with_timeout(self._timeout_s)
        # A write is several statements; serializing a process's writes keeps
        # each one's statements together. Across processes, the per-file
        # ownership of the hefesto.findings partitions does the same.
        self._write_lock = threading.Lock()
        if create:
            self.ensure_schema()

    @classmethod
    def from_settings(cls, settings: Settings, *, timeout_ms: int = 60_000) -> BigQueryHistoryStore:
        if not settings.bigquery_project:
            raise ConfigError("the BigQuery backend needs bigquery_project (HEFESTO_BIGQUERY_PROJECT)")
        return cls(
            bigquery_client(settings),
            dataset=settings.bigquery_dataset,
            location=settings.bigquery_location,
            timeout_ms=timeout_ms,
        )

    def _ref(self, table: str) -> str:
        return f"`{self.dataset}.{table}`"

    @contextmanager
    def _errors(self, what: str) -> Iterator[None]:
        try:
            yield
        except StoreError:
            raise
        except _UNAVAILABLE as exc:
            raise StoreUnavailableError(f"BigQuery {what}: {exc}") from exc
        except gexc.GoogleAPICallError as exc:
            raise StoreError(f"BigQuery {what}: {exc}") from exc

    # -- schema -----------------------------------------------------------------
    def ensure_schema(self) -> None:
        """Create the dataset and tables when missing (existing ones are kept)."""
        with self._errors("creating the dataset"):
            ds = bigquery.Dataset(self.dataset)
            ds.location = self.location
            ds.description = "Hefesto Stream history (findings, status events, alerts, correlations)"
            self.client.create_dataset(ds, exists_ok=True, retry=self._retry, timeout=self._timeout_s)
            for spec in TABLES:
                table = bigquery.Table(f"{self.dataset}.{spec.name}", schema=self.schema_fields(spec))
                table.description = spec.description
                table.time_partitioning = bigquery.TimePartitioning(
                    type_=bigquery.TimePartitioningType.DAY, field=spec.partition_field
                )
                table.clustering_fields = list(spec.clustering)
                self.client.create_table(table, exists_ok=True, retry=self._retry, timeout=self._timeout_s)

    @staticmethod
    def schema_fields(spec: Table) -> list[bigquery.SchemaField]:
        return [
            bigquery.SchemaField(
                c.name,
                c.type,
                mode="REQUIRED" if c.required else "NULLABLE",
                description=c.description,
            )
            for c in spec.columns
        ]

    # -- plumbing ---------------------------------------------------------------
    def _query(self, text: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with self._errors("query"):
            job = self.client.query(
                text,
                job_config=bigquery.QueryJobConfig(query_parameters=list(params)),
                location=self.location,
                retry=self._retry,
                job_retry=self._job_retry,
                timeout=self._timeout_s,
            )
            return [dict(row.items()) for row in job.result(timeout=self._timeout_s)]

    def ping(self) -> None:
        with self._errors("ping"):
            self.client.get_dataset(self.dataset, retry=self._retry, timeout=self._timeout_s)

    def close(self) -> None:
        self.client.close()

    # -- writes -----------------------------------------------------------------
    def _apply(self, ops: Sequence[Operation], *, recorded_ms: int) -> None:
        recorded = _scalar("recorded", "TIMESTAMP", from_ms(recorded_ms))
        with self._write_lock:
            for op in ops:
                if isinstance(op, UpsertBatch):
                    self._upsert(op, recorded)
                elif isinstance(op, ResolveAbsent):
                    self._resolve_absent(op, recorded)
                else:
                    self._set_status(op, recorded_ms=recorded_ms)

    def _upsert(self, batch: UpsertBatch, recorded: bigquery.ScalarQueryParameter) -> None:
        structs = []
        for obs in batch.observations:
            row = finding_row(obs.finding, seen_ms=obs.seen_ms)
            fields = [_scalar(c.name, c.type, _wire(c, row[c.name])) for c in FINDINGS.columns]
            sha = row["commit_sha"]
            extra = {
                "detect_key": event_key(
                    row["finding_id"], changed_at_ms=row["first_seen"], status=row["status"]
                ),
                "reopen_key": event_key(
                    row["finding_id"], changed_at_ms=obs.seen_ms, status=FindingStatus.OPEN.value
                ),
                "detect_note": detected_note(sha),
                "reopen_note": reopened_note(sha),
                "changed_by": obs.changed_by,
            }
            fields += [_scalar(name, "STRING", extra[name]) for name in sql.EXTRA_FIELDS]
            structs.append(bigquery.StructQueryParameter(None, *fields))
        rows = bigquery.ArrayQueryParameter("rows", "STRUCT", structs)
        findings, events = self._ref("findings"), self._ref("finding_events")
        self._query(sql.upsert_events(findings, events), [rows, recorded])
        self._query(sql.merge_findings(findings), [rows])

    def _resolve_absent(self, op: ResolveAbsent, recorded: bigquery.ScalarQueryParameter) -> None:
        params = [
            _scalar("repo", "STRING", op.repo),
            _scalar("file_path", "STRING", op.file_path),
            _scalar("seen", "TIMESTAMP", from_ms(op.seen_ms)),
            bigquery.ArrayQueryParameter("present", "STRING", list(op.present_ids)),
        ]
        findings, events = self._ref("findings"), self._ref("finding_events")
        resolved = FindingStatus.RESOLVED.value
        self._query(
            sql.resolve_absent_events(findings, events),
            [
                *params,
                recorded,
                # The same key as rows.event_key(finding_id, ...) for this transition.
                _scalar("key_suffix", "STRING", event_key("", changed_at_ms=op.seen_ms, status=resolved)),
                _scalar("changed_by", "STRING", op.changed_by),
                _scalar("note", "STRING", absent_note(op.commit_sha)),
            ],
        )
        self._query(sql.resolve_absent_update(findings), params)

    def _set_status(self, op: SetStatus, *, recorded_ms: int) -> None:
        row = status_row(op.change, repo=op.repo, file_path=op.file_path, recorded_ms=recorded_ms)
        params = [_scalar(c.name, c.type, _wire(c, row[c.name])) for c in FINDING_EVENTS.columns
                  if c.name not in ("severity", "recorded_at")]  # fmt: skip
        params.append(_scalar("recorded", "TIMESTAMP", from_ms(recorded_ms)))
        findings, events = self._ref("findings"), self._ref("finding_events")
        self._query(sql.set_status_event(findings, events), params)
        resolved_at = op.change.changed_at if op.change.status is FindingStatus.RESOLVED else None
        self._query(
            sql.set_status_update(findings),
            [
                _scalar("status", "STRING", op.change.status.value),
                _scalar("changed_at", "TIMESTAMP", from_ms(row["changed_at"])),
                _scalar("resolved_at", "TIMESTAMP", resolved_at),
                _scalar("finding_id", "STRING", op.change.finding_id),
            ],
        )

    def _insert_rows(self, table: AppendTable, rows: Sequence[Mapping[str, Any]]) -> None:
        spec = next(t for t in TABLES if t.name == table)
        for start in range(0, len(rows), INSERT_BATCH):
            chunk = rows[start : start + INSERT_BATCH]
            payload = [{k: _json_value(spec.column(k), v) for k, v in r.items()} for r in chunk]
            ids = [":".join(str(r[k]) for k in spec.key) for r in chunk]
            with self._errors(f"insert into {table}"):
                errors = self.client.insert_rows_json(
                    f"{self.dataset}.{table}",
                    payload,
                    row_ids=ids,
                    retry=self._retry,
                    timeout=self._timeout_s,
                )
            if errors:
                raise StoreError(f"BigQuery refused rows of {table}: {errors[:3]}")

    # -- reads ------------------------------------------------------------------
    @staticmethod
    def _where(conds: Sequence[Cond]) -> tuple[str, list[bigquery.ScalarQueryParameter]]:
        params = _Params()
        return render(conds, column_sql=lambda c: c.name, bind=params.bind), params.values

    def _select_findings(
        self, conds: Sequence[Cond], *, limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int]:
        where, params = self._where(conds)
        rows = self._query(
            f"SELECT {', '.join(FINDINGS.names)}, COUNT(*) OVER () AS total_count "
            f"FROM {self._ref('findings')} WHERE {where} "
            "ORDER BY severity_rank DESC, last_seen DESC, finding_id LIMIT @lim OFFSET @off",
            [*params, _scalar("lim", "INT64", limit), _scalar("off", "INT64", offset)],
        )
        if rows:
            return [_logical(FINDINGS, r) for r in rows], int(rows[0]["total_count"])
        return [], self._count_findings(conds) if offset else 0

    def _count_findings(self, conds: Sequence[Cond], *, distinct_files: bool = False) -> int:
        where, params = self._where(conds)
        what = "COUNT(DISTINCT CONCAT(repo, ':', file_path))" if distinct_files else "COUNT(*)"
        rows = self._query(f"SELECT {what} AS n FROM {self._ref('findings')} WHERE {where}", params)
        return int(rows[0]["n"])

    def _status_severity_counts(self, conds: Sequence[Cond]) -> list[tuple[str, str, int]]:
        where, params = self._where(conds)
        rows = self._query(
            f"SELECT status, severity, COUNT(*) AS n FROM {self._ref('findings')} WHERE {where} "
            "GROUP BY status, severity",
            params,
        )
        return [(r["status"], r["severity"], int(r["n"])) for r in rows]

    def _daily_counts(self, conds: Sequence[Cond], *, time_column: str) -> list[tuple[int, str, int]]:
        where, params = self._where(conds)
        col = FINDINGS.column(time_column).name
        rows = self._query(
            f"SELECT DIV(UNIX_MILLIS({col}), 86400000) AS day, severity, COUNT(*) AS n "
            f"FROM {self._ref('findings')} WHERE {where} GROUP BY day, severity",
            params,
        )
        return [(int(r["day"]), r["severity"], int(r["n"])) for r in rows]

    def _resolution_stats(self, conds: Sequence[Cond]) -> list[tuple[str, int, int]]:
        where, params = self._where(conds)
        rows = self._query(
            "SELECT severity, COUNT(*) AS n, SUM(TIMESTAMP_DIFF(resolved_at, first_seen, MILLISECOND)) AS ms "
            f"FROM {self._ref('findings')} WHERE {where} GROUP BY severity",
            params,
        )
        return [(r["severity"], int(r["n"]), int(r["ms"] or 0)) for r in rows]

    def _status_history(self, finding_id: str) -> list[dict[str, Any]]:
        rows = self._query(
            f"SELECT * FROM {self._ref('finding_events')} WHERE finding_id = @fid "
            "QUALIFY ROW_NUMBER() OVER (PARTITION BY event_key ORDER BY recorded_at) = 1 "
            "ORDER BY changed_at, recorded_at, event_key",
            [_scalar("fid", "STRING", finding_id)],
        )
        return [_logical(FINDING_EVENTS, r) for r in rows]

    def _payloads(self, table: AppendTable, alert_id: str) -> list[str]:
        if table == "alerts":
            text = (
                f"SELECT payload FROM {self._ref('alerts')} WHERE alert_id = @id "
                "QUALIFY ROW_NUMBER() OVER (PARTITION BY alert_id ORDER BY recorded_at) = 1"
            )
        else:
            text = (
                f"SELECT payload, correlation_version FROM {self._ref('correlations')} WHERE alert_id = @id "
                "QUALIFY ROW_NUMBER() OVER (PARTITION BY correlation_version ORDER BY recorded_at) = 1 "
                "ORDER BY correlation_version"
            )
        return [r["payload"] for r in self._query(text, [_scalar("id", "STRING", alert_id)])]
