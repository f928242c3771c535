"""Operational timers and the Faust sensor: rebalances, table recovery
time, consumer lag, table sizes, and the history sink's flush loop."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from faust.sensors import Sensor

from streams import metrics
from streams.memory import MemoryWatch, memory_limit_bytes, rss_bytes
from streams.retention import horizon_ms

if TYPE_CHECKING:
    from streams.app import Engine

__all__ = ["RebalanceSensor", "register"]

log = logging.getLogger(__name__)

_LAST_FLUSH_S = 10.0


class RebalanceSensor(Sensor):
    """Counts rebalances and remembers when the last one started, so the
    recovery timer can observe how long the tables took to be ready."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rebalance_started: float | None = None

    def on_rebalance_start(self, app: Any) -> dict[str, Any]:
        metrics.REBALANCES.inc()
        self.rebalance_started = time.monotonic()
        return super().on_rebalance_start(app)


def register(engine: Engine) -> None:
    app = engine.app
    sensor = RebalanceSensor()
    app.sensors.add(sensor)
    state = {"recovered": False}
    limit = memory_limit_bytes()
    if limit is not None:
        metrics.MEMORY_LIMIT.set(limit)
    memory = MemoryWatch(
        limit, warn_fraction=engine.tuning.memory_warn_fraction, horizon_ms=horizon_ms(engine.settings)
    )

    @app.timer(interval=0.5, name="observe-recovery")
    async def observe_recovery() -> None:
        started = sensor.rebalance_started
        if started is None:
            return
        if app.rebalancing or app.in_recovery or not app.tables.recovery.completed.is_set():
            state["recovered"] = False
            return
        if not state["recovered"]:
            state["recovered"] = True
            sensor.rebalance_started = None
            metrics.RECOVERY_SECONDS.observe(time.monotonic() - started)

    @app.timer(interval=5.0, name="observe-lag")
    async def observe_lag() -> None:
        consumer = app.consumer
        for tp in consumer.assignment():
            try:
                highwater = consumer.highwater(tp)
            except Exception:
                highwater = None  # nothing fetched from this partition yet
            # Faust keeps its committed offsets only privately.
            committed = consumer._committed_offset.get(tp)
            if highwater is not None and committed is not None:
                lag = max(0, highwater - committed)
                metrics.child(metrics.CONSUMER_LAG, tp.topic, str(tp.partition)).set(lag)
        for name, table in engine.tables.all().items():
            metrics.child(metrics.TABLE_KEYS, name).set(len(table))
        warning = memory.check(
            rss=rss_bytes(), retained=len(engine.tables.assembly), now_ms=int(time.time() * 1000)
        )
        if warning:
            log.warning(warning)

    sink = engine.sink
    if sink is not None:

        @app.timer(interval=engine.tuning.sink_flush_interval_ms / 1000, name="history-sink")
        async def flush_sink() -> None:
            await sink.flush()

        @app.on_before_shutdown.connect
        async def close_sink(_: Any, **kwargs: Any) -> None:
            # The consumer has stopped: a last flush, bounded so that an
            # unreachable store cannot hold the shutdown (what it leaves
            # buffered is not written), then the store process is closed.
            try:
                await asyncio.wait_for(sink.flush(), timeout=_LAST_FLUSH_S)
            except Exception as exc:
                log.warning("history sink: last flush failed at shutdown: %s", exc)
            await asyncio.to_thread(sink.close)
