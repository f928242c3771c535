"""Batched output sends (streams/output.py), without Kafka: a recording
producer stands in for aiokafka; the join and recovery tests on the real
broker read the enriched topic these batches go to."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

from aiokafka.partitioner import DefaultPartitioner

from streams.output import OutputBuffer
from tests.unit.streams.kafka_fakes import FakeApp, FakeProducer


class _Queue:
    def __init__(self, queued: int) -> None:
        self.items = deque(range(queued))

    def empty(self) -> bool:
        return not self.items


class _Stream:
    """An agent's stream as far as idleness goes: its channel's queue."""

    def __init__(self, queued: int) -> None:
        self.channel = self
        self.queue = _Queue(queued)


def _headers(version: int) -> list[tuple[str, bytes]]:
    return [("correlation-version", str(version).encode())]


def test_every_version_is_sent_in_order_on_the_key_partition_with_its_headers() -> None:
    producer = FakeProducer(partitions=4)
    out = OutputBuffer(FakeApp(producer), "enriched")
    out.add(b"a1", b"v1", _headers(1))
    out.add(b"a2", b"v1", _headers(1))
    out.add(b"a1", b"v2", _headers(2))
    assert out.pending == 3
    assert asyncio.run(out.flush()) == 3
    assert out.pending == 0
    everything = [0, 1, 2, 3]
    got: dict[bytes, list[tuple[int, bytes | None, Any]]] = {}
    for (_, partition, records), batch in zip(producer.sent, producer.batches, strict=True):
        for (key, value), headers in zip(records, batch.headers, strict=True):
            got.setdefault(key, []).append((partition, value, headers))
    p1 = DefaultPartitioner()(b"a1", everything, everything)
    # Nothing is coalesced: a correction does not replace the first version.
    assert got[b"a1"] == [(p1, b"v1", _headers(1)), (p1, b"v2", _headers(2))]
    assert [v for _, v, _ in got[b"a2"]] == [b"v1"]


def test_it_flushes_only_when_the_stream_is_idle_or_enough_records_wait() -> None:
    producer = FakeProducer()
    out = OutputBuffer(FakeApp(producer), "enriched", max_pending=3)

    async def scenario() -> list[int]:
        seen = []
        out.add(b"a", b"1", _headers(1))
        await out.flush_if_idle(_Stream(queued=5))  # more events waiting: keep batching
        seen.append(out.pending)
        await out.flush_if_idle(_Stream(queued=0))  # nothing left: send now
        seen.append(out.pending)
        for key in (b"b", b"c", b"d"):
            out.add(key, b"1", _headers(1))
        await out.flush_if_idle(_Stream(queued=5))  # busy, but max_pending reached
        seen.append(out.pending)
        return seen

    assert asyncio.run(scenario()) == [1, 0, 0]
    assert sum(len(records) for _, _, records in producer.sent) == 4


def test_full_batches_are_split() -> None:
    producer = FakeProducer(room=2, partitions=1)
    out = OutputBuffer(FakeApp(producer), "enriched")
    for i in range(5):
        out.add(f"k{i}".encode(), b"x", _headers(1))
    assert asyncio.run(out.flush()) == 5
    assert [len(records) for _, _, records in producer.sent] == [2, 2, 1]
    assert [key for _, _, records in producer.sent for key, _ in records] == [
        f"k{i}".encode() for i in range(5)
    ]


def test_a_failed_batch_is_queued_again_and_sent_with_the_next_flush() -> None:
    failing = FakeProducer(fail=True, partitions=1)
    out = OutputBuffer(FakeApp(failing), "enriched")

    async def scenario() -> None:
        out.add(b"a", b"1", _headers(1))
        await out.flush()
        await asyncio.sleep(0)  # done-callbacks run
        out.add(b"b", b"1", _headers(1))

    asyncio.run(scenario())
    assert out.pending == 2
    failing._fail = False
    asyncio.run(out.flush())
    assert [key for key, _ in failing.sent[-1][2]] == [b"a", b"b"]


def test_drain_holds_the_commit_back_until_every_record_is_delivered() -> None:
    failing = FakeProducer(fail=True, partitions=2)
    out = OutputBuffer(FakeApp(failing), "enriched")

    async def scenario() -> tuple[bool, bool]:
        out.add(b"a", b"1", _headers(1))
        refused = await out.drain()  # delivery failed: the record is queued again
        failing._fail = False
        return refused, await out.drain()

    assert asyncio.run(scenario()) == (False, True)
    assert out.pending == 0
    assert [key for _, _, records in failing.sent for key, _ in records] == [b"a", b"a"]


def test_a_send_that_raises_keeps_the_records_and_does_not_stop_the_agent() -> None:
    class _Refusing(FakeProducer):
        async def send_batch(self, batch: Any, topic: str, *, partition: int) -> Any:
            raise RuntimeError("unknown topic")

    out = OutputBuffer(FakeApp(_Refusing(partitions=1)), "enriched")
    out.add(b"a", b"1", _headers(1))
    assert asyncio.run(out.flush()) == 0
    assert out.pending == 1
    assert asyncio.run(out.drain()) is False


def test_records_added_while_a_commit_drains_do_not_hold_it_back() -> None:
    producer = FakeProducer(partitions=1)
    out = OutputBuffer(FakeApp(producer), "enriched")

    async def scenario() -> tuple[bool, int]:
        out.add(b"a", b"1", _headers(1))
        draining = asyncio.create_task(out.drain())
        await asyncio.sleep(0)
        out.add(b"b", b"1", _headers(1))  # a later message's output
        return await draining, out.pending

    assert asyncio.run(scenario()) == (True, 1)
