"""Alert fan-out: decode and locate an alert, send one probe per mapped
in-app frame to the partition that owns the frame's file, and a header to
the assembler saying how many parts to expect.

Frames are mapped with the configured source roots (and already-relative
paths); every other frame goes through the resolve agent. See
docs/streams.md, "Path mapping", for why no global file index is consulted
here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from correlator import locate
from hefesto_core.models import file_key
from streams import metrics
from streams.agents.base import guarded, record_ms
from streams.agents.resolve import basename_key
from streams.codecs import decode_alert
from streams.records import Header, Probe, frame_to_dict

if TYPE_CHECKING:
    from streams.app import Engine

__all__ = ["register"]


def register(engine: Engine) -> None:
    topics = engine.topics
    settings = engine.settings
    roots = [str(p) for p in settings.source_roots]
    alerts_name = settings.topic_alerts
    probes_name = topics.probes.get_topic_name()
    parts_name = topics.parts.get_topic_name()
    paths_name = topics.paths.get_topic_name()

    async def handle(event: Any) -> None:
        raw: bytes = event.value
        alert = decode_alert(raw)
        if engine.sink is not None:
            engine.sink.add_alert(alert)
        # Container prefixes (/srv/app, /app, ...) are not trusted here: the
        # service may live in a sub-folder of the repository, which only the
        # resolve agent can tell from the files the findings know.
        location = locate(
            alert, source_roots=roots, max_frames=settings.max_probe_frames, container_prefixes=False
        )
        frames = [frame_to_dict(f) for f in location.frames]
        # Mapped frames go straight to their file's probe; unmapped ones ("")
        # go through the resolve agent first (see streams/agents/resolve.py).
        keys: list[str | None] = [
            (file_key(alert.repo, f.file_path) if f.file_path else "") if alert.repo else None
            for f in location.frames
        ]
        ingest_ms = record_ms(event)
        alert_json = raw.decode()
        alert_key = alert.alert_id.encode()
        header = Header(
            alert_id=alert.alert_id,
            alert_json=alert_json,
            frames=frames,
            file_keys=keys,
            error_type=location.error_type,
            error_message=location.error_message,
            ingest_ms=ingest_ms,
        )
        # The header goes first so that in the common case the assembler knows
        # the expected count before the parts arrive (it copes either way).
        await topics.parts.send(key=alert_key, value=header.to_bytes())
        metrics.MESSAGES_OUT.labels(parts_name).inc()
        for index, key in enumerate(keys):
            if key is None:
                continue
            probe = Probe(
                alert_id=alert.alert_id,
                file_key=key,
                frame_index=index,
                alert_json=alert_json,
                frames=frames,
                error_type=location.error_type,
                error_message=location.error_message,
                ingest_ms=ingest_ms,
            )
            if key:
                await topics.probes.send(key=key.encode(), value=probe.to_bytes())
                metrics.MESSAGES_OUT.labels(probes_name).inc()
            else:
                route = basename_key(alert.repo or "", location.frames[index].runtime_path)
                await topics.paths.send(key=route.encode(), value=probe.to_bytes())
                metrics.MESSAGES_OUT.labels(paths_name).inc()

    @engine.app.agent(topics.alerts, name="fanout")
    async def fanout(stream: Any) -> None:
        async for event in stream.events():
            await guarded(event, handle, engine.deadletters, topic=alerts_name)
