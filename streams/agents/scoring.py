"""Scoring one frame against its file's findings: what the probe agent does
for a probe record, and what the fan-out does itself when it joins an alert
locally (see :mod:`streams.ownership`). One implementation for both, so the
two paths cannot disagree."""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from correlator import AlertLocation, score_frame
from hefesto_core.models import Finding, FindingMatch, IrisAlert
from streams.records import Part, Probe
from streams.retention import horizon_ms
from streams.tables import remember_alert

if TYPE_CHECKING:
    from streams.app import Engine

__all__ = ["AlertCache", "FindingsCache", "FrameScorer", "score_probe"]


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
    location: AlertLocation | None = None,
) -> Part:
    return _score(
        probe,
        findings,
        now_ms=now_ms,
        top_k=top_k,
        min_confidence=min_confidence,
        alert=alert,
        location=location,
    )[0]


def _score(
    probe: Probe,
    findings: list[Finding],
    *,
    now_ms: int,
    top_k: int | None,
    min_confidence: float | None,
    alert: IrisAlert | None,
    location: AlertLocation | None,
) -> tuple[Part, list[FindingMatch]]:
    """The part a probe contributes: its frame's matches, best first.

    ``top_k`` keeps the best ``top_k`` per frame and ``min_confidence`` drops
    the weaker ones but the best, which loses nothing: the assembler reports
    the ``top_k`` best of all frames at or above ``min_confidence`` and the
    best one's confidence, and the stream has no code context that could
    re-rank them. Explaining and shipping only those is most of the saving."""
    location = location or probe.location()
    matches = score_frame(
        alert or probe.alert(),
        location,
        location.frames[probe.frame_index],
        findings,
        now_ms=now_ms,
        limit=top_k,
        min_confidence=min_confidence,
    )
    part = Part(
        alert_id=probe.alert_id,
        frame_index=probe.frame_index,
        matches=[m.model_dump(mode="json") for m in matches],
        late=probe.late,
        frame=probe.frames[probe.frame_index] if probe.resolved else None,
    )
    return part, matches


class FrameScorer:
    """Scores probes against ``findings_by_file`` and remembers, for late
    findings and the operators' aggregates, that the alert went through the
    file. Both are :class:`~streams.changelog.BatchedTable` writes routed by
    the file's key, so they land in the partition that owns the file
    whichever agent makes them."""

    def __init__(self, engine: Engine) -> None:
        settings = engine.settings
        self._tables = engine.tables
        self._aggregates = engine.aggregates
        self._findings = FindingsCache()
        self._alerts = AlertCache()
        self._top_k = settings.top_k_findings
        self._floor = settings.min_confidence
        self._horizon_ms = horizon_ms(settings)
        self._cap = engine.tuning.recent_alerts_per_file
        self._aggregates_on = engine.tuning.aggregates_enabled

    def score(
        self, probe: Probe, *, alert: IrisAlert | None = None, location: AlertLocation | None = None
    ) -> tuple[Part, list[FindingMatch]]:
        """The probe's part, and its matches as models (the part carries them
        as JSON for the wire and the tables)."""
        return _score(
            probe,
            self.findings_for(probe.file_key),
            now_ms=int(time.time() * 1000),
            top_k=self._top_k,
            min_confidence=self._floor,
            alert=alert or self._alerts.get(probe),
            location=location,
        )

    def findings_for(self, key: str) -> list[Finding]:
        """The file's findings, parsed (cached by the table value's ``rev``)."""
        return self._findings.get(key, self._tables.findings_by_file.get(key))

    def remember(self, probe: Probe) -> None:
        self.remember_file(probe.file_key, probe.alert_id, probe.ingest_ms, late=probe.late)

    def remember_file(self, key: str, alert_id: str, ingest_ms: int, *, late: bool = False) -> None:
        if self._aggregates_on and not late:
            self._aggregates.alert_rate_per_file.add(key, ts_ms=ingest_ms or int(time.time() * 1000))
        # Late probes too: a frame resolved late meets this file for the first
        # time (a re-score's alert is already there, and that writes nothing).
        table = self._tables.recent_alerts_by_file
        new, changed = remember_alert(
            table.get(key), alert_id, ingest_ms, horizon_ms=self._horizon_ms, cap=self._cap
        )
        if changed:
            table.set(key, new)
