"""What the alerts a worker retains cost it: memory, collector objects, pauses.

    .venv/bin/python bench/retained.py [--alerts 100000] [--step 10000]

A worker keeps every alert of the late-finding horizon (window plus grace,
3,900 s by default, streams/retention.py) in ``assembly``, ``correlations``
and ``recent_alerts_by_file``: at 1,000 alerts/s that is millions of
entries. This benchmark handles ``--alerts`` alerts of ``bench/stream.py``'s
generator with the fan-out's handler (the set-up of ``bench/fanout.py``: the
worker's engine, every partition owned, no broker, sends dropped) and
nothing is evicted, as within one horizon. Every ``--step`` alerts it
records the process's resident memory, the objects the cyclic collector
tracks, and the collector's pauses over the step.

Each variant runs in its own process, side by side in one invocation:

``packed``    the per-alert tables as the worker declares them: each value
              is its JSON encoding (``bytes``, never tracked by the
              collector), decoded on read (streams/changelog.py).
``unpacked``  the same engine with ``assembly`` holding the decoded trees
              of dicts, as before it was packed (``correlations`` stays as
              it is: it held the encoded answer before too, wrapped in an
              ``orjson.Fragment``, which the collector does not track
              either).

Prints one line per step and a summary per variant, and writes
``bench/results/retained.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Literal

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import fanout as fanout_bench  # noqa: E402
import stream as stream_bench  # noqa: E402

from streams.gctune import configure_gc  # noqa: E402
from streams.tuning import load_tuning  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "retained.json"
Variant = Literal["packed", "unpacked"]
VARIANTS: tuple[Variant, ...] = ("packed", "unpacked")


class _Pauses:
    """A ``gc.callbacks`` entry that keeps every pause of the current step."""

    def __init__(self) -> None:
        self._started = 0.0
        self.pauses: list[tuple[int, float]] = []

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses.append((int(info["generation"]), time.perf_counter() - self._started))


def _rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status (Linux only)")


def _run_variant(variant: Variant, *, alerts: int, step: int) -> dict[str, Any]:
    tuning = load_tuning()
    configure_gc(gen0_threshold=tuning.gc_gen0_threshold)
    pauses = _Pauses()
    gc.callbacks.append(pauses)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    handle, engine = fanout_bench._engine(tuning)
    if variant == "unpacked":
        engine.tables.assembly.packed = False
    rng = random.Random(11)
    gc.collect()
    base_rss, base_objects = _rss_bytes(), len(gc.get_objects())
    steps = []
    handled = 0
    while handled < alerts:
        batch = [
            (f"r{i}".encode(), stream_bench._alert(f"r{i}", rng)) for i in range(handled, handled + step)
        ]
        pauses.pauses.clear()
        cpu_s = loop.run_until_complete(fanout_bench._run(handle, engine, batch))
        del batch
        handled += step
        tracked = len(gc.get_objects())
        row = {
            "alerts": handled,
            "rss_mib": round((_rss_bytes() - base_rss) / 2**20, 1),
            "tracked_objects": tracked - base_objects,
            "cpu_us_per_alert": round(cpu_s / step * 1e6, 1),
            "gc_ms": round(sum(p for _, p in pauses.pauses) * 1000, 1),
            "gc_max_pause_ms": round(max((p for _, p in pauses.pauses), default=0.0) * 1000, 1),
            "gen2_collections": sum(1 for g, _ in pauses.pauses if g == 2),
        }
        steps.append(row)
        print(
            f"  {variant:>8} {handled:>8,} alerts: +{row['rss_mib']:>7} MiB RSS, "
            f"{row['tracked_objects']:>10,} tracked objects, {row['cpu_us_per_alert']:>6} us/alert, "
            f"GC {row['gc_ms']:>7} ms (longest {row['gc_max_pause_ms']} ms)",
            file=sys.stderr,
            flush=True,
        )
    last = steps[-1]
    return {
        "variant": variant,
        "steps": steps,
        "rss_bytes_per_alert": round(last["rss_mib"] * 2**20 / handled),
        "tracked_objects_per_alert": round(last["tracked_objects"] / handled, 1),
        "gc_ms_total": round(sum(s["gc_ms"] for s in steps), 1),
        "gc_max_pause_ms": max(s["gc_max_pause_ms"] for s in steps),
        "median_cpu_us_per_alert": sorted(s["cpu_us_per_alert"] for s in steps)[len(steps) // 2],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--alerts", type=int, default=100_000, help="alerts retained per variant")
    parser.add_argument("--step", type=int, default=10_000, help="alerts between two measurements")
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS))
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--only", choices=VARIANTS, help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()
    if args.alerts < args.step or args.step <= 0:
        parser.error("--alerts must be at least --step, and --step positive")

    if args.only:
        print(json.dumps(_run_variant(args.only, alerts=args.alerts, step=args.step)))
        return

    results = []
    for variant in args.variants:
        # Own process per variant: one heap's size would skew the other's.
        child = subprocess.run(
            [
                sys.executable,
                __file__,
                "--only",
                variant,
                "--alerts",
                str(args.alerts),
                "--step",
                str(args.step),
            ],
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
        results.append(json.loads(child.stdout))
    print(f"\nafter {args.alerts:,} alerts retained (nothing evicted, as within one horizon):")
    for r in results:
        print(
            f"  {r['variant']:>8}: {r['rss_bytes_per_alert']:>6,} B of RSS and "
            f"{r['tracked_objects_per_alert']:>5} tracked objects per alert; "
            f"GC {r['gc_ms_total']} ms in all, longest pause {r['gc_max_pause_ms']} ms; "
            f"{r['median_cpu_us_per_alert']} us of CPU per alert (median step)"
        )
    fanout_bench.write_results(
        args.out,
        {
            "alerts": args.alerts,
            "step": args.step,
            "variants": results,
            "what": "fan-out handler in process, every alert retained; RSS and GC figures per step",
        },
    )


if __name__ == "__main__":
    main()
