"""The eager record hand-off (streams/handoff.py), against mode's own
``Service.wait_first``; the Kafka tests run it in every worker."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from mode import Service

from streams.handoff import Done, Resumed, hand_over, run_eagerly


class _Service(Service):
    pass


async def _quick(value: int, log: list[str]) -> int:
    log.append("ran")
    return value


async def _put(queue: asyncio.Queue[int], value: int, log: list[str]) -> str:
    """Like the conductor's callback: no wait unless the queue is full."""
    log.append("started")
    try:
        await queue.put(value)
    except asyncio.CancelledError:
        log.append("cancelled")
        raise
    log.append("put")
    return "delivered"


def _other_tasks() -> set[asyncio.Task[Any]]:
    return {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}


async def test_a_callback_that_never_waits_completes_at_once_without_tasks() -> None:
    log: list[str] = []
    before = _other_tasks()
    started = run_eagerly(_quick(7, log))
    assert started == Done(7)
    assert log == ["ran"]
    assert _other_tasks() == before


async def test_an_exception_before_the_first_wait_propagates() -> None:
    async def boom() -> None:
        raise ValueError("undecodable")

    with pytest.raises(ValueError, match="undecodable"):
        run_eagerly(boom())


async def test_a_suspended_callback_resumes_with_the_awaited_result() -> None:
    fut: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    async def waits() -> int:
        got = await fut
        await asyncio.sleep(0)  # a bare yield to the loop, passed through too
        return got * 2

    started = run_eagerly(waits())
    assert isinstance(started, Resumed)
    task = asyncio.ensure_future(started)
    await asyncio.sleep(0)
    assert not task.done()
    fut.set_result(21)
    assert await task == 42


async def test_an_exception_after_the_first_wait_reaches_the_awaiting_task() -> None:
    fut: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    async def waits() -> int:
        return await fut

    started = run_eagerly(waits())
    assert isinstance(started, Resumed)
    task = asyncio.ensure_future(started)
    await asyncio.sleep(0)
    fut.set_exception(KeyError("gone"))
    with pytest.raises(KeyError):
        await task


async def test_cancelling_the_task_cancels_the_suspended_callback() -> None:
    queue: asyncio.Queue[int] = asyncio.Queue(maxsize=1)
    queue.put_nowait(0)
    log: list[str] = []
    started = run_eagerly(_put(queue, 1, log))
    assert isinstance(started, Resumed)
    task = asyncio.ensure_future(started)
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert log == ["started", "cancelled"]
    assert queue.qsize() == 1


async def test_hand_over_returns_what_wait_first_would_when_the_callback_completes() -> None:
    service = _Service()
    suspend = asyncio.Event()
    log: list[str] = []
    before = _other_tasks()
    callback = _quick(3, log)
    result = await hand_over(callback, suspend.wait(), wait_first=service.wait_first)
    assert result.done == [callback]
    assert result.results == [3]
    assert result.stopped is False
    assert _other_tasks() == before  # the suspend coroutine was closed, never scheduled


async def _blocked_hand_over(
    meanwhile: Callable[[asyncio.Queue[int], asyncio.Event], None],
) -> tuple[Any, asyncio.Queue[int], list[str]]:
    """Hand over a delivery to a full queue; ``meanwhile`` runs 10 ms later
    (frees the queue, or suspends the flow)."""
    queue: asyncio.Queue[int] = asyncio.Queue(maxsize=1)
    queue.put_nowait(0)
    log: list[str] = []
    suspend = asyncio.Event()

    async def later() -> None:
        await asyncio.sleep(0.01)
        meanwhile(queue, suspend)

    task = asyncio.ensure_future(later())
    result = await hand_over(_put(queue, 1, log), suspend.wait(), wait_first=_Service().wait_first)
    await task
    await asyncio.sleep(0)  # let a cancelled delivery unwind
    return result, queue, log


async def test_hand_over_of_a_blocked_delivery_completes_when_the_queue_drains() -> None:
    result, queue, log = await _blocked_hand_over(lambda queue, _: queue.get_nowait())
    assert result.results == ["delivered"]
    assert log == ["started", "put"]
    assert queue.get_nowait() == 1


async def test_a_suspended_flow_interrupts_a_blocked_delivery_as_in_faust() -> None:
    result, queue, log = await _blocked_hand_over(lambda _, suspend: suspend.set())
    assert log == ["started", "cancelled"]
    assert queue.qsize() == 1
    assert queue.get_nowait() == 0  # the record was not delivered
    assert result.results == [True]  # the suspend event won, as with Faust's wait_first
