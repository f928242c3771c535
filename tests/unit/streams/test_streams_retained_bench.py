"""``bench/retained.py`` end to end on a few hundred alerts: both variants
run in their own process and the figure it exists for, objects the
collector tracks per retained alert, tells them apart."""

from __future__ import annotations

from pathlib import Path

from tests.benchmods import run_bench


def test_packed_state_leaves_the_collector_a_fraction_of_the_objects(tmp_path: Path) -> None:
    result = run_bench("retained", "--alerts", "400", "--step", "200", out=tmp_path / "retained.json")
    variants = {v["variant"]: v for v in result["variants"]}
    assert set(variants) == {"packed", "unpacked"}
    for v in variants.values():
        assert [s["alerts"] for s in v["steps"]] == [200, 400]
        assert v["median_cpu_us_per_alert"] > 0
    # The same alerts in both: only the decoded assembly entries differ
    # (about 20 objects each, bench/retained.py's docstring).
    packed, unpacked = variants["packed"], variants["unpacked"]
    assert unpacked["tracked_objects_per_alert"] - packed["tracked_objects_per_alert"] >= 10
