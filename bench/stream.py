"""Stream engine benchmark: produce-to-enriched latency and sustained
throughput on the real broker.

10,000 findings over 2,000 files are loaded first; then alerts with 1-5
in-app frames are offered at each rate for ``--duration`` seconds, with one
and with two workers (``python -m streams`` subprocesses). Latency is the
time from handing an alert to the producer to reading its enriched alert
back (version 1); ``corrected`` counts the alerts whose first answer was
followed by another version during the run (no finding arrives late here,
so each is a partial answer sent at a timeout). Each run also reports the CPU the workers and our own
broker used per delivered alert, which varies much less between runs than
the saturated throughput does, and how many of the machine's cores were
busy and idle in all (every process on it, from /proc/stat). Before the first measured rate, ``--warmup``
seconds of unmeasured load let the broker's JVM compile its hot paths.

Each cell runs a baseline first (``--engines``, default ``relay hefesto``):
``bench/relay.py``, which moves the bytes the engine writes per alert
through the same broker with plain aiokafka and nothing else (no Faust, no
correlation). A rate the relay cannot sustain is out of reach, on this
machine, of an engine that consumes and produces the same way and writes
those bytes; the engine's throughput is also printed as a share of the
relay's. ``relay-min`` writes only the enriched record.
Figures are printed and written to ``bench/results/stream.json``; the broker's
data and the workers' state are removed when the benchmark ends.

    .venv/bin/python bench/stream.py                      # the full matrix (starts its own broker)
    .venv/bin/python bench/stream.py --rates 1000 --workers 1 --duration 10
    .venv/bin/python bench/stream.py --engines relay-min relay hefesto --rates 1000 2000 --workers 1
    HEFESTO_STREAM_FETCH_MAX_WAIT_MS=1500 .venv/bin/python bench/stream.py --label faust-default-fetch ...
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Literal

import httpx
import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results" / "stream.json"
N_FILES, PER_FILE = 2_000, 5
PARTITIONS = 4
Engine = Literal["hefesto", "relay", "relay-min"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _path(f: int) -> str:
    return f"svc/pkg{f % 37}/module_{f}.py"


def _finding_events() -> list[tuple[bytes, bytes]]:
    out = []
    for f in range(N_FILES):
        path = _path(f)
        findings = [
            {
                "finding_id": f"b-{f}-{j}",
                "repo": "bench",
                "file_path": path,
                "line_start": 10 + 40 * j,
                "line_end": 14 + 40 * j,
                "function_name": f"handler_{j}",
                "rule_id": "HEF-REL-001",
                "issue_type": "POSSIBLE_NONE_DEREFERENCE",
                "severity": "HIGH",
                "message": "value may be None",
            }
            for j in range(PER_FILE)
        ]
        event = {
            "event_id": f"load-{f}",
            "kind": "replace",
            "repo": "bench",
            "file_path": path,
            "findings": findings,
            "emitted_at": "2026-01-01T00:00:00Z",
        }
        out.append((f"bench:{path}".encode(), orjson.dumps(event)))
    return out


def _alert(alert_id: str, rng: random.Random) -> bytes:
    n_frames = rng.randint(1, 5)
    frames = []
    for _ in range(n_frames):
        f = rng.randrange(N_FILES)
        j = rng.randrange(PER_FILE)
        frames.append(
            {
                "file_path": _path(f),
                "line_number": 11 + 40 * j,
                "function_name": f"handler_{j}",
                "in_app": True,
            }
        )
    body = {
        "alert_id": alert_id,
        "timestamp": "2026-01-01T00:00:00Z",
        "repo": "bench",
        "severity": "HIGH",
        "error_type": "AttributeError",
        "error_message": "'NoneType' object has no attribute 'id'",
        "frames": frames,
    }
    return orjson.dumps(body)


class Workers:
    """``n`` engine workers (``python -m streams``) or ``n`` baseline relays
    (``bench/relay.py``) on fresh topics named after ``prefix``."""

    def __init__(
        self,
        prefix: str,
        bootstrap: str,
        n: int,
        data_dir: Path,
        *,
        engine: Engine,
        partitions: int = PARTITIONS,
    ) -> None:
        self.prefix, self.bootstrap, self.n, self.data_dir = prefix, bootstrap, n, data_dir
        self.engine = engine
        self.partitions = partitions
        self.procs: list[tuple[subprocess.Popen[bytes], int]] = []

    @property
    def topics(self) -> dict[str, str]:
        return {k: f"{self.prefix}-{k}" for k in ("alerts", "findings", "enriched", "dlq")}

    def start(self) -> None:
        for i in range(self.n):
            port = _free_port()
            env = dict(os.environ)
            env.update(
                {
                    "HEFESTO_KAFKA_BOOTSTRAP": self.bootstrap,
                    "HEFESTO_APP_ID": self.prefix,
                    "HEFESTO_TOPIC_ALERTS": self.topics["alerts"],
                    "HEFESTO_TOPIC_FINDINGS": self.topics["findings"],
                    "HEFESTO_TOPIC_ENRICHED": self.topics["enriched"],
                    "HEFESTO_TOPIC_DEADLETTER": self.topics["dlq"],
                    "HEFESTO_TOPIC_PARTITIONS": str(self.partitions),
                    "HEFESTO_API_PORT": str(port),
                    "HEFESTO_DATA_DIR": str(self.data_dir / f"w{i}"),
                    "HEFESTO_LOG_LEVEL": "warning",
                    "PYTHONPATH": str(REPO),
                    "HEFESTO_RELAY_READY_FILE": str(self._ready_file(i)),
                    "HEFESTO_RELAY_STATE": "false" if self.engine == "relay-min" else "true",
                }
            )
            log = (self.data_dir / f"worker-{i}.log").open("wb")
            command = [sys.executable, "-m", "streams"]
            if self.engine != "hefesto":
                command = [sys.executable, str(REPO / "bench" / "relay.py")]
            proc = subprocess.Popen(command, env=env, cwd=REPO, stdout=log, stderr=log)
            self.procs.append((proc, port))

    def _ready_file(self, i: int) -> Path:
        return self.data_dir / f"relay-{i}.assigned"

    def wait_ready(self, *, timeout_s: float) -> None:
        """Every source partition assigned, each worker holding some."""
        alerts = f"{self.prefix}-alerts:"
        if self.engine == "hefesto":
            self.wait(
                lambda hs: (
                    len({p for h in hs for p in h["assigned_partitions"] if p.startswith(alerts)})
                    == self.partitions
                    and all(any(p.startswith(alerts) for p in h["assigned_partitions"]) for h in hs)
                ),
                timeout_s=timeout_s,
                what="workers to be ready",
            )
            return
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for proc, _ in self.procs:
                if proc.poll() is not None:
                    raise RuntimeError(f"relay exited with {proc.returncode}, see {self.data_dir}")
            held = [
                set(f.read_text().split()) if f.exists() else set()
                for f in map(self._ready_file, range(self.n))
            ]
            if all(held) and len(set().union(*held)) == self.partitions:
                return
            time.sleep(0.5)
        raise RuntimeError(f"timed out waiting for the relays' assignment, see {self.data_dir}")

    def health(self) -> list[dict[str, Any] | None]:
        """The engine workers' ``/health`` answers."""
        out: list[dict[str, Any] | None] = []
        for proc, port in self.procs:
            if proc.poll() is not None:
                raise RuntimeError(f"worker on port {port} exited with {proc.returncode}")
            try:
                out.append(httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).json())
            except (httpx.HTTPError, ValueError):
                out.append(None)
        return out

    def wait(self, predicate: Any, *, timeout_s: float, what: str) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            hs = self.health()
            if all(h and h["status"] == "ok" for h in hs) and predicate(hs):
                return
            time.sleep(0.5)
        raise RuntimeError(f"timed out waiting for {what}: {self.health()}")

    def cpu_seconds(self) -> float:
        """The workers' CPU, with that of their live child processes (the
        history store process, streams/storeproc.py)."""
        pids = [proc.pid for proc, _ in self.procs]
        return sum(_cpu_seconds(pid) for pid in pids + [c for pid in pids for c in _descendants(pid)])

    def stop(self) -> None:
        for proc, _ in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc, _ in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


