"""The scoring process: a worker that owns every partition answers its
alerts in a child process, beside its consumer and producer.

A worker's one thread holds the GIL; with one worker, a third of the
machine's two cores stayed idle while that thread was saturated
(docs/streams.md, Tuning, item 36). The fan-out hands each alert's bytes to
the child (:mod:`streams.scoringproc`), which decodes, locates, scores and
assembles it against its copy of ``findings_by_file``
(:func:`streams.answer.answer`) and sends the :class:`~streams.answer.Answer`
back; the worker applies the answers in order (tables, output, history)
exactly as it applies its own local join's.

Ordering and guarantees:

- the child's copy is seeded from the table when this worker starts to own
  every partition (a new group generation, after the table's recovery),
  and every later change of the table is queued to it before the jobs that
  follow;
- :meth:`ScoringProcess.drain` waits for the answers of every job queued
  before the call. A commit drains first (:mod:`streams.consumer`), so no
  offset is committed before its alert's answer is applied; a changed file
  drains before its late re-scores are asked for, so the alerts in flight
  are in ``recent_alerts_by_file`` and ``assembly`` by then; and an alert
  the worker joins itself (not every partition here) waits for those before
  it;
- an alert the child cannot answer alone (a frame needs the resolve agent),
  or whose answer fails, is handled in the worker, in its place in the
  order; a message that does not decode is dead-lettered with its code;
- when the child dies, the jobs in flight are handled in the worker, and
  every later alert too (``hefesto_stream_scoring_process_up`` drops to 0).
"""

from __future__ import annotations

import asyncio
import logging
import pickle
import socket
import struct
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from streams import errors, metrics
from streams.agents.base import record_ms
from streams.answer import Answer, AnswerParams

if TYPE_CHECKING:
    from streams.app import Engine

__all__ = ["ScoringProcess", "read_frame", "write_frame"]

log = logging.getLogger(__name__)

_LEN = struct.Struct("!I")

_ERRORS: dict[str, type[errors.StreamError]] = {
    cls.__name__: cls
    for cls in (errors.DecodeError, errors.ValidationFailed, errors.UnsupportedSchema, errors.ProcessingError)
}


def write_frame(payload: Any) -> bytes:
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    return _LEN.pack(len(data)) + data


async def read_frame(reader: asyncio.StreamReader) -> Any:
    (size,) = _LEN.unpack(await reader.readexactly(_LEN.size))
    return pickle.loads(await reader.readexactly(size))  # noqa: S301 (our own child)


