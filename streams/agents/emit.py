"""Emitting an alert's answer: build the ``EnrichedAlert`` from its header
and parts, send it with its ``correlation-version`` unless it says what the
previous version said, and record it in ``assembly`` and ``correlations``.

Used by the assembler and by the fan-out when it joins an alert locally;
both then leave the same table state behind, so a late finding or a replay
treats the alert the same way whichever path answered it.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import orjson

from correlator import AlertLocation, assemble
from hefesto_core.models import EnrichedAlert, FindingMatch, IrisAlert
from streams import metrics
from streams.codecs import encode_enriched
from streams.records import Header, Part
from streams.retention import horizon_ms

if TYPE_CHECKING:
    from streams.answer import Answer
    from streams.app import Engine

__all__ = ["Emitter", "fingerprint", "is_complete", "new_assembly", "resolved_header"]


def is_complete(state: dict[str, Any]) -> bool:
    header = state.get("header")
    if header is None:
        return False
    parts = state.get("parts", {})
    return all(str(i) in parts for i, key in enumerate(header["file_keys"]) if key is not None)


def new_assembly(
    *, now_ms: int, header: Header | None = None, parts: dict[str, Any] | None = None
) -> dict[str, Any]:
    """An ``assembly`` entry before its first version is emitted."""
    return {
        "header": header.to_dict() if header is not None else None,
        "parts": parts or {},
        "version": 0,
        "fingerprint": None,
        "first_ms": now_ms,
    }


def fingerprint(enriched: EnrichedAlert) -> str:
    """What makes two versions different to a reader (not timestamps or
    latency): a re-score that lands on the same answer emits nothing."""
    return orjson.dumps(
        [
            enriched.enriched,
            enriched.reason,
            round(enriched.correlation_confidence, 6),
            [(m.finding_id, round(m.match_confidence, 6), m.status) for m in enriched.hefesto_findings],
        ]
    ).decode()


def resolved_header(state: dict[str, Any]) -> Header:
    """The alert's header with the frames the resolve agent mapped."""
    header = Header.from_dict(state["header"])
    resolved = state.get("resolved") or {}
    if resolved:
        header.frames = list(header.frames)
        header.file_keys = list(header.file_keys)
        repo = header.alert().repo or ""
        for index, frame in resolved.items():
            header.frames[int(index)] = frame
            header.file_keys[int(index)] = f"{repo}:{frame['file_path']}"
    return header


