"""Batched sends to an output topic (the enriched alerts).

Sending a record through Faust's ``Topic.send`` costs a ``FutureMessage``,
a pass through Faust's producer and aiokafka's accumulator, and futures for
each: at 1,000 alerts/s offered that was about 8 % of the worker's main
thread (``py-spy --gil``), a thread that holds the GIL most of the time and
so limits the worker. :class:`OutputBuffer` keeps the records and hands
them to aiokafka as one record batch per partition, as the changelog writer
(:mod:`streams.changelog`) does for table writes.

When the records leave:

- when the agent that produced them has no further event waiting
  (:meth:`OutputBuffer.flush_if_idle`), so a quiet stream pays no latency
  and a busy one sends many records per batch;
- when ``max_pending`` records wait;
- before every offset commit (:mod:`streams.consumer`), so a committed
  offset never runs ahead of the output it caused (at-least-once);
- on the changelog writer's timer, for records sent from timers.

Unlike the changelog writer nothing is coalesced: every version of an alert
is sent, in order. A record is routed like aiokafka's default partitioner
routes a keyed record (murmur2 over the topic's partitions, read once from
the producer's metadata), so consumers see the same partitioning as before.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from streams import metrics
from streams.batching import Record, send_partition
from streams.ownership import partition_for

__all__ = ["OutputBuffer"]

log = logging.getLogger(__name__)


class OutputBuffer:
    def __init__(self, app: Any, topic: str, *, max_pending: int = 500) -> None:
        self._app = app
        self.topic = topic
        self._max_pending = max_pending
        self._pending: list[Record] = []
        self._partitions: list[int] | None = None
        # One flush at a time: ``send_batch`` waits while the accumulator is
        # full, and a second flush meanwhile could put a newer version of an
        # alert before an older one in its partition.
        self._lock = asyncio.Lock()
        self._inflight: set[asyncio.Future[Any]] = set()
        self._failed = 0  # flushes and batches that failed, ever

    @property
    def pending(self) -> int:
        return len(self._pending)

    def add(self, key: bytes, value: bytes, headers: list[tuple[str, bytes]]) -> None:
        self._pending.append((key, value, headers))

    async def flush_if_idle(self, stream: Any) -> None:
        """Flush when ``stream`` (the calling agent's) has nothing queued,
        or enough records wait."""
        if not self._pending:
            return
        if len(self._pending) >= self._max_pending or _idle(stream):
            await self.flush()

    async def flush(self) -> int:
        """Hand every pending record to the producer; returns how many.
        Delivery is awaited by :meth:`drain` before a commit. Records a send
        refused are kept for the next flush."""
        async with self._lock:
            try:
                return await self._flush()
            except Exception as exc:  # the agent goes on; drain() holds the commit back
                self._failed += 1
                log.error("output to %s not sent, kept for the next flush: %s", self.topic, exc)
                return 0

    async def drain(self) -> bool:
        """Before a commit: send what waits and wait for its delivery. False
        when a send failed meanwhile (its records are queued again), so the
        commit waits: its offsets must not pass output that was lost.

        Records added while this waits come from later messages, whose
        offsets this commit does not include; they do not hold it back."""
        failed = self._failed
        await self.flush()  # after any flush in progress, which leaves its sends in flight
        if self._inflight:
            await asyncio.wait(list(self._inflight))
        return self._failed == failed

    async def _flush(self) -> int:
        if not self._pending:
            return 0
        producer = self._app.producer._ensure_producer()
        if self._partitions is None:
            self._partitions = sorted(await producer.partitions_for(self.topic))
        records, self._pending = self._pending, []
        try:
            return await self._send_all(producer, records)
        except BaseException:
            # Unsent records stay first; a record that did go out is sent
            # twice, which consumers drop (same correlation-version).
            self._pending[:0] = records
            raise

    async def _send_all(self, producer: Any, records: list[Record]) -> int:
        partitions = self._partitions or [0]
        by_partition: dict[int, list[Record]] = {}
        for record in records:
            partition = partitions[partition_for(record[0], len(partitions))]
            by_partition.setdefault(partition, []).append(record)
        for partition, part in by_partition.items():
            await send_partition(producer, self.topic, partition, part, on_sent=self._track)
        metrics.child(metrics.MESSAGES_OUT, self.topic).inc(len(records))
        return len(records)

    def _track(self, future: Any, records: list[Record]) -> None:
        self._inflight.add(future)

        def done(fut: Any) -> None:
            self._inflight.discard(fut)
            if fut.cancelled() or fut.exception() is None:
                return
            self._failed += 1
            # Sent again with the next flush; consumers keep the highest
            # correlation-version, so a reordering is harmless.
            log.error("output batch to %s failed, re-queued: %s", self.topic, fut.exception())
            metrics.child(metrics.OUTPUT_FAILURES, self.topic).inc(len(records))
            self._pending[:0] = records

        future.add_done_callback(done)


def _idle(stream: Any) -> bool:
    channel = getattr(stream, "channel", None)
    queue = getattr(channel, "queue", None)
    return queue is None or bool(queue.empty())
