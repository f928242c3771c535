"""Engine tuning knobs (environment prefix ``HEFESTO_STREAM_``).

They live here rather than in :class:`hefesto_core.settings.Settings`
because they are Faust/aiokafka specifics that nothing outside ``streams``
should depend on. The defaults are the values that mattered in
``bench/stream.py`` (see docs/streams.md, "Tuning").
"""

from __future__ import annotations

from typing import Literal

from aiokafka import codec
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["ProcessingGuarantee", "StreamTuning", "load_tuning"]

ProcessingGuarantee = Literal["at_least_once", "exactly_once"]
Compression = Literal["none", "gzip", "lz4", "zstd", "snappy"]

# The Python package each codec needs in aiokafka, for the error when it is
# missing (aiokafka does lz4, zstd and snappy through cramjam).
_CODECS = {
    "gzip": (codec.has_gzip, "zlib"),
    "lz4": (codec.has_lz4, "cramjam"),
    "zstd": (codec.has_zstd, "cramjam"),
    "snappy": (codec.has_snappy, "cramjam"),
}


class StreamTuning(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HEFESTO_STREAM_", extra="ignore")

    fetch_max_wait_ms: int = Field(
        default=10,
        ge=0,
        le=10_000,
        description="aiokafka fetch_max_wait_ms; Faust hard-codes 1500, which holds probes back",
    )
    producer_linger_ms: int = Field(default=1, ge=0, le=1_000)
    producer_compression: Compression = Field(
        default="none",
        description="compression of every record batch the worker sends (lz4, zstd and snappy need their "
        "Python codec installed)",
    )
    producer_acks: Literal[-1, 1] = Field(
        default=-1,
        description="-1 = all in-sync replicas (durable); 1 = leader only (faster, can lose on failover)",
    )
    changelog_flush_interval_ms: int = Field(
        default=1_000,
        ge=5,
        le=10_000,
        description="how often batched table writes go to their changelogs at the latest; they also go "
        "before every commit, and when 5,000 keys wait after a fan-out event (docs/streams.md, Tuning, "
        "item 34)",
    )
    local_join: bool = Field(
        default=True,
        description="score an alert in the fan-out when every table partition it needs is on this worker",
    )
    scoring_process: bool = Field(
        default=True,
        description="a worker that owns every partition answers its alerts in a child process "
        "(streams/offload.py), beside its consumer and producer",
    )
    scoring_batch_max: int = Field(default=64, ge=1, le=4_096)
    scoring_batch_wait_ms: int = Field(default=5, ge=0, le=1_000)
    scoring_max_inflight: int = Field(default=2_048, ge=1)
    aggregates_enabled: bool = Field(default=True, description="maintain the windowed operator aggregates")
    producer_max_batch_size: int = Field(default=65_536, ge=1_024)
    max_poll_records: int | None = Field(default=500, ge=1)
    commit_interval_ms: int = Field(default=1_000, ge=10)
    commit_every: int = Field(default=10_000, ge=1)
    stream_buffer_maxsize: int = Field(default=4_096, ge=1)
    session_timeout_ms: int = Field(
        default=10_000,
        ge=6_000,
        description="how soon a crashed worker's partitions move to the others (Faust's default is 60 s)",
    )
    heartbeat_interval_ms: int = Field(default=1_000, ge=100)
    uvloop: bool = True
    eager_handoff: bool = Field(
        default=True,
        description="hand fetched records to the agents without four tasks each (streams/handoff.py)",
    )
    gc_gen0_threshold: int | None = Field(
        default=50_000,
        ge=100,
        description="generation-0 GC threshold in the worker (CPython's: 700); see streams/gctune.py",
    )
    processing_guarantee: ProcessingGuarantee = Field(
        default="at_least_once",
        description=(
            "exactly_once is passed to Faust for experiments only and does not work for this "
            "re-keying join (docs/streams.md, Exactly-once)"
        ),
    )
    web_port: int | None = Field(default=None, ge=1, le=65535, description="default: Settings.api_port")
    timer_interval_ms: int = Field(default=50, ge=5, description="how often assembly deadlines are checked")
    timeout_backlog_wait_ms: int = Field(
        default=30_000,
        ge=0,
        description="how long past its deadline an alert's timeout waits for its probes still in this "
        "worker's own paths and probes partitions (streams/backlog.py) or not yet committed on another "
        "worker's (streams/remotehops.py); 0 times out at the deadline",
    )
    recent_alerts_per_file: int = Field(
        default=64, ge=1, description="cap of recent_alerts_by_file per file (bounds changelog writes)"
    )
    sink_batch_size: int = Field(default=500, ge=1)
    sink_flush_interval_ms: int = Field(default=500, ge=10)
    sink_buffer_max: int = Field(default=50_000, ge=1)
    sink_enabled: bool = True
    sink_process: bool = Field(
        default=True,
        description="write the history store from a child process, off the worker's GIL (streams/storeproc)",
    )
    sink_write_timeout_ms: int = Field(
        default=120_000, ge=1_000, description="a store process that takes longer for a batch is restarted"
    )
    memory_warn_fraction: float = Field(
        default=0.8,
        gt=0,
        le=1,
        description="warn (hourly) when the worker's memory passes this share of its limit (streams/memory)",
    )

    @field_validator("producer_compression")
    @classmethod
    def _codec_installed(cls, value: Compression) -> Compression:
        # aiokafka would only fail when the worker's producer starts.
        if value != "none":
            available, package = _CODECS[value]
            if not available():
                raise ValueError(f"compression {value!r} needs the Python package {package!r} installed")
        return value


def load_tuning(**overrides: object) -> StreamTuning:
    return StreamTuning(**overrides)  # type: ignore[arg-type]
