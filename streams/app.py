"""The app factory: :func:`create_engine` builds the Faust app from
:class:`~hefesto_core.settings.Settings` and :class:`~streams.tuning.StreamTuning`,
declares topics and tables, and registers the agents, timers and web routes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import faust
from faust.types import TP
from mode.utils.objects import cached_property
from mode.utils.queues import FlowControlEvent

from hefesto_core.settings import Settings
from streams.agents import assemble, fanout, ingest, probe, resolve
from streams.agents.aggregates import Aggregates, declare_aggregates, register_expiry
from streams.agents.assemble import Deadlines
from streams.agents.emit import Emitter
from streams.agents.scoring import FrameScorer
from streams.backlog import HopBacklog
from streams.changelog import ChangelogWriter, register_flush
from streams.consumer import BufferTracker, transport_class
from streams.deadletter import DeadLetters
from streams.flowcontrol import KeepingFlowControl
from streams.output import OutputBuffer
from streams.ownership import Ownership
from streams.remotehops import RemoteHops
from streams.retention import Evictions
from streams.sink import HistorySink
from streams.sinkwriter import InlineWriter, SinkKind, StoreWriter
from streams.storeproc import ProcessWriter
from streams.tables import EngineTables, declare_tables
from streams.topics import EngineTopics, declare_topics
from streams.tuning import StreamTuning

if TYPE_CHECKING:
    from streams.offload import ScoringProcess

__all__ = ["Engine", "create_engine"]

log = logging.getLogger(__name__)


class _App(faust.App):
    fetch_max_wait_ms: int = 1500
    trust_offset_jumps: bool = False
    start_offset_topics: frozenset[str] = frozenset()
    eager_handoff: bool = True
    buffer_tracker: BufferTracker | None = None
    changelog_writer: ChangelogWriter | None = None
    output_buffer: OutputBuffer | None = None
    offload: Any = None

    def _new_transport(self) -> Any:
        transport_cls = transport_class(
            fetch_max_wait_ms=self.fetch_max_wait_ms,
            trust_offset_jumps=self.trust_offset_jumps,
            eager_handoff=self.eager_handoff,
        )
        return transport_cls(self.conf.broker_consumer, self)

    @cached_property
    def flow_control(self) -> FlowControlEvent:
        # Faust's own clears the agents' queues on every resume, also the one
        # at the end of a recovery that follows no suspension, dropping the
        # records fetched meanwhile (streams/flowcontrol.py).
        return KeepingFlowControl(loop=self.loop)


@dataclass(slots=True)
class Engine:
    app: Any
    settings: Settings
    tuning: StreamTuning
    topics: EngineTopics
    tables: EngineTables
    deadletters: DeadLetters
    deadlines: Deadlines
    evictions: Evictions
    hops: HopBacklog
    remote_hops: RemoteHops
    sink: HistorySink | None
    aggregates: Aggregates
    # Built from the engine itself, right after it (see create_engine).
    scorer: FrameScorer = field(init=False)
    emitter: Emitter = field(init=False)
    offload: ScoringProcess | None = None
    """Set by the fan-out when ``HEFESTO_STREAM_SCORING_PROCESS`` is on."""


def _open_history_store(settings: Settings) -> Any:
    from hefesto_core.history import open_store  # the store is optional until it is built

    return open_store(settings)


def _store_writer(settings: Settings, tuning: StreamTuning) -> StoreWriter:
    if tuning.sink_process:
        return ProcessWriter(settings, timeout_ms=tuning.sink_write_timeout_ms)
    return InlineWriter(lambda: _open_history_store(settings))


def create_engine(settings: Settings, tuning: StreamTuning, *, with_sink: bool | None = None) -> Engine:
    """Build the app. Topics must already exist (see
    :func:`streams.topics.ensure_engine_topics`)."""
    if tuning.processing_guarantee == "exactly_once":
        # Kept for experiments only: Faust's per-partition transactions do
        # not cover a re-keying join (docs/streams.md, "Exactly-once").
        log.warning(
            "HEFESTO_STREAM_PROCESSING_GUARANTEE=exactly_once is not supported: Faust commits each "
            "output with the input offsets of its destination partition, so re-keyed outputs can stall "
            "or be lost (docs/streams.md, Exactly-once); use at_least_once"
        )
    datadir = settings.data_dir / "faust"
    datadir.mkdir(parents=True, exist_ok=True)
    brokers = [
        f"kafka://{server.strip()}" for server in settings.bootstrap_servers.split(",") if server.strip()
    ]
    app = _App(
        settings.app_id,
        broker=brokers,
        store="memory://",
        autodiscover=False,
        topic_partitions=settings.topic_partitions,
        topic_replication_factor=settings.topic_replication,
        topic_allow_declare=True,
        table_standby_replicas=0,
        consumer_auto_offset_reset="earliest",
        processing_guarantee=tuning.processing_guarantee,
        producer_linger=tuning.producer_linger_ms / 1000,
        producer_max_batch_size=tuning.producer_max_batch_size,
        producer_acks=tuning.producer_acks,
        producer_compression_type=(
            None if tuning.producer_compression == "none" else tuning.producer_compression
        ),
        broker_max_poll_records=tuning.max_poll_records,
        broker_commit_interval=tuning.commit_interval_ms / 1000,
        broker_commit_every=tuning.commit_every,
        stream_buffer_maxsize=tuning.stream_buffer_maxsize,
        broker_session_timeout=tuning.session_timeout_ms / 1000,
        broker_heartbeat_interval=tuning.heartbeat_interval_ms / 1000,
        web_enabled=True,
        web_host=settings.api_host,
        web_bind=settings.api_host,
        web_port=tuning.web_port or settings.api_port,
        datadir=str(datadir),
    )
    app.fetch_max_wait_ms = tuning.fetch_max_wait_ms
    app.eager_handoff = tuning.eager_handoff
    app.trust_offset_jumps = tuning.processing_guarantee == "exactly_once"
    app.buffer_tracker = BufferTracker(app.producer.buffer)
    batched = tuning.processing_guarantee == "at_least_once"
    writer = ChangelogWriter(app, partitions=settings.topic_partitions, enabled=batched)
    app.changelog_writer = writer
    # Enriched alerts in record batches, flushed like the changelog writes
    # (streams/output.py); not under exactly-once, whose sends must be Faust's.
    app.output_buffer = OutputBuffer(app, settings.topic_enriched) if batched else None
    topics = declare_topics(app, settings)
    tables = declare_tables(app, settings, writer)
    deadletters = DeadLetters(topics.deadletter)
    sink: HistorySink | None = None
    if with_sink if with_sink is not None else tuning.sink_enabled:
        sink = HistorySink(
            _store_writer(settings, tuning),
            deadletters=deadletters,
            source_topics={
                SinkKind.ALERTS: settings.topic_alerts,
                SinkKind.FINDING_EVENTS: settings.topic_findings,
                SinkKind.CORRELATIONS: settings.topic_enriched,
            },
            batch_size=tuning.sink_batch_size,
            buffer_max=tuning.sink_buffer_max,
        )
    ownership = Ownership(app, topic=settings.topic_findings, partitions=settings.topic_partitions)
    probes_topic = topics.probes.get_topic_name()
    engine = Engine(
        app=app,
        settings=settings,
        tuning=tuning,
        topics=topics,
        tables=tables,
        deadletters=deadletters,
        deadlines=Deadlines(),
        evictions=Evictions(),
        hops=HopBacklog(
            owns=lambda key: ownership.partition(key) in ownership.owned(),
            epoch=lambda: int(app.rebalancing_count),
            max_wait_ms=tuning.timeout_backlog_wait_ms,
        ),
        remote_hops=RemoteHops(
            probe_partitions=[TP(probes_topic, p) for p in range(settings.topic_partitions)],
            max_wait_ms=tuning.timeout_backlog_wait_ms,
        ),
        sink=sink,
        aggregates=declare_aggregates(app, settings, writer),
    )
    if batched:
        # The enriched alerts first, as before a commit (streams/consumer.py).
        buffers = [b for b in (app.output_buffer, writer) if b is not None]
        register_flush(app, *buffers, interval_ms=tuning.changelog_flush_interval_ms)
    register_expiry(app, engine.aggregates)
    engine.scorer = FrameScorer(engine)
    engine.emitter = Emitter(engine)
    ingest.register(engine)
    fanout.register(engine)
    probe.register(engine)
    resolve.register(engine)
    assemble.register(engine)

    from streams import gaps, web
    from streams.observe import register as register_observers

    web.register(engine)
    gaps.register(engine)
    register_observers(engine)
    return engine
