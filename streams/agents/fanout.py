"""Alert fan-out: decode and locate an alert, then join it.

When every table partition the join needs (each mapped frame's file, and
the alert's own ``assembly`` entry) is owned by this worker, the frames are
scored here and the answer emitted at once: the same partition-local reads
and writes the probe and assembler agents would make (see
:mod:`streams.ownership`). Otherwise the alert goes the distributed way,
with a probe for each frame whose file lives on another worker. When the
alert's own ``assembly`` partition is here, its entry is started here with
the parts of the local frames; when it is not, a header goes to the
assembler saying how many parts to expect, and a part for each local frame.

Frames are mapped with the configured source roots (and already-relative
paths); every other frame goes through the resolve agent. See
docs/streams.md, "Path mapping", for why no global file index is consulted
here.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from faust.types import TP

from correlator import AlertLocation, PathMapper, locate
from hefesto_core.models import FindingMatch, IrisAlert, file_key
from streams import metrics
from streams.agents.base import guarded, record_ms
from streams.agents.emit import new_assembly
from streams.agents.resolve import basename_key
from streams.codecs import decode_alert
from streams.ownership import Ownership
from streams.records import Header, Part, Probe, frame_to_dict

if TYPE_CHECKING:
    from streams.app import Engine

__all__ = ["make_handler", "register"]


def make_handler(engine: Engine, *, ownership: Ownership | None = None) -> Callable[[Any], Awaitable[None]]:
    """The fan-out's per-alert handler. ``ownership`` defaults to the
    worker's assignment (``bench/fanout.py`` passes one that owns every
    partition, to time the local join without a broker)."""
    topics = engine.topics
    settings = engine.settings
    tables = engine.tables
    # Container prefixes (/srv/app, /app, ...) are not trusted here: the
    # service may live in a sub-folder of the repository, which only the
    # resolve agent can tell from the files the findings know. One mapper
    # for the worker's life: its answers depend only on these roots.
    mapper = PathMapper(
        source_roots=[str(p) for p in settings.source_roots], container_prefixes=False, memo_size=8_192
    )
    probes_name = topics.probes.get_topic_name()
    parts_name = topics.parts.get_topic_name()
    paths_name = topics.paths.get_topic_name()
    if ownership is None:
        ownership = Ownership(engine.app, topic=settings.topic_findings, partitions=settings.topic_partitions)
    writer = engine.app.changelog_writer
    # Joining here writes tables by their keys' partitions, which only the
    # batched writer can (streams/changelog.py); not in exactly-once mode.
    local_joins = engine.tuning.local_join and writer is not None and writer.enabled

    async def join_here(
        header: Header, probes: list[Probe], alert: IrisAlert, location: AlertLocation
    ) -> None:
        scorer = engine.scorer
        parts: dict[str, Any] = {}
        matches: list[FindingMatch] = []
        for probe in probes:
            part, found = scorer.score(probe, alert=alert, location=location)
            scorer.remember(probe)
            parts[str(probe.frame_index)] = part.state()
            matches.extend(found)
        metrics.child(metrics.FRAMES_SCORED, "fanout").inc(len(probes))
        state = new_assembly(now_ms=int(time.time() * 1000), header=header, parts=parts)
        await engine.emitter.emit(header.alert_id, state, alert=alert, location=location, matches=matches)

    async def handle(event: Any) -> None:
        raw: bytes = event.value
        alert = decode_alert(raw)
        if engine.sink is not None:
            engine.sink.add_alert(alert, raw=raw)
        location = locate(alert, mapper=mapper, max_frames=settings.max_probe_frames)
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
        probes = [
            Probe(
                alert_id=alert.alert_id,
                file_key=key,
                frame_index=index,
                alert_json=alert_json,
                frames=frames,
                error_type=location.error_type,
                error_message=location.error_message,
                ingest_ms=ingest_ms,
            )
            for index, key in enumerate(keys)
            if key is not None
        ]
        owned = ownership.owned() if local_joins else frozenset()
        local = {
            p.frame_index for p in probes if p.file_key and ownership.partition(p.file_key.encode()) in owned
        }
        alert_here = ownership.partition(alert_key) in owned
        known = tables.assembly.get(alert.alert_id) if alert_here else None
        if known is not None and known.get("version"):
            # Replayed after a crash or rebalance: answer again (see
            # Emitter.on_duplicate) rather than join it a second time.
            await engine.emitter.on_duplicate(alert.alert_id, known)
            return
        if len(local) == len(probes) and alert_here and known is None:
            await join_here(header, probes, alert, location)
            await flush_if_full()
            return
        if alert_here and known is None:
            # The alert's assembly partition is ours: its entry starts here,
            # with the local parts, and only the other workers' frames travel
            # (a probe out, a part back). No header or local part goes
            # through the parts topic, each a produce and a consume less.
            parts: dict[str, Any] = {}
            for probe in probes:
                if probe.frame_index in local:
                    parts[str(probe.frame_index)] = score_here(probe, alert, location).state()
            state = new_assembly(now_ms=int(time.time() * 1000), header=header, parts=parts)
            tables.assembly[alert.alert_id] = state
            engine.deadlines.schedule(alert.alert_id, state["first_ms"] + settings.assemble_timeout_ms)
            for probe in probes:
                if probe.frame_index not in local:
                    await send_probe(probe, alert, location, owned=owned)
            await flush_if_full()
            return
        # The header goes first so that in the common case the assembler knows
        # the expected count before the parts arrive (it copes either way).
        await topics.parts.send(key=alert_key, value=header.to_bytes())
        metrics.child(metrics.MESSAGES_OUT, parts_name).inc()
        for probe in probes:
            if probe.frame_index in local:
                # This worker owns the file: its part goes straight to the
                # assembler instead of a round trip through the probes topic.
                part = score_here(probe, alert, location)
                await topics.parts.send(key=alert_key, value=part.to_bytes())
                metrics.child(metrics.MESSAGES_OUT, parts_name).inc()
            else:
                await send_probe(probe, alert, location)

    async def flush_if_full() -> None:
        if writer is not None and writer.wants_flush():
            await writer.flush()

    def score_here(probe: Probe, alert: IrisAlert, location: AlertLocation) -> Part:
        """The part of a frame whose file this worker owns."""
        part, _ = engine.scorer.score(probe, alert=alert, location=location)
        metrics.child(metrics.FRAMES_SCORED, "fanout").inc()
        engine.scorer.remember(probe)
        return part

    async def send_probe(
        probe: Probe, alert: IrisAlert, location: AlertLocation, *, owned: frozenset[int] | None = None
    ) -> None:
        """``owned``: this worker's partitions, when the alert's deadline is
        kept here (its ``assembly`` entry was started here)."""
        if probe.file_key:
            key, hop, name = probe.file_key.encode(), "probes", probes_name
            await topics.probes.send(key=key, value=probe.to_bytes())
        else:
            key, hop, name = (
                basename_key(alert.repo or "", location.frames[probe.frame_index].runtime_path).encode(),
                "paths",
                paths_name,
            )
            await topics.paths.send(key=key, value=probe.to_bytes())
        metrics.child(metrics.MESSAGES_OUT, name).inc()
        # Its alert's timeout waits for it if it is read here (streams/backlog.py),
        # or until the group commits past it elsewhere (streams/remotehops.py).
        engine.hops.sent(probe.alert_id, key, slot=f"{hop}/{probe.frame_index}")
        if owned is not None and (partition := ownership.partition(key)) not in owned:
            engine.remote_hops.sent(probe.alert_id, TP(name, partition), via_paths=hop == "paths")

    return handle


def register(engine: Engine) -> None:
    handle = make_handler(engine)
    alerts_name = engine.settings.topic_alerts

    @engine.app.agent(engine.topics.alerts, name="fanout")
    async def fanout(stream: Any) -> None:
        output = engine.app.output_buffer
        async for event in stream.events():
            await guarded(event, handle, engine.deadletters, topic=alerts_name)
            if output is not None:
                await output.flush_if_idle(stream)
