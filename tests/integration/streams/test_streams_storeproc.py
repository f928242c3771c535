"""The history store process (streams/storeproc.py): a real child process
writing a real store, read back from this process."""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hefesto_core.history import open_store
from hefesto_core.models import EnrichedAlert, IrisAlert
from hefesto_core.settings import Settings, load_settings
from streams.codecs import encode_enriched
from streams.errors import SinkError
from streams.sinkwriter import SinkKind
from streams.storeproc import ProcessWriter
from tests.fixtures.bigquery import BigQueryEmulator, bigquery_emulator  # noqa: F401 (fixture)


def _alert_json(i: int) -> bytes:
    return (
        IrisAlert.model_validate(
            {"alert_id": f"a{i}", "timestamp": "2026-01-01T00:00:00Z", "service": "checkout"}
        )
        .model_dump_json()
        .encode()
    )


def _enriched_json(i: int) -> bytes:
    enriched = EnrichedAlert(
        alert_id=f"a{i}", enriched=False, reason="no_code_location", processed_at=datetime.now(UTC)
    )
    return encode_enriched(enriched)


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    return load_settings(data_dir=tmp_path)


@pytest.fixture
def writer(sqlite_settings: Settings) -> Iterator[ProcessWriter]:
    w = ProcessWriter(sqlite_settings, timeout_ms=30_000)
    yield w
    w.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_batch_is_written_by_another_process_with_the_json_it_was_given(
    writer: ProcessWriter, sqlite_settings: Settings
) -> None:
    writer.write(SinkKind.ALERTS, [_alert_json(i) for i in range(3)])
    sent = _enriched_json(1)
    writer.write(SinkKind.CORRELATIONS, [sent])
    assert writer.pid is not None
    assert writer.pid != os.getpid()
    store = open_store(sqlite_settings)
    try:
        alert = store.get_alert("a2")
        assert alert is not None
        assert alert.service == "checkout"
        versions = store.correlation_versions("a1")
        assert [v.model_dump_json() for v in versions] == [sent.decode()]
    finally:
        store.close()


def test_a_store_error_comes_back_as_a_sink_error_and_the_process_goes_on(writer: ProcessWriter) -> None:
    writer.write(SinkKind.ALERTS, [_alert_json(1)])
    pid = writer.pid
    with pytest.raises(SinkError, match="DecodeError"):
        writer.write(SinkKind.ALERTS, [b"not json"])
    writer.write(SinkKind.ALERTS, [_alert_json(2)])
    assert writer.pid == pid
    assert writer.starts == 1


def test_an_open_failure_is_reported_and_retried_on_the_next_write(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the data directory should be")
    w = ProcessWriter(load_settings(data_dir=blocker), timeout_ms=30_000)
    try:
        for _ in range(2):
            with pytest.raises(SinkError):
                w.write(SinkKind.ALERTS, [_alert_json(1)])
        assert w.starts == 1  # the process stayed up; the store is opened again per write
    finally:
        w.close()


def test_a_killed_store_process_is_started_again(writer: ProcessWriter, sqlite_settings: Settings) -> None:
    writer.write(SinkKind.ALERTS, [_alert_json(1)])
    first = writer.pid
    assert first is not None
    os.kill(first, signal.SIGKILL)
    writer._proc.wait(timeout=10)  # type: ignore[union-attr]
    writer.write(SinkKind.ALERTS, [_alert_json(2)])
    assert writer.starts == 2
    assert writer.pid != first
    store = open_store(sqlite_settings)
    try:
        assert store.get_alert("a1") is not None
        assert store.get_alert("a2") is not None
    finally:
        store.close()


def test_the_process_exits_when_closed_and_when_its_worker_is_gone(sqlite_settings: Settings) -> None:
    closed = ProcessWriter(sqlite_settings)
    closed.write(SinkKind.ALERTS, [_alert_json(1)])
    pid = closed.pid
    assert pid is not None
    closed.close()
    assert not _alive(pid)

    orphaned = ProcessWriter(sqlite_settings)
    orphaned.write(SinkKind.ALERTS, [_alert_json(2)])
    proc = orphaned._proc
    assert proc is not None
    # What the child sees when the worker dies, even by kill -9: end of file.
    orphaned._conn.close()  # type: ignore[union-attr]
    assert proc.wait(timeout=10) == 0


@pytest.mark.bigquery
def test_the_store_process_writes_bigquery(bigquery_emulator: BigQueryEmulator) -> None:  # noqa: F811
    settings = load_settings(
        bigquery_project=bigquery_emulator.project,
        bigquery_dataset=f"p_{uuid.uuid4().hex[:8]}",
        bigquery_api_endpoint=bigquery_emulator.endpoint,
    )
    w = ProcessWriter(settings, timeout_ms=60_000)
    try:
        w.write(SinkKind.ALERTS, [_alert_json(7)])
    finally:
        w.close()
    store = open_store(settings)
    try:
        assert store.backend == "bigquery"
        alert = store.get_alert("a7")
        assert alert is not None
        assert alert.service == "checkout"
    finally:
        store.close()
