"""The scoring process on the real broker: a worker that owns every
partition answers its alerts through it, and when it dies mid-stream the
worker answers the alerts in flight and every later one itself."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from tests.integration.streams.harness import (
    StreamEnv,
    alert,
    alert_messages,
    collect,
    finding,
    finding_event,
    findings_messages,
    latest_by_alert,
    produce,
    run,
    wait_for,
)

pytestmark = pytest.mark.kafka


def _scoring_child(pid: int) -> int | None:
    for task in os.listdir(f"/proc/{pid}/task"):
        for child in Path(f"/proc/{pid}/task/{task}/children").read_text().split():
            try:
                cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
            except OSError:
                continue
            if b"streams.scoringproc" in cmdline:
                return int(child)
    return None


def _gauge(text: str, name: str) -> float | None:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def test_every_alert_is_enriched_when_the_scoring_process_dies_mid_stream(stream_env: StreamEnv) -> None:
    env = stream_env
    worker = env.start_worker(HEFESTO_STREAM_SCORING_PROCESS="true")
    env.wait_ready(worker, min_alert_partitions=env.partitions)
    t = env.topics
    files = [f"src/mod{i}.py" for i in range(10)]
    run(
        produce(
            env.bootstrap,
            t["findings"],
            findings_messages(
                [
                    finding_event(f"e{i}", [finding(f"f{i}", path=p, line=40)], path=p)
                    for i, p in enumerate(files)
                ]
            ),
        )
    )
    wait_for(
        lambda: _gauge(worker.metrics(), "hefesto_stream_scoring_process_up") == 1.0,
        timeout_s=30,
        what="the scoring process to start",
    )
    child = _scoring_child(worker.proc.pid)
    assert child is not None, env.tail(worker)

    first = [alert(f"s-{i}", path=files[i % 10], line=41) for i in range(300)]
    run(produce(env.bootstrap, t["alerts"], alert_messages(first)))
    run(collect(env.bootstrap, t["enriched"], lambda r: len(latest_by_alert(r)) >= 50, timeout_s=60))
    os.kill(child, signal.SIGKILL)
    later = [alert(f"s-{i}", path=files[i % 10], line=41) for i in range(300, 600)]
    run(produce(env.bootstrap, t["alerts"], alert_messages(later)))

    enriched = run(
        collect(env.bootstrap, t["enriched"], lambda r: len(latest_by_alert(r)) >= 600, timeout_s=120)
    )
    latest = latest_by_alert(enriched)
    assert set(latest) == {f"s-{i}" for i in range(600)}, env.tail(worker)
    assert all(
        v["enriched"] and v["hefesto_findings"][0]["finding_id"] == f"f{int(k[2:]) % 10}"
        for k, v in latest.items()
    )
    assert worker.proc.poll() is None
    deadline = time.monotonic() + 10
    while (
        _gauge(worker.metrics(), "hefesto_stream_scoring_process_up") != 0.0 and time.monotonic() < deadline
    ):
        time.sleep(0.2)
    assert _gauge(worker.metrics(), "hefesto_stream_scoring_process_up") == 0.0
