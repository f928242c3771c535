"""``hefesto demo``: the main job end to end on the embedded defaults.

Starts (or reuses) the local Kafka broker, analyzes the sample service and
publishes its findings, starts a worker, sends the sample alerts (real
tracebacks of the sample service), prints the enriched alerts as they come
back, and keeps the worker with its HTTP routes up until Ctrl-C.
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from hefesto_core.errors import BrokerError
from hefesto_core.kafka.broker import LocalBroker
from hefesto_core.kafka.topics import default_topic_specs, ensure_topics
from hefesto_core.settings import Settings, load_settings

__all__ = ["register"]

_EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
_REPO = "sample-service"
_console = Console()


def _step(text: str) -> None:
    _console.print(f"[bold cyan]==>[/bold cyan] {text}")


def _hefesto(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hefesto_core.cli.main", *args], env=env, text=True, check=False
    )


async def _send_alerts(settings: Settings, alerts: list[dict[str, Any]]) -> None:
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap_servers, acks="all")
    await producer.start()
    try:
        for alert in alerts:
            await producer.send_and_wait(
                settings.topic_alerts, key=alert["alert_id"].encode(), value=orjson.dumps(alert)
            )
    finally:
        await producer.stop()


async def _collect(
    settings: Settings, wanted: set[str], *, since_ms: int, timeout_ms: int
) -> dict[str, dict[str, Any]]:
    """Read the enriched topic until every wanted alert arrived (latest version
    wins). Records older than ``since_ms`` are an earlier demo's answers to the
    same alert ids, and are skipped."""
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(
        settings.topic_enriched,
        bootstrap_servers=settings.bootstrap_servers,
        group_id=f"hefesto-demo-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    got: dict[str, dict[str, Any]] = {}
    deadline = time.monotonic() + timeout_ms / 1000
    try:
        while time.monotonic() < deadline and not wanted <= got.keys():
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                for record in records:
                    if record.timestamp < since_ms:
                        continue
                    value = orjson.loads(record.value)
                    prev = got.get(value["alert_id"])
                    if value["alert_id"] in wanted and (
                        prev is None or value["correlation_version"] >= prev["correlation_version"]
                    ):
                        got[value["alert_id"]] = value
    finally:
        await consumer.stop()
    return got


def _render(alerts: list[dict[str, Any]], enriched: dict[str, dict[str, Any]]) -> None:
    for alert in alerts:
        e = enriched.get(alert["alert_id"])
        title = f"{alert['alert_id']}  {alert.get('error_type', '')}: {alert.get('error_message', '')}"
        if e is None:
            _console.print(f"[red]{escape(title)}\n  no enriched alert arrived[/red]")
            continue
        _console.rule(escape(title[:120]))
        if not e["enriched"]:
            _console.print(f"  not enriched: [yellow]{e['reason']}[/yellow]")
        _console.print(
            f"  correlation confidence [bold]{e['correlation_confidence']:.2f}[/bold] "
            f"(version {e['correlation_version']}, {e['latency_ms']} ms)"
        )
        if e.get("suggested_root_cause"):
            _console.print(f"  root cause: {escape(e['suggested_root_cause'])}")
        if e["hefesto_findings"]:
            table = Table(show_edge=False, pad_edge=False)
            for col in ("match", "finding", "where", "why"):
                table.add_column(col)
            for f in e["hefesto_findings"][:3]:
                why = "; ".join(r["detail"] for r in f["match_reasons"][:3])
                table.add_row(
                    f"{f['match_confidence']:.2f}",
                    f"{f['issue_type']} ({f['severity']})",
                    f"{f['file_path']}:{f['line_number']}",
                    escape(why),
                )
            _console.print(table)
        for action in e.get("recommended_actions", [])[:3]:
            _console.print(f"  - {escape(action)}")


def _sample_alerts() -> list[dict[str, Any]]:
    """The sample alerts as new incidents: a fresh ``alert_id`` and timestamp
    per run, because the engine answers a repeated ``alert_id`` with the answer
    it already gave (delivery is idempotent by ``alert_id``)."""
    run = uuid.uuid4().hex[:6]
    now = datetime.now(UTC).isoformat()
    alerts = []
    for line in (_EXAMPLES / "alerts.jsonl").read_bytes().splitlines():
        if line.strip():
            alert = orjson.loads(line)
            alerts.append({**alert, "alert_id": f"{alert['alert_id']}-{run}", "timestamp": now})
    return alerts


class _DemoError(Exception):
    """A step of the demo did not complete; the message says which."""


def _basenames_with_findings(service: Path) -> set[str]:
    from hefesto_core.analyzer import analyze_paths

    result = analyze_paths([service], repo=_REPO, jobs=1, use_cache=False)
    return {fr.file_path.rsplit("/", 1)[-1] for fr in result.files if fr.findings}


def _wait_for(
    worker: subprocess.Popen[bytes],
    base: str,
    ready: Callable[[dict[str, Any]], bool],
    *,
    deadline: float,
    what: str,
) -> None:
    """Poll the worker's ``/health`` until ``ready`` holds, it dies, or time is up."""
    import httpx

    health: dict[str, Any] = {}
    with _console.status(f"waiting: {what}"):
        while time.monotonic() < deadline:
            if worker.poll() is not None:
                raise _DemoError(f"the worker exited with code {worker.returncode} (waiting: {what})")
            try:
                health = httpx.get(f"{base}/health", timeout=2.0).json()
            except (httpx.HTTPError, ValueError):
                health = {}
            if ready(health):
                return
            time.sleep(0.2)
    # What the worker last said, and what it consumed, so that a stall
    # names where it is stuck rather than only that it is.
    raise _DemoError(f"timed out waiting: {what}; {_worker_state(base, health)}")


