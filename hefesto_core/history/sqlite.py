"""The embedded default: one SQLite file, no server (see docs/history-store.md
for why SQLite and not DuckDB).

Several processes may use the file at once (the worker writes while a
``hefesto serve`` process reads): WAL lets readers run during a write, each
write is one ``BEGIN IMMEDIATE`` transaction (the write lock is taken up
front, so two writers queue instead of deadlocking on a lock upgrade) and
``busy_timeout`` makes a waiting writer wait rather than fail. Inside a
process, writes share one connection under a lock; each reading thread has
its own connection.
"""

# S608: statements are composed from schema identifiers and placeholders only;
# every value is bound (the injection tests hold both backends to it).
# ruff: noqa: S608

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hefesto_core.errors import StoreError, StoreUnavailableError
from hefesto_core.history.base import ACTIVE_STATUSES, AppendTable, BaseHistoryStore
from hefesto_core.history.filters import Cond, render
from hefesto_core.history.plan import Operation, ResolveAbsent, SetStatus, UpsertBatch
from hefesto_core.history.rows import (
    absent_note,
    detected_note,
    event_key,
    finding_row,
    reopened_note,
    status_row,
)
from hefesto_core.history.schema import (
    FINDING_CONTENT,
    FINDING_EVENTS,
    FINDINGS,
    SCHEMA_VERSION,
    TABLES,
    Column,
    Table,
)
from hefesto_core.models import FindingStatus

__all__ = ["DEFAULT_BUSY_TIMEOUT_MS", "SqliteHistoryStore", "ddl"]

DEFAULT_BUSY_TIMEOUT_MS = 10_000

_TYPES = {"STRING": "TEXT", "INT64": "INTEGER", "FLOAT64": "REAL", "BOOL": "INTEGER", "TIMESTAMP": "INTEGER"}
_INDEXES = (
    "CREATE INDEX IF NOT EXISTS findings_file ON findings (file_path, severity_rank)",
    "CREATE INDEX IF NOT EXISTS findings_repo_status ON findings (repo, status)",
    # A file's findings, for the "replace" of a file's set: without it SQLite
    # picked findings_repo_status and read every active finding of the repo
    # per event (the history sink spent most of the stream benchmark there).
    "CREATE INDEX IF NOT EXISTS findings_repo_file ON findings (repo, file_path, status)",
    # The page order itself: a page is an index range scan that stops at LIMIT.
    "CREATE INDEX IF NOT EXISTS findings_order "
    "ON findings (severity_rank DESC, last_seen_ms DESC, finding_id)",
    "CREATE INDEX IF NOT EXISTS findings_status ON findings (status, severity)",
    "CREATE INDEX IF NOT EXISTS findings_first_seen ON findings (first_seen_ms)",
    "CREATE INDEX IF NOT EXISTS findings_resolved ON findings (resolved_at_ms)",
    "CREATE INDEX IF NOT EXISTS finding_events_finding ON finding_events (finding_id, changed_at_ms)",
)


def ddl(table: Table) -> str:
    cols = [f"{c.sqlite_name} {_TYPES[c.type]}{' NOT NULL' if c.required else ''}" for c in table.columns]
    return (
        f"CREATE TABLE IF NOT EXISTS {table.name} ({', '.join(cols)}, PRIMARY KEY ({', '.join(table.key)}))"
    )


_PHYSICAL = {t.name: {c.name: c.sqlite_name for c in t.columns} for t in TABLES}


def _insert_sql(table: Table, *, verb: str = "INSERT") -> str:
    names = [c.sqlite_name for c in table.columns]
    return f"{verb} INTO {table.name} ({', '.join(names)}) VALUES ({', '.join(':' + n for n in names)})"


_INSERT_FINDING = _insert_sql(FINDINGS)
_INSERT_EVENT = _insert_sql(FINDING_EVENTS, verb="INSERT OR IGNORE")


def _physical(table: Table, row: Mapping[str, Any]) -> dict[str, Any]:
    names = _PHYSICAL[table.name]
    return {names[k]: v for k, v in row.items()}


def _logical(table: Table, row: sqlite3.Row) -> dict[str, Any]:
    present = set(row.keys())
    return {c.name: row[c.sqlite_name] for c in table.columns if c.sqlite_name in present}


