"""An alert's plan (its header and one probe per routed frame) and, when
every frame's file is known here, its first answer: the fan-out's local
join (:mod:`streams.agents.fanout`) as a pure function of the alert and the
findings. The worker runs it in its own process or in its scoring process
(:mod:`streams.offload`); both then apply the :class:`Answer` the same way
(:meth:`streams.agents.emit.Emitter.record_answer`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from correlator import AlertLocation, PathMapper, assemble, locate
from hefesto_core.models import Finding, FindingMatch, IrisAlert, file_key
from hefesto_core.settings import Settings
from streams.agents.emit import fingerprint, new_assembly
from streams.agents.scoring import _score
from streams.changelog import _packed
from streams.codecs import decode_alert, encode_enriched
from streams.records import Header, Probe, frame_to_dict

__all__ = ["Answer", "AnswerParams", "answer", "answer_located", "plan"]

FindingsFor = Callable[[str], list[Finding]]


@dataclass(frozen=True, slots=True)
class AnswerParams:
    """The settings an answer depends on (picklable, for the scoring process)."""

    source_roots: tuple[str, ...]
    max_probe_frames: int
    top_k: int
    min_confidence: float
    cost_per_user: float | None
    currency: str

    @classmethod
    def of(cls, settings: Settings) -> AnswerParams:
        return cls(
            source_roots=tuple(str(p) for p in settings.source_roots),
            max_probe_frames=settings.max_probe_frames,
            top_k=settings.top_k_findings,
            min_confidence=settings.min_confidence,
            cost_per_user=settings.cost_per_affected_user,
            currency=settings.cost_currency,
        )

    def mapper(self) -> PathMapper:
        # Container prefixes (/srv/app, /app, ...) are not trusted here: the
        # service may live in a sub-folder of the repository, which only the
        # resolve agent can tell from the files the findings know.
        return PathMapper(source_roots=list(self.source_roots), container_prefixes=False, memo_size=8_192)


@dataclass(frozen=True, slots=True)
class Answer:
    alert_id: str
    enriched: bytes
    """The enriched alert's JSON (version 1), as sent and as ``correlations`` keeps it."""
    assembly: bytes
    """The alert's ``assembly`` entry after the answer (packed)."""
    file_keys: tuple[str, ...]
    """The file of each scored frame (recent alerts and the aggregates)."""
    confidence: float
    alert_ts_s: float
    ingest_ms: int
    first_ms: int


def plan(
    alert: IrisAlert, location: AlertLocation, *, alert_json: str, ingest_ms: int
) -> tuple[Header, list[Probe]]:
    """The alert's header and a probe per routed frame. Mapped frames have
    their file's key; an unmapped one has ``""`` (it needs the resolve
    agent); without a repository no frame is routed."""
    frames = [frame_to_dict(f) for f in location.frames]
    keys: list[str | None] = [
        (file_key(alert.repo, f.file_path) if f.file_path else "") if alert.repo else None
        for f in location.frames
    ]
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
    return header, probes


def answer_located(
    alert: IrisAlert,
    location: AlertLocation,
    header: Header,
    probes: list[Probe],
    *,
    params: AnswerParams,
    findings_for: FindingsFor,
    now: float,
) -> Answer:
    """Every probe scored against its file's findings, and the version 1
    the assembler would emit from those parts."""
    now_ms = int(now * 1000)
    parts: dict[str, Any] = {}
    matches: list[FindingMatch] = []
    for probe in probes:
        part, found = _score(
            probe,
            findings_for(probe.file_key),
            now_ms=now_ms,
            top_k=params.top_k,
            min_confidence=params.min_confidence,
            alert=alert,
            location=location,
        )
        parts[str(probe.frame_index)] = part.state()
        matches.extend(found)
    state = new_assembly(now_ms=now_ms, header=header, parts=parts)
    ingest_ms = header.ingest_ms
    enriched = assemble(
        alert,
        location,
        matches,
        top_k=params.top_k,
        min_confidence=params.min_confidence,
        correlation_version=1,
        processed_at=datetime.fromtimestamp(now, tz=UTC),
        latency_ms=max(0, now_ms - ingest_ms) if ingest_ms else 0,
        cost_per_user=params.cost_per_user,
        currency=params.currency,
    )
    return Answer(
        alert_id=alert.alert_id,
        enriched=encode_enriched(enriched),
        assembly=_packed({**state, "version": 1, "fingerprint": fingerprint(enriched)}),
        file_keys=tuple(p.file_key for p in probes),
        confidence=enriched.correlation_confidence,
        alert_ts_s=alert.timestamp.timestamp(),
        ingest_ms=ingest_ms,
        first_ms=now_ms,
    )


def answer(
    raw: bytes, *, ingest_ms: int, params: AnswerParams, mapper: PathMapper, findings_for: FindingsFor
) -> Answer | None:
    """The first answer to the alert in ``raw``, or None when a frame needs
    the resolve agent (the worker then joins it the distributed way).
    Raises what decoding raises (a :class:`~streams.errors.MessageError`)."""
    alert = decode_alert(raw)
    location = locate(alert, mapper=mapper, max_frames=params.max_probe_frames)
    header, probes = plan(alert, location, alert_json=raw.decode(), ingest_ms=ingest_ms)
    if any(not p.file_key for p in probes):
        return None
    return answer_located(
        alert, location, header, probes, params=params, findings_for=findings_for, now=time.time()
    )
