"""The per-message guard every agent uses: one message's failure becomes a
dead letter and the agent moves on to the next message."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from streams import metrics
from streams.deadletter import DeadLetters
from streams.errors import MessageError, ProcessingError

__all__ = ["guarded", "record_ms"]

log = logging.getLogger(__name__)


def record_ms(event: Any) -> int:
    """The Kafka record timestamp of ``event`` in ms (Faust gives seconds)."""
    ts = event.message.timestamp
    return int(ts * 1000) if ts else 0


async def guarded(
    event: Any, handler: Callable[[Any], Awaitable[None]], deadletters: DeadLetters, *, topic: str
) -> None:
    """Run ``handler(event)``; dead-letter the event if it raises.

    ``BaseException`` subclasses that are not ``Exception`` (cancellation on
    shutdown or rebalance) propagate: the event is then not acknowledged and
    will be processed again, which is what at-least-once wants.
    """
    metrics.child(metrics.MESSAGES_IN, topic).inc()
    try:
        await handler(event)
    except MessageError as exc:
        await deadletters.send(event, exc)
    except Exception as exc:
        await deadletters.send(event, ProcessingError(f"{type(exc).__name__}: {exc}"))
