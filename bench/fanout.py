"""CPU per alert of the fan-out's local join, in one process, no broker.

    .venv/bin/python bench/fanout.py [--alerts 12000] [--repeat 5]

The same engine a worker builds (``streams.app.create_engine``), with the
findings of ``bench/stream.py`` (10,000 over 2,000 files) applied to
``findings_by_file`` as the ingest agent would, and this worker owning every
partition. Each alert of ``bench/stream.py``'s generator goes through the
fan-out's handler: decode, locate, score every frame, build and encode the
enriched alert, write ``assembly``, ``correlations``,
``recent_alerts_by_file`` and the aggregates. What it leaves out: Faust's
consumer and stream machinery, the sends (the queued changelog records and
enriched alerts are dropped every 500 alerts instead of being sent) and the
history sink (off). Compare its figure with the worker's CPU per alert in
``bench/stream.py`` to see how much of a worker's time the handler is.

Prints the median process CPU time per alert of ``--repeat`` runs (after a
warm-up of 2,000 alerts) and writes ``bench/results/fanout.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import stream as stream_bench  # noqa: E402

from hefesto_core.settings import Settings  # noqa: E402
from streams.agents import fanout  # noqa: E402
from streams.app import create_engine  # noqa: E402
from streams.codecs import decode_finding_event  # noqa: E402
from streams.gctune import configure_gc  # noqa: E402
from streams.ownership import Ownership  # noqa: E402
from streams.tables import apply_finding_event  # noqa: E402
from streams.tuning import load_tuning  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "fanout.json"
WARM_UP = 2_000


class _AllOwned(Ownership):
    def owned(self) -> frozenset[int]:
        return frozenset(range(self._partitions))


class _Message:
    def __init__(self) -> None:
        self.timestamp = time.time()


class _Event:
    """What the handler reads of a Faust event."""

    def __init__(self, value: bytes, key: bytes) -> None:
        self.value, self.key, self.message = value, key, _Message()


async def _run(handle: Any, engine: Any, alerts: list[tuple[bytes, bytes]]) -> float:
    writer, output = engine.app.changelog_writer, engine.app.output_buffer
    started = time.process_time()
    for i, (key, value) in enumerate(alerts):
        await handle(_Event(value, key))
        if i % 500 == 499:
            # Dropped, not sent: there is no broker (see the module's docstring).
            writer._pending.clear()
            writer._count = 0
            output._pending.clear()
    return time.process_time() - started


def _engine(tuning: Any) -> tuple[Any, Any]:
    settings = Settings(app_id="bench-fanout", data_dir=Path("/tmp/hefesto-bench-fanout"))
    engine = create_engine(settings, tuning, with_sink=False)
    for _, raw in stream_bench._finding_events():
        event = decode_finding_event(raw)
        state, _ = apply_finding_event(None, event)
        engine.tables.findings_by_file.data[event.file_key] = state
    ownership = _AllOwned(engine.app, topic=settings.topic_findings, partitions=settings.topic_partitions)
    return fanout.make_handler(engine, ownership=ownership), engine


def write_results(out: Path, figures: dict[str, Any]) -> None:
    """Write ``figures`` to ``out`` with when and on what they were measured."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(
        orjson.dumps(
            {
                "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "python": platform.python_version(),
                "machine": platform.machine(),
                **figures,
            },
            option=orjson.OPT_INDENT_2,
        )
    )
    print(f"wrote {out}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--alerts", type=int, default=12_000, help="alerts per run, after the warm-up")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    tuning = load_tuning()
    configure_gc(gen0_threshold=tuning.gc_gen0_threshold)
    asyncio.set_event_loop(asyncio.new_event_loop())
    loop = asyncio.get_event_loop()
    rng = random.Random(7)
    per_alert_us = []
    for run in range(args.repeat):
        # A fresh engine per run: the tables grow with every alert handled,
        # and a later run would otherwise time a bigger heap than the first.
        handle, engine = _engine(tuning)
        ids = [f"f{run}-{i}" for i in range(WARM_UP + args.alerts)]
        alerts = [(alert_id.encode(), stream_bench._alert(alert_id, rng)) for alert_id in ids]
        loop.run_until_complete(_run(handle, engine, alerts[:WARM_UP]))
        cpu_s = loop.run_until_complete(_run(handle, engine, alerts[WARM_UP:]))
        per_alert_us.append(round(cpu_s / args.alerts * 1e6, 1))
        print(f"run {run + 1}: {per_alert_us[-1]} us of CPU per alert")
    median = statistics.median(per_alert_us)
    print(f"fan-out handler (local join), median of {args.repeat}: {median} us of CPU per alert")
    write_results(
        args.out,
        {
            "alerts_per_run": args.alerts,
            "per_alert_cpu_us": per_alert_us,
            "median_per_alert_cpu_us": median,
            "what": "fan-out handler with the local join, in process, sends and history sink excluded",
        },
    )


if __name__ == "__main__":
    main()
