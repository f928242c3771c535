"""Embedded-store-only checks: the file shared by two processes, lifecycle."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from hefesto_core.errors import StoreError, StoreUnavailableError
from hefesto_core.history import FindingQuery, SqliteHistoryStore, open_store
from hefesto_core.history.schema import SCHEMA_VERSION
from hefesto_core.settings import load_settings
from tests.integration.history.factories import at, finding

_WRITER = textwrap.dedent(
    """
    import sys
    from datetime import timedelta
    from hefesto_core.history import SqliteHistoryStore
    from tests.integration.history.factories import T0, event, finding

    store = SqliteHistoryStore(sys.argv[1])
    for i in range(int(sys.argv[2])):
        fid = f"p-{i}"
        f = finding(fid, file_path=f"src/p{i % 7}.py")
        store.record_finding_events([event("upsert", f, when=T0 + timedelta(seconds=i), event_id=fid)])
    store.close()
    """
)


def test_open_store_defaults_to_the_embedded_file(tmp_path: Path) -> None:
    store = open_store(load_settings(data_dir=tmp_path, bigquery_project=None))
    try:
        assert isinstance(store, SqliteHistoryStore)
        assert store.path == tmp_path / "history.db"
        store.ping()
    finally:
        store.close()


def test_wal_mode_and_schema_version(tmp_path: Path) -> None:
    SqliteHistoryStore(tmp_path / "h.db").close()
    conn = sqlite3.connect(tmp_path / "h.db")
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        conn.close()


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    SqliteHistoryStore(tmp_path / "h.db").close()
    conn = sqlite3.connect(tmp_path / "h.db")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="schema version"):
        SqliteHistoryStore(tmp_path / "h.db")


def test_another_process_writes_while_this_one_reads_and_writes(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    reader = SqliteHistoryStore(path)
    root = Path(__file__).resolve().parents[3]
    writer = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path), "200"], cwd=root, stderr=subprocess.PIPE, text=True
    )
    counts: list[int] = []
    mine = 0
    while writer.poll() is None:
        counts.append(reader.query_findings(FindingQuery(limit=10)).total_count)
        reader.upsert_findings([finding(f"local-{mine}")], seen_at=at(mine))
        mine += 1
    _, stderr = writer.communicate()
    assert writer.returncode == 0, stderr
    assert counts == sorted(counts)  # readers see committed batches only, never a regression
    assert reader.query_findings(FindingQuery()).total_count == 200 + mine
    reader.close()


def test_readers_on_several_threads(tmp_path: Path) -> None:
    store = SqliteHistoryStore(tmp_path / "h.db")
    store.upsert_findings([finding(f"f-{i}") for i in range(30)], seen_at=at(0))
    totals: list[int] = []
    threads = [
        threading.Thread(target=lambda: totals.append(store.query_findings(FindingQuery()).total_count))
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert totals == [30] * 8
    store.close()


def test_closed_store_refuses_work_and_close_is_idempotent(tmp_path: Path) -> None:
    store = SqliteHistoryStore(tmp_path / "h.db")
    store.close()
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.upsert_findings([finding("f-1")], seen_at=at(0))


def test_unopenable_file_is_store_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    with pytest.raises(StoreUnavailableError):
        SqliteHistoryStore(blocker / "h.db")


def test_a_writer_held_past_busy_timeout_is_store_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    store = SqliteHistoryStore(path, busy_timeout_ms=200)
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        with pytest.raises(StoreUnavailableError, match="locked"):
            store.upsert_findings([finding("f-1")], seen_at=at(0))
        assert store.query_findings(FindingQuery()).total_count == 0  # readers are not blocked
        other.execute("ROLLBACK")
        store.upsert_findings([finding("f-1")], seen_at=at(0))
        assert store.query_findings(FindingQuery()).total_count == 1
    finally:
        other.close()
        store.close()
