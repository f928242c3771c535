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

__all__ = ["Ownership", "partition_for", "tables_ready"]


@lru_cache(maxsize=65_536)
def partition_for(key: bytes, partitions: int) -> int:
    """The partition a keyed record lands in with the default partitioner.
    Cached: murmur2 is pure Python, and the same file keys recur."""
    return (murmur2(key) & 0x7FFFFFFF) % partitions


def tables_ready(app: Any) -> bool:
    """The tables of the assigned partitions are recovered and events flow.

    Assigned is not enough: a partition just moved here has its tables
    recovered after the assignment, and an alert joined against a table
    still being recovered would find no findings for its files. Faust's
    ``rebalancing`` is too much: it stays set for a while after the recovery
    resumed the source partitions (0.3 s in a restarted worker's log), and
    the alerts read meanwhile went the remote way. Faust pauses the source
    partitions when they are assigned and resumes them only once their
    tables are recovered, and stops the flow when partitions are revoked;
    so events reach an agent with its tables incomplete only while
    ``in_recovery``, and during a rebalance they are handed over only once
    the flow runs again. (``recovery.completed`` is set after the partitions
    were resumed, and never cleared.)
    """
    if app.in_recovery:
        return False
    return not app.rebalancing or bool(app.consumer.flow_active)


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
        if not tables_ready(app):
            return frozenset()
        # Recomputing it for every alert was a tenth of the fan-out's time. A
        # new group generation always recomputes; the short expiry covers an
        # assignment that lands after its generation number, and an empty
        # answer is never kept: right after a restart it held for half a
        # second, and the alerts read meanwhile were all sent the remote way,
        # their probes not counted for their timeouts (streams/backlog.py).
        generation, now = app.consumer_generation_id, time.monotonic()
        cached = self._cached
        if cached is None or not cached[2] or cached[0] != generation or now - cached[1] > 0.5:
            actives = app.assignor.assigned_actives()
            owned = frozenset(tp.partition for tp in actives if tp.topic == self._topic)
            self._cached = cached = (generation, now, owned)
        return cached[2]
