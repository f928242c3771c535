"""``bench/retained.py`` end to end on a few hundred alerts: both variants
run in their own process and the figure it exists for, objects the
collector tracks per retained alert, tells them apart."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[3]


def test_packed_state_leaves_the_collector_a_fraction_of_the_objects(tmp_path: Path) -> None:
    out = tmp_path / "retained.json"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "retained.py"),
            "--alerts",
            "400",
            "--step",
            "200",
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    result = orjson.loads(out.read_bytes())
    variants = {v["variant"]: v for v in result["variants"]}
    assert set(variants) == {"packed", "unpacked"}
    for v in variants.values():
        assert [s["alerts"] for s in v["steps"]] == [200, 400]
        assert v["median_cpu_us_per_alert"] > 0
    # The same alerts in both: only the decoded assembly entries differ
    # (about 20 objects each, bench/retained.py's docstring).
    packed, unpacked = variants["packed"], variants["unpacked"]
    assert unpacked["tracked_objects_per_alert"] - packed["tracked_objects_per_alert"] >= 10
