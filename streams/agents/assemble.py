"""Assembler: gathers an alert's header and its probes' parts (key
``alert_id``), emits the ``EnrichedAlert`` when every part arrived or
``assemble_timeout_ms`` passed, and emits ``correlation_version + 1``
whenever a later part (a slow probe, or a re-score after a late finding)
changes the result.

State lives in the ``assembly`` table, so a restarted worker resumes
half-gathered alerts; deadlines live in memory and are rebuilt from the
table by :meth:`Deadlines.rescan` after each change of assignment. Finished
alerts are forgotten past the late-finding horizon (streams/retention.py).
"""

from __future__ import annotations

import asyncio
import heapq
import time
from collections.abc import Iterable
from itertools import islice
from typing import TYPE_CHECKING, Any

from streams import metrics
from streams.agents.base import guarded
from streams.agents.emit import fingerprint, is_complete, new_assembly, resolved_header
from streams.gaps import hop_progress, lookup
from streams.ownership import Ownership, tables_ready
from streams.records import Header, Part, Probe, Rescore, Timeout, decode_parts_record
from streams.remotehops import RemoteReleased
from streams.retention import Evictions
from streams.retention import horizon_ms as late_horizon_ms

if TYPE_CHECKING:
    from streams.app import Engine

__all__ = ["Deadlines", "fingerprint", "is_complete", "register", "resolved_header"]

# At the timer's interval, more than any sustained alert rate needs.
EVICT_PER_TICK = 20_000
# Entries read per slice of a whole-table rescan (after a rebalance).
RESCAN_SLICE = 5_000
# How often held remote timeouts look up offsets: each lookup is a request
# per partition to the group coordinator, and a hold lasts at least a
# commit interval (a second) anyway.
REMOTE_LOOKUP_INTERVAL_MS = 200


class Deadlines:
    """In-memory heap of assembly deadlines, drained by a timer that sends a
    :class:`Timeout` record through the parts topic, so that the table is
    only ever changed inside the agent that owns the partition."""

    def __init__(self) -> None:
        self._heap: list[tuple[int, str]] = []
        self._known: set[str] = set()

    def schedule(self, alert_id: str, at_ms: int) -> None:
        if alert_id not in self._known:
            self._known.add(alert_id)
            heapq.heappush(self._heap, (at_ms, alert_id))

    def cancel(self, alert_id: str) -> None:
        """Forget a deadline (its heap entry is skipped when it comes due),
        so a completed alert costs no Timeout record."""
        self._known.discard(alert_id)

    def due(self, now_ms: int) -> list[str]:
        out = []
        while self._heap and self._heap[0][0] <= now_ms:
            _, alert_id = heapq.heappop(self._heap)
            if alert_id in self._known:
                self._known.discard(alert_id)
                out.append(alert_id)
        return out

    def __len__(self) -> int:
        return len(self._heap)

    def rescan(
        self,
        items: Iterable[tuple[str, dict[str, Any]]],
        *,
        now_ms: int,
        timeout_ms: int,
        horizon_ms: int,
        evictions: Evictions,
    ) -> int:
        """After a restart or a rebalance moved entries to this worker:
        schedule the unfinished ones that have no deadline here, and the
        eviction of the finished ones (at once for those that came back
        already past the late-finding horizon). Returns how many
        deadlines were added."""
        added = 0
        for alert_id, state in items:
            if not state:
                continue
            if state.get("version"):
                started = (state.get("header") or {}).get("ingest_ms") or state.get("first_ms") or now_ms
                evictions.schedule(alert_id, int(started) + horizon_ms)
            elif alert_id not in self._known:
                self.schedule(alert_id, max(now_ms, state.get("first_ms", now_ms) + timeout_ms))
                added += 1
        return added


