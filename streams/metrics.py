"""Prometheus metrics of the engine (default registry, so the sidecar API's
``/metrics`` exposes them too). Names follow Prometheus conventions:
counters end in ``_total``, durations are ``_seconds``."""

from __future__ import annotations

from functools import cache
from typing import Any

from prometheus_client import Counter, Gauge, Histogram

__all__ = [
    "ALERT_LATENCY",
    "ASSEMBLY_TIMEOUTS",
    "ASSEMBLY_TIMEOUTS_HELD",
    "CHANGELOG_FAILURES",
    "CHANGELOG_RECORDS",
    "CONFIDENCE",
    "CONSUMER_LAG",
    "DEAD_LETTERS",
    "EVICTED_ALERTS",
    "FRAMES_SCORED",
    "INGEST_LATENCY",
    "LATE_RESOLUTIONS",
    "MEMORY_LIMIT",
    "MESSAGES_IN",
    "MESSAGES_OUT",
    "OUTPUT_FAILURES",
    "PROBES_REQUEUED",
    "REBALANCES",
    "RECOVERY_SECONDS",
    "SCORING_INFLIGHT",
    "SCORING_PROCESS_UP",
    "SINK_BUFFERED",
    "SINK_DROPPED",
    "SINK_FAILURES",
    "SINK_WRITTEN",
    "TABLE_KEYS",
    "VERSIONS_EMITTED",
    "child",
]

_LATENCY_BUCKETS = (
    0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075,
    0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0,
)  # fmt: skip

MESSAGES_IN = Counter("hefesto_stream_messages_in_total", "Messages consumed", ["topic"])
MESSAGES_OUT = Counter("hefesto_stream_messages_out_total", "Messages produced", ["topic"])
DEAD_LETTERS = Counter(
    "hefesto_stream_dead_letters_total",
    "Messages sent to the dead-letter topic",
    ["source_topic", "error_code"],
)
VERSIONS_EMITTED = Counter(
    "hefesto_stream_enriched_alerts_total",
    "Enriched alerts emitted, by whether it was the first version or a correction",
    ["kind"],
)
ALERT_LATENCY = Histogram(
    "hefesto_stream_alert_latency_seconds",
    "From the alert's own timestamp to the enriched alert being emitted",
    buckets=_LATENCY_BUCKETS,
)
INGEST_LATENCY = Histogram(
    "hefesto_stream_ingest_latency_seconds",
    "From the alert's Kafka record timestamp to the enriched alert being emitted",
    buckets=_LATENCY_BUCKETS,
)
CONFIDENCE = Histogram(
    "hefesto_stream_correlation_confidence",
    "correlation_confidence of emitted enriched alerts",
    buckets=(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0),
)
EVICTED_ALERTS = Counter(
    "hefesto_stream_evicted_alerts_total",
    "Finished alerts forgotten from assembly and correlations past the late-finding horizon",
)
MEMORY_LIMIT = Gauge(
    "hefesto_stream_memory_limit_bytes", "Memory this worker may use: its cgroup's limit, else the machine's"
)
TABLE_KEYS = Gauge("hefesto_stream_table_keys", "Keys held by this worker per table", ["table"])
CONSUMER_LAG = Gauge(
    "hefesto_stream_consumer_lag_messages", "Highwater minus committed offset", ["topic", "partition"]
)
REBALANCES = Counter("hefesto_stream_rebalances_total", "Consumer group rebalances seen by this worker")
RECOVERY_SECONDS = Histogram(
    "hefesto_stream_table_recovery_seconds",
    "Time from a rebalance to the tables being recovered",
    buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600),
)
SINK_WRITTEN = Counter("hefesto_stream_sink_written_total", "Records written to the history store", ["kind"])
SINK_FAILURES = Counter("hefesto_stream_sink_failures_total", "Failed history store write attempts", ["kind"])
SINK_DROPPED = Counter(
    "hefesto_stream_sink_dead_lettered_total",
    "Records the history sink could not buffer and sent to the dead-letter topic",
    ["kind"],
)
SINK_BUFFERED = Gauge("hefesto_stream_sink_buffered", "Records waiting for the history store", ["kind"])
LATE_RESOLUTIONS = Counter(
    "hefesto_stream_late_path_resolutions_total",
    "Frames mapped to a repository file only when that file's findings arrived after the alert",
)
SCORING_PROCESS_UP = Gauge(
    "hefesto_stream_scoring_process_up",
    "1 while the worker's scoring process answers its alerts (streams/offload.py), 0 once it died",
)
SCORING_INFLIGHT = Gauge(
    "hefesto_stream_scoring_inflight", "Alerts sent to the scoring process whose answers are not applied yet"
)
FRAMES_SCORED = Counter(
    "hefesto_stream_frames_scored_total",
    "Frames scored against their file's findings, by where: in the fan-out (every table partition"
    " the alert needs is on this worker) or by the probe agent (the file lives elsewhere)",
    ["path"],
)
CHANGELOG_RECORDS = Counter(
    "hefesto_stream_changelog_records_total", "Batched table writes sent to their changelog topics"
)
CHANGELOG_FAILURES = Counter(
    "hefesto_stream_changelog_failures_total", "Batched table writes whose send failed (they are re-queued)"
)
OUTPUT_FAILURES = Counter(
    "hefesto_stream_output_failures_total",
    "Batched output records whose send failed (they are re-queued)",
    ["topic"],
)
ASSEMBLY_TIMEOUTS = Counter(
    "hefesto_stream_assembly_timeouts_total",
    "Assembly deadlines that came due, by what followed: a timeout at the deadline, a fresh deadline"
    " once what the alert waited for in this worker's own paths and probes partitions was read"
    " (after_backlog) or was committed by the worker that owns them (after_remote), or a timeout"
    " at the cap (HEFESTO_STREAM_TIMEOUT_BACKLOG_WAIT_MS)",
    ["released"],
)
ASSEMBLY_TIMEOUTS_HELD = Gauge(
    "hefesto_stream_assembly_timeouts_held",
    "Due assembly timeouts waiting for a probe in this worker's own hops or on another worker's partitions",
)
ASSEMBLY_TIMEOUTS_HELD_REMOTE = Counter(
    "hefesto_stream_assembly_timeouts_held_remote_total",
    "Due assembly deadlines held because a probe of the alert was on another worker's partition"
    " (until the group commits past it)",
)
PROBES_REQUEUED = Counter(
    "hefesto_stream_probes_requeued_total",
    "Probes sent to the back of their partition because its tables were being recovered",
)


@cache
def child(metric: Any, *values: str) -> Any:
    """``metric.labels(*values)``, looked up once: ``labels()`` re-checks its
    arguments, converts them and takes a lock on every call, which added up
    to several per cent of a worker's samples in the fan-out's hot path. The
    label values are a handful of topic names and codes, so the cache stays
    small."""
    return metric.labels(*values)
