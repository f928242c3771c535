"""Batched writes to changelog-backed tables (a write-behind cache, as Kafka
Streams' state store caching does it).

A Faust table write sends one changelog record through Faust's producer
buffer and aiokafka's ``send``: a few hundred microseconds of Python per
write, which was most of an alert's cost (``bench/stream.py``: 130 alerts/s
with the writes, 310 without them). :class:`BatchedTable` updates the
table's local store at once, so reads see the write, and
:class:`ChangelogWriter` keeps the newest value per key and sends them as
aiokafka record batches:

- every ``flush_interval_ms`` (a timer), when ``max_pending`` keys wait,
- and before every offset commit (:mod:`streams.consumer` calls
  :meth:`ChangelogWriter.flush`, then Faust's commit flushes the producer).

So a committed offset never runs ahead of the state it caused, which is the
at-least-once contract: a crash before the flush replays the messages and
rewrites the same state. A key written twice between flushes costs one
record.

Records go to the partition of the key's *route*: the key itself, or for
keys that live with another key (an aggregate's window of a file) that
key. Faust's own writes use the current event's partition, which is the
same partition when the event is keyed by that key; ``use_partitioner``
would not be, because Faust hashes the JSON-encoded key (``"k"``, quotes
included) while producers hash the raw key. Keys and values are encoded as
Faust's ``json`` serializer does, so Faust's recovery reads them back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from typing import Any, Protocol

import orjson

from streams import metrics
from streams.batching import Record, send_partition
from streams.ownership import partition_for

__all__ = ["BatchedTable", "ChangelogWriter", "register_flush"]

log = logging.getLogger(__name__)


class ChangelogWriter:
    def __init__(self, app: Any, *, partitions: int, max_pending: int = 5_000, enabled: bool = True) -> None:
        """``enabled=False`` (exactly-once experiments: these records would
        bypass the transactions) makes :class:`BatchedTable` write through
        Faust, with the current event's partition."""
        self._app = app
        self.enabled = enabled
        self._partitions = partitions
        self._max_pending = max_pending
        # (topic, partition) -> encoded key -> encoded value (None deletes)
        self._pending: dict[tuple[str, int], dict[bytes, bytes | None]] = {}
        self._count = 0
        # One flush at a time: ``send_batch`` waits while the accumulator is
        # full, and an overlapping flush (the timer's and a commit's) could
        # put a key's newer value before its older one in the changelog,
        # which compaction and recovery would then keep.
        self._lock = asyncio.Lock()

    @property
    def pending(self) -> int:
        return self._count

    def put(self, topic: str, route: str, key: bytes, value: bytes | None) -> None:
        slot = self._pending.setdefault((topic, partition_for(route.encode(), self._partitions)), {})
        if key not in slot:
            self._count += 1
        slot[key] = value

    def wants_flush(self) -> bool:
        return self._count >= self._max_pending

    async def flush(self) -> int:
        """Hand every pending record to the producer; returns how many.
        Delivery is awaited by the producer flush of the commit that follows."""
        async with self._lock:
            return await self._flush()

    async def _flush(self) -> int:
        if not self._count:
            return 0
        pending, self._pending, count, self._count = self._pending, {}, self._count, 0
        producer = self._app.producer._ensure_producer()
        for (topic, partition), records in pending.items():
            await send_partition(
                producer,
                topic,
                partition,
                [(key, value, None) for key, value in records.items()],
                on_sent=self._requeue_on_failure(topic, partition),
            )
        metrics.CHANGELOG_RECORDS.inc(count)
        return count

    def _requeue_on_failure(self, topic: str, partition: int) -> Callable[[Any, list[Record]], None]:
        def on_sent(future: Any, records: list[Record]) -> None:
            def done(fut: Any) -> None:
                if fut.cancelled() or fut.exception() is None:
                    return
                metrics.CHANGELOG_FAILURES.inc(len(records))
                log.error("changelog batch to %s:%s failed, re-queued: %s", topic, partition, fut.exception())
                slot = self._pending.setdefault((topic, partition), {})
                for key, value, _ in records:
                    if key not in slot:  # a newer value of the key is already queued
                        slot[key] = value
                        self._count += 1

            future.add_done_callback(done)

        return on_sent


