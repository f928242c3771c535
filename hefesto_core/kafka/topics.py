"""Topic declarations: the product's topics with their partition counts and
configs, and an idempotent ``ensure_topics`` that creates what is missing.

Co-partitioning matters: ``hefesto.findings`` and the engine's internal probe
topic must have the same partition count, so topics are always created
explicitly here, never by broker auto-creation (which would give 1 partition).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from hefesto_core.settings import Settings

__all__ = ["TopicSpec", "default_topic_specs", "ensure_topics", "topic_partitions"]


@dataclass(frozen=True, slots=True)
class TopicSpec:
    name: str
    partitions: int
    replication: int = 1
    config: dict[str, str] = field(default_factory=dict)


def default_topic_specs(settings: Settings) -> list[TopicSpec]:
    """The four public topics. None is compacted: ``hefesto.findings`` mixes
    upserts, replacements and status changes of one file under one key, and
    compaction would keep only the last of them. The engine's tables recover
    from their own (compacted) changelog topics instead."""
    n, r = settings.topic_partitions, settings.topic_replication
    return [
        TopicSpec(settings.topic_alerts, n, r),
        TopicSpec(settings.topic_findings, n, r),
        TopicSpec(settings.topic_enriched, n, r),
        TopicSpec(settings.topic_deadletter, n, r),
    ]


async def ensure_topics(
    bootstrap: str, specs: Sequence[TopicSpec], *, request_timeout_ms: int = 30_000
) -> list[str]:
    """Create the topics that do not exist yet; return the names created.
    Existing topics are left as they are (their partition count is checked
    by :func:`topic_partitions` where it matters)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=request_timeout_ms)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [s for s in specs if s.name not in existing]
        if not missing:
            return []
        created: list[str] = []
        for spec in missing:
            try:
                await admin.create_topics(
                    [NewTopic(spec.name, spec.partitions, spec.replication, topic_configs=dict(spec.config))]
                )
                created.append(spec.name)
            except TopicAlreadyExistsError:
                # Another process created it between our list and create: fine.
                pass
        return created
    finally:
        await admin.close()


async def topic_partitions(bootstrap: str, topic: str) -> int | None:
    """Partition count of ``topic``, or None when it does not exist."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics([topic])
    finally:
        await admin.close()
    for t in described:
        if t.get("topic") == topic and not t.get("error_code"):
            return len(t.get("partitions", []))
    return None
