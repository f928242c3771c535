"""Records handed to aiokafka as whole record batches, one partition at a
time: what the changelog writer (:mod:`streams.changelog`) and the output
buffer (:mod:`streams.output`) share. A batch append is a few microseconds
of Python; a ``send`` per record costs futures and a pass through Faust's
producer and aiokafka's accumulator."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["Record", "send_partition"]

# key, value (None deletes), headers
Record = tuple[bytes, bytes | None, list[tuple[str, bytes]] | None]


async def send_partition(
    producer: Any,
    topic: str,
    partition: int,
    records: Sequence[Record],
    *,
    on_sent: Callable[[Any, list[Record]], None],
) -> None:
    """Send ``records`` in order, in as many batches as they need;
    ``on_sent(future, chunk)`` is called with each batch's delivery future
    and the records it holds."""
    batch, chunk = producer.create_batch(), list[Record]()
    for record in records:
        key, value, headers = record
        if batch.append(key=key, value=value, timestamp=None, headers=headers) is None:
            on_sent(await producer.send_batch(batch, topic, partition=partition), chunk)
            batch, chunk = producer.create_batch(), []
            batch.append(key=key, value=value, timestamp=None, headers=headers)
        chunk.append(record)
    on_sent(await producer.send_batch(batch, topic, partition=partition), chunk)
