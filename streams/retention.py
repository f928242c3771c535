"""How long an alert's state lives: its ``assembly`` entry and its
``correlations`` answer go once no late finding can change the answer.

A late finding re-scores the alerts of the last ``correlation_window_ms +
grace_ms`` (the *horizon*); past it an alert's answer is final, and the
history store keeps every version of it. Without an end, both tables grew
by about 12 KiB of worker memory per alert forever (``correlations`` was
never deleted), and every restart replayed all of it.

Two halves, as Kafka Streams does it for windowed stores:

- **in memory**, :class:`Evictions` holds each finished alert's eviction
  time; the assembler's timer forgets the due ones from the local tables
  (no changelog record: a tombstone per alert would double the changelog
  traffic);
- **on the broker**, the two changelogs are ``compact,delete`` with a time
  retention a little past the horizon (:func:`changelog_retention`), so a
  restart recovers only the alerts still inside it (the assembler's first
  scan after the recovery forgets the ones that came back already past it).

A replay of an alert after its state went (a consumer group reset, long
after) is joined and answered again as version 1; consumers that
deduplicate by ``(alert_id, correlation-version)`` keep their later version.
"""

from __future__ import annotations

import heapq

from hefesto_core.settings import Settings

__all__ = ["Evictions", "changelog_retention", "horizon_ms"]

# A changelog segment is deleted whole once its newest record is older than
# the retention, so the broker keeps at most retention + one segment.
_MIN_SEGMENT_MS = 60_000


def horizon_ms(settings: Settings) -> int:
    """How long after its alert a late finding can still change an answer."""
    return settings.correlation_window_ms + settings.grace_ms


def changelog_retention(settings: Settings) -> dict[str, str]:
    """Topic configs of the ``assembly`` and ``correlations`` changelogs:
    kept at least for the horizon, then deleted by time; compacted meanwhile
    (a key's newest value is all recovery needs)."""
    horizon = horizon_ms(settings)
    segment = max(_MIN_SEGMENT_MS, horizon // 6)
    return {
        "cleanup.policy": "compact,delete",
        "retention.ms": str(horizon + segment),
        "segment.ms": str(segment),
    }


class Evictions:
    """Finished alerts by the time their state may be forgotten (a heap).

    Only an alert's latest scheduling counts (a rescan after a rebalance
    schedules the alerts it finds again): :meth:`due` returns an alert once,
    when that time has come, so the caller can forget it without reading
    its state (decoding it, for a packed table, streams/changelog.py)."""

    def __init__(self) -> None:
        self._heap: list[tuple[int, str]] = []
        self._at: dict[str, int] = {}

    def schedule(self, alert_id: str, at_ms: int) -> None:
        self._at[alert_id] = at_ms
        heapq.heappush(self._heap, (at_ms, alert_id))

    def due(self, now_ms: int, *, limit: int | None = None) -> list[str]:
        """Pop the alerts due at ``now_ms``, oldest first (at most ``limit``,
        so one timer tick cannot hold the event loop for long)."""
        out: list[str] = []
        heap, latest = self._heap, self._at
        while heap and heap[0][0] <= now_ms and (limit is None or len(out) < limit):
            at_ms, alert_id = heapq.heappop(heap)
            if latest.get(alert_id) == at_ms:
                del latest[alert_id]
                out.append(alert_id)
        return out

    def __len__(self) -> int:
        """Alerts waiting for their eviction."""
        return len(self._at)
