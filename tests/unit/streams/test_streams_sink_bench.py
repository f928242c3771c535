"""``bench/sink.py`` end to end on a few hundred alerts: both variants write
every record to a real store, and only the process variant does the work
in another process."""

from __future__ import annotations

from pathlib import Path

from tests.benchmods import run_bench


def test_the_store_process_does_the_writing_the_thread_variant_does_here(tmp_path: Path) -> None:
    # Each run checks that the last alert reached the store.
    result = run_bench("sink", "--alerts", "300", "--repeat", "1", out=tmp_path / "sink.json")
    thread, process = result["medians"]["thread"], result["medians"]["process"]
    assert thread["store_process_cpu_us_per_alert"] == 0
    # The thread variant has no store process to count; the process
    # variant's writes (300 alerts, tens of ms) show up in the child.
    assert process["store_process_cpu_us_per_alert"] > 0
    assert thread["worker_process_cpu_us_per_alert"] > 0
