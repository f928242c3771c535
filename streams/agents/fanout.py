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

from correlator import AlertLocation, locate
from hefesto_core.models import IrisAlert
from streams import metrics
from streams.agents.base import guarded, record_ms
from streams.agents.emit import new_assembly
from streams.agents.resolve import basename_key
from streams.answer import AnswerParams, answer_located, plan
from streams.codecs import decode_alert
from streams.ownership import Ownership
from streams.records import Header, Part, Probe

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
    params = AnswerParams.of(settings)
    # One mapper for the worker's life: its answers depend only on the roots.
    mapper = params.mapper()
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
        answered = answer_located(
            alert, location, header, probes, params=params, findings_for=scorer.findings_for, now=time.time()
        )
        for probe in probes:
            scorer.remember(probe)
        metrics.child(metrics.FRAMES_SCORED, "fanout").inc(len(probes))
        await engine.emitter.record_answer(answered)

    async def handle(event: Any) -> None:
        offload = engine.offload
        if offload is not None and local_joins and offload.ready:
            if len(ownership.owned()) == settings.topic_partitions:
                # Every partition is here: the scoring process answers it
                # (streams/offload.py), and its answer is applied in order.
                await offload.submit(event, generation=int(engine.app.consumer_generation_id))
                return
            await offload.drain()  # its answers first, then this one here
        await handle_here(event)

    async def handle_here(event: Any) -> None:
        raw: bytes = event.value
        alert = decode_alert(raw)
        if engine.sink is not None:
            engine.sink.add_alert(alert, raw=raw)
        location = locate(alert, mapper=mapper, max_frames=settings.max_probe_frames)
        # Mapped frames go straight to their file's probe; unmapped ones ("")
        # go through the resolve agent first (see streams/agents/resolve.py).
        header, probes = plan(alert, location, alert_json=raw.decode(), ingest_ms=record_ms(event))
        alert_key = alert.alert_id.encode()
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

    if engine.offload is not None:
        engine.offload.fallback = handle_here
    return handle


def register(engine: Engine) -> None:
    if engine.tuning.scoring_process:
        from streams.offload import ScoringProcess

        engine.offload = ScoringProcess(engine, params=AnswerParams.of(engine.settings))
        engine.app.offload = engine.offload
        engine.offload.register(engine.app)
    handle = make_handler(engine)
    alerts_name = engine.settings.topic_alerts

    @engine.app.agent(engine.topics.alerts, name="fanout")
    async def fanout(stream: Any) -> None:
        output = engine.app.output_buffer
        async for event in stream.events():
            await guarded(event, handle, engine.deadletters, topic=alerts_name)
            if output is not None:
                await output.flush_if_idle(stream)
