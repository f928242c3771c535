"""History sink: findings events, alerts and correlations written to the
history store in batches, off the event loop, with retry and backoff.

Each record is kept as its JSON (the alert as it arrived, the enriched
alert as it was sent) and a batch goes to a :class:`~streams.sinkwriter.StoreWriter`:
by default the store process of :mod:`streams.storeproc`, so the store's
work does not hold the worker's GIL.

A store outage never blocks the stream: records wait in a bounded buffer
per kind; while the store is down, writes are retried with exponential
backoff (capped at ``_MAX_BACKOFF_S``); when a buffer is full its oldest
records are sent to the dead-letter topic (``error-code: STORE_UNAVAILABLE``,
value = the record's JSON) so they can be replayed into the store later.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from dataclasses import dataclass, field

from hefesto_core.models import EnrichedAlert, FindingEvent, IrisAlert
from streams import metrics
from streams.codecs import encode_model
from streams.deadletter import DeadLetters
from streams.errors import SinkError
from streams.sinkwriter import SinkKind, StoreWriter

__all__ = ["HistorySink", "SinkKind"]

log = logging.getLogger(__name__)

_MAX_BACKOFF_S = 30.0


@dataclass(frozen=True, slots=True)
class _Record:
    """A record for the store: its JSON, and the key its dead letter gets."""

    key: bytes
    payload: bytes


@dataclass(slots=True)
class _Buffer:
    items: deque[_Record] = field(default_factory=deque)
    overflow: list[_Record] = field(default_factory=list)
    failures: int = 0
    next_attempt: float = 0.0


class HistorySink:
    """Call :meth:`add_*` from agents (never blocks) and :meth:`flush`
    periodically (a Faust timer does). ``writer`` is called in a thread;
    it opens the store on its first write and again after a failure, so an
    open failure is retried like a failed write."""

    def __init__(
        self,
        writer: StoreWriter,
        *,
        deadletters: DeadLetters | None,
        source_topics: dict[SinkKind, str],
        batch_size: int = 500,
        buffer_max: int = 50_000,
    ) -> None:
        self._writer = writer
        self._deadletters = deadletters
        self._source_topics = source_topics
        self._batch_size = batch_size
        self._buffer_max = buffer_max
        self._buffers = {kind: _Buffer() for kind in SinkKind}

    def _add(self, kind: SinkKind, record: _Record) -> None:
        buf = self._buffers[kind]
        buf.items.append(record)
        if len(buf.items) > self._buffer_max:
            buf.overflow.append(buf.items.popleft())
        metrics.child(metrics.SINK_BUFFERED, kind.value).set(len(buf.items))

    def add_alert(self, alert: IrisAlert, *, raw: bytes | None = None) -> None:
        """``raw``: the alert's JSON as it arrived, when the caller has it."""
        self._add(SinkKind.ALERTS, _Record(alert.alert_id.encode(), raw or encode_model(alert)))

    def add_alert_raw(self, alert_id: str, raw: bytes) -> None:
        self._add(SinkKind.ALERTS, _Record(alert_id.encode(), raw))

    def add_correlation_raw(self, alert_id: str, payload: bytes) -> None:
        self._add(SinkKind.CORRELATIONS, _Record(alert_id.encode(), payload))

    def add_finding_event(self, event: FindingEvent, *, raw: bytes | None = None) -> None:
        self._add(SinkKind.FINDING_EVENTS, _Record(event.file_key.encode(), raw or encode_model(event)))

    def add_correlation(self, enriched: EnrichedAlert, *, payload: bytes | None = None) -> None:
        """``payload``: ``encode_enriched(enriched)``, when the caller has it."""
        record = _Record(enriched.alert_id.encode(), payload or encode_model(enriched))
        self._add(SinkKind.CORRELATIONS, record)

    def buffered(self, kind: SinkKind) -> int:
        return len(self._buffers[kind].items)

    async def flush(self, *, now: float | None = None) -> int:
        """Write what is due; returns the number of records written."""
        written = 0
        for kind, buf in self._buffers.items():
            await self._dead_letter_overflow(kind, buf)
            moment = time.monotonic() if now is None else now
            while buf.items and moment >= buf.next_attempt:
                batch = [buf.items.popleft() for _ in range(min(self._batch_size, len(buf.items)))]
                try:
                    await asyncio.to_thread(self._write, kind, batch)
                except Exception as exc:
                    buf.items.extendleft(reversed(batch))
                    buf.failures += 1
                    delay = min(_MAX_BACKOFF_S, 0.1 * 2 ** min(buf.failures, 10))
                    buf.next_attempt = moment + delay
                    metrics.child(metrics.SINK_FAILURES, kind.value).inc()
                    log.warning(
                        "history store write of %d %s failed (retry in %.1fs): %s",
                        len(batch),
                        kind.value,
                        delay,
                        exc,
                    )
                    break
                buf.failures = 0
                buf.next_attempt = 0.0
                written += len(batch)
                metrics.child(metrics.SINK_WRITTEN, kind.value).inc(len(batch))
            metrics.child(metrics.SINK_BUFFERED, kind.value).set(len(buf.items))
        return written

    def _write(self, kind: SinkKind, batch: list[_Record]) -> None:
        self._writer.write(kind, [r.payload for r in batch])

    async def _dead_letter_overflow(self, kind: SinkKind, buf: _Buffer) -> None:
        if not buf.overflow:
            return
        records, buf.overflow = buf.overflow, []
        if self._deadletters is None:
            log.error("history sink dropped %d %s: buffer full and no dead-letter topic", len(records), kind)
            metrics.child(metrics.SINK_DROPPED, kind.value).inc(len(records))
            return
        exc = SinkError(f"history store unavailable and the {kind.value} buffer is full")
        for record in records:
            await self._deadletters.send_raw(
                key=record.key,
                value=record.payload,
                exc=exc,
                topic=self._source_topics[kind],
                partition=-1,
                offset=-1,
            )
        metrics.child(metrics.SINK_DROPPED, kind.value).inc(len(records))

    def close(self) -> None:
        self._writer.close()
