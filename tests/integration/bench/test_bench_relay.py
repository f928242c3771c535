"""The stream benchmark's baseline (``bench/relay.py``) on the real broker:
it must write what it claims to, or its figures measure something else."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from tests.benchmods import load_bench
from tests.integration.streams.harness import collect, produce, run

pytestmark = pytest.mark.kafka

ALERTS = 300


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_bench("stream")


@pytest.fixture(scope="module")
def relay_module() -> ModuleType:
    return load_bench("relay")


@pytest.fixture(params=["relay", "relay-min"])
def relay(
    request: pytest.FixtureRequest,
    bench: ModuleType,
    kafka_bootstrap: str,
    unique_name: Callable[[str], str],
    tmp_path: Path,
) -> Iterator[tuple[str, ModuleType]]:
    workers = bench.Workers(unique_name("relay"), kafka_bootstrap, 1, tmp_path, engine=request.param)
    names = [*workers.topics.values(), f"{workers.prefix}-relay-state"]
    run(bench._create_topics(kafka_bootstrap, names))
    workers.start()
    try:
        workers.wait_ready(timeout_s=60)
        yield request.param, workers
    finally:
        workers.stop()


async def _end_offsets(bootstrap: str, topic: str, partitions: int) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        ends = await consumer.end_offsets([TopicPartition(topic, p) for p in range(partitions)])
        return sum(ends.values())
    finally:
        await consumer.stop()


def test_the_relay_writes_the_engines_bytes_for_every_alert(
    relay: tuple[str, ModuleType], bench: ModuleType, relay_module: ModuleType, kafka_bootstrap: str
) -> None:
    engine, workers = relay
    rng = random.Random(1)
    alerts = [(f"a-{i}".encode(), bench._alert(f"a-{i}", rng)) for i in range(ALERTS)]
    run(produce(kafka_bootstrap, workers.topics["alerts"], alerts))
    records = run(
        collect(kafka_bootstrap, workers.topics["enriched"], lambda r: len(r) >= ALERTS, timeout_s=60)
    )
    assert sorted(r.key for r in records) == sorted(key for key, _ in alerts)
    for r in records:
        assert dict(r.headers) == {"correlation-version": b"1"}
        assert len(r.value) >= relay_module.ENRICHED_BYTES
        # Partitioned as the engine's output is: murmur2 of the key.
        assert r.partition == (relay_module.murmur2(r.key) & 0x7FFFFFFF) % bench.PARTITIONS
    state = run(_end_offsets(kafka_bootstrap, f"{workers.prefix}-relay-state", bench.PARTITIONS))
    per_alert = len(relay_module.STATE_BYTES) if engine == "relay" else 0
    assert state == per_alert * ALERTS