def _descendants(pid: int) -> list[int]:
    """The live processes under ``pid``, from /proc."""
    found: list[int] = []
    stack = [pid]
    while stack:
        parent = stack.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{parent}/task/{task}/children") as fh:
                    children = [int(c) for c in fh.read().split()]
            except OSError:
                continue
            found += children
            stack += children
    return found


def _cpu_seconds(pid: int | None) -> float:
    """User + system CPU of a live process, from /proc (0.0 when unknown)."""
    if pid is None:
        return 0.0
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _machine_cpu_seconds(stat: str | None = None) -> tuple[float, float] | None:
    """(busy, idle) CPU seconds of the whole machine since boot, summed over
    its CPUs, from the first line of /proc/stat (``stat`` is that file's
    text, for tests); None when it cannot be read. Waiting for I/O counts
    as idle: the CPU was free."""
    if stat is None:
        try:
            with open("/proc/stat") as fh:
                stat = fh.readline()
        except OSError:
            return None
    fields = stat.split("\n", 1)[0].split()
    if len(fields) < 9 or fields[0] != "cpu":
        return None
    # user nice system idle iowait irq softirq steal (guest time is already
    # inside user and nice, so it is not added again).
    ticks = [int(v) for v in fields[1:9]]
    idle = ticks[3] + ticks[4]
    tck = os.sysconf("SC_CLK_TCK")
    return (sum(ticks) - idle) / tck, idle / tck