class ScoringProcess:
    def __init__(self, engine: Engine, *, params: AnswerParams) -> None:
        tuning = engine.tuning
        self._engine = engine
        self._params = params
        self._alerts_topic = engine.settings.topic_alerts
        self._batch_max = tuning.scoring_batch_max
        self._batch_wait_s = tuning.scoring_batch_wait_ms / 1000
        self._max_inflight = tuning.scoring_max_inflight
        self.fallback: Callable[[Any], Awaitable[None]] | None = None
        """The fan-out's own handler (set by :func:`streams.agents.fanout.make_handler`)."""
        self._proc: asyncio.subprocess.Process | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._reading: asyncio.Task[None] | None = None
        self._pending: list[tuple[Any, ...]] = []
        self._inflight: dict[int, Any] = {}  # seq -> event, in order
        self._seq = 0
        self._applied = 0
        self._progress = asyncio.Event()
        self._seeded: int | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._flushes: set[asyncio.Task[None]] = set()
        self._broken = False
        self._stopping = False

    @property
    def ready(self) -> bool:
        return self._writer is not None and not self._broken

    @property
    def inflight(self) -> int:
        return len(self._inflight)

    def register(self, app: Any) -> None:
        @app.task
        async def start_scoring_process() -> None:
            await self.start()

        @app.on_before_shutdown.connect
        async def stop_scoring_process(_: Any, **kwargs: Any) -> None:
            # The consumer has stopped and its last commit drained the answers.
            await self.stop()

    async def start(self) -> None:
        parent, child = socket.socketpair()
        try:
            self._proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "streams.scoringproc",
                str(child.fileno()),
                pickle.dumps(self._params).hex(),
                pass_fds=(child.fileno(),),
            )
        finally:
            child.close()
        reader, self._writer = await asyncio.open_connection(sock=parent)
        self._reading = asyncio.ensure_future(self._read_answers(reader))
        metrics.SCORING_PROCESS_UP.set(1)
        log.info("scoring process %d started", self._proc.pid)

    async def stop(self) -> None:
        self._stopping = True
        if self._writer is not None:
            self._writer.close()
        if self._proc is not None and self._proc.returncode is None:
            try:
                await asyncio.wait_for(self._proc.wait(), timeout=5)
            except TimeoutError:
                self._proc.kill()

    # -- jobs ------------------------------------------------------------------

    async def submit(self, event: Any, *, generation: int) -> None:
        """Queue ``event``'s alert; its answer is applied later, in order."""
        if self._seeded != generation:
            await self.drain()
            self._seed(generation)
        while len(self._inflight) >= self._max_inflight and self.ready:
            self._progress.clear()
            await self.flush()
            await self._progress.wait()
        if not self.ready:
            assert self.fallback is not None
            await self.fallback(event)  # the agent's guard dead-letters what it raises
            return
        self._seq += 1
        self._inflight[self._seq] = event
        self._pending.append(("job", self._seq, event.value, record_ms(event)))
        if len(self._pending) >= self._batch_max:
            await self.flush()
        elif self._timer is None:
            # A short wait gathers a batch: one frame each way per alert
            # cost more than the alerts' own scoring at 1,000/s.
            self._timer = asyncio.get_running_loop().call_later(self._batch_wait_s, self._flush_soon)

    def findings_changed(self, key: str, state: dict[str, Any] | None) -> None:
        """``findings_by_file[key]`` is now ``state``: the child's copy follows,
        before any job queued after this."""
        if self._seeded is not None:
            self._pending.append(("update", key, state))

    def _seed(self, generation: int) -> None:
        snapshot = dict(self._engine.tables.findings_by_file.items())
        self._pending.append(("seed", snapshot))
        self._seeded = generation
        log.info("scoring process seeded with %d files (group generation %d)", len(snapshot), generation)

    def _flush_soon(self) -> None:
        self._timer = None
        task = asyncio.ensure_future(self.flush())
        self._flushes.add(task)
        task.add_done_callback(self._flushes.discard)

    async def flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._pending or self._writer is None or self._broken:
            return
        batch, self._pending = self._pending, []
        try:
            self._writer.write(write_frame(batch))
            await self._writer.drain()
        except (ConnectionError, OSError) as exc:
            # The child is gone: the reader sees it too, and handles every
            # job in flight here (these included).
            log.warning("scoring process unreachable: %s", exc)

    async def drain(self) -> None:
        """Until the answers of every job queued so far are applied."""
        target = self._seq
        await self.flush()
        while self._applied < target:
            self._progress.clear()
            await self._progress.wait()

    # -- answers ---------------------------------------------------------------

    async def _read_answers(self, reader: asyncio.StreamReader) -> None:
        try:
            while True:
                for seq, kind, value in await read_frame(reader):
                    await self._apply(self._inflight.pop(seq), kind, value)
                    self._applied = seq
                    if kind == "ok" and value is None:
                        # Joined by the worker itself (the resolve hop): the
                        # loop's turn after it, as the consumer's hand-off
                        # gives one after each record, so that a frame of
                        # them does not hold the other agents back. Not after
                        # every answer: that cost throughput in single runs
                        # (docs/streams.md, Tuning, item 37).
                        await asyncio.sleep(0)
                metrics.SCORING_INFLIGHT.set(len(self._inflight))
                await self._after_batch()
                self._progress.set()
        except (asyncio.IncompleteReadError, ConnectionError, OSError) as exc:
            if not self._stopping:
                log.error("scoring process gone (%s); %d alerts in flight handled here", exc, self.inflight)
        except Exception:
            log.exception("scoring process answers failed; %d alerts in flight handled here", self.inflight)
        self._broken = True
        metrics.SCORING_PROCESS_UP.set(0)
        inflight, self._inflight = self._inflight, {}
        for seq, event in inflight.items():
            await self._apply(event, "here", None)
            self._applied = seq
            self._progress.set()
        self._progress.set()

    async def _apply(self, event: Any, kind: str, value: Any) -> None:
        """Apply one job's outcome; never raises (a failure is that alert's
        dead letter, as the agent's guard would make it)."""
        deadletters = self._engine.deadletters
        try:
            if kind == "error":
                await deadletters.send(event, _ERRORS.get(value[0], errors.ProcessingError)(value[1]))
            elif value is None:
                assert self.fallback is not None
                await self.fallback(event)
            else:
                await self._record(event, value)
        except errors.MessageError as exc:
            await deadletters.send(event, exc)
        except Exception as exc:
            await deadletters.send(event, errors.ProcessingError(f"{type(exc).__name__}: {exc}"))

    async def _record(self, event: Any, answer: Answer) -> None:
        engine = self._engine
        alert_id = answer.alert_id
        if engine.sink is not None:
            engine.sink.add_alert_raw(alert_id, event.value)
        known = engine.tables.assembly.get(alert_id)
        if known is not None and known.get("version"):
            # Replayed after a crash or rebalance (see Emitter.on_duplicate).
            await engine.emitter.on_duplicate(alert_id, known)
            return
        for key in answer.file_keys:
            engine.scorer.remember_file(key, alert_id, answer.ingest_ms)
        metrics.child(metrics.FRAMES_SCORED, "fanout").inc(len(answer.file_keys))
        await engine.emitter.record_answer(answer)

    async def _after_batch(self) -> None:
        app = self._engine.app
        output, writer = app.output_buffer, app.changelog_writer
        if output is not None and output.pending:
            await output.flush()
        if writer is not None and writer.wants_flush():
            await writer.flush()
