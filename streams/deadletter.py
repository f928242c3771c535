"""The dead-letter path: the original key and bytes, unchanged, with headers
saying why and where from, so a message can be inspected and replayed.

Headers: ``error-code`` (a :class:`~streams.errors.StreamError` code),
``error-message`` (at most 1,000 characters), ``source-topic``,
``source-partition``, ``source-offset``.
"""

from __future__ import annotations

import logging
from typing import Any

from streams import metrics
from streams.errors import ProcessingError, StreamError

__all__ = ["DeadLetters", "dead_letter_headers", "error_code"]

log = logging.getLogger(__name__)

_MAX_MESSAGE = 1_000


def error_code(exc: BaseException) -> str:
    return exc.code if isinstance(exc, StreamError) else ProcessingError.code


def dead_letter_headers(
    exc: BaseException, *, topic: str, partition: int, offset: int
) -> list[tuple[str, bytes]]:
    message = str(exc) if isinstance(exc, StreamError) else f"{type(exc).__name__}: {exc}"
    return [
        ("error-code", error_code(exc).encode()),
        ("error-message", message[:_MAX_MESSAGE].encode("utf-8", "replace")),
        ("source-topic", topic.encode()),
        ("source-partition", str(partition).encode()),
        ("source-offset", str(offset).encode()),
    ]


class DeadLetters:
    """Sends a failed event to the dead-letter topic. The send is issued
    before the event is acknowledged, and Faust flushes the producer before
    it commits offsets, so an offset is never committed for a message that
    is neither processed nor dead-lettered."""

    def __init__(self, topic: Any) -> None:
        self._topic = topic

    async def send(self, event: Any, exc: BaseException) -> None:
        msg = event.message
        await self.send_raw(
            key=msg.key,
            value=msg.value,
            exc=exc,
            topic=msg.topic,
            partition=msg.partition,
            offset=msg.offset,
        )

    async def send_raw(
        self,
        *,
        key: bytes | None,
        value: bytes | None,
        exc: BaseException,
        topic: str,
        partition: int,
        offset: int,
    ) -> None:
        code = error_code(exc)
        if not isinstance(exc, StreamError) or code == ProcessingError.code:
            log.warning("dead-lettering %s[%s]@%s: %s", topic, partition, offset, exc, exc_info=exc)
        await self._topic.send(
            key=key,
            value=value,
            headers=dead_letter_headers(exc, topic=topic, partition=partition, offset=offset),
        )
        metrics.child(metrics.DEAD_LETTERS, topic, code).inc()
        metrics.child(metrics.MESSAGES_OUT, self._topic.get_topic_name()).inc()
