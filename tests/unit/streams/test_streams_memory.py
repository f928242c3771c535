from __future__ import annotations

from pathlib import Path

from streams.memory import MemoryWatch, memory_limit_bytes, rss_bytes

GIB = 1 << 30


def _files(tmp_path: Path, *, v2: str | None, v1: str | None) -> dict[str, Path]:
    """Fake /sys and /proc files in a folder of their own (24 GiB of RAM)."""
    folder = tmp_path / f"v2-{v2}-v1-{v1}"
    folder.mkdir()
    paths = {"cgroup_v2": folder / "memory.max", "cgroup_v1": folder / "limit", "meminfo": folder / "meminfo"}
    if v2 is not None:
        paths["cgroup_v2"].write_text(v2 + "\n")
    if v1 is not None:
        paths["cgroup_v1"].write_text(v1 + "\n")
    paths["meminfo"].write_text(f"MemTotal:       {24 * 1024 * 1024} kB\nMemFree:        1 kB\n")
    return paths


def test_the_limit_is_the_cgroups_when_it_has_one(tmp_path: Path) -> None:
    assert memory_limit_bytes(**_files(tmp_path, v2=str(8 * GIB), v1=None)) == 8 * GIB
    assert memory_limit_bytes(**_files(tmp_path, v2=None, v1=str(4 * GIB))) == 4 * GIB


def test_without_a_cgroup_limit_it_is_the_machines(tmp_path: Path) -> None:
    assert memory_limit_bytes(**_files(tmp_path, v2="max", v1=None)) == 24 * GIB
    assert memory_limit_bytes(**_files(tmp_path, v2=None, v1=str(1 << 62))) == 24 * GIB


def test_nothing_readable_gives_no_limit(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    assert memory_limit_bytes(cgroup_v2=missing, cgroup_v1=missing, meminfo=missing) is None


def test_this_process_has_a_resident_size() -> None:
    rss = rss_bytes()
    assert rss is not None
    assert 1 << 20 < rss < 64 * GIB


def test_a_warning_names_the_alerts_held_and_the_setting_then_waits_an_hour() -> None:
    watch = MemoryWatch(10 * GIB, warn_fraction=0.8, horizon_ms=3_900_000)
    assert watch.check(rss=7 * GIB, retained=700_000, now_ms=0) is None
    warning = watch.check(rss=9 * GIB, retained=900_000, now_ms=1_000)
    assert warning is not None
    assert "9.0 GiB is 90% of the 10.0 GiB" in warning
    assert "900,000 alerts" in warning
    assert "65 min" in warning
    assert "HEFESTO_CORRELATION_WINDOW_MS" in warning
    assert watch.check(rss=9 * GIB, retained=900_000, now_ms=1_000 + 3_599_999) is None
    assert watch.check(rss=9 * GIB, retained=900_000, now_ms=1_000 + 3_600_000) is not None


def test_no_limit_or_no_rss_never_warns() -> None:
    assert MemoryWatch(None, warn_fraction=0.5, horizon_ms=1).check(rss=GIB, retained=1, now_ms=0) is None
    assert MemoryWatch(GIB, warn_fraction=0.5, horizon_ms=1).check(rss=None, retained=1, now_ms=0) is None
