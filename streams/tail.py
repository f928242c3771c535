"""A deduplicated view of the enriched topic: the consumer-side rule the
docs describe (per ``alert_id`` keep the highest ``correlation-version``;
anything not newer is a repeat from at-least-once delivery)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import orjson

__all__ = ["Deduplicator", "TailLine", "format_line", "tail"]


class Deduplicator:
    """Remembers the highest version seen per alert (bounded: the oldest
    alerts are forgotten first)."""

    def __init__(self, *, max_alerts: int = 1_000_000) -> None:
        self._seen: dict[str, int] = {}
        self._max = max_alerts

    def accept(self, alert_id: str, version: int) -> bool:
        """True when ``version`` is new for ``alert_id`` (and records it)."""
        if self._seen.get(alert_id, 0) >= version:
            return False
        self._seen.pop(alert_id, None)
        self._seen[alert_id] = version
        if len(self._seen) > self._max:
            del self._seen[next(iter(self._seen))]
        return True


@dataclass(frozen=True, slots=True)
class TailLine:
    alert_id: str
    version: int
    value: dict[str, Any]


def version_of(
    headers: list[tuple[str, bytes]] | tuple[tuple[str, bytes], ...], value: dict[str, Any]
) -> int:
    for name, raw in headers or ():
        if name == "correlation-version":
            return int(raw)
    return int(value.get("correlation_version", 1))


def format_line(line: TailLine) -> str:
    v = line.value
    head = f"{line.alert_id}  v{line.version}  "
    if not v.get("enriched"):
        return head + f"not enriched ({v.get('reason')})"
    top = (v.get("hefesto_findings") or [{}])[0]
    rule, issue = top.get("rule_id"), top.get("issue_type")
    # Hefesto's own rules are named by their issue type; a SARIF import's
    # (ruff's S608, ...) are not, and then both say something.
    kind = f"{rule}" if rule == issue or issue is None else f"{rule} {issue}"
    return head + (
        f"{v.get('correlation_confidence', 0):.2f}  {top.get('file_path')}:{top.get('line_number')}  "
        f"{kind}  {top.get('message', '')}"
    )


async def tail(
    bootstrap: str,
    topic: str,
    *,
    from_beginning: bool = False,
    limit: int | None = None,
    idle_s: float | None = None,
) -> AsyncIterator[TailLine]:
    """Yield new (alert, version) pairs; stop after ``limit`` lines or
    ``idle_s`` seconds without a message (both optional)."""
    import time

    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest" if from_beginning else "latest",
    )
    await consumer.start()
    dedup = Deduplicator()
    shown = 0
    last = time.monotonic()
    try:
        while True:
            batch = await consumer.getmany(timeout_ms=500)
            if batch:
                last = time.monotonic()
            elif idle_s is not None and time.monotonic() - last > idle_s:
                return
            for records in batch.values():
                for r in records:
                    try:
                        value = orjson.loads(r.value)
                        alert_id = str(value["alert_id"])
                    except (orjson.JSONDecodeError, KeyError, TypeError):
                        continue
                    version = version_of(r.headers, value)
                    if not dedup.accept(alert_id, version):
                        continue
                    yield TailLine(alert_id, version, value)
                    shown += 1
                    if limit is not None and shown >= limit:
                        return
    finally:
        await consumer.stop()
