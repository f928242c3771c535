"""Probe: score one frame of an alert against the findings of its file.

Runs on the ``probes`` topic (key ``file_key``), so ``findings_by_file`` of
that key lives in this very partition. It also remembers the alert in
``recent_alerts_by_file`` so that a finding arriving later can re-score it.
Probes are only sent for frames whose file lives on another worker (or is
mapped late); the fan-out scores the others itself with the same
:class:`~streams.agents.scoring.FrameScorer`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from streams import metrics
from streams.agents.base import guarded
from streams.agents.scoring import AlertCache, FindingsCache, score_probe
from streams.ownership import tables_ready
from streams.records import Part, Probe, decode_probe

if TYPE_CHECKING:
    from streams.app import Engine

__all__ = ["AlertCache", "FindingsCache", "register", "score_probe"]


def register(engine: Engine) -> None:
    topics = engine.topics
    scorer = engine.scorer
    probes_name = topics.probes.get_topic_name()
    parts_name = topics.parts.get_topic_name()

    app = engine.app
    hops = engine.hops

    async def handle(event: Any) -> None:
        probe = decode_probe(event.value)
        if not tables_ready(app):
            # Faust should not hand over events while tables are recovered,
            # but nothing else guards this read: a probe scored against a
            # partially recovered findings_by_file would answer "no
            # candidate" for good. It goes to the back of its partition
            # instead, to be scored once the table is complete.
            await topics.probes.send(key=probe.file_key.encode(), value=event.value)
            metrics.PROBES_REQUEUED.inc()
            return
        try:
            await score_and_answer(probe)
        finally:
            # After its part was sent: a timeout held for it (streams/backlog.py)
            # goes out behind that part, on the same parts partition.
            if not probe.late:
                hops.read(probe.alert_id, slot=f"probes/{probe.frame_index}")

    async def score_and_answer(probe: Probe) -> None:
        try:
            part, _ = scorer.score(probe)
        except Exception as exc:
            # The assembler must still hear from this frame, or the alert would
            # wait for its timeout; the probe itself is dead-lettered below.
            failed = Part(
                alert_id=probe.alert_id, frame_index=probe.frame_index, late=probe.late, error=str(exc)
            )
            await topics.parts.send(key=probe.alert_id.encode(), value=failed.to_bytes())
            raise
        await topics.parts.send(key=probe.alert_id.encode(), value=part.to_bytes())
        metrics.child(metrics.MESSAGES_OUT, parts_name).inc()
        metrics.child(metrics.FRAMES_SCORED, "probe").inc()
        scorer.remember(probe)

    @engine.app.agent(topics.probes, name="probe")
    async def probe_agent(stream: Any) -> None:
        async for event in stream.events():
            await guarded(event, handle, engine.deadletters, topic=probes_name)
