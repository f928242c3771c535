"""Gap watchdog: re-read a partition whose committed offset is stuck behind
a message that was fetched but never delivered to its agent.

Faust 0.15 can drop a fetched message when flow is suspended (a rebalance,
or the recovery that follows one) while the message is being handed to the
stream; it still advances its read offset, so the message is never seen
again, and since it is never acknowledged the partition's committed offset
stops there for good. We observed exactly this in the kill -9 test: one
alert out of 600 never enriched, commits on its partition frozen.

Offsets of one partition are processed in order by one agent, so a head
gap (``min(acked) > committed``) that persists for ``stall_ms`` cannot be a
slow message: the partition is sought back to its committed offset. Later
messages are then delivered again, which the agents tolerate (duplicates
re-emit the same ``correlation-version``).
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from prometheus_client import Counter

if TYPE_CHECKING:
    from streams.app import Engine

__all__ = ["GapWatchdog", "register"]

log = logging.getLogger(__name__)

GAP_REPAIRS = Counter(
    "hefesto_stream_gap_repairs_total", "Partitions sought back to re-read a dropped message", ["topic"]
)


class GapWatchdog:
    def __init__(self, *, stall_ms: int) -> None:
        self._stall_s = stall_ms / 1000
        self._since: dict[Any, tuple[int, float]] = {}

    def stuck(self, tp: Any, *, committed: int | None, acked: list[int], now: float) -> int | None:
        """The offset to seek ``tp`` to, when its head gap has lasted too long."""
        if committed is None or not acked or min(acked) <= committed:
            self._since.pop(tp, None)
            return None
        first = self._since.get(tp)
        if first is None or first[0] != committed:
            self._since[tp] = (committed, now)
            return None
        if now - first[1] < self._stall_s:
            return None
        self._since.pop(tp, None)
        return committed


def register(engine: Engine, *, stall_ms: int = 2_000) -> None:
    app = engine.app
    if engine.tuning.processing_guarantee != "at_least_once":
        # Transactions leave offset gaps (commit markers) that Faust fills
        # itself; a seek there would only repeat work.
        return
    watchdog = GapWatchdog(stall_ms=stall_ms)

    @app.timer(interval=1.0, name="gap-watchdog")
    async def repair() -> None:
        if app.rebalancing:
            return
        consumer = app.consumer
        now = time.monotonic()
        for tp in list(consumer.assignment()):
            # Faust keeps acknowledged offsets only privately; the head is
            # the commit, or where a partition without one started.
            committed = consumer.head_offset(tp)
            acked = list(consumer._acked.get(tp) or ())
            offset = watchdog.stuck(tp, committed=committed, acked=acked, now=now)
            if offset is not None:
                log.warning(
                    "partition %s:%s stuck at offset %s with %d later offsets acked: re-reading",
                    tp.topic,
                    tp.partition,
                    offset,
                    len(acked),
                )
                GAP_REPAIRS.labels(tp.topic).inc()
                await consumer.reread_from_head(tp, offset)
