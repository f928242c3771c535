"""Which partitions this worker owns right now, and which partition a key
belongs to.

The fan-out uses it to join an alert locally when every table partition the
join needs (the frames' files and the alert itself) is assigned to this very
worker: the reads are then the same partition-local reads the probe agent
would make, minus two hops through Kafka per frame. With one worker that is
every alert; with more, the alerts whose files all live here.

The partition of a key is the Java client's (murmur2 of the key bytes modulo
the partition count), which is what aiokafka's default partitioner, and so
Faust's ``use_partitioner`` tables and every keyed producer, use.
"""

from __future__ import annotations

import time
from functools import lru_cache
from typing import Any

from aiokafka.partitioner import murmur2

__all__ = ["Ownership", "partition_for"]


@lru_cache(maxsize=65_536)
def partition_for(key: bytes, partitions: int) -> int:
    """The partition a keyed record lands in with the default partitioner.
    Cached: murmur2 is pure Python, and the same file keys recur."""
    return (murmur2(key) & 0x7FFFFFFF) % partitions


class Ownership:
    """Active partitions of ``topic`` assigned to this worker.

    Faust's assignor gives one worker the same partition number of every
    co-partitioned topic (source topics and changelogs alike), so owning
    ``topic``'s partition ``p`` means owning ``p`` of every table too.
    """

    def __init__(self, app: Any, *, topic: str, partitions: int) -> None:
        self._app = app
        self._topic = topic
        self._partitions = partitions
        self._cached: tuple[int, float, frozenset[int]] | None = None

    def partition(self, key: bytes) -> int:
        return partition_for(key, self._partitions)

    def owned(self) -> frozenset[int]:
        """Partitions owned now, with their tables recovered; empty while a
        rebalance or a recovery is under way."""
        app = self._app
        # Assigned is not enough: a partition just moved here has its tables
        # recovered after the assignment, and an alert joined against a table
        # still being recovered would find no findings for its files.
        # (Faust's ``recovery.completed`` is set once and never cleared, so it
        # says nothing after the first rebalance; ``in_recovery`` does.)
        if app.rebalancing or app.in_recovery:
            return frozenset()
        # Recomputing it for every alert was a tenth of the fan-out's time. A
        # new group generation always recomputes; the short expiry covers an
        # assignment that lands after its generation number.
        generation, now = app.consumer_generation_id, time.monotonic()
        cached = self._cached
        if cached is None or cached[0] != generation or now - cached[1] > 0.5:
            actives = app.assignor.assigned_actives()
            owned = frozenset(tp.partition for tp in actives if tp.topic == self._topic)
            self._cached = cached = (generation, now, owned)
        return cached[2]
