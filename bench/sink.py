"""The history sink's CPU per alert in the worker's process: the store
written from a thread of the worker (``HEFESTO_STREAM_SINK_PROCESS=false``)
against the store process (streams/storeproc.py, the default).

    .venv/bin/python bench/sink.py [--alerts 10000] [--repeat 3]

The records are the real ones: ``bench/stream.py``'s alerts, run through
the fan-out's handler (as ``bench/fanout.py`` does) for their enriched
JSON. Each run hands every alert and its correlation to a ``HistorySink``
and flushes it in batches of 500, as the worker's timer does, into a fresh
embedded (SQLite) store. It reports the CPU this process used (all its
threads: what competes with the worker's event loop for the GIL), the CPU
of the store process, and the wall time. The variants alternate, each run
on a fresh store; the medians are printed and written to
``bench/results/sink.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import fanout as fanout_bench  # noqa: E402
import stream as stream_bench  # noqa: E402

from hefesto_core.history import open_store  # noqa: E402
from hefesto_core.models import EnrichedAlert, IrisAlert  # noqa: E402
from hefesto_core.settings import Settings  # noqa: E402
from streams.gctune import configure_gc  # noqa: E402
from streams.sink import HistorySink, SinkKind  # noqa: E402
from streams.sinkwriter import InlineWriter, StoreWriter  # noqa: E402
from streams.storeproc import ProcessWriter  # noqa: E402
from streams.tuning import load_tuning  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "sink.json"
BATCH = 500


def _records(n: int) -> list[tuple[IrisAlert, bytes, EnrichedAlert, bytes]]:
    """``n`` alerts with their JSON, and their enriched alerts with theirs."""
    handle, engine = fanout_bench._engine(load_tuning())
    rng = random.Random(11)
    alerts = [(f"s-{i}".encode(), stream_bench._alert(f"s-{i}", rng)) for i in range(n)]
    asyncio.new_event_loop().run_until_complete(fanout_bench._run(handle, engine, alerts))
    out = []
    for key, raw in alerts:
        payload = engine.tables.correlations.get_raw(key.decode())
        enriched = EnrichedAlert.model_validate_json(payload)
        out.append((IrisAlert.model_validate_json(raw), raw, enriched, payload))
    return out


async def _feed(sink: HistorySink, records: list[tuple[IrisAlert, bytes, EnrichedAlert, bytes]]) -> None:
    for start in range(0, len(records), BATCH):
        for alert, raw, enriched, payload in records[start : start + BATCH]:
            sink.add_alert(alert, raw=raw)
            sink.add_correlation(enriched, payload=payload)
        await sink.flush()
    if sink.buffered(SinkKind.ALERTS) or sink.buffered(SinkKind.CORRELATIONS):
        raise RuntimeError("the store refused a batch; see the log")


def _run(variant: str, records: list[Any]) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="hefesto-bench-sink-") as tmp:
        settings = Settings(app_id="bench-sink", data_dir=Path(tmp))
        writer: StoreWriter = (
            ProcessWriter(settings) if variant == "process" else InlineWriter(lambda: open_store(settings))
        )
        sink = HistorySink(writer, deadletters=None, source_topics={k: k.value for k in SinkKind})
        # The store is opened (and the process started) before the clock.
        writer.write(SinkKind.ALERTS, [records[0][1]])
        child = stream_bench._cpu_seconds(writer.pid) if isinstance(writer, ProcessWriter) else 0.0
        cpu, wall = time.process_time(), time.perf_counter()
        asyncio.new_event_loop().run_until_complete(_feed(sink, records))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        if isinstance(writer, ProcessWriter):
            child = stream_bench._cpu_seconds(writer.pid) - child
        writer.close()
        store = open_store(settings)
        try:
            stored = store.get_alert(records[-1][0].alert_id) is not None
        finally:
            store.close()
        if not stored:
            raise RuntimeError(f"{variant}: the last alert is not in the store")
    n = len(records)
    return {
        "worker_process_cpu_us_per_alert": round(cpu * 1e6 / n, 1),
        "store_process_cpu_us_per_alert": round(child * 1e6 / n, 1),
        "wall_us_per_alert": round(wall * 1e6 / n, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    # The worker's collector settings: this process holds a worker's tables.
    configure_gc(gen0_threshold=load_tuning().gc_gen0_threshold)
    print(f"building {args.alerts} alerts and their enriched JSON ...")
    records = _records(args.alerts)
    runs: dict[str, list[dict[str, float]]] = {"thread": [], "process": []}
    for i in range(args.repeat):
        for variant in runs if i % 2 == 0 else reversed(runs):
            runs[variant].append(result := _run(variant, records))
            print(f"{variant:>7}: {result}")
    medians = {
        variant: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for variant, rs in runs.items()
    }
    for variant, m in medians.items():
        print(
            f"median {variant:>7}: worker process {m['worker_process_cpu_us_per_alert']:.1f} µs/alert, "
            f"store process {m['store_process_cpu_us_per_alert']:.1f} µs/alert, "
            f"wall {m['wall_us_per_alert']:.1f} µs/alert"
        )
    fanout_bench.write_results(
        args.out,
        {
            "alerts": args.alerts,
            "repeat": args.repeat,
            "batch": BATCH,
            "what": "history sink: one alert and one correlation per alert, embedded store",
            "medians": medians,
            "runs": runs,
        },
    )


if __name__ == "__main__":
    main()
