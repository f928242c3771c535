"""The stream benchmark's own arithmetic: medians over repeated runs."""

from __future__ import annotations

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