def _packed(value: Any) -> bytes:
    """``value``'s JSON in a bytes object of its exact size: orjson's own
    keeps the capacity it grew to (8.2 KB allocated for 5.2 KB of JSON,
    measured with tracemalloc), which a table holding it for an hour pays
    per entry."""
    return bytes(memoryview(orjson.dumps(value)))


class BatchedTable:
    """A Faust table whose writes go through a :class:`ChangelogWriter`.
    Reads are the table's own (its local store).

    A *packed* table (declared with ``value_type=bytes``, so Faust's
    recovery also stores the changelog's bytes as they are) keeps each value
    as its JSON encoding and decodes it on read. For the per-alert tables:
    the horizon holds every alert of the last hour, and as trees of dicts
    they were about twenty objects per alert for the cyclic collector to walk
    again on every full collection; bytes are never tracked, took 10.2
    instead of 14.0 KB per alert (``bench/retained.py``, docs/streams.md,
    "Tuning", item 26), and are the encoding the changelog needs anyway."""

    def __init__(self, table: Any, writer: ChangelogWriter, *, packed: bool = False) -> None:
        self.table = table
        self._writer = writer
        self._topic: str | None = None
        self.packed = packed

    def _changelog(self) -> str:
        if self._topic is None:
            self._topic = str(self.table.changelog_topic.get_topic_name())
        return self._topic

    def _load(self, value: Any) -> Any:
        return orjson.loads(value) if self.packed and isinstance(value, bytes | bytearray) else value

    def get(self, key: str, default: Any = None) -> Any:
        value = self.table.data.get(key)
        return default if value is None else self._load(value)

    def get_raw(self, key: str) -> bytes | None:
        """The value's JSON encoding, without decoding it (packed tables)."""
        value = self.table.data.get(key)
        if value is None or isinstance(value, bytes):
            return value
        return orjson.dumps(value)

    def __getitem__(self, key: str) -> Any:
        return self._load(self.table.data[key])

    def __contains__(self, key: object) -> bool:
        return key in self.table.data

    def __len__(self) -> int:
        return len(self.table.data)

    def items(self) -> Iterator[tuple[Any, Any]]:
        """Over a copy: safe while the table changes (packed values are
        decoded as they are reached)."""
        pairs = list(self.table.data.items())
        if not self.packed:
            return iter(pairs)
        return ((key, self._load(value)) for key, value in pairs)

    def __iter__(self) -> Iterator[Any]:
        """Over a copy of the keys: safe while the table changes."""
        return iter(list(self.table.data))

    def set(self, key: str, value: Any, *, route: str | None = None) -> None:
        """``value`` is JSON-able, or for a packed table its encoding already
        (``bytes``), which is then stored and sent as it is."""
        if self.packed and not isinstance(value, bytes):
            value = _packed(value)
        if not self._writer.enabled:
            self.table[key] = value
            return
        self.table.data[key] = value
        encoded = value if self.packed else orjson.dumps(value)
        self._writer.put(self._changelog(), route or key, orjson.dumps(key), encoded)

    def delete(self, key: str, *, route: str | None = None) -> None:
        if not self._writer.enabled:
            self.table.pop(key, None)
            return
        self.table.data.pop(key, None)
        self._writer.put(self._changelog(), route or key, orjson.dumps(key), None)  # a tombstone

    def forget(self, key: str) -> None:
        """Drop ``key`` from the local store only, writing no tombstone: for
        state whose changelog deletes it by time (streams/retention.py)."""
        self.table.data.pop(key, None)

    def __setitem__(self, key: str, value: Any) -> None:
        self.set(key, value)

    def __delitem__(self, key: str) -> None:
        self.delete(key)


class _Flushable(Protocol):
    async def flush(self) -> int: ...


def register_flush(app: Any, *buffers: _Flushable, interval_ms: int) -> None:
    """Flush ``buffers`` (this writer, the output buffer) on a timer, in
    order: the backstop for writes no agent flushes sooner."""

    @app.timer(interval=interval_ms / 1000, name="changelog-flush")
    async def flush_changelogs() -> None:
        if app.should_stop:
            return  # the producer may be gone; unflushed writes were not committed
        for buffer in buffers:
            await buffer.flush()