def _pct(sorted_ms: list[float], q: float) -> float | None:
    if not sorted_ms:
        return None
    return round(sorted_ms[min(len(sorted_ms) - 1, int(q * len(sorted_ms)))], 2)


async def _run_rate(
    bootstrap: str, topics: dict[str, str], rate: int, duration_s: float, drain_s: float, seed: int
) -> dict[str, Any]:
    rng = random.Random(seed)
    run_id = uuid.uuid4().hex[:6]
    consumer = AIOKafkaConsumer(
        topics["enriched"],
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="latest",
        fetch_max_wait_ms=5,
        enable_auto_commit=False,
    )
    await consumer.start()
    # Make sure the consumer has its position before anything is produced.
    await consumer.seek_to_end()
    for tp in consumer.assignment():
        await consumer.position(tp)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=1, acks=1)
    await producer.start()
    sent_at: dict[str, float] = {}
    latencies: list[float] = []
    received: set[str] = set()
    # Alerts whose first answer was followed by another version: with no
    # late findings in this benchmark, a partial answer at a timeout.
    corrected: set[str] = set()
    last_recv = 0.0
    stop_consuming = asyncio.Event()
    all_received = asyncio.Event()

    async def consume() -> None:
        nonlocal last_recv
        while not stop_consuming.is_set():
            batch = await consumer.getmany(timeout_ms=100, max_records=5_000)
            now = time.perf_counter()
            for msgs in batch.values():
                for m in msgs:
                    alert_id = m.key.decode()
                    t0 = sent_at.get(alert_id)
                    if t0 is None:
                        continue
                    if alert_id in received:
                        if dict(m.headers or ()).get("correlation-version", b"1") != b"1":
                            corrected.add(alert_id)
                        continue
                    received.add(alert_id)
                    latencies.append((now - t0) * 1000)
                    last_recv = now
                    if len(received) >= total:
                        all_received.set()

    total = int(rate * duration_s)
    consumer_task = asyncio.create_task(consume())
    start = time.perf_counter()
    for i in range(total):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        alert_id = f"r{rate}-{run_id}-{i}"
        value = _alert(alert_id, rng)
        sent_at[alert_id] = time.perf_counter()
        await producer.send(topics["alerts"], value, key=alert_id.encode())
    await producer.flush()
    offered_s = time.perf_counter() - start
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(all_received.wait(), timeout=drain_s)
    stop_consuming.set()
    await consumer_task
    await producer.stop()
    await consumer.stop()
    lat = sorted(latencies)
    span = (last_recv - start) if last_recv else 0.0
    return {
        "offered_rate": rate,
        "sent": total,
        "actual_offered_rate": round(total / offered_s, 1),
        "delivered": len(received),
        "corrected": len(corrected),
        "lost_or_late": total - len(received),
        "throughput_per_s": round(len(received) / span, 1) if span else 0.0,
        "latency_ms": {
            "p50": _pct(lat, 0.50),
            "p95": _pct(lat, 0.95),
            "p99": _pct(lat, 0.99),
            "max": _pct(lat, 1.0),
        },
    }


