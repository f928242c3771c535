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

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from prometheus_client import Counter

if TYPE_CHECKING:
    from streams.app import Engine

__all__ = ["GapWatchdog", "StallDetector", "hop_progress", "lookup", "progress_of", "register"]

log = logging.getLogger(__name__)

# A broker lookup goes through Faust's consumer thread; one that never
# answers must not silence the watchdogs for good, and must say so.
_LOOKUP_TIMEOUT_S = 10.0

GAP_REPAIRS = Counter(
    "hefesto_stream_gap_repairs_total", "Partitions sought back to re-read a dropped message", ["topic"]
)
STALL_REPAIRS = Counter(
    "hefesto_stream_stall_repairs_total",
    "Partitions with pending messages and no progress, resumed and sought back to their head",
    ["topic"],
)

LOOKUP_TIMEOUTS = Counter(
    "hefesto_stream_watchdog_lookup_timeouts_total",
    "Offset lookups of the gap and stall watchdogs that the consumer did not answer in time",
)


class _Persisting:
    """When a partition's condition, named by an offset, has held for
    ``stall_ms``: a new offset starts the clock again, and once it has
    lasted (and been acted on) the clock starts over."""

    def __init__(self, *, stall_ms: int) -> None:
        self._stall_s = stall_ms / 1000
        self._since: dict[Any, tuple[int, float]] = {}

    def lasted(self, tp: Any, offset: int, *, now: float) -> bool:
        first = self._since.get(tp)
        if first is None or first[0] != offset:
            self._since[tp] = (offset, now)
            return False
        if now - first[1] < self._stall_s:
            return False
        del self._since[tp]
        return True

    def forget(self, tp: Any) -> None:
        self._since.pop(tp, None)

    def forget_all(self) -> None:
        self._since.clear()


class StallDetector:
    """A partition is stalled when the broker holds messages past what was
    processed (``highwater > progress``) and ``progress`` (the highest
    acknowledged offset + 1, or the head) has not moved for ``stall_ms``,
    outside rebalances.

    Seen in the kill -9 test: right after recovery Faust dropped fetched
    alerts of three partitions with no later message to reveal the gap
    (the gap watchdog needs a later acknowledged offset); their fetch
    position was already at the end, so the worker looked healthy, idle, and
    never processed them (lag 81-92 on each, for minutes)."""

    def __init__(self, *, stall_ms: int) -> None:
        self._held = _Persisting(stall_ms=stall_ms)

    def stalled(self, tp: Any, *, progress: int | None, highwater: int | None, now: float) -> bool:
        if progress is None or highwater is None or highwater <= progress:
            self._held.forget(tp)
            return False
        return self._held.lasted(tp, progress, now=now)

    def reset(self) -> None:
        self._held.forget_all()


class GapWatchdog:
    def __init__(self, *, stall_ms: int) -> None:
        self._held = _Persisting(stall_ms=stall_ms)

    def stuck(self, tp: Any, *, committed: int | None, acked: list[int], now: float) -> int | None:
        """The offset to seek ``tp`` to, when its head gap has lasted too long."""
        if committed is None or not acked or min(acked) <= committed:
            self._held.forget(tp)
            return None
        return committed if self._held.lasted(tp, committed, now=now) else None


def progress_of(consumer: Any, tp: Any) -> int | None:
    """The first offset of ``tp`` not processed here yet: the highest
    acknowledged offset + 1, or the head (:meth:`Consumer.head_offset`)."""
    acked = consumer._acked.get(tp)
    head = consumer.head_offset(tp)
    if acked:
        return max(max(acked) + 1, head or 0)
    return head


def hop_progress(consumer: Any, tp: Any, *, assigned: Any) -> int | None:
    """How far ``tp`` is processed, for the timeouts' barrier
    (:class:`streams.backlog.HopBacklog`): ``None`` when ``tp`` is not
    assigned here (nothing here to wait for), ``-1`` when it is but nothing
    of it is known yet. Right after a takeover a partition has no acked
    offset and its committed offset is not read yet; taken for "not
    assigned", that passed the barrier at once, and the dead worker's
    alerts timed out without the frames still waiting in its hop
    partitions (docs/streams.md, Timeouts and backlog)."""
    if tp not in assigned:
        return None
    done = progress_of(consumer, tp)
    return -1 if done is None else done


async def lookup(call: Any, *, what: str, tps: list[Any]) -> Any:
    """``call``'s answer (a broker lookup through the consumer thread), or
    ``None`` when it did not come within the timeout (counted, logged)."""
    try:
        return await asyncio.wait_for(call, timeout=_LOOKUP_TIMEOUT_S)
    except TimeoutError:
        LOOKUP_TIMEOUTS.inc()
        log.warning(
            "the consumer did not answer a request for the %s of %d partitions within %.0f s",
            what,
            len(tps),
            _LOOKUP_TIMEOUT_S,
        )
        return None


def register(engine: Engine, *, stall_ms: int = 2_000, idle_stall_ms: int = 6_000) -> None:
    app = engine.app
    if engine.tuning.processing_guarantee != "at_least_once":
        # Transactions leave offset gaps (commit markers) that Faust fills
        # itself; a seek there would only repeat work.
        return
    watchdog = GapWatchdog(stall_ms=stall_ms)
    detector = StallDetector(stall_ms=idle_stall_ms)
    # Only what our agents consume: changelogs are read by recovery.
    sources = {
        engine.settings.topic_alerts,
        engine.settings.topic_findings,
        engine.topics.probes.get_topic_name(),
        engine.topics.parts.get_topic_name(),
        engine.topics.paths.get_topic_name(),
    }

    # Read by the consumer's commit guard (streams/consumer.py, fix 5) each
    # time it asks: Faust has built the consumer before this runs.
    app.start_offset_topics = frozenset(sources)

    @app.timer(interval=2.0, name="stall-watchdog")
    async def unstall() -> None:
        if app.rebalancing or app.in_recovery or not app.tables.recovery.completed.is_set():
            detector.reset()
            return
        consumer = app.consumer
        tps = [tp for tp in consumer.assignment() if tp.topic in sources]
        if not tps:
            return
        highwaters = await lookup(consumer.highwaters(*tps), what="high-water marks", tps=tps)
        if highwaters is None:
            return
        now = time.monotonic()
        for tp in tps:
            # A partition without a commit counts from its log start, which
            # the gap watchdog below looks up (Consumer.head_offset).
            progress = progress_of(consumer, tp)
            if not detector.stalled(tp, progress=progress, highwater=highwaters.get(tp), now=now):
                continue
            head = consumer.head_offset(tp)
            if head is None:
                head = progress
            log.warning(
                "partition %s:%s has messages up to %s but made no progress past %s for %d s: "
                "resuming it and re-reading from %s",
                tp.topic,
                tp.partition,
                highwaters.get(tp),
                progress,
                idle_stall_ms // 1000,
                head,
            )
            STALL_REPAIRS.labels(tp.topic).inc()
            consumer._buffered_partitions.discard(tp)
            consumer.resume_partitions([tp])
            await consumer.reread_from_head(tp, head)

    @app.timer(interval=1.0, name="gap-watchdog")
    async def repair() -> None:
        if app.rebalancing:
            return
        consumer = app.consumer
        unknown = [
            tp for tp in consumer.assignment() if tp.topic in sources and consumer.needs_start_offset(tp)
        ]
        if unknown:
            starts = await lookup(consumer.earliest_offsets(*unknown), what="log start offsets", tps=unknown)
            if starts is not None:
                consumer.set_start_offsets(dict(starts))
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
