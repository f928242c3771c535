"""A worker killed mid-stream, through the documented CLI only: what the
enriched topic says afterwards.

    .venv/bin/python bench/failover.py                          # one worker, kill -9, a new worker
    .venv/bin/python bench/failover.py --workers 2 --no-restart # one of two killed, none started
    .venv/bin/python bench/failover.py --alerts 6000 --poison 540 --rate 400 --repeat 3

Each run, on fresh topics (and the project's own broker unless
``--bootstrap`` names one): ``--workers`` ``hefesto worker`` processes;
``hefesto analyze examples/sample_service --repo sample-service --publish``;
a wait until every file the sample alerts name is registered for path
resolution; ``hefesto replay`` of ``--alerts`` alerts drawn from
``examples/alerts.jsonl`` with ``--poison`` poison lines among them (half
not JSON, half failing validation) at ``--rate``; ``kill -9`` of the first
worker ``--kill-after`` seconds into the replay and, unless
``--no-restart``, a new worker ``--restart-after`` seconds later; then
``hefesto tail --from-beginning --json`` until every alert is answered or
``--answer-timeout`` passes. The workers keep their defaults (history sink
included) but ports and data directories.

Per run it prints, and writes to ``bench/results/failover.json`` under
``--label`` (the other scenarios there are kept):
``lost`` (alerts never answered), ``wrong_first`` (a version 1 that does
not name the sample's expected file, or names one where none is
expected), ``wrong_latest`` (the same of each alert's newest version),
``corrected`` (alerts with more than one version), the distinct poison
lines dead-lettered (by their ``source-partition``/``source-offset``
headers) against those sent, and how long after the replay ended every
alert had been read back answered (an upper bound: each read of the topic
ends after 5 s without a record).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import orjson
from aiokafka import AIOKafkaConsumer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import fanout as fanout_bench  # noqa: E402
import stream as stream_bench  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "failover.json"
EXAMPLES = ROOT / "examples"
# The file each sample alert's top finding is in (None: no code location).
EXPECTED: dict[str, str | None] = {
    "demo-1": "payments/processor.py",
    "demo-2": "payments/orders.py",
    "demo-3": "payments/refunds.py",
    "demo-4": None,
}


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "hefesto_core.cli.main", *args]


class Run:
    """One scenario's topics, environment and worker processes."""

    def __init__(self, bootstrap: str, workdir: Path) -> None:
        self.name = f"failover-{uuid.uuid4().hex[:8]}"
        self.workdir = workdir
        self.topics = {k: f"{self.name}.{k}" for k in ("alerts", "findings", "enriched", "deadletter")}
        self.env = dict(os.environ)
        self.env.update(
            {
                "HEFESTO_KAFKA_BOOTSTRAP": bootstrap,
                "HEFESTO_APP_ID": self.name,
                "HEFESTO_TOPIC_ALERTS": self.topics["alerts"],
                "HEFESTO_TOPIC_FINDINGS": self.topics["findings"],
                "HEFESTO_TOPIC_ENRICHED": self.topics["enriched"],
                "HEFESTO_TOPIC_DEADLETTER": self.topics["deadletter"],
                "HEFESTO_CACHE_DIR": str(workdir / "cache"),
                "HEFESTO_LOG_LEVEL": "warning",
            }
        )
        self.workers: list[tuple[subprocess.Popen[bytes], int]] = []
        self.log = workdir / "workers.log"

    def start_worker(self) -> subprocess.Popen[bytes]:
        port = stream_bench._free_port()
        env = {
            **self.env,
            "HEFESTO_API_PORT": str(port),
            "HEFESTO_DATA_DIR": str(self.workdir / f"worker-{len(self.workers)}"),
        }
        with self.log.open("ab") as log:
            proc = subprocess.Popen(_cli("worker"), env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        self.workers.append((proc, port))
        return proc

    def live(self) -> list[tuple[subprocess.Popen[bytes], int]]:
        return [(p, port) for p, port in self.workers if p.poll() is None]

    def wait_healthy(self, *, timeout_s: float = 120) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for proc, _ in self.workers:
                if proc.poll() is not None and proc.returncode != -signal.SIGKILL:
                    raise RuntimeError(f"a worker exited with {proc.returncode}, see {self.log}")
            if all(self._health(port) == "ok" for _, port in self.live()):
                return
            time.sleep(0.5)
        raise RuntimeError(f"workers not healthy after {timeout_s:.0f} s, see {self.log}")

    def wait_registered(self, files: set[str], *, timeout_s: float = 60) -> None:
        """Every file the alerts name known to the resolve agents (the
        union over the workers, each of which holds its partitions)."""
        deadline = time.monotonic() + timeout_s
        known: set[str] = set()
        while time.monotonic() < deadline:
            known = set()
            for _, port in self.live():
                try:
                    r = httpx.get(f"http://127.0.0.1:{port}/tables/paths_by_basename/", timeout=5)
                    known |= set(dict(r.json()["items"]))
                except (httpx.HTTPError, ValueError, KeyError):
                    pass
            if files <= known:
                return
            time.sleep(0.5)
        raise RuntimeError(f"files not registered after {timeout_s:.0f} s: {sorted(files - known)}")

    def stop(self) -> None:
        for proc, _ in self.workers:
            if proc.poll() is None:
                proc.terminate()
        for proc, _ in self.workers:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()

    @staticmethod
    def _health(port: int) -> str | None:
        try:
            return str(httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).json().get("status"))
        except (httpx.HTTPError, ValueError):
            return None


