"""Windowed aggregates for operators: alert frames per file per minute (hot
spots) and findings reported per file per day (trends).

Each is a tumbling-window counter kept in a changelog-backed table under the
key ``"{file_key}|{window_start_ms}"`` and written in the partition that owns
the file (:class:`~streams.changelog.BatchedTable` routes by ``file_key``), so
every count is partition-local and complete for its file whichever agent
counted it: the probe, the fan-out's local join, or the findings ingest.
Windows older than the counter's ``expires_ms`` are deleted by a timer. They
are read with :meth:`WindowedCounter.top` (the ``/aggregates/{name}/``
route).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from hefesto_core.settings import Settings
from streams.changelog import BatchedTable, ChangelogWriter
from streams.tables import declare_table

__all__ = ["Aggregates", "WindowedCounter", "declare_aggregates", "register_expiry", "window_start"]

ALERT_RATE_WINDOW_MS = 60_000
FINDINGS_WINDOW_MS = 86_400_000


def window_start(ts_ms: int, window_ms: int) -> int:
    return ts_ms - ts_ms % window_ms


class WindowedCounter:
    def __init__(self, table: BatchedTable, *, window_ms: int, expires_ms: int) -> None:
        self.table = table
        self.window_ms = window_ms
        self.expires_ms = expires_ms

    def add(self, file_key: str, n: int = 1, *, ts_ms: int) -> None:
        key = f"{file_key}|{window_start(ts_ms, self.window_ms)}"
        self.table.set(key, int(self.table.get(key) or 0) + n, route=file_key)

    def expire(self, now_ms: int) -> int:
        """Delete the windows that ended more than ``expires_ms`` ago."""
        horizon = now_ms - self.expires_ms
        stale = []
        for key in self.table:
            file_key, _, start = str(key).rpartition("|")
            if int(start) + self.window_ms < horizon:
                stale.append((str(key), file_key))
        for key, file_key in stale:
            self.table.delete(key, route=file_key)
        return len(stale)

    def top(self, *, limit: int = 20) -> list[dict[str, Any]]:
        """The newest window of each file, largest counts first."""
        latest: dict[str, tuple[int, int]] = {}
        for key, count in self.table.items():
            file_key, _, start = str(key).rpartition("|")
            seen = latest.get(file_key)
            if seen is None or int(start) > seen[0]:
                latest[file_key] = (int(start), int(count))
        ranked = sorted(latest.items(), key=lambda kv: (-kv[1][1], kv[0]))[:limit]
        return [
            {
                "key": k,
                "window_start": s / 1000,
                "window_end": (s + self.window_ms) / 1000,
                "count": c,
            }
            for k, (s, c) in ranked
        ]


@dataclass(frozen=True, slots=True)
class Aggregates:
    alert_rate_per_file: WindowedCounter
    findings_per_day: WindowedCounter

    def all(self) -> dict[str, WindowedCounter]:
        return {"alert_rate_per_file": self.alert_rate_per_file, "findings_per_day": self.findings_per_day}


def declare_aggregates(app: Any, settings: Settings, writer: ChangelogWriter) -> Aggregates:
    def counter(name: str, help_: str, *, window_ms: int, expires_ms: int) -> WindowedCounter:
        table = declare_table(app, name, partitions=settings.topic_partitions, help_=help_)
        return WindowedCounter(BatchedTable(table, writer), window_ms=window_ms, expires_ms=expires_ms)

    return Aggregates(
        alert_rate_per_file=counter(
            "alert_rate_per_file",
            "alert frames per file per minute",
            window_ms=ALERT_RATE_WINDOW_MS,
            expires_ms=24 * 3_600_000,
        ),
        findings_per_day=counter(
            "findings_per_day",
            "findings reported per file per day",
            window_ms=FINDINGS_WINDOW_MS,
            expires_ms=30 * FINDINGS_WINDOW_MS,
        ),
    )


def register_expiry(app: Any, aggregates: Aggregates, *, interval_s: float = 60.0) -> None:
    @app.timer(interval=interval_s, name="aggregates-expiry")
    async def expire_windows() -> None:
        if app.rebalancing or app.should_stop:
            return
        now_ms = int(time.time() * 1000)
        for counter in aggregates.all().values():
            counter.expire(now_ms)
