"""Running a worker: create the topics, then start Faust's worker on the
engine's app (uvloop when enabled)."""

from __future__ import annotations

import asyncio
import logging

from hefesto_core.settings import Settings
from streams.gctune import configure_gc
from streams.topics import ensure_engine_topics
from streams.tuning import StreamTuning

__all__ = ["run_worker"]

log = logging.getLogger(__name__)


def run_worker(settings: Settings, tuning: StreamTuning) -> None:
    """Block until the worker stops. ``kill -USR1 <pid>`` makes mode's
    worker write every thread's stack to stderr (the worker's log) without
    stopping it: the first thing to look at when a worker stops making
    progress."""
    configure_gc(gen0_threshold=tuning.gc_gen0_threshold)
    created = asyncio.run(ensure_engine_topics(settings))
    if created:
        log.info("created topics: %s", ", ".join(created))
    if tuning.uvloop:
        import uvloop

        uvloop.install()
    # asyncio.run closed its loop; Faust's worker takes the policy's new one.
    asyncio.set_event_loop(asyncio.new_event_loop())

    import faust

    from streams.app import create_engine

    engine = create_engine(settings, tuning)
    level = getattr(logging, settings.log_level.upper())

    @engine.app.task
    async def _apply_log_level() -> None:
        # mode's logging setup leaves the root logger at DEBUG whatever the
        # worker's loglevel, and aiokafka then builds a debug record for
        # every fetch: a large share of an idle worker's CPU.
        logging.getLogger().setLevel(level)
        for name in ("aiokafka", "faust", "mode"):
            logging.getLogger(name).setLevel(max(level, logging.INFO))

    worker = faust.Worker(engine.app, loglevel=settings.log_level.upper(), quiet=True)
    worker.execute_from_commandline()
