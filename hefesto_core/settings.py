"""Settings: one pydantic-settings class, environment prefix ``HEFESTO_``.

Build it with :func:`load_settings` (never at import time) so tests and the
CLI can pass overrides; e.g. ``HEFESTO_KAFKA_BOOTSTRAP=broker:9092``,
``HEFESTO_TOPIC_PARTITIONS=8``, ``HEFESTO_API_KEYS='[{"key_id": "ops",
"key": "s3cret", "scope": "admin"}]'``.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = [
    "ApiKey",
    "ApiScope",
    "RateLimitTier",
    "Settings",
    "StoreBackend",
    "default_cache_dir",
    "default_data_dir",
    "load_settings",
]


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/hefesto`` or ``~/.cache/hefesto``: broker jars, analyzer cache."""
    import os

    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "hefesto"


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/hefesto`` or ``~/.local/share/hefesto``: the embedded history store."""
    import os

    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "hefesto"


class StoreBackend(StrEnum):
    AUTO = "auto"
    """BigQuery when ``bigquery_project`` is set, else the embedded store."""
    EMBEDDED = "embedded"
    BIGQUERY = "bigquery"


class RateLimitTier(StrEnum):
    FREE = "free"
    PRO = "pro"
    ENTERPRISE = "enterprise"


class ApiScope(StrEnum):
    READ = "read"
    WRITE = "write"
    ADMIN = "admin"


class ApiKey(BaseModel):
    key_id: str = Field(min_length=1, max_length=64, description="shown in audit logs, never the key")
    key: SecretStr
    scope: ApiScope = ApiScope.READ
    tier: RateLimitTier | None = None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="HEFESTO_",
        env_file=None,
        extra="ignore",
        validate_default=True,
    )

    # -- Kafka ---------------------------------------------------------------
    kafka_bootstrap: str | None = Field(
        default=None,
        description="bootstrap servers of an existing cluster; unset = the local broker",
    )
    kafka_host: str = "127.0.0.1"
    kafka_port: int = Field(default=9092, ge=1, le=65535)
    kafka_controller_port: int = Field(default=9093, ge=1, le=65535)
    kafka_version: str = "4.4.0"
    kafka_heap_mb: int = Field(default=1024, ge=256)
    cache_dir: Path = Field(default_factory=default_cache_dir)
    data_dir: Path = Field(default_factory=default_data_dir)

    app_id: str = "hefesto-stream"
    topic_alerts: str = "iris.alerts"
    topic_findings: str = "hefesto.findings"
    topic_enriched: str = "hefesto.alerts.enriched"
    topic_deadletter: str = "hefesto.deadletter"
    topic_partitions: int = Field(default=4, ge=1, le=1024)
    topic_replication: int = Field(default=1, ge=1)

    # -- the join ------------------------------------------------------------
    correlation_window_ms: int = Field(default=3_600_000, ge=1_000)
    grace_ms: int = Field(default=300_000, ge=0)
    assemble_timeout_ms: int = Field(default=2_000, ge=10)
    max_probe_frames: int = Field(default=5, ge=1, le=50)
    top_k_findings: int = Field(default=5, ge=1, le=100)
    min_confidence: float = Field(default=0.7, ge=0.0, le=1.0)
    cost_per_affected_user: float | None = Field(default=None, ge=0)
    cost_currency: str = "USD"

    # -- history store -------------------------------------------------------
    store_backend: StoreBackend = StoreBackend.AUTO
    embedded_path: Path | None = Field(default=None, description="default: <data_dir>/history.db")
    bigquery_project: str | None = None
    bigquery_dataset: str = "hefesto"
    bigquery_location: str = "US"
    bigquery_api_endpoint: str | None = Field(
        default=None, description="override of the BigQuery REST endpoint (an emulator)"
    )

    # -- API -----------------------------------------------------------------
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=6066, ge=1, le=65535)
    api_keys: list[ApiKey] = Field(default_factory=list)
    webhook_secret: SecretStr | None = None
    rate_limit_tier: RateLimitTier = RateLimitTier.PRO
    redis_url: SecretStr | None = None
    cors_origins: list[str] = Field(default_factory=list)

    # -- source --------------------------------------------------------------
    source_roots: list[Path] = Field(default_factory=list)
    log_level: Literal["debug", "info", "warning", "error"] = "info"

    @model_validator(mode="after")
    def _ports_differ(self) -> Settings:
        if self.kafka_port == self.kafka_controller_port:
            raise ValueError("kafka_port and kafka_controller_port must differ")
        return self

    @property
    def bootstrap_servers(self) -> str:
        """Where clients connect: the configured cluster or the local broker."""
        return self.kafka_bootstrap or f"{self.kafka_host}:{self.kafka_port}"

    @property
    def resolved_store_backend(self) -> StoreBackend:
        if self.store_backend is StoreBackend.AUTO:
            return StoreBackend.BIGQUERY if self.bigquery_project else StoreBackend.EMBEDDED
        return self.store_backend

    @property
    def resolved_embedded_path(self) -> Path:
        return self.embedded_path or self.data_dir / "history.db"

    def public_view(self) -> dict[str, Any]:
        """Settings safe to show an operator (``GET /api/v1/config``): secrets masked."""
        data = self.model_dump(mode="json")
        data["api_keys"] = [{"key_id": k.key_id, "scope": k.scope, "tier": k.tier} for k in self.api_keys]
        for name in ("webhook_secret", "redis_url"):
            data[name] = "**********" if getattr(self, name) else None
        return data


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment, with explicit overrides on top."""
    return Settings(**overrides)