def run_config(
    bootstrap: str,
    n_workers: int,
    rates: list[int],
    duration_s: float,
    drain_s: float,
    *,
    broker_pid: int | None = None,
    echo: bool = True,
    engine: Engine = "hefesto",
    partitions: int = PARTITIONS,
) -> list[dict[str, Any]]:
    prefix = f"bench-stream-{uuid.uuid4().hex[:8]}"
    data_dir = Path(tempfile.mkdtemp(prefix=f"{prefix}-"))
    workers = Workers(prefix, bootstrap, n_workers, data_dir, engine=engine, partitions=partitions)
    if engine != "hefesto":
        # The engine declares its topics itself; the relay's need making.
        names = [*workers.topics.values(), f"{prefix}-relay-state"]
        asyncio.run(_create_topics(bootstrap, names, partitions))
    workers.start()
    results: list[dict[str, Any]] = []
    try:
        workers.wait_ready(timeout_s=120)
        if engine == "hefesto":
            asyncio.run(_produce_all(bootstrap, workers.topics["findings"], _finding_events()))
            workers.wait(
                lambda hs: sum(h["table_keys"]["findings_by_file"] for h in hs) == N_FILES,
                timeout_s=120,
                what="10,000 findings to be loaded",
            )
        # A short warm-up so that connection set-up is not measured.
        asyncio.run(_run_rate(bootstrap, workers.topics, 200, 2.0, 10.0, seed=0))
        for rate in rates:
            cpu0, broker0, t0 = workers.cpu_seconds(), _cpu_seconds(broker_pid), time.monotonic()
            own0, machine0 = time.process_time(), _machine_cpu_seconds()
            result = asyncio.run(_run_rate(bootstrap, workers.topics, rate, duration_s, drain_s, seed=rate))
            worker_cpu_s, elapsed_s = workers.cpu_seconds() - cpu0, time.monotonic() - t0
            own_cpu_s = time.process_time() - own0
            machine1 = _machine_cpu_seconds()
            result["engine"] = engine
            result["workers"] = n_workers
            result["partitions"] = partitions
            result["load_average_1m"] = round(os.getloadavg()[0], 2)
            result["worker_cpu_cores"] = round(worker_cpu_s / elapsed_s, 2)
            # Per delivered alert: at a rate every configuration keeps up
            # with, far steadier between runs than the saturated throughput.
            delivered = max(result["delivered"], 1)
            result["worker_cpu_ms_per_alert"] = round(worker_cpu_s * 1000 / delivered, 3)
            if broker_pid is not None:
                broker_cpu_s = _cpu_seconds(broker_pid) - broker0
                result["broker_cpu_cores"] = round(broker_cpu_s / elapsed_s, 2)
                result["broker_cpu_ms_per_alert"] = round(broker_cpu_s * 1000 / delivered, 3)
            # This process: the load generator and the reader of the output.
            result["loadgen_cpu_cores"] = round(own_cpu_s / elapsed_s, 2)
            result["loadgen_cpu_ms_per_alert"] = round(own_cpu_s * 1000 / max(result["sent"], 1), 3)
            # Everything on the machine, these processes included: how much
            # of the two cores was left for a faster worker to use.
            if machine0 is not None and machine1 is not None:
                result["machine_busy_cores"] = round((machine1[0] - machine0[0]) / elapsed_s, 2)
                result["machine_idle_cores"] = round((machine1[1] - machine0[1]) / elapsed_s, 2)
            if echo:
                print(_line(result), flush=True)
            results.append(result)
            time.sleep(2.0)
    finally:
        workers.stop()
        # The workers' state and logs; a failed run raised before this.
        shutil.rmtree(data_dir, ignore_errors=True)
    return results


async def _create_topics(bootstrap: str, names: list[str], partitions: int = PARTITIONS) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        topics = [NewTopic(n, num_partitions=partitions, replication_factor=1) for n in names]
        await admin.create_topics(topics)
    finally:
        await admin.close()


