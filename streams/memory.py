"""A warning before the worker runs out of memory.

A worker keeps every alert it answered for the late-finding horizon
(``correlation_window_ms + grace_ms``, 65 minutes by default), about 10 KB
each (docs/streams.md, "State retention"), so its memory is rate x horizon
and grows for the whole first horizon after a start: 3.7 GiB at 100
alerts/s, 37 GiB at 1,000/s. Nothing is wrong until the kernel kills it.
:class:`MemoryWatch` compares the worker's resident memory with the memory
it may use (the cgroup's limit, else the machine's) and says, at most once
an hour while over the threshold, how many alerts it holds and which
setting shortens the horizon.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["MemoryWatch", "memory_limit_bytes", "rss_bytes"]

_CGROUP_V2 = Path("/sys/fs/cgroup/memory.max")
_CGROUP_V1 = Path("/sys/fs/cgroup/memory/memory.limit_in_bytes")
_MEMINFO = Path("/proc/meminfo")
_NO_LIMIT = 1 << 60  # what cgroup v1 reports when there is none
_GIB = 1 << 30


def memory_limit_bytes(
    *, cgroup_v2: Path = _CGROUP_V2, cgroup_v1: Path = _CGROUP_V1, meminfo: Path = _MEMINFO
) -> int | None:
    """The cgroup's memory limit, else the machine's memory; ``None`` when
    neither can be read (not Linux)."""
    for path in (cgroup_v2, cgroup_v1):
        try:
            text = path.read_text().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < _NO_LIMIT:
            return int(text)
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def rss_bytes() -> int | None:
    """This process's resident memory, from /proc; ``None`` off Linux."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


class MemoryWatch:
    """``check`` returns a warning when ``rss`` is over ``warn_fraction``
    of ``limit_bytes``, at most once per ``every_ms`` while it stays over."""

    def __init__(
        self, limit_bytes: int | None, *, warn_fraction: float, horizon_ms: int, every_ms: int = 3_600_000
    ) -> None:
        self._limit = limit_bytes
        self._fraction = warn_fraction
        self._horizon_ms = horizon_ms
        self._every_ms = every_ms
        self._warned_ms: int | None = None

    def check(self, *, rss: int | None, retained: int, now_ms: int) -> str | None:
        if self._limit is None or rss is None or rss < self._fraction * self._limit:
            return None
        if self._warned_ms is not None and now_ms - self._warned_ms < self._every_ms:
            return None
        self._warned_ms = now_ms
        per_alert = f", about {rss // retained:,} B per alert" if retained else ""
        return (
            f"worker memory {rss / _GIB:.1f} GiB is {rss / self._limit:.0%} of the "
            f"{self._limit / _GIB:.1f} GiB it may use; it holds {retained:,} alerts{per_alert} for the "
            f"late-finding horizon of {self._horizon_ms / 60_000:g} min, and memory grows with rate x "
            "horizon. Shorten HEFESTO_CORRELATION_WINDOW_MS (or HEFESTO_GRACE_MS), or add workers "
            "(docs/streams.md, State retention)"
        )