def alerts_file(path: Path, *, alerts: int, poison: int, seed: int) -> dict[str, str]:
    """Write the replay file; returns ``{alert_id: sample it copies}``."""
    samples = [orjson.loads(line) for line in (EXAMPLES / "alerts.jsonl").read_bytes().splitlines()]
    rng = random.Random(seed)
    copies = {f"fo-{i}": rng.choice(samples) for i in range(alerts)}
    lines = [orjson.dumps({**sample, "alert_id": alert_id}) for alert_id, sample in copies.items()]
    for i in range(poison):
        bad = b'{"alert_id": "broken", ' if i % 2 else orjson.dumps({"alert_id": f"bad-{i}", "severity": "?"})
        lines.insert(rng.randrange(len(lines) + 1), bad)
    path.write_bytes(b"\n".join(lines) + b"\n")
    return {alert_id: sample["alert_id"] for alert_id, sample in copies.items()}


def read_answers(run: Run, want: set[str], *, timeout_s: float) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout_s
    records: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        out = subprocess.run(
            _cli("tail", run.topics["enriched"], "--from-beginning", "--json", "--idle", "5"),
            env=run.env,
            cwd=ROOT,
            capture_output=True,
            timeout=timeout_s + 60,
            check=True,
        )
        records = [orjson.loads(line) for line in out.stdout.splitlines() if line.strip()]
        if want <= {r["alert_id"] for r in records}:
            break
    return records


