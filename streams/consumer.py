"""The Kafka transport the engine runs on: Faust's aiokafka transport with
five fixes that at-least-once delivery depends on (the fourth is
:class:`BufferTracker`).

1. ``fetch_max_wait_ms`` is configurable. Faust hard-codes 1500 ms, and
   aiokafka does not re-fetch a partition whose records are still buffered,
   so a fetch in flight for the *other* partitions held a just-produced
   probe or part back for that long, at each of the four hops of an alert.

2. **No commit over an unacknowledged head.** Faust 0.15 commits the run of
   consecutive acknowledged offsets that starts at ``min(acked)`` unless it
   begins more than *one* past the committed offset, and never checks at all
   while the partition has no committed offset yet (a new consumer group).
   A message whose delivery to its stream was cancelled (flow suspended by a
   rebalance while the stream's buffer was full) is never acknowledged, and
   when it sat right after the committed offset -- or was the first message
   of a new group -- the next commit skipped it: the alert was lost, silently.
   :func:`head_is_missing` refuses that commit; the partition then stalls,
   and the gap watchdog (:mod:`streams.gaps`) re-reads it from
   :meth:`Consumer.head_offset`. Faust's one-offset slack did have a use: an
   offset that holds no record (a transaction marker of a transactional
   producer) right after the commit. When the re-read shows that, the
   offset is recorded as a gap and commits go on (one stall of the watchdog's
   2 s, once). For the same reason a *jump* in the offsets Faust reads is
   not taken for a gap (:meth:`Consumer._add_gap`): records fetched and
   never handed to a stream make the same jump.

3. **Records fetched but not handed over are fetched again.** Faust's
   ``getmany`` stops handing out a fetched batch when flow stops, the
   generation changes or a partition is paused, but aiokafka's position has
   already moved past the rest of the batch; when the partition then moves
   on, Faust takes the jump for a gap (as for transaction markers) and
   treats the skipped offsets as done. We seek such a partition back to its
   first record that was not handed over.

5. **The head of a partition without a commit is its log start**
   (:meth:`Consumer.head_offset`), not where consumption happened to begin:
   aiokafka's ``seek_to_committed`` leaves such a partition wherever a fetch
   during recovery moved it. Records skipped that way make a head gap, which
   the gap watchdog re-reads.

Not a fix but a saving: the record hand-off runs the conductor's callback
eagerly instead of in four tasks per record (:mod:`streams.handoff`,
:meth:`Consumer.wait_first`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Iterable
from typing import Any

from faust.transport.drivers import aiokafka as faust_aiokafka

from streams.handoff import hand_over

__all__ = ["BufferTracker", "head_is_missing", "transport_class"]

log = logging.getLogger(__name__)


def head_is_missing(acked: Iterable[int], *, head: int | None, gap_covers_head: bool) -> bool:
    """True when committing now would skip offset ``head``: it was not
    acknowledged (all acknowledged offsets are later) and no known gap
    (transaction marker, compacted range) accounts for it."""
    if head is None or gap_covers_head:
        return False
    lowest = min(acked, default=None)
    return lowest is not None and lowest > head


class ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    fetch_max_wait_ms: int = 1500

    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        # Read by aiokafka's Fetcher when the consumer starts.
        consumer._fetch_max_wait_ms = self.fetch_max_wait_ms
        return consumer


class Consumer(faust_aiokafka.Consumer):
    fetch_max_wait_ms: int = 1500
    eager_handoff: bool = True
    trust_offset_jumps: bool = False

    @property
    def start_offset_topics(self) -> frozenset[str]:
        """The topics the gap watchdog looks after, read from the app when
        asked: :func:`streams.gaps.register` names them after Faust has
        built this transport. A copy taken when the transport was built was
        empty, so no partition without a commit learned its log start: the
        stall watchdog could not see one that was never fetched, and the
        commit guard could not hold one that began mid-way (docs/streams.md,
        Faust bugs, item 8)."""
        return frozenset(getattr(self.app, "start_offset_topics", None) or ())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # First offset handed to a stream since the partition was assigned or
        # sought: where consumption of a partition without a commit started.
        self._first_tracked: dict[Any, int] = {}
        # Offsets the gap watchdog re-reads from: if the first record after
        # the seek is later, the head offset holds no record (a transaction
        # marker, a compacted record) and is recorded as a gap.
        self._expected_head: dict[Any, int] = {}
        # Log start of partitions without a commit (set by the gap watchdog).
        self._start_offset: dict[Any, int] = {}
        self._last_batch: Any = None

    # -- the record hand-off, without four tasks per record -------------------

    async def wait_first(self, *coros: Any, timeout: Any = None) -> Any:  # noqa: ASYNC109 (mode's)
        """Faust's consumer loop hands each record over with
        ``wait_first(callback(message), self.suspend_flow.wait())``. While the
        flow runs, the callback is run eagerly (:mod:`streams.handoff`): if it
        completes without waiting (nearly always), no task was made; if it
        waits (a full stream queue, a stopped flow, a full producer buffer),
        the rest of it is raced against the suspend event as before. Any
        other call is ``mode``'s own."""
        if not (
            self.eager_handoff
            and timeout is None
            and len(coros) == 2
            and all(asyncio.iscoroutine(c) for c in coros)
            and self.flow_active
            and not self.suspend_flow.is_set()
            and not self._stopped.is_set()
            and not self._crashed.is_set()
        ):
            return await super().wait_first(*coros, timeout=timeout)
        callback, suspended = coros
        return await hand_over(callback, suspended, wait_first=super().wait_first)

    def _new_consumer_thread(self) -> Any:
        thread = ConsumerThread(self, loop=self.loop, beacon=self.beacon)
        thread.fetch_max_wait_ms = self.fetch_max_wait_ms
        return thread

    # -- fix 2: never commit over an unacknowledged head ----------------------

    def head_offset(self, tp: Any) -> int | None:
        """The first offset of ``tp`` not known to be processed: the committed
        offset or, when nothing is committed yet, the partition's log start.

        Not where consumption happened to start: aiokafka's
        ``seek_to_committed`` leaves a partition without a commit wherever a
        fetch during recovery moved it, and in one kill test the restarted
        worker began ``alerts:1`` at offset 98, so 66 alerts nobody had
        committed were never processed and the next commit passed them."""
        committed = self._committed_offset.get(tp)
        if committed is not None:
            return committed
        start = self._start_offset.get(tp)
        return start if start is not None else self._first_tracked.get(tp)

    def track_message(self, message: Any) -> None:
        tp, offset = message.tp, message.offset
        self._first_tracked.setdefault(tp, offset)
        expected = self._expected_head.pop(tp, None)
        if expected is not None and offset > expected:
            self._gap[tp].addi(expected, offset)  # intervals exclude their end
        super().track_message(message)

    async def committed_offsets(self, *partitions: Any) -> dict[Any, int | None]:
        """The group's committed offsets of ``partitions``, assigned here or
        not (``None``: nothing committed), asked of the coordinator in the
        consumer's thread. Not Faust's ``_committed_offset``, which only
        knows this worker's own commits."""
        thread = self._thread

        async def fetch() -> dict[Any, int | None]:
            client = thread._ensure_consumer()
            answers = await asyncio.gather(*(client.committed(tp) for tp in partitions))
            return dict(zip(partitions, answers, strict=True))

        return dict(await thread.call_thread(fetch))

    async def reread_from_head(self, tp: Any, offset: int) -> None:
        """Seek ``tp`` back to its unacknowledged head (the gap watchdog)."""
        await self.seek(tp, offset)
        self._expected_head[tp] = offset

    async def _add_gap(self, tp: Any, offset_from: int, offset_to: int) -> None:
        """Faust records a jump in the offsets it reads as a gap and counts
        the skipped offsets as processed (it means transaction markers). But
        records it fetched and never handed to a stream make the same jump:
        a partition paused mid-batch (a full stream buffer, recovery) drops
        the rest of the batch while aiokafka's position has moved on. We saw
        exactly that after a restart: ten alerts per partition never reached
        the fan-out, and the next commit passed them. So a jump is not taken
        on trust: the head stays unacknowledged, commits stop at it, and the
        gap watchdog re-reads from there; only a re-read that finds no record
        at the head records a gap (see :meth:`track_message`).

        Under exactly-once the jumps are transaction markers and the gap
        watchdog is off, so Faust's gaps are kept there."""
        if self.trust_offset_jumps:
            await super()._add_gap(tp, offset_from, offset_to)
            return
        log.info(
            "%s:%s jumped from offset %s to %s: not counted as processed until re-read",
            tp.topic,
            tp.partition,
            offset_from - 1,
            offset_to,
        )

    def _new_offset(self, tp: Any) -> int | None:
        acked = self._acked.get(tp)
        if acked and self.needs_start_offset(tp):
            return None  # the head is not known yet: commit nothing
        if acked:
            head = self.head_offset(tp)
            gaps: Any = self._gap.get(tp)
            covered = bool(gaps) and head is not None and bool(gaps.at(head))
            if head_is_missing(acked, head=head, gap_covers_head=covered):
                return None
        result: int | None = super()._new_offset(tp)
        return result

    async def seek(self, partition: Any, offset: int) -> None:
        self._first_tracked.pop(partition, None)
        await super().seek(partition, offset)

    def set_start_offsets(self, offsets: dict[Any, int]) -> None:
        """Where partitions without a commit begin (their log start), found by
        the gap watchdog (:mod:`streams.gaps`). Until it is known for such a
        partition, nothing of it is committed (see :meth:`_new_offset`)."""
        self._start_offset.update(offsets)

    def needs_start_offset(self, tp: Any) -> bool:
        """Only for the topics the gap watchdog looks after (none when it is
        off, as under exactly-once)."""
        return (
            getattr(tp, "topic", None) in self.start_offset_topics
            and self._committed_offset.get(tp) is None
            and tp not in self._start_offset
        )

    async def on_partitions_assigned(self, assigned: Any, generation_id: int = 0) -> None:
        self._first_tracked.clear()
        self._expected_head.clear()
        self._start_offset.clear()
        await super().on_partitions_assigned(assigned, generation_id)

    # -- fix 4: no commit before the table writes are sent ---------------------

    async def _commit_offsets(self, offsets: Any, start_new_transaction: bool = True) -> bool:
        offload = getattr(self.app, "offload", None)
        if offload is not None:
            # Answers computed in the scoring process are applied first.
            await offload.drain()
        output = getattr(self.app, "output_buffer", None)
        if output is not None and not await output.drain():
            # Enriched alerts waiting in a batch (streams/output.py) are sent
            # and delivered first; one that failed holds the commit back.
            log.warning("enriched alerts not delivered (%d queued again): commit postponed", output.pending)
            return False
        writer = getattr(self.app, "changelog_writer", None)
        if writer is not None and writer.enabled:
            # Batched table writes first (streams/changelog.py): Faust's
            # commit then flushes the producer, so they are acknowledged
            # before the offsets that caused them are committed.
            await writer.flush()
        tracker: BufferTracker | None = getattr(self.app, "buffer_tracker", None)
        if tracker is not None and not await tracker.drain(timeout_s=10.0):
            log.warning(
                "producer buffer not drained (%d queued, %d in flight): commit postponed",
                tracker.buffer.size,
                tracker.inflight,
            )
            return False
        committed: bool = await super()._commit_offsets(offsets, start_new_transaction=start_new_transaction)
        return committed

    # -- fix 3: re-fetch what a batch did not hand over -----------------------

    async def _wait_next_records(self, timeout: float) -> Any:  # noqa: ASYNC109 (Faust's signature)
        result = await super()._wait_next_records(timeout)
        self._last_batch = result[0]
        return result

    async def getmany(self, timeout: float) -> AsyncIterator[tuple[Any, Any]]:  # noqa: ASYNC109
        handed: dict[Any, int] = {}
        generation = self.app.consumer_generation_id
        try:
            async for tp, message in super().getmany(timeout):
                handed[tp] = message.offset
                yield tp, message
        finally:
            batch, self._last_batch = self._last_batch, None
            if batch and generation == self.app.consumer_generation_id:
                # After a rebalance Faust seeks every partition to its commit
                # itself; within one generation nobody else would.
                await self._seek_back_unhanded(batch, handed)

    async def _seek_back_unhanded(self, batch: Any, handed: dict[Any, int]) -> None:
        assigned = self.assignment()
        for tp, records in batch.items():
            last = handed.get(tp)
            first_left = next((r.offset for r in records if last is None or r.offset > last), None)
            if first_left is None or tp not in assigned:
                continue
            log.info(
                "re-fetching %s:%s from offset %s (batch not fully handed over)",
                tp.topic,
                tp.partition,
                first_left,
            )
            try:
                await super().seek(tp, first_left)
            except Exception as exc:  # revoked meanwhile: the rebalance seeks it
                log.warning("could not seek %s:%s back to %s: %s", tp.topic, tp.partition, first_left, exc)


