"""Harness for the engine's tests on a real broker: workers run as
subprocesses (``python -m streams``) with their own app id, topics, ports
and data dir; clients are plain aiokafka."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

REPO = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Worker:
    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def health(self) -> dict[str, Any] | None:
        try:
            r = httpx.get(self.url("/health"), timeout=2)
        except httpx.HTTPError:
            return None
        return r.json() if r.status_code in (200, 503) else None

    def table(self, name: str) -> dict[str, Any]:
        r = httpx.get(self.url(f"/tables/{name}/"), timeout=10)
        r.raise_for_status()
        return dict(r.json()["items"])

    def metrics(self) -> str:
        return httpx.get(self.url("/metrics"), timeout=5).text

    def consumer(self) -> dict[str, Any]:
        return dict(httpx.get(self.url("/consumer"), timeout=5).json()["partitions"])

    def stop(self, *, kill: bool = False) -> None:
        if self.proc.poll() is not None:
            return
        # A Faust worker may ignore SIGTERM while it is rebalancing: escalate.
        self.proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


@dataclass
class StreamEnv:
    bootstrap: str
    prefix: str
    data_dir: Path
    workers: list[Worker] = field(default_factory=list)
    partitions: int = 4

    @property
    def topics(self) -> dict[str, str]:
        return {
            "alerts": f"{self.prefix}-alerts",
            "findings": f"{self.prefix}-findings",
            "enriched": f"{self.prefix}-enriched",
            "deadletter": f"{self.prefix}-dlq",
        }

    def env(self, port: int, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "HEFESTO_KAFKA_BOOTSTRAP": self.bootstrap,
                "HEFESTO_APP_ID": self.prefix,
                "HEFESTO_TOPIC_ALERTS": self.topics["alerts"],
                "HEFESTO_TOPIC_FINDINGS": self.topics["findings"],
                "HEFESTO_TOPIC_ENRICHED": self.topics["enriched"],
                "HEFESTO_TOPIC_DEADLETTER": self.topics["deadletter"],
                "HEFESTO_TOPIC_PARTITIONS": str(self.partitions),
                "HEFESTO_API_PORT": str(port),
                "HEFESTO_DATA_DIR": str(self.data_dir / f"w{port}"),
                "HEFESTO_ASSEMBLE_TIMEOUT_MS": "3000",
                "HEFESTO_STREAM_SINK_ENABLED": "false",
                "PYTHONPATH": str(REPO),
            }
        )
        env.update(extra)
        return env

    def start_worker(self, *, via_cli: bool = False, **extra: str) -> Worker:
        port = free_port()
        log = self.data_dir / f"worker-{port}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "hefesto_core.cli.main", "worker", "--web-port", str(port)]
                if via_cli
                else [sys.executable, "-m", "streams"],
                env=self.env(port, **extra),
                cwd=str(REPO),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        worker = Worker(proc, port, log)
        self.workers.append(worker)
        return worker

    def wait_ready(
        self, worker: Worker, *, timeout_s: float = 60.0, min_alert_partitions: int = 1
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        last: dict[str, Any] | None = None
        while time.monotonic() < deadline:
            if worker.proc.poll() is not None:
                raise AssertionError(f"worker exited with {worker.proc.returncode}:\n{self.tail(worker)}")
            last = worker.health()
            if last and last["status"] == "ok":
                alerts = [p for p in last["assigned_partitions"] if p.startswith(self.topics["alerts"] + ":")]
                if len(alerts) >= min_alert_partitions:
                    return last
            time.sleep(0.3)
        raise AssertionError(f"worker not ready in {timeout_s}s (last health {last}):\n{self.tail(worker)}")

    def tail(self, worker: Worker, lines: int = 40) -> str:
        try:
            return "\n".join(worker.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "<no log>"

    def diagnose(self, worker: Worker) -> str:
        """For a worker that stopped making progress: its health, lag and
        message counters, and every thread's stack (SIGUSR1, see
        streams/worker.py), then the end of its log."""
        parts = [f"health: {worker.health()}"]
        try:
            parts += [f"consumer {tp}: {state}" for tp, state in worker.consumer().items()]
        except httpx.HTTPError as exc:
            parts.append(f"consumer: {exc}")
        try:
            parts += [
                line
                for line in worker.metrics().splitlines()
                if line.startswith(
                    (
                        "hefesto_stream_consumer_lag",
                        "hefesto_stream_messages_",
                        "hefesto_stream_gap",
                        "hefesto_stream_stall",
                        "hefesto_stream_enriched_alerts_total",
                        "hefesto_stream_dead_letters_total",
                        "hefesto_stream_frames_scored_total",
                        "hefesto_stream_changelog",
                        "hefesto_stream_rebalances_total",
                    )
                )
            ]
        except httpx.HTTPError as exc:
            parts.append(f"metrics: {exc}")
        log_lines = self.tail(worker, lines=100_000).splitlines()
        words = ("WARN", "ERROR", "re-fetching", "jumped", "Traceback")
        notable = [ln for ln in log_lines if any(w in ln for w in words)]
        parts += ["notable log lines:", *notable[-60:]]
        if worker.proc.poll() is None:
            worker.proc.send_signal(signal.SIGUSR1)
            time.sleep(1.0)
        return "\n".join([*parts, self.tail(worker, lines=150)])

    def stop_all(self) -> None:
        for w in self.workers:
            w.stop()


# ----------------------------------------------------------------------------- payloads


def finding(fid: str, *, path: str, line: int, repo: str = "shop", **kw: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "finding_id": fid,
        "repo": repo,
        "file_path": path,
        "line_start": line,
        "line_end": line + 2,
        "function_name": "charge",
        "rule_id": "HEF-REL-001",
        "issue_type": "POSSIBLE_NONE_DEREFERENCE",
        "severity": "HIGH",
        "message": "value may be None",
    }
    body.update(kw)
    return body


def finding_event(
    event_id: str, findings: list[dict[str, Any]], *, path: str, kind: str = "upsert", repo: str = "shop"
) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "kind": kind,
        "repo": repo,
        "file_path": path,
        "findings": findings,
        "emitted_at": "2026-01-01T00:00:00Z",
    }


def alert(
    alert_id: str, *, path: str | None, line: int | None, repo: str = "shop", **kw: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "alert_id": alert_id,
        "timestamp": "2026-01-01T00:00:00Z",
        "repo": repo,
        "error_type": "AttributeError",
        "error_message": "'NoneType' object has no attribute 'charge'",
        "function_name": "charge",
    }
    if path is not None:
        body["file_path"] = path
        body["line_number"] = line
    body.update(kw)
    return body


# ----------------------------------------------------------------------------- clients


async def produce(bootstrap: str, topic: str, messages: list[tuple[bytes | None, bytes]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()
    try:
        futures = [await producer.send(topic, value, key=key) for key, value in messages]
        await producer.flush()
        for f in futures:
            await f
    finally:
        await producer.stop()


def findings_messages(events: list[dict[str, Any]]) -> list[tuple[bytes | None, bytes]]:
    return [(f"{e['repo']}:{e['file_path']}".encode(), orjson.dumps(e)) for e in events]


def alert_messages(alerts: list[dict[str, Any]]) -> list[tuple[bytes | None, bytes]]:
    return [(a["alert_id"].encode(), orjson.dumps(a)) for a in alerts]


async def collect(
    bootstrap: str,
    topic: str,
    until: Callable[[list[Any]], bool],
    *,
    timeout_s: float,
) -> list[Any]:
    """Read ``topic`` from the beginning until ``until(records)`` or timeout."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
    )
    await consumer.start()
    records: list[Any] = []
    try:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and not until(records):
            batch = await consumer.getmany(timeout_ms=300)
            for msgs in batch.values():
                records.extend(msgs)
    finally:
        await consumer.stop()
    return records


