"""The engine's topics: the four public ones from Settings and two internal
ones (``{app_id}-probes`` keyed by ``file_key``, ``{app_id}-parts`` keyed by
``alert_id``). All share ``topic_partitions`` so that partition *p* of every
topic and table lands on the same worker (Faust's assignor co-locates equal
partition numbers): that is what makes ``findings_by_file`` readable by the
probe agent without a GlobalTable.

Every topic is created explicitly by :func:`ensure_engine_topics` before a
worker starts; broker auto-creation would give one partition and Faust would
stop with PartitionsMismatch.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from hefesto_core.kafka.topics import TopicSpec, default_topic_specs, ensure_topics, topic_partitions
from hefesto_core.settings import Settings

__all__ = ["EngineTopics", "declare_topics", "engine_topic_specs", "ensure_engine_topics", "internal_names"]


def internal_names(settings: Settings) -> tuple[str, str, str]:
    """Names of the probes, parts and paths topics."""
    return f"{settings.app_id}-probes", f"{settings.app_id}-parts", f"{settings.app_id}-paths"


def engine_topic_specs(settings: Settings) -> list[TopicSpec]:
    probes, parts, paths = internal_names(settings)
    n, r = settings.topic_partitions, settings.topic_replication
    # Internal topics are transient hand-offs: a day of retention is ample for
    # a worker to catch up after an outage, and keeps the broker's disk bounded.
    cfg = {"retention.ms": str(24 * 3_600_000)}
    return [
        *default_topic_specs(settings),
        TopicSpec(probes, n, r, cfg),
        TopicSpec(parts, n, r, cfg),
        TopicSpec(paths, n, r, cfg),
    ]


async def ensure_engine_topics(settings: Settings) -> list[str]:
    """Create missing topics and check that existing co-partitioned ones
    have the configured partition count (a mismatch would silently break the
    join, so it is an error)."""
    specs = engine_topic_specs(settings)
    created = await ensure_topics(settings.bootstrap_servers, specs)
    for name in (settings.topic_alerts, settings.topic_findings, *internal_names(settings)):
        count = await topic_partitions(settings.bootstrap_servers, name)
        for _ in range(50):
            if count is not None:
                break
            # A topic created a moment ago may not be in the metadata yet.
            await asyncio.sleep(0.2)
            count = await topic_partitions(settings.bootstrap_servers, name)
        if count != settings.topic_partitions:
            raise RuntimeError(
                f"topic {name} has {count} partitions, expected {settings.topic_partitions}: "
                "co-partitioned topics must match (recreate it or set HEFESTO_TOPIC_PARTITIONS)"
            )
    return created


@dataclass(frozen=True, slots=True)
class EngineTopics:
    alerts: Any
    findings: Any
    probes: Any
    parts: Any
    paths: Any
    enriched: Any
    deadletter: Any


def declare_topics(app: Any, settings: Settings) -> EngineTopics:
    """Faust topic objects. Values stay raw bytes: decoding is ours, so a
    bad message becomes a dead letter instead of a crashed agent."""
    probes, parts, paths = internal_names(settings)

    def raw(name: str) -> Any:
        return app.topic(
            name,
            key_type=bytes,
            value_type=bytes,
            key_serializer="raw",
            value_serializer="raw",
            partitions=settings.topic_partitions,
            internal=False,
        )

    return EngineTopics(
        alerts=raw(settings.topic_alerts),
        findings=raw(settings.topic_findings),
        probes=raw(probes),
        parts=raw(parts),
        paths=raw(paths),
        enriched=raw(settings.topic_enriched),
        deadletter=raw(settings.topic_deadletter),
    )