async def _produce_all(bootstrap: str, topic: str, messages: list[tuple[bytes, bytes]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()
    try:
        for key, value in messages:
            await producer.send(topic, value, key=key)
        await producer.flush()
    finally:
        await producer.stop()


def _median(values: list[Any]) -> Any:
    present = [v for v in values if v is not None]
    return round(statistics.median(present), 2) if present else None


def _medians(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per (workers, offered rate): the median of each figure over the runs."""
    cells: dict[tuple[str, int, int], list[dict[str, Any]]] = {}
    for r in runs:
        cells.setdefault((r.get("engine", "hefesto"), r["workers"], r["offered_rate"]), []).append(r)
    out = []
    for (engine, workers, rate), rs in cells.items():
        figures = (
            "actual_offered_rate",
            "delivered",
            "throughput_per_s",
            "worker_cpu_cores",
            "worker_cpu_ms_per_alert",
            "broker_cpu_cores",
            "broker_cpu_ms_per_alert",
            "loadgen_cpu_cores",
            "loadgen_cpu_ms_per_alert",
            "machine_busy_cores",
            "machine_idle_cores",
        )
        cell: dict[str, Any] = {"engine": engine, "workers": workers, "offered_rate": rate, "runs": len(rs)}
        cell["sent"] = rs[0]["sent"]
        cell |= {name: _median([r.get(name) for r in rs]) for name in figures}
        cell["latency_ms"] = {
            q: _median([r["latency_ms"][q] for r in rs]) for q in ("p50", "p95", "p99", "max")
        }
        out.append(cell)
    return out


def _line(r: dict[str, Any]) -> str:
    lat = r["latency_ms"]
    return (
        f"{r.get('engine', 'hefesto')}: workers={r['workers']} "
        f"offered={r['offered_rate']}/s (actual {r['actual_offered_rate']}/s) "
        f"delivered={r['delivered']}/{r['sent']} corrected={r.get('corrected', 0)} "
        f"throughput={r['throughput_per_s']}/s "
        f"p50={lat['p50']}ms p95={lat['p95']}ms p99={lat['p99']}ms max={lat['max']}ms "
        f"worker_cpu={r['worker_cpu_cores']} cores ({r.get('worker_cpu_ms_per_alert')} ms/alert)"
        + (
            f" broker_cpu={r['broker_cpu_cores']} cores ({r.get('broker_cpu_ms_per_alert')} ms/alert)"
            if r.get("broker_cpu_cores") is not None
            else ""
        )
        + (
            f" loadgen_cpu={r['loadgen_cpu_cores']} cores ({r['loadgen_cpu_ms_per_alert']} ms/alert)"
            if r.get("loadgen_cpu_cores") is not None
            else ""
        )
        + (
            f" machine: {r['machine_busy_cores']} cores busy, {r['machine_idle_cores']} idle"
            if r.get("machine_busy_cores") is not None
            else ""
        )
    )


def _ratios(medians: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The engine's sustained throughput as a share of the relay's, per
    cell measured with both."""
    relay = {(m["workers"], m["offered_rate"]): m for m in medians if m["engine"] == "relay"}
    out = []
    for m in medians:
        base = relay.get((m["workers"], m["offered_rate"]))
        if m["engine"] != "hefesto" or base is None or not base["throughput_per_s"]:
            continue
        out.append(
            {
                "workers": m["workers"],
                "offered_rate": m["offered_rate"],
                "hefesto_per_s": m["throughput_per_s"],
                "relay_per_s": base["throughput_per_s"],
                "share_of_relay": round(m["throughput_per_s"] / base["throughput_per_s"], 3),
            }
        )
    return out


@contextlib.contextmanager
def _broker(bootstrap: str | None) -> Any:
    """(bootstrap, description, broker pid or None): the given cluster, or a
    broker of our own."""
    if bootstrap:
        yield bootstrap, f"existing cluster at {bootstrap}", None
        return
    from hefesto_core.kafka.broker import LocalBroker
    from hefesto_core.settings import load_settings

    settings = load_settings(
        kafka_port=_free_port(), kafka_controller_port=_free_port(), kafka_bootstrap=None
    )
    state_dir = Path(tempfile.mkdtemp(prefix="hefesto-bench-broker-"))
    broker = LocalBroker(settings, state_dir=state_dir)
    status = broker.start(timeout_ms=120_000)
    try:
        yield (
            status.bootstrap,
            f"Apache Kafka {broker.version} started by the benchmark at {status.bootstrap}",
            status.pid,
        )
    finally:
        broker.stop()
        # A full matrix leaves gigabytes of logs here; nothing reads them after.
        shutil.rmtree(state_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--bootstrap",
        default=os.environ.get("HEFESTO_KAFKA_BOOTSTRAP"),
        help="an existing cluster; default: start the project's own broker on free ports, stop it at the end",
    )
    parser.add_argument("--rates", type=int, nargs="+", default=[200, 1000, 2000, 5000])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--engines",
        nargs="+",
        choices=["relay-min", "relay", "hefesto"],
        default=["relay", "hefesto"],
        help="relay: the baseline of bench/relay.py (the engine's bytes, no Faust, no correlation); "
        "relay-min: the same writing only the enriched record; run in the order given in each cell "
        "(default: relay, hefesto)",
    )
    parser.add_argument("--duration", type=float, default=20.0, help="seconds offered per rate")
    parser.add_argument("--drain", type=float, default=30.0, help="seconds to wait for stragglers")
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs per cell; the medians are printed and written too"
    )
    parser.add_argument(
        "--partitions",
        type=int,
        default=PARTITIONS,
        help=f"partitions of every topic (HEFESTO_TOPIC_PARTITIONS; default {PARTITIONS}); at least the "
        "largest --workers, or a worker is left without partitions",
    )
    parser.add_argument("--label", default="tuned", help="name of this configuration in the results file")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--shared-workers",
        action="store_true",
        help="run every rate on the same workers and topics (default: fresh ones per rate)",
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=45.0,
        help="seconds of unmeasured load (500 alerts/s, one worker) first, so that the broker's JVM has "
        "compiled its hot paths; 0 to skip",
    )
    args = parser.parse_args()
    if args.partitions < max(args.workers):
        parser.error(f"--partitions {args.partitions} leaves some of {max(args.workers)} workers idle")

    tuning = {k: v for k, v in os.environ.items() if k.startswith("HEFESTO_STREAM_")}
    runs: list[dict[str, Any]] = []
    with _broker(args.bootstrap) as (bootstrap, kafka, broker_pid):
        print(f"kafka: {kafka}", flush=True)
        if args.warmup > 0:
            # A fresh broker spends the first half-minute or so of load
            # compiling (its C2 compiler threads took 0.45 of a core in the
            # first 10 s at 500 alerts/s, 0.25 in the next, ~0 after 40 s),
            # and on two cores every such cycle is taken from the worker.
            print(f"warming up the broker for {args.warmup:.0f} s (not measured) ...", flush=True)
            run_config(bootstrap, 1, [500], args.warmup, 5.0, broker_pid=broker_pid, echo=False)
        for repeat in range(args.repeat):
            for n in args.workers:
                batch = []
                if args.shared_workers:
                    for engine in args.engines:
                        batch.extend(
                            run_config(
                                bootstrap,
                                n,
                                args.rates,
                                args.duration,
                                args.drain,
                                broker_pid=broker_pid,
                                engine=engine,
                                partitions=args.partitions,
                            )
                        )
                else:
                    # Fresh workers and topics per rate: a rate the engine
                    # cannot keep up with leaves a backlog that would be
                    # measured as the next rate's latency. The engines take
                    # turns in each cell, so both see the same machine.
                    for rate in args.rates:
                        for engine in args.engines:
                            batch.extend(
                                run_config(
                                    bootstrap,
                                    n,
                                    [rate],
                                    args.duration,
                                    args.drain,
                                    broker_pid=broker_pid,
                                    engine=engine,
                                    partitions=args.partitions,
                                )
                            )
                runs.extend({**r, "repeat": repeat} for r in batch)
    medians = _medians(runs)
    if args.repeat > 1:
        print(f"medians of {args.repeat} runs per cell:")
        for m in medians:
            print(_line(m), flush=True)
    ratios = _ratios(medians)
    for r in ratios:
        print(
            f"workers={r['workers']} offered={r['offered_rate']}/s: hefesto {r['hefesto_per_s']}/s = "
            f"{r['share_of_relay']:.0%} of the relay's {r['relay_per_s']}/s",
            flush=True,
        )
    existing: dict[str, Any] = {}
    if args.out.exists():
        existing = orjson.loads(args.out.read_bytes())
    configs = existing.get("configurations", {})
    configs[args.label] = {
        "tuning_env": tuning,
        "partitions": args.partitions,
        "duration_s": args.duration,
        "runs": runs,
        "medians": medians,
        "hefesto_vs_relay": ratios,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    payload = {
        "benchmark": "stream",
        "dataset": {
            "findings": N_FILES * PER_FILE,
            "files": N_FILES,
            "frames_per_alert": "1-5",
            "partitions": PARTITIONS,  # unless a configuration says otherwise
        },
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "latency": "producer send() to enriched alert read back by a consumer, version 1",
        "kafka": kafka,
        "configurations": configs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(orjson.dumps(payload, option=orjson.OPT_INDENT_2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
