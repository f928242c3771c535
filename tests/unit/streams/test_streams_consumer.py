"""The commit guard of the engine's Faust consumer (streams/consumer.py)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from intervaltree import IntervalTree

from streams.consumer import Consumer, head_is_missing


def test_head_is_missing():
    # Faust would commit past offset 5 here: only 6 and 7 were acknowledged.
    assert head_is_missing([6, 7], head=5, gap_covers_head=False)
    assert not head_is_missing([5, 6, 7], head=5, gap_covers_head=False)
    assert not head_is_missing([6, 7], head=5, gap_covers_head=True)  # e.g. a transaction marker
    assert not head_is_missing([], head=5, gap_covers_head=False)
    assert not head_is_missing([6], head=None, gap_covers_head=False)


@pytest.fixture
def consumer() -> Any:
    # Only the bookkeeping that _new_offset reads; no app, no broker.
    c = object.__new__(Consumer)
    c._acked = defaultdict(list)
    c._acked_index = defaultdict(set)
    c._gap = defaultdict(IntervalTree)
    c._committed_offset = defaultdict(lambda: None)
    c._first_tracked = {}
    c._expected_head = {}
    c._start_offset = {}
    c.app = SimpleNamespace(start_offset_topics=frozenset())
    return c


def test_no_commit_over_an_unacknowledged_offset_after_the_commit(consumer):
    tp = "t:0"
    consumer._committed_offset[tp] = 5
    consumer._acked[tp] = [6, 7]
    consumer._acked_index[tp] = {6, 7}
    assert consumer._new_offset(tp) is None  # Faust 0.15 alone returns 8
    consumer._acked[tp] = [5, 6, 7]
    consumer._acked_index[tp] = {5, 6, 7}
    assert consumer._new_offset(tp) == 8


def test_a_new_group_starts_from_the_first_offset_handed_out(consumer):
    tp = "t:1"
    consumer._first_tracked[tp] = 0
    consumer._acked[tp] = [1, 2]
    consumer._acked_index[tp] = {1, 2}
    assert consumer.head_offset(tp) == 0
    assert consumer._new_offset(tp) is None  # offset 0 was never acknowledged


class _TP:
    def __init__(self, topic: str, partition: int) -> None:
        self.topic, self.partition = topic, partition


def test_without_a_commit_the_head_is_the_log_start_not_where_reading_began(consumer):
    # A restarted worker's first record of alerts:1 was offset 98: a fetch
    # during recovery had moved the position, and nobody had committed 0-97.
    tp = _TP("alerts", 1)
    consumer.app = SimpleNamespace(start_offset_topics=frozenset({"alerts"}))
    consumer._first_tracked[tp] = 98
    consumer._acked[tp] = [98, 99]
    consumer._acked_index[tp] = {98, 99}
    assert consumer.needs_start_offset(tp)
    assert consumer._new_offset(tp) is None  # the log start is not known yet
    consumer.set_start_offsets({tp: 0})
    assert consumer.head_offset(tp) == 0
    assert consumer._new_offset(tp) is None  # 0-97 were never acknowledged
    consumer._acked[tp] = list(range(100))
    consumer._acked_index[tp] = set(range(100))
    assert consumer._new_offset(tp) == 100


def test_the_worker_consumer_knows_the_watched_topics(tmp_path: Path):
    """Through the engine a worker builds: the gap watchdog names its topics
    after Faust built the consumer, and a copy taken at build time was empty
    (no partition without a commit then learned its log start)."""
    from faust.types import TP

    from hefesto_core.settings import Settings
    from streams.app import create_engine
    from streams.tuning import load_tuning

    settings = Settings(app_id="unit-watch", data_dir=tmp_path)
    engine = create_engine(settings, load_tuning(), with_sink=False)
    consumer = engine.app.consumer
    for topic in (settings.topic_alerts, settings.topic_findings, engine.topics.probes.get_topic_name()):
        assert consumer.needs_start_offset(TP(topic, 0)), topic
    assert not consumer.needs_start_offset(TP(settings.topic_enriched, 0))  # not consumed by an agent
    consumer.set_start_offsets({TP(settings.topic_alerts, 0): 0})
    assert not consumer.needs_start_offset(TP(settings.topic_alerts, 0))


def test_the_worker_consumer_gets_every_tuning_knob(tmp_path: Path):
    """The knobs copied into the transport class must be set on the app
    before Faust builds the transport (the watched topics were not)."""
    from hefesto_core.settings import Settings
    from streams.app import create_engine
    from streams.tuning import load_tuning

    tuning = load_tuning(eager_handoff=False, fetch_max_wait_ms=77)
    engine = create_engine(Settings(app_id="unit-knobs", data_dir=tmp_path), tuning, with_sink=False)
    consumer = engine.app.consumer
    assert consumer.eager_handoff is False
    assert consumer.fetch_max_wait_ms == 77
    assert consumer.trust_offset_jumps is False  # at-least-once


def test_an_offset_without_a_record_becomes_a_gap_after_the_reread(consumer):
    tp = "t:2"
    consumer._committed_offset[tp] = 10
    consumer._acked[tp] = [11]
    consumer._acked_index[tp] = {11}
    assert consumer._new_offset(tp) is None
    # The watchdog re-read from 10 and the first record was 11: 10 holds no
    # record (a transaction marker), so it is a gap and the commit goes on.
    consumer._expected_head[tp] = 10

    class Message:
        def __init__(self, offset: int) -> None:
            self.tp, self.offset = tp, offset

    consumer._unacked_messages = set()
    consumer._on_message_in = lambda *a: None
    consumer.track_message(Message(11))
    assert consumer._gap[tp].at(10)
    assert consumer._new_offset(tp) == 12


async def test_buffer_tracker_waits_for_queued_and_in_flight_sends():
    import asyncio

    from streams.consumer import BufferTracker

    class Buffer:
        """What the tracker reads of Faust's ProducerBuffer."""

        def __init__(self) -> None:
            self.pending: asyncio.Queue[int] = asyncio.Queue()
            self.message_sent = asyncio.Event()
            self.sent: list[int] = []

        @property
        def size(self) -> int:
            return self.pending.qsize()

        async def _send_pending(self, fut: int) -> None:
            await asyncio.sleep(0.05)  # handing the message to the producer
            self.sent.append(fut)

        async def run(self) -> None:  # Faust's _handle_pending
            send = self._send_pending
            while True:
                fut = await self.pending.get()
                await send(fut)
                self.message_sent.set()

    buffer = Buffer()
    tracker = BufferTracker(buffer)
    task = asyncio.create_task(buffer.run())
    for i in range(5):
        buffer.pending.put_nowait(i)
    await asyncio.sleep(0)
    assert await tracker.drain(timeout_s=5.0)
    assert buffer.sent == [0, 1, 2, 3, 4]  # the last one too, though it had left the queue
    assert tracker.inflight == 0
    task.cancel()
    stuck = Buffer()
    stuck_tracker = BufferTracker(stuck)
    stuck.pending.put_nowait(1)  # nobody drains it
    assert not await stuck_tracker.drain(timeout_s=0.3)
