"""Broker manager logic that needs no JVM (the real lifecycle is tested in
tests/integration/test_kafka_cli.py)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from hefesto_core.errors import BrokerError, JavaNotFoundError
from hefesto_core.kafka import broker as broker_mod
from hefesto_core.kafka.broker import LocalBroker
from hefesto_core.settings import load_settings


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_external_cluster_is_an_error_not_a_silent_local_start(tmp_path: Path) -> None:
    settings = load_settings(kafka_bootstrap=f"127.0.0.1:{_closed_port()}", cache_dir=tmp_path)
    broker = LocalBroker(settings)
    assert not broker.status().running
    with pytest.raises(BrokerError, match="does not answer"):
        broker.start()
    assert not any(tmp_path.iterdir()), "nothing may be resolved or started for an external cluster"


def test_missing_maven_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(broker_mod.shutil, "which", lambda name: None if name == "mvn" else "/usr/bin/java")
    with pytest.raises(JavaNotFoundError, match="mvn is not on PATH"):
        LocalBroker(load_settings(cache_dir=tmp_path, kafka_bootstrap=None)).ensure_jars()


def test_stale_pid_file_is_not_ours(tmp_path: Path) -> None:
    broker = LocalBroker(load_settings(cache_dir=tmp_path, kafka_bootstrap=None), state_dir=tmp_path / "b")
    broker.state_dir.mkdir()
    # pid 1 is alive but is not a Kafka broker of this state dir: never ours, never killed.
    broker.pid_file.write_text("1")
    assert broker.status().pid is None
    assert broker.stop() is False
    assert not broker.pid_file.exists()


def test_port_in_use_is_named(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = int(busy.getsockname()[1])
        settings = load_settings(
            cache_dir=tmp_path, kafka_bootstrap=None, kafka_port=_closed_port(), kafka_controller_port=port
        )
        with pytest.raises(BrokerError, match=f"port {port} on 127.0.0.1 is in use"):
            LocalBroker(settings, state_dir=tmp_path / "b").start(timeout_ms=2_000)


def test_cluster_ids_never_start_with_a_dash(monkeypatch):
    import uuid

    from hefesto_core.kafka import broker

    # 0xf8 encodes to "-" as the first base64url character.
    draws = iter([uuid.UUID(bytes=b"\xf8" + b"\x00" * 15), uuid.UUID(bytes=b"\x10" * 16)])
    monkeypatch.setattr(broker.uuid, "uuid4", lambda: next(draws))
    cid = broker.new_cluster_id()
    assert not cid.startswith("-")
    assert len(cid) == 22
