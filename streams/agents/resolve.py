"""Path resolution for frames the fan-out could not map.

A runtime path such as ``/home/ci/build/src/pay.py`` or Java's
``Payment.java`` only maps to a repository file by the longest unique suffix
among the files the findings know. Any suffix match ends in the same
basename, so the candidates of one ``"{repo}:{basename}"`` key are all that
mapping one frame needs: ``paths_by_basename`` holds them, partitioned by
that key on the ``{app}-paths`` topic. Ingest registers each new file there;
the fan-out sends an unmapped frame's probe there; this agent maps it with
:class:`correlator.PathMapper` and forwards it to the probe (or, when nothing
matches, answers the assembler with an empty part so the alert is not held).

A frame that no known file matches yet is kept in ``pending_paths`` (for
``correlation_window_ms + grace_ms``): when a file with its basename is
registered later, the frame is resolved again and, if a known file now
matches, probed as a late probe, so the alert gets a new version when the
answer changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
from faust.types import TP

from correlator import Frame, PathMapper
from hefesto_core.models import PathMapping, file_key
from streams import metrics
from streams.agents.base import guarded
from streams.errors import DecodeError
from streams.ownership import Ownership
from streams.records import Part, Probe, decode_probe, frame_to_dict
from streams.retention import horizon_ms as late_horizon_ms
from streams.tables import remember_pending

if TYPE_CHECKING:
    from streams.app import Engine

__all__ = ["basename_key", "file_registration", "register"]


def basename_key(repo: str, path: str) -> str:
    return f"{repo}:{path.replace(chr(92), '/').rstrip('/').rsplit('/', 1)[-1]}"


def file_registration(repo: str, path: str) -> bytes:
    return orjson.dumps({"kind": "file", "repo": repo, "file_path": path})


def register(engine: Engine) -> None:
    topics, tables, settings = engine.topics, engine.tables, engine.settings
    roots = [str(p) for p in settings.source_roots]
    horizon_ms = late_horizon_ms(settings)
    cap = engine.tuning.recent_alerts_per_file
    paths_name = topics.paths.get_topic_name()
    probes_name = topics.probes.get_topic_name()
    parts_name = topics.parts.get_topic_name()
    ownership = Ownership(engine.app, topic=settings.topic_findings, partitions=settings.topic_partitions)

    async def forward(probe: Probe, frame: Frame, mapping: PathMapping, repo: str) -> None:
        resolved = frame_to_dict(frame)
        resolved.update(file_path=mapping.repo_path, mapping=mapping.model_dump(mode="json"))
        probe.frames = [*probe.frames]
        probe.frames[probe.frame_index] = resolved
        probe.file_key = file_key(repo, mapping.repo_path or "")
        probe.resolved = True
        key = probe.file_key.encode()
        await topics.probes.send(key=key, value=probe.to_bytes())
        metrics.child(metrics.MESSAGES_OUT, probes_name).inc()
        if not probe.late:
            engine.hops.sent(probe.alert_id, key, slot=f"probes/{probe.frame_index}")
            # The alert's deadline is kept here and the probe goes elsewhere
            # (streams/remotehops.py).
            owned = ownership.owned()
            if ownership.partition(probe.alert_id.encode()) in owned:
                partition = ownership.partition(key)
                if partition not in owned:
                    engine.remote_hops.sent(probe.alert_id, TP(probes_name, partition))

    async def resolve_probe(raw: bytes) -> None:
        probe = decode_probe(raw)
        try:
            await resolve_and_answer(probe, raw)
        finally:
            # Forwarded (counted again if the probe's partition is ours) or
            # answered with an empty part: either way sent before this.
            if not probe.late:
                engine.hops.read(probe.alert_id, slot=f"paths/{probe.frame_index}")

    async def resolve_and_answer(probe: Probe, raw: bytes) -> None:
        frame = probe.frame()
        alert = probe.alert()
        route = basename_key(alert.repo or "", frame.runtime_path)
        candidates = tables.paths_by_basename.get(route) or []
        mapping = PathMapper(source_roots=roots, known_files=candidates).map(frame.runtime_path)
        if alert.repo and mapping.repo_path not in candidates:
            # No file the findings know matches (yet): if its findings arrive
            # later, the registration below re-resolves this frame.
            slot = f"{probe.alert_id}/{probe.frame_index}"
            tables.pending_paths[route] = remember_pending(
                tables.pending_paths.get(route),
                slot,
                raw.decode(),
                probe.ingest_ms,
                horizon_ms=horizon_ms,
                cap=cap,
            )
        if mapping.repo_path is None or not alert.repo:
            part = Part(alert_id=probe.alert_id, frame_index=probe.frame_index)
            await topics.parts.send(key=probe.alert_id.encode(), value=part.to_bytes())
            metrics.child(metrics.MESSAGES_OUT, parts_name).inc()
            return
        await forward(probe, frame, mapping, alert.repo)

    async def register_file(route: str, repo: str, path: str) -> None:
        known: list[str] = tables.paths_by_basename.get(route) or []
        if path in known:
            return
        candidates = sorted([*known, path])
        tables.paths_by_basename[route] = candidates
        pending: dict[str, dict[str, Any]] = tables.pending_paths.get(route) or {}
        if not pending:
            return
        mapper = PathMapper(source_roots=roots, known_files=candidates)
        still: dict[str, dict[str, Any]] = {}
        for slot, entry in pending.items():
            probe = decode_probe(entry["probe"].encode())
            frame = probe.frame()
            mapping = mapper.map(frame.runtime_path)
            if mapping.repo_path not in candidates:
                still[slot] = entry
                continue
            # A late probe: the assembler re-emits the alert only if the
            # answer changes, as for a late finding.
            probe.late = True
            await forward(probe, frame, mapping, repo)
            metrics.LATE_RESOLUTIONS.inc()
        if still != pending:
            tables.pending_paths[route] = still or None

    async def handle(event: Any) -> None:
        try:
            record = orjson.loads(event.value)
        except orjson.JSONDecodeError as exc:
            raise DecodeError(f"paths record is not JSON: {exc}") from None
        if isinstance(record, dict) and record.get("kind") == "file":
            repo, path = record["repo"], record["file_path"]
            await register_file(basename_key(repo, path), repo, path)
            return
        await resolve_probe(event.value)

    @engine.app.agent(topics.paths, name="resolve")
    async def resolve(stream: Any) -> None:
        async for event in stream.events():
            await guarded(event, handle, engine.deadletters, topic=paths_name)
