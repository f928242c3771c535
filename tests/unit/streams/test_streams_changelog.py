"""Batched changelog writes, key partitions and the windowed counters, without
Kafka: a recording producer stands in for aiokafka (the recovery tests run the
real thing)."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest
from aiokafka.partitioner import DefaultPartitioner

from streams.agents.aggregates import WindowedCounter
from streams.changelog import BatchedTable, ChangelogWriter
from streams.ownership import partition_for
from tests.unit.streams.kafka_fakes import FakeApp as _App
from tests.unit.streams.kafka_fakes import FakeProducer as _Producer


class _ChangelogTopic:
    def get_topic_name(self) -> str:
        return "app-assembly-changelog"


class _Table:
    """The parts of a Faust table that BatchedTable uses."""

    name = "assembly"

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}
        self.changelog_topic = _ChangelogTopic()


@pytest.fixture
def producer() -> _Producer:
    return _Producer()


@pytest.fixture
def writer(producer: _Producer) -> ChangelogWriter:
    return ChangelogWriter(_App(producer), partitions=4)


def test_partition_for_is_the_default_partitioner_of_the_raw_key():
    everything = list(range(4))
    for key in (b"shop:src/pay.py", b"alert-1", b"", "caf\u00e9:x.py".encode()):
        assert partition_for(key, 4) == DefaultPartitioner()(key, everything, everything)


def test_a_write_is_read_back_at_once_and_sent_once_per_key_at_flush(
    writer: ChangelogWriter, producer: _Producer
) -> None:
    table = BatchedTable(_Table(), writer)
    table["a1"] = {"version": 1}
    table["a1"] = {"version": 2}
    table["a2"] = {"version": 1}
    assert table.get("a1") == {"version": 2}
    assert writer.pending == 2
    assert asyncio.run(writer.flush()) == 2
    assert writer.pending == 0
    sent = {
        (topic, partition, key): value
        for topic, partition, records in producer.sent
        for key, value in records
    }
    key = orjson.dumps("a1")  # Faust's json key encoding, quotes included
    assert sent[("app-assembly-changelog", partition_for(b"a1", 4), key)] == orjson.dumps({"version": 2})
    assert len(sent) == 2


def test_a_delete_is_a_tombstone_and_a_route_picks_the_partition(
    writer: ChangelogWriter, producer: _Producer
) -> None:
    table = BatchedTable(_Table(), writer)
    table.set("shop:a.py|60000", 3, route="shop:a.py")
    table.delete("shop:a.py|60000", route="shop:a.py")
    assert "shop:a.py|60000" not in table
    asyncio.run(writer.flush())
    [(_, partition, records)] = producer.sent
    assert partition == partition_for(b"shop:a.py", 4)
    assert records == [(orjson.dumps("shop:a.py|60000"), None)]


def test_full_batches_are_split(producer: _Producer) -> None:
    small = _Producer(room=2)
    writer = ChangelogWriter(_App(small), partitions=1)
    table = BatchedTable(_Table(), writer)
    for i in range(5):
        table[f"k{i}"] = i
    assert asyncio.run(writer.flush()) == 5
    assert [len(records) for _, _, records in small.sent] == [2, 2, 1]


def test_a_failed_batch_is_queued_again_unless_a_newer_value_waits() -> None:
    failing = _Producer(fail=True)
    writer = ChangelogWriter(_App(failing), partitions=1)
    table = BatchedTable(_Table(), writer)

    async def scenario() -> None:
        table["a"] = 1
        table["b"] = 1
        await writer.flush()
        table["b"] = 2  # newer than the failed record: that one is not re-queued
        await asyncio.sleep(0)  # done-callbacks run

    asyncio.run(scenario())
    assert writer.pending == 2
    failing._fail = False
    asyncio.run(writer.flush())
    last = dict(failing.sent[-1][2])
    assert last == {orjson.dumps("a"): orjson.dumps(1), orjson.dumps("b"): orjson.dumps(2)}


def test_windowed_counter_counts_per_window_reports_the_newest_and_expires(writer: ChangelogWriter) -> None:
    counter = WindowedCounter(BatchedTable(_Table(), writer), window_ms=60_000, expires_ms=120_000)
    counter.add("shop:a.py", ts_ms=1_000)
    counter.add("shop:a.py", ts_ms=59_999)
    counter.add("shop:a.py", 5, ts_ms=60_000)
    counter.add("shop:b.py", 2, ts_ms=61_000)
    top = counter.top()
    assert top == [
        {"key": "shop:a.py", "window_start": 60.0, "window_end": 120.0, "count": 5},
        {"key": "shop:b.py", "window_start": 60.0, "window_end": 120.0, "count": 2},
    ]
    assert counter.table.get("shop:a.py|0") == 2
    assert counter.expire(now_ms=180_001) == 1  # the window [0, 60 s) ended over 120 s ago
    assert counter.table.get("shop:a.py|0") is None


def test_a_packed_table_stores_json_bytes_and_decodes_on_read(
    writer: ChangelogWriter, producer: _Producer
) -> None:
    raw = _Table()
    table = BatchedTable(raw, writer, packed=True)
    table["a1"] = {"version": 1, "parts": {"0": {"score": 0.5}}}
    encoded = orjson.dumps({"alert_id": "a2", "confidence": 0.25})
    table["a2"] = encoded
    # Stored as bytes: nothing for the cyclic collector to walk.
    assert raw.data["a1"] == orjson.dumps({"version": 1, "parts": {"0": {"score": 0.5}}})
    assert raw.data["a2"] is encoded
    assert table.get("a1") == {"version": 1, "parts": {"0": {"score": 0.5}}}
    assert table["a2"] == {"alert_id": "a2", "confidence": 0.25}
    assert table.get("missing", "d") == "d"
    assert table.get_raw("a2") is encoded
    assert table.get_raw("missing") is None
    assert dict(table.items()) == {
        "a1": {"version": 1, "parts": {"0": {"score": 0.5}}},
        "a2": {"alert_id": "a2", "confidence": 0.25},
    }
    asyncio.run(writer.flush())
    sent = {key: value for _, _, records in producer.sent for key, value in records}
    # The changelog carries the same bytes: what a recovery (value_type=bytes)
    # puts back in the table is what was there.
    assert sent[orjson.dumps("a2")] is encoded
    assert sent[orjson.dumps("a1")] == raw.data["a1"]


def test_get_raw_of_an_unpacked_value_encodes_it(writer: ChangelogWriter) -> None:
    raw = _Table()
    raw.data["old"] = {"version": 3}  # e.g. recovered before the table was packed
    table = BatchedTable(raw, writer, packed=True)
    assert table.get_raw("old") == orjson.dumps({"version": 3})
    assert table.get("old") == {"version": 3}


def test_items_of_a_packed_table_is_safe_while_it_changes(writer: ChangelogWriter) -> None:
    table = BatchedTable(_Table(), writer, packed=True)
    for n in range(3):
        table[f"a{n}"] = {"n": n}
    seen = []
    for key, value in table.items():
        table[f"new-{key}"] = value  # would raise on a live dict view
        seen.append(value["n"])
    assert sorted(seen) == [0, 1, 2]
    assert len(table) == 6


def test_a_batched_table_reads_and_writes_what_faust_sees(tmp_path):
    # Over the real memory store (the fakes above are plain dicts): Faust's
    # view of the table (recovery, the web routes) is what BatchedTable wrote.
    from hefesto_core.settings import Settings
    from streams.app import create_engine
    from streams.tuning import load_tuning

    engine = create_engine(Settings(app_id="unit-store", data_dir=tmp_path), load_tuning(), with_sink=False)
    table = engine.tables.assembly
    table.set("a-1", {"version": 1})
    assert table.table.data["a-1"] == orjson.dumps({"version": 1})
    assert table.get("a-1") == {"version": 1}
    assert "a-1" in table
    assert len(table) == 1
    table.table.data["a-2"] = orjson.dumps({"version": 2})  # recovered by Faust
    assert table["a-2"] == {"version": 2}
    table.forget("a-1")
    assert "a-1" not in table.table.data
