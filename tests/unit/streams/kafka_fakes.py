"""A recording stand-in for the parts of aiokafka's producer (and Faust's
app around it) that the batched writers use. The integration tests run the
real thing."""

from __future__ import annotations

import asyncio
from typing import Any

__all__ = ["FakeApp", "FakeBatch", "FakeProducer"]


class FakeBatch:
    def __init__(self, room: int) -> None:
        self.records: list[tuple[bytes, bytes | None]] = []
        self.headers: list[Any] = []
        self._room = room

    def append(
        self, *, key: bytes, value: bytes | None, timestamp: Any, headers: Any = None
    ) -> object | None:
        if len(self.records) >= self._room:
            return None
        self.records.append((key, value))
        self.headers.append(headers)
        return object()


class FakeProducer:
    def __init__(self, *, room: int = 1_000, fail: bool = False, partitions: int = 4) -> None:
        self.sent: list[tuple[str, int, list[tuple[bytes, bytes | None]]]] = []
        self.batches: list[FakeBatch] = []
        self._room, self._fail, self._partitions = room, fail, partitions

    def create_batch(self) -> FakeBatch:
        return FakeBatch(self._room)

    async def partitions_for(self, topic: str) -> set[int]:
        return set(range(self._partitions))

    async def send_batch(self, batch: FakeBatch, topic: str, *, partition: int) -> asyncio.Future[None]:
        self.sent.append((topic, partition, batch.records))
        self.batches.append(batch)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self._fail:
            future.set_exception(RuntimeError("broker gone"))
        else:
            future.set_result(None)
        return future


class FakeApp:
    def __init__(self, producer: FakeProducer) -> None:
        self.producer = self
        self._producer = producer

    def _ensure_producer(self) -> FakeProducer:
        return self._producer
