"""Handing a fetched record to its streams without four tasks per record.

Faust's consumer loop delivers every record with
``await self.wait_first(callback(message), self.suspend_flow.wait())``:
``mode``'s ``wait_first`` wraps the callback, the suspend event and the
service's *stopped* and *crashed* events in four tasks, waits for the first,
and cancels the other three. The callback (the conductor's ``on_message``:
decode, then ``put_nowait`` on each stream's queue) almost never waits for
anything: only when the flow is stopped for a rebalance, the producer buffer
is full, or a stream's queue is full.

:func:`hand_over` runs the callback up to its first suspension point right
away (:func:`run_eagerly`). When it finishes there, the common case, no task
was made and none needs cancelling. When it does suspend, the rest of it
continues in a task (:class:`Resumed`) raced against the suspend event by
``mode``'s own ``wait_first``, exactly as Faust does, so a rebalance still
interrupts a delivery blocked on a full queue. Python 3.12's eager task
factory does the same for every task; this is the one place a worker needs
it, on 3.11.

After a record is handed over, the loop gets one turn (``sleep(0)``), as it
did with Faust's tasks: the agents then take records as fast as they are
handed over. Without that turn the consumer handed over up to 100 records
(Faust's own ``yield_every``) before an agent ran, and in
``test_tables_recover_after_kill_9_and_no_alert_is_lost`` a restarted
worker stopped making progress on some partitions far more often. The
cause was ours, in the watchdogs (docs/streams.md, Faust bugs, item 8);
with it fixed, the turn made no measurable difference to throughput and is
kept. ``HEFESTO_STREAM_EAGER_HANDOFF=false`` gives Faust's own hand-off
back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Generator
from dataclasses import dataclass
from typing import Any

from mode.services import WaitResults

__all__ = ["Done", "Resumed", "hand_over", "run_eagerly"]


class Resumed:
    """An awaitable that continues ``coro`` from where :func:`run_eagerly`
    left it: ``yielded`` is what the coroutine's first ``send`` produced (the
    future it waits on). Values sent and exceptions thrown in by the awaiting
    task are passed on, so cancellation reaches the coroutine as it would
    had it run in its own task from the start."""

    __slots__ = ("_coro", "_yielded")

    def __init__(self, coro: Coroutine[Any, Any, Any], yielded: Any) -> None:
        self._coro = coro
        self._yielded = yielded

    def __await__(self) -> Generator[Any, Any, Any]:
        coro, yielded = self._coro, self._yielded
        while True:
            try:
                sent = yield yielded
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as exc:  # cancellation included: the coroutine decides
                try:
                    yielded = coro.throw(exc)
                except StopIteration as stop:
                    return stop.value
            else:
                try:
                    yielded = coro.send(sent)
                except StopIteration as stop:
                    return stop.value


@dataclass(frozen=True, slots=True)
class Done:
    """A coroutine :func:`run_eagerly` ran to its end, and what it returned."""

    value: Any


def run_eagerly(coro: Coroutine[Any, Any, Any]) -> Done | Resumed:
    """Run ``coro`` until it returns (:class:`Done`) or first suspends (the
    :class:`Resumed` rest, to be awaited). An exception it raises before
    suspending propagates, as awaiting it would."""
    try:
        yielded = coro.send(None)
    except StopIteration as stop:
        return Done(stop.value)
    return Resumed(coro, yielded)


async def hand_over(
    callback: Coroutine[Any, Any, Any],
    suspended: Coroutine[Any, Any, Any],
    *,
    wait_first: Callable[..., Awaitable[Any]],
) -> Any:
    """``wait_first(callback, suspended)``, with ``callback`` run eagerly:
    the same result when it completes without waiting, and the same race
    against ``suspended`` (``mode``'s ``wait_first``) when it does wait."""
    try:
        started = run_eagerly(callback)
    except BaseException:
        suspended.close()
        raise
    if isinstance(started, Done):
        suspended.close()
        await asyncio.sleep(0)  # the loop's turn (see the module's docstring)
        return WaitResults([callback], [started.value], False)
    return await wait_first(started, suspended)