def register(engine: Engine) -> None:
    topics, tables, settings = engine.topics, engine.tables, engine.settings
    deadlines = engine.deadlines
    timeout_ms = settings.assemble_timeout_ms
    horizon_ms = late_horizon_ms(settings)
    parts_name = topics.parts.get_topic_name()
    emitter = engine.emitter
    emit, on_duplicate = emitter.emit, emitter.on_duplicate
    probes_name = topics.probes.get_topic_name()

    async def on_rescore(record: Rescore, state: dict[str, Any] | None) -> None:
        if not state or state.get("header") is None:
            return
        header = resolved_header(state)
        for index, key in enumerate(header.file_keys):
            if key != record.file_key:
                continue
            probe = Probe(
                alert_id=header.alert_id,
                file_key=key,
                frame_index=index,
                alert_json=header.alert_json,
                frames=header.frames,
                error_type=header.error_type,
                error_message=header.error_message,
                ingest_ms=header.ingest_ms,
                late=True,
            )
            await topics.probes.send(key=key.encode(), value=probe.to_bytes())
            metrics.child(metrics.MESSAGES_OUT, probes_name).inc()

    def forget(alert_id: str) -> None:
        """Drop a finished alert past the horizon (streams/retention.py)."""
        tables.assembly.forget(alert_id)
        tables.correlations.forget(alert_id)

    def past_horizon(state: dict[str, Any], now_ms: int) -> bool:
        started = (state.get("header") or {}).get("ingest_ms") or state.get("first_ms") or now_ms
        return now_ms - int(started) >= horizon_ms

    async def on_timeout(alert_id: str, state: dict[str, Any] | None) -> None:
        if not state:
            return
        now_ms = int(time.time() * 1000)
        if state.get("version"):
            if past_horizon(state, now_ms):
                forget(alert_id)
            return
        if state.get("header") is not None:
            await emit(alert_id, state)
        elif now_ms - state.get("first_ms", now_ms) > 10 * timeout_ms:
            # Parts whose header never came (a duplicate replayed after the
            # entry was evicted): nothing can be assembled from them.
            del tables.assembly[alert_id]
        else:
            deadlines.schedule(alert_id, now_ms + timeout_ms)

    async def handle(event: Any) -> None:
        record = decode_parts_record(event.value)
        alert_id = record.alert_id
        state: dict[str, Any] | None = tables.assembly.get(alert_id)
        if isinstance(record, Timeout):
            await on_timeout(alert_id, state)
            return
        if isinstance(record, Rescore):
            await on_rescore(record, state)
            return
        now_ms = int(time.time() * 1000)
        if state is None:
            state = new_assembly(now_ms=now_ms)
        if isinstance(record, Header):
            if state["header"] is not None:
                await on_duplicate(alert_id, state)
                return
            state = {**state, "header": record.to_dict()}
        else:
            assert isinstance(record, Part)
            key = str(record.frame_index)
            if key in state["parts"] and not record.late:
                await on_duplicate(alert_id, state)
                return
            state = {**state, "parts": {**state["parts"], key: record.state()}}
            if record.frame is not None:
                state = {**state, "resolved": {**state.get("resolved", {}), key: record.frame}}
        if state["header"] is not None and (is_complete(state) or state.get("version")):
            await emit(alert_id, state)
        else:
            tables.assembly[alert_id] = state
            deadlines.schedule(alert_id, state["first_ms"] + timeout_ms)

    @engine.app.agent(topics.parts, name="assemble")
    async def assembler(stream: Any) -> None:
        output = engine.app.output_buffer
        async for event in stream.events():
            await guarded(event, handle, engine.deadletters, topic=parts_name)
            if output is not None:
                await output.flush_if_idle(stream)

    hops = engine.hops
    hop_topics = frozenset({topics.paths.get_topic_name(), probes_name})

    async def look_up_barrier(app: Any) -> None:
        """This epoch's barrier: the high-water marks of the hop partitions
        assigned here, once their tables are ready (streams/backlog.py)."""
        epoch = hops.epoch
        consumer = app.consumer
        tps = [tp for tp in consumer.assignment() if tp.topic in hop_topics]
        highwaters = await lookup(consumer.highwaters(*tps), what="high-water marks", tps=tps) if tps else {}
        if highwaters is not None:
            hops.set_barrier(dict(highwaters), epoch=epoch)

    remote = engine.remote_hops
    next_remote_lookup = {"ms": 0}

    async def release_remote(consumer: Any, now_ms: int) -> RemoteReleased:
        """Look up what the remote holds wait on, at most every
        ``REMOTE_LOOKUP_INTERVAL_MS``: high-water marks for the holds new
        since, then the group's committed offsets (streams/remotehops.py)."""
        if not remote.held or now_ms < next_remote_lookup["ms"]:
            return RemoteReleased([], [])
        next_remote_lookup["ms"] = now_ms + REMOTE_LOOKUP_INTERVAL_MS
        if tps := remote.to_look_up():
            highwaters = await lookup(consumer.highwaters(*tps), what="high-water marks", tps=tps)
            if highwaters is not None:
                remote.set_highwaters(highwaters)
        committed: dict[Any, int | None] = {}
        if tps := remote.to_check():
            answer = await lookup(consumer.committed_offsets(*tps), what="committed offsets", tps=tps)
            committed = answer or {}
        return remote.release(committed, now_ms=now_ms)

    @engine.app.timer(interval=engine.tuning.timer_interval_ms / 1000, name="assembly-deadlines")
    async def send_timeouts() -> None:
        app = engine.app
        if app.should_stop:
            return  # the producer may already be gone; deadlines are rebuilt on restart
        if hops.needs_barrier() and tables_ready(app):
            await look_up_barrier(app)
        now_ms = int(time.time() * 1000)
        consumer = app.consumer
        assigned = consumer.assignment()
        # A deadline whose alert has a probe on another worker's partition
        # waits until the group commits past it (streams/remotehops.py); one
        # with a probe in this worker's own paths or probes partitions waits
        # until it is read (streams/backlog.py).
        held_before = remote.held
        due = remote.hold(deadlines.due(now_ms), now_ms=now_ms)
        if remote.held > held_before:
            metrics.ASSEMBLY_TIMEOUTS_HELD_REMOTE.inc(remote.held - held_before)
        released = hops.release(
            due,
            now_ms=now_ms,
            progress=lambda tp: hop_progress(consumer, tp, assigned=assigned),
        )
        remote_released = await release_remote(consumer, now_ms)
        metrics.ASSEMBLY_TIMEOUTS_HELD.set(hops.held + remote.held)
        # What they waited for is read (or committed elsewhere), but the
        # parts it led to are not at the assembler yet: a fresh deadline,
        # which the part that completes the alert cancels, instead of a
        # timeout that would nearly always find the alert answered.
        for how, alert_ids in (
            ("after_backlog", released.after_backlog),
            ("after_remote", remote_released.ready),
        ):
            if alert_ids:
                metrics.child(metrics.ASSEMBLY_TIMEOUTS, how).inc(len(alert_ids))
                for alert_id in alert_ids:
                    deadlines.schedule(alert_id, now_ms + timeout_ms)
        for how, alert_ids in (
            ("at_deadline", released.at_deadline),
            ("at_cap", released.at_cap + remote_released.at_cap),
        ):
            if alert_ids:
                metrics.child(metrics.ASSEMBLY_TIMEOUTS, how).inc(len(alert_ids))
                for alert_id in alert_ids:
                    await topics.parts.send(key=alert_id.encode(), value=Timeout(alert_id).to_bytes())

    evictions = engine.evictions
    ownership = Ownership(engine.app, topic=settings.topic_findings, partitions=settings.topic_partitions)
    scanned: dict[str, Any] = {"for": None}

    @engine.app.timer(interval=engine.tuning.timer_interval_ms / 1000, name="assembly-rescan")
    async def rescan() -> None:
        app = engine.app
        if app.rebalancing or app.in_recovery:
            return
        now_ms = int(time.time() * 1000)
        # A whole-table scan only when the assignment changed (entries
        # recovered here have no deadline or eviction yet): the table holds
        # every alert of the horizon, millions at high rates.
        assignment = (app.consumer_generation_id, ownership.owned())
        if assignment != scanned["for"]:
            scanned["for"] = assignment
            # In slices, yielding between them: a packed table decodes each
            # entry it reads, and the event loop must go on meanwhile.
            entries = tables.assembly.items()
            while chunk := list(islice(entries, RESCAN_SLICE)):
                deadlines.rescan(
                    chunk, now_ms=now_ms, timeout_ms=timeout_ms, horizon_ms=horizon_ms, evictions=evictions
                )
                await asyncio.sleep(0)
        # Due ones are past the horizon: forgotten without reading them.
        evicted = 0
        for alert_id in evictions.due(now_ms, limit=EVICT_PER_TICK):
            forget(alert_id)
            evicted += 1
        if evicted:
            metrics.EVICTED_ALERTS.inc(evicted)