async def dead_letter_sources(bootstrap: str, topic: str) -> set[tuple[bytes, bytes]]:
    """The distinct (``source-partition``, ``source-offset``) headers of
    ``topic``'s records (also read by ``tests/e2e/test_crash_cli.py``)."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    sources: set[tuple[bytes, bytes]] = set()
    try:
        while batch := await consumer.getmany(timeout_ms=3_000):
            for messages in batch.values():
                for m in messages:
                    headers = dict(m.headers)
                    sources.add((headers["source-partition"], headers["source-offset"]))
    finally:
        await consumer.stop()
    return sources


def _right(answer: dict[str, Any], expected: str | None) -> bool:
    got = answer["hefesto_findings"][0]["file_path"] if answer["enriched"] else None
    return got is None if expected is None else got is not None and str(got).endswith(expected)


def score(records: list[dict[str, Any]], kinds: dict[str, str]) -> dict[str, int]:
    """Lost, wrong first and latest answers, corrected: see the docstring."""
    versions: dict[str, dict[int, dict[str, Any]]] = {}
    for r in records:
        versions.setdefault(r["alert_id"], {})[int(r["correlation_version"])] = r
    lost = wrong_first = wrong_latest = corrected = 0
    for alert_id, sample in kinds.items():
        seen = versions.get(alert_id)
        if not seen:
            lost += 1
            continue
        expected = EXPECTED[sample]
        first = seen.get(1)
        wrong_first += first is None or not _right(first, expected)
        wrong_latest += not _right(seen[max(seen)], expected)
        corrected += len(seen) > 1
    return {"lost": lost, "wrong_first": wrong_first, "wrong_latest": wrong_latest, "corrected": corrected}


def one_run(bootstrap: str, args: argparse.Namespace, seed: int) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="hefesto-failover-"))
    run = Run(bootstrap, workdir)
    try:
        for _ in range(args.workers):
            run.start_worker()
        run.wait_healthy()
        service = str(EXAMPLES / "sample_service")
        publish = subprocess.run(
            _cli("analyze", service, "--repo", "sample-service", "--publish", "--no-cache"),
            env=run.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if publish.returncode not in (0, 1):  # 1: findings at or above --fail-on
            raise RuntimeError(f"hefesto analyze --publish failed: {publish.stderr[-2000:]}")
        run.wait_registered({f"sample-service:{Path(p).name}" for p in EXPECTED.values() if p})
        kinds = alerts_file(workdir / "alerts.jsonl", alerts=args.alerts, poison=args.poison, seed=seed)
        replay = subprocess.Popen(
            _cli(
                "replay",
                str(workdir / "alerts.jsonl"),
                "--topic",
                run.topics["alerts"],
                "--rate",
                str(args.rate),
            ),
            env=run.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        time.sleep(args.kill_after)
        victim = run.workers[0][0]
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        print(f"  killed worker 0 (pid {victim.pid}) {args.kill_after:.1f} s into the replay", flush=True)
        if args.restart:
            time.sleep(args.restart_after)
            run.start_worker()
            print(f"  started a new worker {args.restart_after:.1f} s later", flush=True)
        _, errors = replay.communicate(timeout=args.alerts / max(args.rate, 1) + 300)
        if replay.returncode != 0:
            raise RuntimeError(f"hefesto replay failed: {errors.decode(errors='replace')[-2000:]}")
        replay_done = time.monotonic()
        records = read_answers(run, set(kinds), timeout_s=args.answer_timeout)
        answered_s = time.monotonic() - replay_done
        sources = asyncio.run(dead_letter_sources(bootstrap, run.topics["deadletter"]))
    finally:
        run.stop()
    return {
        "workers": args.workers,
        "restart": args.restart,
        "alerts": len(kinds),
        "records": len(records),
        **score(records, kinds),
        "poison_sent": args.poison,
        "poison_dead_lettered": len(sources),
        "answered_within_s_of_replay_end": round(answered_s, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--bootstrap", default=None, help="an existing cluster; default: the project's own broker"
    )
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--restart", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--alerts", type=int, default=6_000)
    parser.add_argument("--poison", type=int, default=540)
    parser.add_argument(
        "--rate", type=float, default=400.0, help="lines per second offered by hefesto replay"
    )
    parser.add_argument("--kill-after", type=float, default=6.0, help="seconds into the replay")
    parser.add_argument("--restart-after", type=float, default=3.0, help="seconds after the kill")
    parser.add_argument("--answer-timeout", type=float, default=300.0)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--label", help="the scenario's name in the results file (default: from the options)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    if args.workers < 1 or (args.workers == 1 and not args.restart):
        parser.error("one worker needs --restart: with none left nothing can answer")

    runs = []
    with stream_bench._broker(args.bootstrap) as (bootstrap, described, _):
        print(described, flush=True)
        for i in range(args.repeat):
            print(
                f"run {i + 1} of {args.repeat}: {args.workers} worker(s), restart={args.restart}", flush=True
            )
            result = one_run(bootstrap, args, seed=i)
            runs.append(result)
            print("  " + " ".join(f"{k}={v}" for k, v in result.items()), flush=True)
    keys = ("lost", "wrong_first", "wrong_latest", "corrected", "poison_dead_lettered")
    medians = {k: statistics.median(r[k] for r in runs) for k in keys}
    print("median of runs: " + " ".join(f"{k}={v}" for k, v in medians.items()))
    workers = f"{args.workers}-worker{'s' if args.workers > 1 else ''}"
    label = args.label or f"{workers}-{'restart' if args.restart else 'no-restart'}"
    # One file for every scenario run so far: each label is replaced by its newest runs.
    previous = orjson.loads(args.out.read_bytes()) if args.out.exists() else {}
    scenarios = previous.get("scenarios", {})
    scenarios[label] = {
        "scenario": {k: v for k, v in vars(args).items() if k not in ("out", "bootstrap", "label")},
        "kafka": described,
        "runs": runs,
        "medians": medians,
    }
    fanout_bench.write_results(args.out, {"benchmark": "failover", "scenarios": scenarios})


if __name__ == "__main__":
    main()
