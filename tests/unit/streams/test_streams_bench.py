"""The stream benchmark's own arithmetic: medians over repeated runs."""

from __future__ import annotations

import os
from types import ModuleType

import pytest

from ...benchmods import load_bench


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_bench("stream")


def _run(workers: int, rate: int, throughput: float, p99: float | None) -> dict[str, object]:
    return {
        "workers": workers,
        "offered_rate": rate,
        "sent": rate * 20,
        "actual_offered_rate": float(rate),
        "delivered": rate * 20,
        "throughput_per_s": throughput,
        "latency_ms": {"p50": 1.0, "p95": 2.0, "p99": p99, "max": 3.0},
        "worker_cpu_cores": 0.5,
    }


def test_medians_per_cell_ignore_missing_latencies(bench: ModuleType) -> None:
    runs = [
        _run(1, 200, 199.0, 10.0),
        _run(1, 200, 150.0, None),  # nothing came back: no latency
        _run(1, 200, 198.0, 30.0),
        _run(2, 200, 120.0, 50.0),
    ]
    one, two = bench._medians(runs)
    assert (one["workers"], one["offered_rate"], one["runs"]) == (1, 200, 3)
    assert one["throughput_per_s"] == 198.0
    assert one["latency_ms"]["p99"] == 20.0
    assert (two["runs"], two["throughput_per_s"]) == (1, 120.0)


def test_medians_keep_the_engines_apart(bench: ModuleType) -> None:
    runs = [
        {**_run(1, 1000, 990.0, 30.0), "engine": "relay"},
        {**_run(1, 1000, 600.0, 9000.0), "engine": "hefesto"},
        {**_run(1, 1000, 700.0, 8000.0), "engine": "hefesto"},
    ]
    relay, engine = bench._medians(runs)
    assert (relay["engine"], relay["runs"], relay["throughput_per_s"]) == ("relay", 1, 990.0)
    assert (engine["engine"], engine["runs"], engine["throughput_per_s"]) == ("hefesto", 2, 650.0)


def test_the_engine_is_reported_as_a_share_of_the_relay_in_the_same_cell(bench: ModuleType) -> None:
    medians = bench._medians(
        [
            {**_run(1, 1000, 1000.0, 30.0), "engine": "relay"},
            {**_run(1, 1000, 750.0, 900.0), "engine": "hefesto"},
            {**_run(2, 1000, 400.0, 900.0), "engine": "hefesto"},  # no relay run in this cell
            {**_run(1, 2000, 0.0, None), "engine": "relay"},  # nothing came back
            {**_run(1, 2000, 500.0, 900.0), "engine": "hefesto"},
        ]
    )
    assert bench._ratios(medians) == [
        {
            "workers": 1,
            "offered_rate": 1000,
            "hefesto_per_s": 750.0,
            "relay_per_s": 1000.0,
            "share_of_relay": 0.75,
        }
    ]


def test_a_workers_cpu_includes_its_child_processes(bench: ModuleType) -> None:
    import subprocess
    import sys
    import time

    # A child that starts a grandchild and both burn CPU: what the worker
    # and its history store process look like to the benchmark.
    burn = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass\ntime.sleep(30)"
    script = f"import subprocess, sys\nsubprocess.Popen([sys.executable, '-c', {burn!r}])\nexec({burn!r})"
    proc = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not (
            len(bench._descendants(proc.pid)) == 1
            and bench._cpu_seconds(proc.pid) >= 0.3
            and bench._cpu_seconds(bench._descendants(proc.pid)[0]) >= 0.3
        ):
            time.sleep(0.1)
        (grandchild,) = bench._descendants(proc.pid)
        assert bench._cpu_seconds(proc.pid) >= 0.3
        assert bench._cpu_seconds(grandchild) >= 0.3
    finally:
        for pid in bench._descendants(proc.pid):
            subprocess.run(["kill", str(pid)], check=False)
        proc.kill()
        proc.wait()


def test_fewer_partitions_than_workers_is_refused_before_anything_starts(
    bench: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.argv", ["stream.py", "--workers", "1", "2", "--partitions", "1"])
    with pytest.raises(SystemExit) as exc:
        bench.main()
    assert exc.value.code == 2
    assert "--partitions 1 leaves some of 2 workers idle" in capsys.readouterr().err


def test_the_machines_busy_and_idle_time_are_read_from_proc_stat(bench: ModuleType) -> None:
    tck = os.sysconf("SC_CLK_TCK")
    # user nice system idle iowait irq softirq steal guest guest_nice
    line = f"cpu  {3 * tck} {tck} {2 * tck} {10 * tck} {tck} 0 {tck} 0 {5 * tck} 0\ncpu0 1 2 3 4\n"
    busy, idle = bench._machine_cpu_seconds(line)
    # guest time is part of user time already, so it is not counted twice
    assert (busy, idle) == (7.0, 11.0)


def test_an_unreadable_proc_stat_gives_no_figure_rather_than_a_wrong_one(bench: ModuleType) -> None:
    assert bench._machine_cpu_seconds("intr 1 2 3") is None
    assert bench._machine_cpu_seconds("") is None
    assert bench._machine_cpu_seconds("cpu 1 2 3") is None  # truncated
