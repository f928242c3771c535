"""History store: write throughput and query latency, both backends.

For each backend and each run, a fresh store receives ``--findings`` findings
as ``hefesto.findings`` events (5 findings per file, 100 events per call, the
way the stream's sink batches), then every main query runs ``--queries``
times. Figures are the median over ``--runs`` runs. BigQuery here is the
``bqemulator`` emulator on loopback (the real client, the real SQL), not the
BigQuery service: its latencies say nothing about the service's.

    .venv/bin/python bench/store.py [--runs 3] [--findings 5000] [--queries 200]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hefesto_core.history import (  # noqa: E402
    FindingQuery,
    HistoryStore,
    SqliteHistoryStore,
    TrendGranularity,
)
from hefesto_core.history.bigquery import BigQueryHistoryStore  # noqa: E402
from hefesto_core.models import (  # noqa: E402
    EnrichedAlert,
    Finding,
    FindingEvent,
    FindingStatus,
    Severity,
    StatusChange,
)

RESULTS = ROOT / "bench" / "results" / "store.json"
T0 = datetime(2026, 1, 5, tzinfo=UTC)
SEVERITIES = list(Severity)
PER_FILE = 5
EVENTS_PER_CALL = 100


def _events(n_findings: int) -> list[FindingEvent]:
    events = []
    for file_no in range(n_findings // PER_FILE):
        path = f"src/pkg{file_no % 40}/mod{file_no}.py"
        when = T0 + timedelta(minutes=file_no * 7)
        findings = [
            Finding(
                finding_id=f"f{file_no}-{k}",
                repo="acme/pay",
                commit_sha="a1b2c3d",
                file_path=path,
                line_start=10 * k + 1,
                line_end=10 * k + 5,
                function_name=f"mod{file_no}.fn{k}",
                rule_id=f"HF{100 + k}",
                issue_type="POSSIBLE_NONE_DEREFERENCE",
                severity=SEVERITIES[(file_no + k) % len(SEVERITIES)],
                message="value may be None here",
                code_snippet="x.charge(amount)",
                metadata={"complexity": k + 3},
            )
            for k in range(PER_FILE)
        ]
        events.append(
            FindingEvent(
                event_id=f"e{file_no}",
                kind="upsert",
                repo="acme/pay",
                file_path=path,
                findings=findings,
                emitted_at=when,
            )
        )
    return events


def _write(store: HistoryStore, events: list[FindingEvent]) -> float:
    start = time.perf_counter()
    for i in range(0, len(events), EVENTS_PER_CALL):
        store.record_finding_events(events[i : i + EVENTS_PER_CALL])
    return time.perf_counter() - start


def _queries(store: HistoryStore, events: list[FindingEvent]) -> dict[str, Callable[[], object]]:
    end = events[-1].emitted_at + timedelta(hours=1)
    some_file = events[len(events) // 2].file_path
    return {
        "query_findings_all_page": lambda: store.query_findings(FindingQuery(limit=100)),
        "query_findings_filtered": lambda: store.query_findings(
            FindingQuery(
                min_severity=Severity.HIGH, statuses=(FindingStatus.OPEN,), rule_id="HF101", limit=50
            )
        ),
        "findings_by_file": lambda: store.findings_by_file(some_file, since=T0),
        "get_finding": lambda: store.get_finding("f7-3"),
        "latest_correlation": lambda: store.latest_correlation("alert-3"),
        "metrics_summary": lambda: store.metrics_summary(),
        "trends_daily": lambda: store.trends(start=T0, end=end, granularity=TrendGranularity.DAY),
        "findings_history": lambda: store.findings_history(start=end - timedelta(days=7), end=end),
    }


def _prepare_reads(store: HistoryStore, events: list[FindingEvent]) -> None:
    store.record_status_change(
        StatusChange(finding_id="f7-3", status="acknowledged", changed_by="bench", changed_at=T0),
        repo="acme/pay",
        file_path=events[7].file_path,
    )
    store.record_correlations(
        [
            EnrichedAlert(
                alert_id=f"alert-{i}",
                enriched=False,
                reason="no_candidate",
                correlation_version=v,
                processed_at=T0,
            )
            for i in range(10)
            for v in (1, 2)
        ]
    )


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _one_run(store: HistoryStore, n_findings: int, n_queries: int) -> dict[str, Any]:
    events = _events(n_findings)
    seconds = _write(store, events)
    _prepare_reads(store, events)
    latencies: dict[str, dict[str, float]] = {}
    for name, run in _queries(store, events).items():
        run()  # warm caches and lazily opened connections
        samples = []
        for _ in range(n_queries):
            start = time.perf_counter()
            run()
            samples.append((time.perf_counter() - start) * 1000)
        latencies[name] = {"p50_ms": _pct(samples, 0.5), "p99_ms": _pct(samples, 0.99)}
    return {
        "findings": len(events) * PER_FILE,
        "findings_per_s": len(events) * PER_FILE / seconds,
        "queries": latencies,
    }


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    names = runs[0]["queries"].keys()
    return {
        "findings_written_per_s": round(statistics.median(r["findings_per_s"] for r in runs), 1),
        "queries": {
            name: {
                "p50_ms": round(statistics.median(r["queries"][name]["p50_ms"] for r in runs), 3),
                "p99_ms": round(statistics.median(r["queries"][name]["p99_ms"] for r in runs), 3),
            }
            for name in names
        },
        "runs": [{"findings_per_s": round(r["findings_per_s"], 1), "findings": r["findings"]} for r in runs],
    }


@contextmanager
def _emulator() -> Iterator[tuple[str, str]]:
    from tests.fixtures.bigquery import start_emulator

    home = Path(tempfile.mkdtemp(prefix="hefesto-bench-bqemu-"))
    proc, emulator = start_emulator(home)
    try:
        yield emulator.endpoint, emulator.project
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
        shutil.rmtree(home, ignore_errors=True)


def _bench_sqlite(args: argparse.Namespace) -> dict[str, Any]:
    runs = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="hefesto-bench-") as tmp:
            store = SqliteHistoryStore(Path(tmp) / "history.db")
            try:
                runs.append(_one_run(store, args.findings, args.queries))
            finally:
                store.close()
    return _median(runs) | {"findings_per_run": args.findings, "queries_per_figure": args.queries}


def _bench_bigquery(args: argparse.Namespace) -> dict[str, Any]:
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import bigquery

    findings = args.bq_findings
    queries = args.bq_queries
    runs = []
    with _emulator() as (endpoint, project):
        client = bigquery.Client(
            project=project, credentials=AnonymousCredentials(), client_options={"api_endpoint": endpoint}
        )
        for _ in range(args.runs):
            store = BigQueryHistoryStore(client, dataset=f"bench_{uuid.uuid4().hex[:8]}")
            runs.append(_one_run(store, findings, queries))
        client.close()
    return _median(runs) | {
        "findings_per_run": findings,
        "queries_per_figure": queries,
        "target": f"bqemulator {version('bqemulator')} on loopback, real google-cloud-bigquery "
        f"{version('google-cloud-bigquery')} client; not the BigQuery service",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--findings", type=int, default=5000, help="findings written per SQLite run")
    parser.add_argument("--queries", type=int, default=200, help="samples per query, SQLite")
    parser.add_argument("--bq-findings", type=int, default=2000, help="findings written per BigQuery run")
    parser.add_argument("--bq-queries", type=int, default=30, help="samples per query, BigQuery")
    parser.add_argument("--skip-bigquery", action="store_true")
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
    backends = {"sqlite": _bench_sqlite(args)}
    if not args.skip_bigquery:
        backends["bigquery"] = _bench_bigquery(args)
    result = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "cores": os.cpu_count(),
        # The machine is shared: the 1-minute load average says how much.
        "load_average_1m": {"start": round(load_before, 2), "end": round(os.getloadavg()[0], 2)},
        "runs": args.runs,
        "findings_per_file": PER_FILE,
        "events_per_call": EVENTS_PER_CALL,
        "backends": backends,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    for name, figures in backends.items():
        print(f"{name}: {figures['findings_written_per_s']:,.0f} findings written/s (median of {args.runs})")
        for query, lat in figures["queries"].items():
            print(f"  {query:<26} p50 {lat['p50_ms']:8.2f} ms   p99 {lat['p99_ms']:8.2f} ms")
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
