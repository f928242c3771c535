"""Findings ingest: apply each ``FindingEvent`` to ``findings_by_file`` (the
event's key is its ``file_key``, so the partition that owns the file applies
it atomically) and trigger re-scores of recent alerts when the file's
findings changed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from streams.agents.base import guarded, record_ms
from streams.agents.late import LateFindings
from streams.agents.resolve import basename_key, file_registration
from streams.codecs import decode_finding_event
from streams.errors import ValidationFailed
from streams.tables import apply_finding_event

if TYPE_CHECKING:
    from streams.app import Engine

__all__ = ["register"]


def register(engine: Engine) -> None:
    tables = engine.tables
    late = LateFindings(engine)
    findings_name = engine.settings.topic_findings

    async def handle(event: Any) -> None:
        finding_event = decode_finding_event(event.value)
        key = finding_event.file_key
        if event.key is not None and event.key.decode("utf-8", "replace") != key:
            # A wrong key puts the file in the wrong partition, where probes
            # would never see it: refuse it loudly instead.
            raise ValidationFailed(f"message key {event.key!r} does not match the event's file_key {key!r}")
        previous = tables.findings_by_file.get(key)
        state, changed = apply_finding_event(previous, finding_event)
        if previous is None and state["findings"]:
            # A file seen for the first time: the resolve agent can now map
            # runtime paths that end in it.
            route = basename_key(finding_event.repo, finding_event.file_path)
            await engine.topics.paths.send(
                key=route.encode(), value=file_registration(finding_event.repo, finding_event.file_path)
            )
        if changed:
            tables.findings_by_file[key] = state
            if engine.offload is not None:
                engine.offload.findings_changed(key, state)
        if finding_event.findings and engine.tuning.aggregates_enabled:
            engine.aggregates.findings_per_day.add(key, len(finding_event.findings), ts_ms=record_ms(event))
        if engine.sink is not None:
            engine.sink.add_finding_event(finding_event, raw=event.value)
        if changed:
            if engine.offload is not None:
                # Alerts in flight are in the tables before their re-scores are asked for.
                await engine.offload.drain()
            await late.file_changed(key, event_ms=record_ms(event))

    @engine.app.agent(engine.topics.findings, name="ingest")
    async def ingest(stream: Any) -> None:
        async for event in stream.events():
            await guarded(event, handle, engine.deadletters, topic=findings_name)
