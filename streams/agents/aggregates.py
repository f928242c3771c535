"""Windowed aggregates for operators: alerts per file per minute (hot
spots) and findings reported per file per day (trends).

Both are Faust tumbling windows keyed by ``file_key``, updated by the probe
and ingest agents in the partition that owns the file, so every count is
partition-local and complete for its key. They are read with
:func:`top_counts` (the ``/aggregates/{name}/`` route).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from hefesto_core.settings import Settings

__all__ = ["Aggregates", "declare_aggregates", "top_counts"]

ALERT_RATE_WINDOW_S = 60.0
FINDINGS_WINDOW_S = 86_400.0


@dataclass(frozen=True, slots=True)
class Aggregates:
    alert_rate_per_file: Any
    findings_per_day: Any

    def all(self) -> dict[str, Any]:
        return {"alert_rate_per_file": self.alert_rate_per_file, "findings_per_day": self.findings_per_day}


def declare_aggregates(app: Any, settings: Settings) -> Aggregates:
    def counter(name: str, help_: str) -> Any:
        return app.Table(
            name, default=int, partitions=settings.topic_partitions, key_type=str, value_type=int, help=help_
        )

    return Aggregates(
        alert_rate_per_file=counter("alert_rate_per_file", "alert frames per file per minute").tumbling(
            ALERT_RATE_WINDOW_S, expires=timedelta(hours=24)
        ),
        findings_per_day=counter("findings_per_day", "findings reported per file per day").tumbling(
            FINDINGS_WINDOW_S, expires=timedelta(days=30)
        ),
    )


def top_counts(windowed: Any, *, limit: int = 20) -> list[dict[str, Any]]:
    """The newest window of each key, largest counts first."""
    latest: dict[str, tuple[float, float, int]] = {}
    for raw_key, count in windowed.table.items():
        key, (start, end) = raw_key
        seen = latest.get(key)
        if seen is None or start > seen[0]:
            latest[key] = (start, end, int(count))
    ranked = sorted(latest.items(), key=lambda kv: (-kv[1][2], kv[0]))[:limit]
    return [{"key": k, "window_start": s, "window_end": e, "count": c} for k, (s, e, c) in ranked]