def _worker_state(base: str, health: dict[str, Any]) -> str:
    import httpx

    wanted = ("hefesto_stream_messages_in_total{", "hefesto_stream_consumer_lag_messages{")
    try:
        text = httpx.get(f"{base}/metrics", timeout=5.0).text
    except httpx.HTTPError as exc:
        consumed = f"metrics unavailable ({exc})"
    else:
        lines = [line for line in text.splitlines() if line.startswith(wanted) and not line.endswith(" 0.0")]
        consumed = "; ".join(lines) or "no message consumed, no lag"
    summary = {k: health.get(k) for k in ("status", "rebalancing", "tables_recovered", "table_keys")}
    return f"last health {orjson.dumps(summary).decode()}; {consumed}"


def demo(
    wait: Annotated[bool, typer.Option(help="keep the worker running until Ctrl-C")] = True,
    timeout_s: Annotated[int, typer.Option(help="how long to wait for the enriched alerts")] = 90,
) -> None:
    """Run the whole pipeline on the sample service and its alerts."""
    settings = load_settings()
    env = dict(os.environ)
    # The coordinator of a brand-new consumer group is "not available" for a
    # moment; aiokafka logs that at ERROR although it retries and succeeds.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    _step("Kafka")
    try:
        status = LocalBroker(
            settings, progress=lambda m: _console.print(f"    [dim]{escape(m)}[/dim]")
        ).start()
    except BrokerError as exc:
        _console.print(f"[red]error[/red] {escape(f'[{exc.code}] {exc}')}")
        raise typer.Exit(2) from exc
    _console.print(f"    {status.describe()}")
    asyncio.run(ensure_topics(settings.bootstrap_servers, default_topic_specs(settings)))

    log_path = settings.data_dir / "demo-worker.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    base = f"http://{settings.api_host}:{settings.api_port}"
    _step(f"Starting a worker (HTTP on {base}, log {log_path})")
    with open(log_path, "ab") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "hefesto_core.cli.main", "worker"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        deadline = time.monotonic() + timeout_s
        _wait_for(worker, base, lambda h: h.get("status") == "ok", deadline=deadline, what="worker ready")

        _step("Analyzing the sample service and publishing its findings")
        service = _EXAMPLES / "sample_service"
        analyzed = _hefesto("analyze", str(service), "--repo", _REPO, "--publish", "--no-cache", env=env)
        if analyzed.returncode == 2:
            raise typer.Exit(2)
        # The alerts must meet the findings: wait until the worker has taken
        # in every file that has findings (its path index included).
        names = _basenames_with_findings(service)
        _wait_for(
            worker,
            base,
            lambda h: h.get("table_keys", {}).get("paths_by_basename", 0) >= len(names),
            deadline=deadline,
            what=f"findings of {len(names)} files ingested",
        )

        alerts = _sample_alerts()
        _step(f"Sending {len(alerts)} sample alerts to {settings.topic_alerts}")
        since_ms = int(time.time() * 1000)
        asyncio.run(_send_alerts(settings, alerts))
        enriched = asyncio.run(
            _collect(
                settings,
                {a["alert_id"] for a in alerts},
                since_ms=since_ms,
                timeout_ms=max(1_000, int((deadline - time.monotonic()) * 1000)),
            )
        )
        _step(f"Enriched alerts from {settings.topic_enriched}")
        _render(alerts, enriched)
        _console.print(f"\nworker health: {base}/health   metrics: {base}/metrics")
        if len(enriched) < len(alerts):
            raise typer.Exit(1)
        if wait:
            _console.print("Ctrl-C stops the worker; `hefesto kafka stop` stops the broker.")
            worker.wait()
    except _DemoError as exc:
        _console.print(f"[red]error[/red] {escape(str(exc))}; see {log_path}")
        raise typer.Exit(1) from exc
    except KeyboardInterrupt:
        pass
    finally:
        if worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