def latest_by_alert(records: list[Any]) -> dict[str, dict[str, Any]]:
    """The consumer-side dedup rule: per alert_id keep the highest correlation-version."""
    out: dict[str, dict[str, Any]] = {}
    for r in records:
        value = orjson.loads(r.value)
        version = int(dict(r.headers)["correlation-version"])
        assert version == value["correlation_version"]
        current = out.get(value["alert_id"])
        if current is None or current["correlation_version"] < version:
            out[value["alert_id"]] = value
    return out


def history_of(records: list[Any], alert_id: str) -> list[dict[str, Any]]:
    """Every record of one alert, in topic order (for failure messages)."""
    out = []
    for r in records:
        value = orjson.loads(r.value)
        if value["alert_id"] == alert_id:
            out.append(
                {
                    "partition": r.partition,
                    "offset": r.offset,
                    "version": value["correlation_version"],
                    "findings": [m["finding_id"] for m in value["hefesto_findings"]],
                    "reason": value.get("reason"),
                    "processed_at": value.get("processed_at"),
                }
            )
    return out


def wait_for(predicate: Callable[[], bool], *, timeout_s: float, what: str) -> None:
    """Poll ``predicate`` until it holds; fail naming ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def run(coro: Any) -> Any:
    return asyncio.run(coro)
