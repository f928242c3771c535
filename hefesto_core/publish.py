"""``--publish``: one ``FindingEvent`` of kind ``replace`` per analyzed file
to ``hefesto.findings`` (key ``"{repo}:{path}"``), so findings fixed since
the last run disappear downstream. Waits for every acknowledgement
(acks=all) and reports how many the broker confirmed."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from hefesto_core.errors import PublishError
from hefesto_core.models import Finding, FindingEvent, FindingEventKind, file_key
from hefesto_core.settings import Settings

__all__ = ["PublishReport", "build_events", "publish_events", "publish_findings"]


@dataclass(slots=True)
class PublishReport:
    topic: str
    sent: int = 0
    acknowledged: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and self.acknowledged == self.sent


def build_events(
    files: Iterable[tuple[str, list[Finding]]], *, repo: str, commit_sha: str | None
) -> list[FindingEvent]:
    """One replace event per (file_path, findings) pair, empty sets included."""
    now = datetime.now(UTC)
    return [
        FindingEvent(
            event_id=uuid.uuid4().hex,
            kind=FindingEventKind.REPLACE,
            repo=repo,
            file_path=path,
            commit_sha=commit_sha,
            findings=findings,
            emitted_at=now,
        )
        for path, findings in files
    ]


async def publish_events(
    events: list[FindingEvent], settings: Settings, *, topic: str | None = None, timeout_ms: int = 30_000
) -> PublishReport:
    from aiokafka import AIOKafkaProducer
    from aiokafka.errors import KafkaError

    from hefesto_core.kafka.topics import default_topic_specs, ensure_topics

    topic = topic or settings.topic_findings
    report = PublishReport(topic)
    bootstrap = settings.bootstrap_servers
    try:
        specs = [s for s in default_topic_specs(settings) if s.name == topic] or [
            type(default_topic_specs(settings)[0])(
                topic, settings.topic_partitions, settings.topic_replication
            )
        ]
        await ensure_topics(bootstrap, specs)
        producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap,
            acks="all",
            enable_idempotence=True,
            request_timeout_ms=timeout_ms,
            linger_ms=5,
        )
        await producer.start()
    except (KafkaError, OSError) as exc:
        raise PublishError(f"cannot reach Kafka at {bootstrap}: {exc}") from exc
    try:
        futures = []
        for event in events:
            futures.append(
                await producer.send(
                    topic,
                    key=file_key(event.repo, event.file_path).encode(),
                    value=event.model_dump_json().encode(),
                )
            )
            report.sent += 1
        for result in await asyncio.gather(*futures, return_exceptions=True):
            if isinstance(result, BaseException):
                report.errors.append(f"{type(result).__name__}: {result}")
            else:
                report.acknowledged += 1
    except KafkaError as exc:
        report.errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        await producer.stop()
    return report


def publish_findings(
    files: Iterable[tuple[str, list[Finding]]],
    settings: Settings,
    *,
    repo: str,
    commit_sha: str | None,
    topic: str | None = None,
) -> PublishReport:
    """Synchronous wrapper for the CLI."""
    return asyncio.run(
        publish_events(build_events(files, repo=repo, commit_sha=commit_sha), settings, topic=topic)
    )
