"""The baseline of ``bench/stream.py --engines relay``: the bytes the engine
writes per alert, moved through the same broker with no Faust and no
correlation.

One process, started by ``bench/stream.py`` like a worker (same
environment variables): an aiokafka consumer in the group
``{HEFESTO_APP_ID}-relay`` on the alerts topic and an aiokafka producer.
For each alert it decodes the JSON, then writes what the engine writes for
an alert of the benchmark (docs/streams.md, Tuning, item 23): one record
keyed by ``alert_id`` with a ``correlation-version`` header to the enriched
topic (3.8 KB, the alert padded), and three records to
``{HEFESTO_APP_ID}-relay-state`` standing in for the ``assembly``,
``correlations`` and ``recent_alerts_by_file`` changelog writes (4.4, 3.8
and 2.9 KB; one topic where the engine writes three). With ``HEFESTO_RELAY_STATE=false`` (``--engines
relay-min``) only the enriched record is written: the least any engine
must send per alert. Records go out as record batches per partition, the way the
engine's output buffer and changelog writer send them
(``streams.batching.send_partition``), each fetched batch before the next
fetch; offsets are auto-committed every second.

So a rate the relay cannot sustain on this machine is out of reach of any
engine written on aiokafka that moves these bytes, whatever its own
Python costs; the engine's figures divided by the relay's are the share of
that ceiling the engine reaches. It writes the partitions it is assigned
to ``HEFESTO_RELAY_READY_FILE`` after every rebalance, which is how
``bench/stream.py`` knows it is ready.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener
from aiokafka.partitioner import murmur2

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from streams.batching import Record, send_partition

ENRICHED_BYTES = 3_800
STATE_BYTES = (4_400, 3_800, 2_900)


class _Ready(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, path: Path) -> None:
        self._path = path

    async def on_partitions_revoked(self, revoked: Any) -> None:
        self._path.write_text("")

    async def on_partitions_assigned(self, assigned: Any) -> None:
        self._path.write_text("\n".join(f"{tp.topic}:{tp.partition}" for tp in sorted(assigned)))


def _padded(body: bytes, size: int) -> bytes:
    return body + b" " * max(0, size - len(body))


async def relay() -> None:
    env = os.environ
    bootstrap, app_id = env["HEFESTO_KAFKA_BOOTSTRAP"], env["HEFESTO_APP_ID"]
    alerts, enriched = env["HEFESTO_TOPIC_ALERTS"], env["HEFESTO_TOPIC_ENRICHED"]
    partitions = int(env["HEFESTO_TOPIC_PARTITIONS"])
    state_topic = f"{app_id}-relay-state"
    state_sizes = STATE_BYTES if env.get("HEFESTO_RELAY_STATE", "true") == "true" else ()
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=f"{app_id}-relay",
        auto_offset_reset="earliest",
        enable_auto_commit=True,
        auto_commit_interval_ms=1_000,
        fetch_max_wait_ms=10,
        max_poll_records=500,
    )
    # The engine's producer settings (streams/tuning.py defaults): acks=all,
    # linger 1 ms, 64 KiB batches (aiokafka's 16 KiB would hold three of
    # these records and make the relay wait on round trips, not CPU).
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=1, max_batch_size=65_536)
    await producer.start()
    consumer.subscribe([alerts], listener=_Ready(Path(env["HEFESTO_RELAY_READY_FILE"])))
    await consumer.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    failures: list[BaseException] = []

    def on_sent(future: Any, records: list[Record]) -> None:
        future.add_done_callback(lambda f: f.exception() and failures.append(f.exception()))

    try:
        while not stop.is_set():
            batches = await consumer.getmany(timeout_ms=100, max_records=500)
            out: dict[tuple[str, int], list[Record]] = {}
            for messages in batches.values():
                for message in messages:
                    alert = orjson.loads(message.value)
                    key = str(alert["alert_id"]).encode()
                    partition = (murmur2(key) & 0x7FFFFFFF) % partitions
                    out.setdefault((enriched, partition), []).append(
                        (key, _padded(message.value, ENRICHED_BYTES), [("correlation-version", b"1")])
                    )
                    if state_sizes:
                        state = out.setdefault((state_topic, partition), [])
                        for size in state_sizes:
                            state.append((key, _padded(message.value, size), None))
            for (topic, partition), records in out.items():
                await send_partition(producer, topic, partition, records, on_sent=on_sent)
            if failures:
                raise RuntimeError(f"relay: a batch failed: {failures[0]!r}")
    finally:
        await consumer.stop()
        await producer.stop()


if __name__ == "__main__":
    asyncio.run(relay())
