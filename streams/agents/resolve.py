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
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from correlator import PathMapper
from hefesto_core.models import file_key
from streams import metrics
from streams.agents.base import guarded
from streams.errors import DecodeError
from streams.records import Part, decode_probe, frame_to_dict

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
    paths_name = topics.paths.get_topic_name()
    probes_name = topics.probes.get_topic_name()
    parts_name = topics.parts.get_topic_name()

    async def resolve_probe(raw: bytes) -> None:
        probe = decode_probe(raw)
        frame = probe.frame()
        alert = probe.alert()
        candidates = tables.paths_by_basename.get(basename_key(alert.repo or "", frame.runtime_path)) or []
        mapping = PathMapper(source_roots=roots, known_files=candidates).map(frame.runtime_path)
        if mapping.repo_path is None or not alert.repo:
            part = Part(alert_id=probe.alert_id, frame_index=probe.frame_index)
            await topics.parts.send(key=probe.alert_id.encode(), value=part.to_bytes())
            metrics.MESSAGES_OUT.labels(parts_name).inc()
            return
        resolved = frame_to_dict(frame)
        resolved.update(file_path=mapping.repo_path, mapping=mapping.model_dump(mode="json"))
        probe.frames = [*probe.frames]
        probe.frames[probe.frame_index] = resolved
        probe.file_key = file_key(alert.repo, mapping.repo_path)
        probe.resolved = True
        await topics.probes.send(key=probe.file_key.encode(), value=probe.to_bytes())
        metrics.MESSAGES_OUT.labels(probes_name).inc()

    async def handle(event: Any) -> None:
        try:
            record = orjson.loads(event.value)
        except orjson.JSONDecodeError as exc:
            raise DecodeError(f"paths record is not JSON: {exc}") from None
        if isinstance(record, dict) and record.get("kind") == "file":
            key = basename_key(record["repo"], record["file_path"])
            known: list[str] = tables.paths_by_basename.get(key) or []
            if record["file_path"] not in known:
                tables.paths_by_basename[key] = sorted([*known, record["file_path"]])
            return
        await resolve_probe(event.value)

    @engine.app.agent(topics.paths, name="resolve")
    async def resolve(stream: Any) -> None:
        async for event in stream.events():
            await guarded(event, handle, engine.deadletters, topic=paths_name)
