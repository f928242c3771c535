"""Shared fixtures.

``kafka_bootstrap`` (session) yields the bootstrap address of a real Kafka
broker, from the first source that works:

1. ``HEFESTO_KAFKA_BOOTSTRAP``: an existing cluster (it must answer);
2. testcontainers' Kafka module, when a Docker engine answers;
3. the project's own local broker (:class:`LocalBroker`), started on free
   ports with its own state folder and stopped at the end of the session.

Nothing here skips: a test marked ``kafka`` fails when no broker can be had.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hefesto_core.kafka.broker import LocalBroker, bootstrap_reachable
from hefesto_core.settings import load_settings

_KAFKA_SOURCE: dict[str, str] = {}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _docker_answers() -> bool:
    try:
        import docker  # type: ignore[import-untyped]

        docker.from_env(timeout=3).ping()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    external = os.environ.get("HEFESTO_KAFKA_BOOTSTRAP")
    if external:
        if not bootstrap_reachable(external, timeout_ms=10_000):
            pytest.fail(f"HEFESTO_KAFKA_BOOTSTRAP={external} does not answer Kafka metadata requests")
        _KAFKA_SOURCE["kafka"] = f"existing cluster at {external} (HEFESTO_KAFKA_BOOTSTRAP)"
        yield external
        return
    if os.environ.get("HEFESTO_TEST_DOCKER", "auto") != "never" and _docker_answers():
        from testcontainers.kafka import KafkaContainer  # type: ignore[import-untyped]

        with KafkaContainer().with_kraft() as container:
            bootstrap = container.get_bootstrap_server()
            _KAFKA_SOURCE["kafka"] = f"testcontainers Kafka at {bootstrap}"
            yield bootstrap
        return
    port = _free_port()
    settings = load_settings(kafka_port=port, kafka_controller_port=_free_port(), kafka_bootstrap=None)
    state = Path(tempfile.mkdtemp(prefix="hefesto-test-broker-"))
    broker = LocalBroker(settings, state_dir=state)
    try:
        status = broker.start(timeout_ms=120_000)
    except Exception as exc:  # a broker we cannot start is a failure, never a skip
        pytest.fail(f"could not start the local Apache Kafka broker: {exc}")
    _KAFKA_SOURCE["kafka"] = f"Apache Kafka {broker.version} started by the suite at {status.bootstrap}"
    try:
        yield status.bootstrap
    finally:
        if broker.status().pid is None:
            # Tests that needed it have failed already; say why in the summary too.
            _KAFKA_SOURCE["kafka"] += " -- and it DIED during the session (see its log: "
            _KAFKA_SOURCE["kafka"] += f"{broker.log_file})"
            broker.stop()
        else:
            broker.stop()
            shutil.rmtree(state, ignore_errors=True)  # a full run leaves hundreds of MB of logs


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if "kafka" in _KAFKA_SOURCE:
        terminalreporter.write_line(f"kafka: {_KAFKA_SOURCE['kafka']}")


@pytest.fixture
def unique_name() -> Callable[[str], str]:
    """Factory of names nobody else uses on a shared broker: ``unique_name("alerts")``."""

    def make(prefix: str) -> str:
        return f"{prefix}-{uuid.uuid4().hex[:10]}"

    return make
