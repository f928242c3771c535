"""Probe: score one frame of an alert against the findings of its file.

Runs on the ``probes`` topic (key ``file_key``), so ``findings_by_file`` of
that key lives in this very partition. It also remembers the alert in
``recent_alerts_by_file`` so that a finding arriving later can re-score it.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from correlator import score_frame
from hefesto_core.models import Finding, IrisAlert
from streams import metrics
from streams.agents.base import guarded
from streams.records import Part, Probe, decode_probe
from streams.tables import remember_alert

if TYPE_CHECKING:
    from streams.app import Engine

__all__ = ["AlertCache", "FindingsCache", "register", "score_probe"]


class FindingsCache:
    """Parsed findings per file, keyed by the table value's ``rev`` so a
    change (here or on another worker before a rebalance) is never missed.
    Re-validating every finding on every probe would dominate the probe's
    cost on hot files."""

    def __init__(self, *, max_files: int = 4_096) -> None:
        self._data: OrderedDict[str, tuple[str, list[Finding]]] = OrderedDict()
        self._max = max_files

    def get(self, key: str, state: dict[str, Any] | None) -> list[Finding]:
        if not state:
            return []
        rev = state.get("rev", "")
        hit = self._data.get(key)
        if hit is not None and hit[0] == rev:
            self._data.move_to_end(key)
            return hit[1]
        findings = [Finding.model_validate(f) for f in state.get("findings", {}).values()]
        self._data[key] = (rev, findings)
        if len(self._data) > self._max:
            self._data.popitem(last=False)
        return findings


class AlertCache:
    """Parsed alerts by ``alert_id``: the probes of one alert's frames often
    land on the same worker, and validating the alert is a large part of a
    probe's cost. The JSON text is compared, so a reused id is never served
    another alert."""

    def __init__(self, *, max_alerts: int = 2_048) -> None:
        self._data: OrderedDict[str, tuple[str, IrisAlert]] = OrderedDict()
        self._max = max_alerts

    def get(self, probe: Probe) -> IrisAlert:
        hit = self._data.get(probe.alert_id)
        if hit is not None and hit[0] == probe.alert_json:
            return hit[1]
        alert = probe.alert()
        self._data[probe.alert_id] = (probe.alert_json, alert)
        if len(self._data) > self._max:
            self._data.popitem(last=False)
        return alert


def score_probe(
    probe: Probe,
    findings: list[Finding],
    *,
    now_ms: int,
    top_k: int | None = None,
    min_confidence: float | None = None,
    alert: IrisAlert | None = None,
) -> Part:
    """The part a probe contributes: its frame's matches, best first.

    ``top_k`` keeps the best ``top_k`` per frame and ``min_confidence`` drops
    the weaker ones but the best, which loses nothing: the assembler reports
    the ``top_k`` best of all frames at or above ``min_confidence`` and the
    best one's confidence, and the stream has no code context that could
    re-rank them. Explaining and shipping only those is most of the saving."""
    matches = score_frame(
        alert or probe.alert(),
        probe.location(),
        probe.frame(),
        findings,
        now_ms=now_ms,
        limit=top_k,
        min_confidence=min_confidence,
    )
    return Part(
        alert_id=probe.alert_id,
        frame_index=probe.frame_index,
        matches=[m.model_dump(mode="json") for m in matches],
        late=probe.late,
        frame=probe.frames[probe.frame_index] if probe.resolved else None,
    )


def register(engine: Engine) -> None:
    topics, tables, settings = engine.topics, engine.tables, engine.settings
    cache = FindingsCache()
    alerts = AlertCache()
    top_k, floor = settings.top_k_findings, settings.min_confidence
    horizon_ms = settings.correlation_window_ms + settings.grace_ms
    cap = engine.tuning.recent_alerts_per_file
    aggregates_on = engine.tuning.aggregates_enabled
    probes_name = topics.probes.get_topic_name()
    parts_name = topics.parts.get_topic_name()

    async def handle(event: Any) -> None:
        probe = decode_probe(event.value)
        key = probe.file_key
        findings = cache.get(key, tables.findings_by_file.get(key))
        now_ms = int(time.time() * 1000)
        try:
            part = score_probe(
                probe, findings, now_ms=now_ms, top_k=top_k, min_confidence=floor, alert=alerts.get(probe)
            )
        except Exception as exc:
            # The assembler must still hear from this frame, or the alert would
            # wait for its timeout; the probe itself is dead-lettered below.
            failed = Part(
                alert_id=probe.alert_id, frame_index=probe.frame_index, late=probe.late, error=str(exc)
            )
            await topics.parts.send(key=probe.alert_id.encode(), value=failed.to_bytes())
            raise
        await topics.parts.send(key=probe.alert_id.encode(), value=part.to_bytes())
        metrics.MESSAGES_OUT.labels(parts_name).inc()
        if aggregates_on and not probe.late:
            engine.aggregates.alert_rate_per_file[key] += 1
        # Late probes too: a frame resolved late meets this file for the first
        # time (a re-score's alert is already there, and that writes nothing).
        current = tables.recent_alerts_by_file.get(key)
        new, changed = remember_alert(
            current, probe.alert_id, probe.ingest_ms, horizon_ms=horizon_ms, cap=cap
        )
        if changed:
            tables.recent_alerts_by_file[key] = new

    @engine.app.agent(topics.probes, name="probe")
    async def probe_agent(stream: Any) -> None:
        async for event in stream.events():
            await guarded(event, handle, engine.deadletters, topic=probes_name)
