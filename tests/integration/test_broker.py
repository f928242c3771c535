"""Proof that the broker the suite runs against is a real Kafka: partitions,
consumer-group commits and resumption, ListOffsets after multi-record
batches, and topic configs."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

pytestmark = [pytest.mark.kafka, pytest.mark.asyncio]

N_MESSAGES = 10_000
PARTITIONS = 4


async def _create(bootstrap: str, topic: str, *, configs: dict[str, str] | None = None) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, PARTITIONS, 1, topic_configs=configs or {})])
    finally:
        await admin.close()


async def _produce(bootstrap: str, topic: str) -> dict[int, int]:
    """Produce N keyed messages in multi-record batches; return count per partition."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, linger_ms=20, max_batch_size=64 * 1024, acks="all"
    )
    await producer.start()
    per_partition: dict[int, int] = defaultdict(int)
    try:
        futures = [
            await producer.send(topic, key=f"key-{i % 500}".encode(), value=f"value-{i}".encode())
            for i in range(N_MESSAGES)
        ]
        for meta in await asyncio.gather(*futures):
            per_partition[meta.partition] += 1
    finally:
        await producer.stop()
    return per_partition


def _consumer(bootstrap: str, topic: str, group: str) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=500,
    )


async def _consume(
    consumer: AIOKafkaConsumer, *, limit: int, idle_ms: int = 3_000
) -> list[tuple[int, int, bytes]]:
    """Consume up to ``limit`` records, committing exactly what was consumed."""
    seen: list[tuple[int, int, bytes]] = []
    while len(seen) < limit:
        batch = await consumer.getmany(timeout_ms=idle_ms, max_records=min(500, limit - len(seen)))
        if not batch:
            break
        offsets = {}
        for tp, records in batch.items():
            for r in records:
                seen.append((tp.partition, r.offset, r.value))
            offsets[tp] = records[-1].offset + 1
        await consumer.commit(offsets)
    return seen


async def test_commit_resume_exactly_and_list_offsets(
    kafka_bootstrap: str, unique_name: Callable[[str], str]
) -> None:
    topic, group = unique_name("broker-proof"), unique_name("group")
    await _create(kafka_bootstrap, topic)
    per_partition = await _produce(kafka_bootstrap, topic)
    assert len(per_partition) == PARTITIONS, "500 distinct keys must spread over all 4 partitions"

    first = _consumer(kafka_bootstrap, topic, group)
    await first.start()
    try:
        part_one = await _consume(first, limit=4_000)
    finally:
        await first.stop()
    assert len(part_one) == 4_000

    second = _consumer(kafka_bootstrap, topic, group)
    await second.start()
    try:
        committed = {
            tp: await second.committed(tp) for tp in (TopicPartition(topic, p) for p in range(PARTITIONS))
        }
        part_two = await _consume(second, limit=N_MESSAGES)
        end = await second.end_offsets([TopicPartition(topic, p) for p in range(PARTITIONS)])
    finally:
        await second.stop()

    # The second consumer starts exactly at what the first committed.
    first_by_partition: dict[int, int] = defaultdict(int)
    for p, _, _ in part_one:
        first_by_partition[p] += 1
    for tp, offset in committed.items():
        assert (offset or 0) == first_by_partition[tp.partition]
    values = [v for _, _, v in part_one + part_two]
    assert len(values) == N_MESSAGES, "nothing missing"
    assert len(set(values)) == N_MESSAGES, "nothing repeated"
    assert set(values) == {f"value-{i}".encode() for i in range(N_MESSAGES)}
    # ListOffsets(latest) counts every record of the multi-record batches.
    assert {tp.partition: off for tp, off in end.items()} == dict(per_partition)
    assert sum(end.values()) == N_MESSAGES


async def test_same_key_same_partition(kafka_bootstrap: str, unique_name: Callable[[str], str]) -> None:
    topic = unique_name("keys")
    await _create(kafka_bootstrap, topic)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    try:
        partitions = {
            (await (await producer.send(topic, key=b"repo:a.py", value=b"x"))).partition for _ in range(20)
        }
    finally:
        await producer.stop()
    assert len(partitions) == 1


async def test_compacted_topic_reports_its_config(
    kafka_bootstrap: str, unique_name: Callable[[str], str]
) -> None:
    topic = unique_name("compacted")
    await _create(kafka_bootstrap, topic, configs={"cleanup.policy": "compact"})
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        responses = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    finally:
        await admin.close()
    entries = {}
    for response in responses:
        for resource in response.resources:
            for entry in resource[4]:
                entries[entry[0]] = entry[1]
    assert entries["cleanup.policy"] == "compact"