def _error(exc: sqlite3.Error, path: Path) -> StoreError:
    text = str(exc).lower()
    if isinstance(exc, sqlite3.OperationalError) and any(
        s in text for s in ("locked", "busy", "unable to open", "disk i/o", "readonly")
    ):
        return StoreUnavailableError(f"embedded history store {path}: {exc}")
    return StoreError(f"embedded history store {path}: {exc}")


class _Params:
    """Named parameters ``:p0, :p1, ...`` for one statement."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def bind(self, _column: Column, value: Any) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f":{name}"


class SqliteHistoryStore(BaseHistoryStore):
    backend = "sqlite"

    def __init__(self, path: Path | str, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS) -> None:
        self.path = Path(path)
        self._busy_timeout_ms = busy_timeout_ms
        self._write_lock = threading.Lock()
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._closed = False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._writer = self._connect()
            self._migrate()
        except (OSError, sqlite3.Error) as exc:
            raise StoreUnavailableError(f"cannot open the embedded history store {self.path}: {exc}") from exc

    # -- connections ------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path,
            timeout=self._busy_timeout_ms / 1000,
            isolation_level=None,  # transactions are explicit
            check_same_thread=False,  # guarded by our locks / one per thread
        )
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
        conn.execute("PRAGMA journal_mode = WAL")
        # FULL: a committed batch survives power loss; the stream has already
        # committed its offsets by then, so losing it would lose history.
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = OFF")
        return conn

    def _reader(self) -> sqlite3.Connection:
        if self._closed:
            raise StoreError("the history store is closed")
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            conn.execute("PRAGMA query_only = ON")
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        return conn

    def _migrate(self) -> None:
        with self._transaction() as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path} has schema version {version}; this release knows {SCHEMA_VERSION}"
                )
            for table in TABLES:
                conn.execute(ddl(table))
            for statement in _INDEXES:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        if self._closed:
            raise StoreError("the history store is closed")
        with self._write_lock:
            conn = self._writer
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise _error(exc, self.path) from exc
            try:
                yield conn
            except BaseException as exc:
                conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise _error(exc, self.path) from exc
                raise
            else:
                try:
                    conn.execute("COMMIT")
                except sqlite3.Error as exc:
                    conn.execute("ROLLBACK")
                    raise _error(exc, self.path) from exc

    def _read(self, sql: str, params: Mapping[str, Any] | Sequence[Any] = ()) -> list[sqlite3.Row]:
        try:
            return self._reader().execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise _error(exc, self.path) from exc

    def ping(self) -> None:
        self._read("SELECT 1")

    def close(self) -> None:
        if self._closed:
            return
        with self._write_lock, self._readers_lock:
            self._closed = True
            for conn in self._readers:
                conn.close()
            self._readers.clear()
            self._writer.close()

    # -- writes -----------------------------------------------------------------
    def _apply(self, ops: Sequence[Operation], *, recorded_ms: int) -> None:
        with self._transaction() as conn:
            for op in ops:
                if isinstance(op, UpsertBatch):
                    self._upsert(conn, op, recorded_ms=recorded_ms)
                elif isinstance(op, ResolveAbsent):
                    self._resolve_absent(conn, op, recorded_ms=recorded_ms)
                else:
                    self._set_status(conn, op, recorded_ms=recorded_ms)

    @staticmethod
    def _event(conn: sqlite3.Connection, row: Mapping[str, Any]) -> None:
        conn.execute(_INSERT_EVENT, _physical(FINDING_EVENTS, row))

    def _upsert(self, conn: sqlite3.Connection, batch: UpsertBatch, *, recorded_ms: int) -> None:
        for obs in batch.observations:
            new = finding_row(obs.finding, seen_ms=obs.seen_ms)
            fid = new["finding_id"]
            cur = conn.execute(
                "SELECT status, first_seen_ms, last_seen_ms, status_changed_at_ms FROM findings "
                "WHERE finding_id = ?",
                (fid,),
            ).fetchone()
            base = {
                "finding_id": fid,
                "repo": new["repo"],
                "file_path": new["file_path"],
                "severity": new["severity"],
                "changed_by": obs.changed_by,
                "recorded_at": recorded_ms,
            }
            if cur is None:
                conn.execute(_INSERT_FINDING, _physical(FINDINGS, new))
                self._event(
                    conn,
                    base
                    | {
                        "event_key": event_key(fid, changed_at_ms=new["first_seen"], status=new["status"]),
                        "status": new["status"],
                        "previous_status": None,
                        "note": detected_note(new["commit_sha"]),
                        "changed_at": new["first_seen"],
                    },
                )
                continue
            first_ms = min(cur["first_seen_ms"], new["first_seen"])
            if obs.seen_ms <= cur["last_seen_ms"]:
                # A replay or an older observation: it only may tell an earlier first_seen.
                if first_ms < cur["first_seen_ms"]:
                    conn.execute(
                        "UPDATE findings SET first_seen_ms = ? WHERE finding_id = ?", (first_ms, fid)
                    )
                continue
            sets = {c: new[c] for c in FINDING_CONTENT}
            sets |= {"first_seen": first_ms, "last_seen": obs.seen_ms}
            changed = cur["status_changed_at_ms"]
            if cur["status"] == FindingStatus.RESOLVED.value and (changed is None or changed < obs.seen_ms):
                sets |= {
                    "status": FindingStatus.OPEN.value,
                    "status_changed_at": obs.seen_ms,
                    "resolved_at": None,
                }
                self._event(
                    conn,
                    base
                    | {
                        "event_key": event_key(
                            fid, changed_at_ms=obs.seen_ms, status=FindingStatus.OPEN.value
                        ),
                        "status": FindingStatus.OPEN.value,
                        "previous_status": FindingStatus.RESOLVED.value,
                        "note": reopened_note(new["commit_sha"]),
                        "changed_at": obs.seen_ms,
                    },
                )
            phys = _physical(FINDINGS, sets)
            assignments = ", ".join(f"{k} = :{k}" for k in phys)
            conn.execute(
                f"UPDATE findings SET {assignments}, occurrence_count = occurrence_count + 1 "
                "WHERE finding_id = :fid",
                phys | {"fid": fid},
            )

    def _resolve_absent(self, conn: sqlite3.Connection, op: ResolveAbsent, *, recorded_ms: int) -> None:
        present = set(op.present_ids)
        rows = conn.execute(
            "SELECT finding_id, status, severity FROM findings "
            "WHERE repo = ? AND file_path = ? AND status IN (?, ?) AND last_seen_ms < ? "
            "AND (status_changed_at_ms IS NULL OR status_changed_at_ms <= ?)",
            (op.repo, op.file_path, *ACTIVE_STATUSES, op.seen_ms, op.seen_ms),
        ).fetchall()
        resolved = FindingStatus.RESOLVED.value
        for row in rows:
            if row["finding_id"] in present:
                continue
            conn.execute(
                "UPDATE findings SET status = ?, status_changed_at_ms = ?, resolved_at_ms = ? "
                "WHERE finding_id = ?",
                (resolved, op.seen_ms, op.seen_ms, row["finding_id"]),
            )
            self._event(
                conn,
                {
                    "event_key": event_key(row["finding_id"], changed_at_ms=op.seen_ms, status=resolved),
                    "finding_id": row["finding_id"],
                    "repo": op.repo,
                    "file_path": op.file_path,
                    "severity": row["severity"],
                    "status": resolved,
                    "previous_status": row["status"],
                    "changed_by": op.changed_by,
                    "note": absent_note(op.commit_sha),
                    "changed_at": op.seen_ms,
                    "recorded_at": recorded_ms,
                },
            )

    def _set_status(self, conn: sqlite3.Connection, op: SetStatus, *, recorded_ms: int) -> None:
        change = op.change
        cur = conn.execute(
            "SELECT status, severity, status_changed_at_ms FROM findings WHERE finding_id = ?",
            (change.finding_id,),
        ).fetchone()
        row = status_row(change, repo=op.repo, file_path=op.file_path, recorded_ms=recorded_ms)
        if cur is not None:
            row["severity"] = cur["severity"]
            if row["previous_status"] is None:
                row["previous_status"] = cur["status"]
        self._event(conn, row)
        changed_ms = row["changed_at"]
        if cur is None or (
            cur["status_changed_at_ms"] is not None and changed_ms < cur["status_changed_at_ms"]
        ):
            return
        resolved_ms = changed_ms if change.status is FindingStatus.RESOLVED else None
        conn.execute(
            "UPDATE findings SET status = ?, status_changed_at_ms = ?, resolved_at_ms = ? "
            "WHERE finding_id = ?",
            (change.status.value, changed_ms, resolved_ms, change.finding_id),
        )

    def _insert_rows(self, table: AppendTable, rows: Sequence[Mapping[str, Any]]) -> None:
        spec = next(t for t in TABLES if t.name == table)
        phys = [_physical(spec, r) for r in rows]
        cols = list(phys[0])
        with self._transaction() as conn:
            conn.executemany(
                f"INSERT OR IGNORE INTO {spec.name} ({', '.join(cols)}) "
                f"VALUES ({', '.join(':' + c for c in cols)})",
                phys,
            )

    # -- reads ------------------------------------------------------------------
    @staticmethod
    def _where(conds: Sequence[Cond]) -> tuple[str, dict[str, Any]]:
        params = _Params()
        sql = render(conds, column_sql=lambda c: c.sqlite_name, bind=params.bind)
        return ("1" if sql == "TRUE" else sql), params.values

    def _select_findings(
        self, conds: Sequence[Cond], *, limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int]:
        where, params = self._where(conds)
        cols = ", ".join(c.sqlite_name for c in FINDINGS.columns)
        page_sql = (
            f"SELECT {cols} FROM findings WHERE {where} "
            "ORDER BY severity_rank DESC, last_seen_ms DESC, finding_id LIMIT :lim OFFSET :off"
        )
        # Two statements in one read transaction: one snapshot, so the total
        # matches the page. (COUNT(*) OVER () would sort every match instead of
        # walking the order index and stopping at LIMIT.)
        conn = self._reader()
        try:
            conn.execute("BEGIN")
            try:
                count = conn.execute(f"SELECT COUNT(*) FROM findings WHERE {where}", params)
                total = int(count.fetchone()[0])
                page = params | {"lim": limit, "off": offset}
                rows = conn.execute(page_sql, page).fetchall() if total else []
            finally:
                conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise _error(exc, self.path) from exc
        return [_logical(FINDINGS, r) for r in rows], total

    def _count_findings(self, conds: Sequence[Cond], *, distinct_files: bool = False) -> int:
        where, params = self._where(conds)
        what = "COUNT(DISTINCT repo || ':' || file_path)" if distinct_files else "COUNT(*)"
        return int(self._read(f"SELECT {what} FROM findings WHERE {where}", params)[0][0])

    def _status_severity_counts(self, conds: Sequence[Cond]) -> list[tuple[str, str, int]]:
        where, params = self._where(conds)
        rows = self._read(
            f"SELECT status, severity, COUNT(*) FROM findings WHERE {where} GROUP BY status, severity", params
        )
        return [(r[0], r[1], int(r[2])) for r in rows]

    def _daily_counts(self, conds: Sequence[Cond], *, time_column: str) -> list[tuple[int, str, int]]:
        where, params = self._where(conds)
        col = FINDINGS.column(time_column).sqlite_name
        rows = self._read(
            f"SELECT {col} / 86400000 AS day, severity, COUNT(*) FROM findings WHERE {where} "
            "GROUP BY day, severity",
            params,
        )
        return [(int(r[0]), r[1], int(r[2])) for r in rows]

    def _resolution_stats(self, conds: Sequence[Cond]) -> list[tuple[str, int, int]]:
        where, params = self._where(conds)
        rows = self._read(
            "SELECT severity, COUNT(*), SUM(resolved_at_ms - first_seen_ms) FROM findings "
            f"WHERE {where} GROUP BY severity",
            params,
        )
        return [(r[0], int(r[1]), int(r[2] or 0)) for r in rows]

    def _status_history(self, finding_id: str) -> list[dict[str, Any]]:
        rows = self._read(
            "SELECT * FROM finding_events WHERE finding_id = ? "
            "ORDER BY changed_at_ms, recorded_at_ms, event_key",
            (finding_id,),
        )
        return [_logical(FINDING_EVENTS, r) for r in rows]

    def _payloads(self, table: AppendTable, alert_id: str) -> list[str]:
        if table == "alerts":
            rows = self._read("SELECT payload FROM alerts WHERE alert_id = ?", (alert_id,))
        else:
            rows = self._read(
                "SELECT payload FROM correlations WHERE alert_id = ? ORDER BY correlation_version",
                (alert_id,),
            )
        return [r[0] for r in rows]
