"""A crash, through the documented CLI only: ``hefesto analyze --publish`` of
the sample service, ``hefesto worker``, ``hefesto replay`` of alerts mixed
with poison lines, ``kill -9`` of the worker mid-replay, a new worker, and
``hefesto tail --json``. No alert is lost, every first answer is already
the right one (docs/streams.md, "Timeouts and backlog"), and every poison
line is dead-lettered."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from tests.benchmods import load_bench

pytestmark = pytest.mark.kafka

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
# What each sample alert is explained by (None: it has no code location).
EXPECTED = {
    "demo-1": "payments/processor.py",
    "demo-2": "payments/orders.py",
    "demo-3": "payments/refunds.py",
    "demo-4": None,
}
N_ALERTS, N_NOT_JSON, N_INVALID = 1_200, 60, 48


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _hefesto(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hefesto_core.cli.main", *args],
        env=env,
        cwd=str(REPO),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "hefesto_core.cli.main", "worker"],
            env=env,
            cwd=str(REPO),
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _wait_ready(port: int, proc: subprocess.Popen[bytes], log: Path, *, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).json().get("status") == "ok":
                return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.3)
    raise AssertionError(f"worker not ready:\n{log.read_text(errors='replace')[-3000:]}")


def _wait_registered(port: int, keys: set[str], *, timeout_s: float = 30) -> None:
    """The files the alerts name are known for path resolution (as the demo
    waits for them): an alert read before its file's findings is answered
    without them, and corrected later."""
    deadline = time.monotonic() + timeout_s
    known: set[str] = set()
    while time.monotonic() < deadline:
        r = httpx.get(f"http://127.0.0.1:{port}/tables/paths_by_basename/", timeout=5)
        known = set(dict(r.json()["items"]))
        if keys <= known:
            return
        time.sleep(0.3)
    raise AssertionError(f"files not registered: {keys - known}")


def _replay_file(path: Path) -> tuple[dict[str, str], int]:
    """Alerts drawn from the sample alerts, with poison lines among them:
    ``{alert_id: sample it copies}`` and how many poison lines."""
    samples = [orjson.loads(line) for line in (EXAMPLES / "alerts.jsonl").read_bytes().splitlines()]
    rng = random.Random(5)
    kinds: dict[str, str] = {}
    lines = []
    for i in range(N_ALERTS):
        sample = rng.choice(samples)
        alert = {**sample, "alert_id": f"crash-{i}"}
        kinds[alert["alert_id"]] = sample["alert_id"]
        lines.append(orjson.dumps(alert))
    poison = [b'{"alert_id": "not-json", oops' for _ in range(N_NOT_JSON)]
    poison += [orjson.dumps({"alert_id": f"invalid-{i}", "severity": "NOPE"}) for i in range(N_INVALID)]
    for line in poison:
        lines.insert(rng.randrange(len(lines)), line)
    path.write_bytes(b"\n".join(lines) + b"\n")
    return kinds, len(poison)


def _tail_until(env: dict[str, str], topic: str, want: set[str], *, timeout_s: float) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout_s
    records: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        out = _hefesto(env, "tail", topic, "--from-beginning", "--json", "--idle", "5")
        assert out.returncode == 0, out.stderr
        records = [orjson.loads(line) for line in out.stdout.splitlines() if line.strip()]
        if want <= {r["alert_id"] for r in records}:
            break
    return records


def test_kill_9_mid_replay_loses_nothing_and_answers_right_first(
    kafka_bootstrap: str, tmp_path: Path, unique_name
) -> None:
    name = unique_name("crash")
    port = _free_port()
    topics = {k: f"{name}.{k}" for k in ("alerts", "findings", "enriched", "deadletter")}
    env = dict(os.environ)
    env.update(
        {
            "HEFESTO_KAFKA_BOOTSTRAP": kafka_bootstrap,
            "HEFESTO_APP_ID": name,
            "HEFESTO_TOPIC_ALERTS": topics["alerts"],
            "HEFESTO_TOPIC_FINDINGS": topics["findings"],
            "HEFESTO_TOPIC_ENRICHED": topics["enriched"],
            "HEFESTO_TOPIC_DEADLETTER": topics["deadletter"],
            "HEFESTO_API_PORT": str(port),
            "HEFESTO_DATA_DIR": str(tmp_path / "data"),
            "HEFESTO_CACHE_DIR": str(tmp_path / "cache"),
            "HEFESTO_STREAM_SINK_ENABLED": "false",
        }
    )
    log = tmp_path / "workers.log"
    first = _worker(env, log)
    second: subprocess.Popen[bytes] | None = None
    try:
        _wait_ready(port, first, log)
        service = str(EXAMPLES / "sample_service")
        out = _hefesto(env, "analyze", service, "--repo", "sample-service", "--publish", "--no-cache")
        assert out.returncode in (0, 1), out.stderr  # 1: findings at or above --fail-on
        assert "acknowledged" in out.stdout + out.stderr
        _wait_registered(port, {f"sample-service:{Path(p).name}" for p in EXPECTED.values() if p})

        alerts_file = tmp_path / "alerts.jsonl"
        kinds, n_poison = _replay_file(alerts_file)
        command = ["replay", str(alerts_file), "--topic", topics["alerts"], "--rate", "300"]
        replay = subprocess.Popen(
            [sys.executable, "-m", "hefesto_core.cli.main", *command],
            env=env,
            cwd=str(REPO),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        time.sleep(2.0)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        second = _worker(env, log)
        replayed, errors = replay.communicate(timeout=60)
        assert replay.returncode == 0, errors
        assert f"sent {N_ALERTS + n_poison} messages".encode() in replayed

        records = _tail_until(env, topics["enriched"], set(kinds), timeout_s=150)
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=30)

    answered = {r["alert_id"] for r in records}
    assert answered == set(kinds), (len(answered), log.read_text(errors="replace")[-3000:])
    first_answers = {r["alert_id"]: r for r in records if r["correlation_version"] == 1}
    assert set(first_answers) == set(kinds)
    wrong = []
    for alert_id, answer in first_answers.items():
        expected = EXPECTED[kinds[alert_id]]
        got = answer["hefesto_findings"][0]["file_path"] if answer["enriched"] else None
        right = got is None if expected is None else str(got).endswith(expected)
        if not right:
            wrong.append((alert_id, kinds[alert_id], answer["reason"], got))
    assert not wrong, (len(wrong), wrong[:5])
    # Every poison line, once or more (a replay after the kill repeats some).
    sources = asyncio.run(load_bench("failover").dead_letter_sources(kafka_bootstrap, topics["deadletter"]))
    assert len(sources) == n_poison