class Emitter:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._tables = engine.tables
        self._settings = engine.settings
        self._enriched_name = engine.topics.enriched.get_topic_name()
        self._horizon_ms = horizon_ms(engine.settings)

    async def emit(
        self,
        alert_id: str,
        state: dict[str, Any],
        *,
        alert: IrisAlert | None = None,
        location: AlertLocation | None = None,
        matches: list[FindingMatch] | None = None,
    ) -> None:
        """Emit the next version of ``alert_id`` from ``state`` (its header
        and parts). A caller that holds the parsed alert, location and
        matches already passes them, sparing a re-parse of the state."""
        settings, tables = self._settings, self._tables
        header = resolved_header(state)
        now = time.time()
        now_ms = int(now * 1000)
        if matches is None:
            matches = []
            for index in sorted(int(i) for i in state["parts"]):
                matches.extend(Part.from_dict(state["parts"][str(index)]).finding_matches())
        alert = alert or header.alert()
        version = int(state.get("version") or 0) + 1
        enriched = assemble(
            alert,
            location or header.location(),
            matches,
            top_k=settings.top_k_findings,
            min_confidence=settings.min_confidence,
            correlation_version=version,
            processed_at=datetime.fromtimestamp(now, tz=UTC),
            latency_ms=max(0, now_ms - header.ingest_ms) if header.ingest_ms else 0,
            cost_per_user=settings.cost_per_affected_user,
            currency=settings.cost_currency,
        )
        fp = fingerprint(enriched)
        if state.get("version") and fp == state.get("fingerprint"):
            tables.assembly[alert_id] = state
            return
        await self._record(
            alert_id,
            {**state, "version": version, "fingerprint": fp},
            encoded=encode_enriched(enriched),
            version=version,
            confidence=enriched.correlation_confidence,
            ingest_ms=header.ingest_ms,
            alert_ts_s=alert.timestamp.timestamp(),
            first_ms=int(state.get("first_ms") or now_ms),
        )

    async def record_answer(self, answer: Answer) -> None:
        """Send and record a first answer made by :func:`streams.answer.answer_located`
        (here or in the scoring process)."""
        await self._record(
            answer.alert_id,
            answer.assembly,
            encoded=answer.enriched,
            version=1,
            confidence=answer.confidence,
            ingest_ms=answer.ingest_ms,
            alert_ts_s=answer.alert_ts_s,
            first_ms=answer.first_ms,
        )

    async def _record(
        self,
        alert_id: str,
        assembly: dict[str, Any] | bytes,
        *,
        encoded: bytes,
        version: int,
        confidence: float,
        ingest_ms: int,
        alert_ts_s: float,
        first_ms: int,
    ) -> None:
        """Send version ``version`` and record it: ``assembly`` (the entry
        with its version and fingerprint), ``correlations``, the alert's
        eviction, metrics and history."""
        tables = self._tables
        await self.send_enriched(alert_id, encoded, version)
        self._engine.deadlines.cancel(alert_id)
        self._engine.hops.cancel(alert_id)
        self._engine.remote_hops.cancel(alert_id)
        if version == 1:
            # Past the horizon no late finding can change the answer.
            self._engine.evictions.schedule(alert_id, (ingest_ms or first_ms) + self._horizon_ms)
        if isinstance(assembly, bytes) and not tables.assembly.packed:
            assembly = orjson.loads(assembly)  # bench/retained.py's unpacked layout
        tables.assembly[alert_id] = assembly
        # The JSON just sent, kept as is (a packed table): its changelog
        # write and a replay's answer send these bytes without parsing them.
        tables.correlations[alert_id] = encoded
        metrics.child(metrics.VERSIONS_EMITTED, "first" if version == 1 else "correction").inc()
        metrics.CONFIDENCE.observe(confidence)
        now = time.time()
        if ingest_ms:
            metrics.INGEST_LATENCY.observe(max(0, int(now * 1000) - ingest_ms) / 1000)
        metrics.ALERT_LATENCY.observe(max(0.0, now - alert_ts_s))
        if self._engine.sink is not None:
            self._engine.sink.add_correlation_raw(alert_id, encoded)

    async def on_duplicate(self, alert_id: str, state: dict[str, Any]) -> None:
        """A replayed alert, header or part (after a crash or rebalance). Its
        first delivery may have updated the tables while the enriched alert
        it caused was lost with the crashed producer, so the current answer
        is sent again: consumers deduplicate by (alert_id,
        correlation-version), and an alert is never lost.

        The tables are separate changelog topics, so a crash can persist the
        ``assembly`` entry of an answer and lose its ``correlations`` entry;
        the answer is then computed again from the entry, under the version
        it already had."""
        version = int(state.get("version") or 0)
        if version:
            current = self._tables.correlations.get_raw(alert_id)
            if current is not None:
                await self.send_enriched(alert_id, current, version)
            else:
                await self.emit(alert_id, {**state, "version": version - 1, "fingerprint": None})
        elif is_complete(state):
            await self.emit(alert_id, state)

    async def send_enriched(self, alert_id: str, value: bytes, version: int) -> None:
        headers = [("correlation-version", str(version).encode())]
        output = self._engine.app.output_buffer
        if output is not None:
            # Sent in a batch when the agent is idle or before the next
            # commit (streams/output.py), which counts it out.
            output.add(alert_id.encode(), value, headers)
            return
        await self._engine.topics.enriched.send(key=alert_id.encode(), value=value, headers=headers)
        metrics.child(metrics.MESSAGES_OUT, self._enriched_name).inc()
