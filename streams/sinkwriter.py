"""What the history sink hands its batches to: a :class:`StoreWriter` takes
the JSON of a batch of records of one :class:`SinkKind` and writes them to
the history store.

:class:`InlineWriter` decodes and writes in the calling thread. It is what
the store process (:mod:`streams.storeproc`) runs, and what a worker uses
with ``HEFESTO_STREAM_SINK_PROCESS=false``. The records travel as the JSON
the stream already has (the alert as it arrived, the enriched alert as it
was sent), so nothing is encoded twice and a batch can cross a process
boundary as bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Any, Protocol

from streams.codecs import decode_alert, decode_finding_event

__all__ = ["InlineWriter", "SinkKind", "StoreWriter", "write_payloads"]


class SinkKind(StrEnum):
    FINDING_EVENTS = "finding_events"
    ALERTS = "alerts"
    CORRELATIONS = "correlations"


class StoreWriter(Protocol):
    def write(self, kind: SinkKind, payloads: Sequence[bytes]) -> None:
        """Write every record or raise; a failed batch is retried whole
        (the store's writes are idempotent per record)."""

    def close(self) -> None: ...


def write_payloads(store: Any, kind: SinkKind, payloads: Sequence[bytes]) -> None:
    """One batch of records of ``kind``, each its JSON, to ``store``."""
    if kind is SinkKind.ALERTS:
        store.record_alerts([decode_alert(p) for p in payloads])
    elif kind is SinkKind.CORRELATIONS:
        # The JSON that was sent downstream is what the store keeps, and
        # its row is read from that JSON (no model is built).
        store.record_correlation_payloads([p.decode() for p in payloads])
    else:
        store.record_finding_events([decode_finding_event(p) for p in payloads])


class InlineWriter:
    """Writes in the calling thread. ``open_store`` is called on the first
    write, and again on the next write after it raised."""

    def __init__(self, open_store: Callable[[], Any]) -> None:
        self._open_store = open_store
        self._store: Any = None

    def write(self, kind: SinkKind, payloads: Sequence[bytes]) -> None:
        if self._store is None:
            self._store = self._open_store()
        write_payloads(self._store, kind, payloads)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
