"""Bounded replay and backfill: publish a JSONL file to a topic at a given
rate, each line as one message, keyed the way the topic's contract says
(``alert_id`` for alerts and enriched alerts, ``file_key`` for findings)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

__all__ = ["ReplayStats", "message_key", "read_jsonl", "replay"]


def message_key(value: Any) -> bytes | None:
    """``alert_id`` when present, else ``"{repo}:{file_path}"``, else none."""
    if isinstance(value, dict):
        if isinstance(value.get("alert_id"), str):
            return value["alert_id"].encode()
        if isinstance(value.get("repo"), str) and isinstance(value.get("file_path"), str):
            return f"{value['repo']}:{value['file_path']}".encode()
    return None


def read_jsonl(path: Path, *, limit: int | None = None) -> Iterator[tuple[bytes | None, bytes]]:
    """(key, raw line) for each non-blank line; a line that is not JSON is
    sent as it is, unkeyed (replaying a dead-letter dump must stay possible)."""
    count = 0
    with path.open("rb") as fh:
        for line in fh:
            raw = line.strip()
            if not raw:
                continue
            try:
                key = message_key(orjson.loads(raw))
            except orjson.JSONDecodeError:
                key = None
            yield key, raw
            count += 1
            if limit is not None and count >= limit:
                return


@dataclass(slots=True)
class ReplayStats:
    sent: int = 0
    elapsed_s: float = 0.0

    @property
    def rate(self) -> float:
        return self.sent / self.elapsed_s if self.elapsed_s > 0 else 0.0


async def replay(
    bootstrap: str,
    topic: str,
    messages: Iterator[tuple[bytes | None, bytes]],
    *,
    rate: float = 0.0,
    progress: Callable[[int], None] | None = None,
    progress_every: int = 1_000,
) -> ReplayStats:
    """Send every message; ``rate`` messages per second (0 = as fast as the
    broker takes them). Returns after every message is acknowledged."""
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, acks="all")
    await producer.start()
    stats = ReplayStats()
    start = time.monotonic()
    pending: list[asyncio.Future[Any]] = []
    try:
        for key, value in messages:
            if rate > 0:
                due = start + stats.sent / rate
                delay = due - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            pending.append(await producer.send(topic, value, key=key))
            stats.sent += 1
            if len(pending) >= 10_000:
                await asyncio.gather(*pending)
                pending.clear()
            if progress is not None and stats.sent % progress_every == 0:
                progress(stats.sent)
        await producer.flush()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    stats.elapsed_s = time.monotonic() - start
    if progress is not None:
        progress(stats.sent)
    return stats