class BufferTracker:
    """Fix 4: **no commit before the table writes are sent.** Table changes
    go through Faust's producer buffer (``__setitem__`` cannot await), and
    ``producer.flush()`` before a commit stops waiting for that buffer after
    0.1 s without a send, leaving writes queued, or one taken off the queue
    but not yet handed to aiokafka. A ``kill -9`` right after such a commit
    lost the ``assembly`` state of alerts whose parts were committed: those
    alerts were never enriched (38 of 600 in one run of the two-worker
    test). The tracker counts sends in flight, and the consumer drains the
    buffer completely before it commits, or postpones the commit."""

    def __init__(self, buffer: Any) -> None:
        self.buffer = buffer
        self.inflight = 0
        original = buffer._send_pending

        async def counted(fut: Any) -> None:
            self.inflight += 1
            try:
                await original(fut)
            finally:
                self.inflight -= 1

        # Read by the buffer's drain task when it starts, which is after this.
        buffer._send_pending = counted

    async def drain(self, *, timeout_s: float) -> bool:
        """Wait until nothing is queued or in flight; False on timeout."""
        deadline = time.monotonic() + timeout_s
        sent = self.buffer.message_sent
        while self.buffer.size or self.inflight:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            sent.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(sent.wait(), timeout=min(0.1, remaining))
        return True


def transport_class(
    *,
    fetch_max_wait_ms: int,
    trust_offset_jumps: bool = False,
    eager_handoff: bool = True,
) -> type[Any]:
    """The aiokafka transport class with the fixes above."""

    class _Consumer(Consumer):
        pass

    _Consumer.fetch_max_wait_ms = fetch_max_wait_ms
    _Consumer.trust_offset_jumps = trust_offset_jumps
    _Consumer.eager_handoff = eager_handoff

    class Transport(faust_aiokafka.Transport):
        pass

    Transport.Consumer = _Consumer
    return Transport
