"""``bench/sink.py`` end to end on a few hundred alerts: both variants write
every record to a real store, and only the process variant does the work
in another process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[3]


def test_the_store_process_does_the_writing_the_thread_variant_does_here(tmp_path: Path) -> None:
    out = tmp_path / "sink.json"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "sink.py"),
            "--alerts",
            "300",
            "--repeat",
            "1",
            "--out",
            str(out),
        ],
        check=True,  # each run checks that the last alert reached the store
        capture_output=True,
        timeout=300,
    )
    result = orjson.loads(out.read_bytes())
    thread, process = result["medians"]["thread"], result["medians"]["process"]
    assert thread["store_process_cpu_us_per_alert"] == 0
    # The thread variant has no store process to count; the process
    # variant's writes (300 alerts, tens of ms) show up in the child.
    assert process["store_process_cpu_us_per_alert"] > 0
    assert thread["worker_process_cpu_us_per_alert"] > 0
