"""Exceptions of ``hefesto_core``. Everything raised on purpose derives from
:class:`HefestoError`, so callers (the CLI, the API's error mapping) can catch
one root and still tell the cases apart::

    HefestoError
    ├── ConfigError              bad settings or [tool.hefesto] configuration
    ├── BrokerError              the local Kafka broker could not be had
    │   ├── JavaNotFoundError        no java/mvn on PATH
    │   ├── BrokerResolveError       Maven could not resolve the broker jars
    │   └── BrokerStartError         the broker did not answer in time
    ├── PublishError             Kafka did not acknowledge what we sent
    ├── AnalysisError            the analyzer could not run (not: a file failed to parse)
    ├── InvalidFilePathError     a path escapes the configured source roots
    └── StoreError               the history store failed
        └── StoreUnavailableError    ... because its backend cannot be reached
"""

from __future__ import annotations

__all__ = [
    "AnalysisError",
    "BrokerError",
    "BrokerResolveError",
    "BrokerStartError",
    "ConfigError",
    "HefestoError",
    "InvalidFilePathError",
    "JavaNotFoundError",
    "PublishError",
    "StoreError",
    "StoreUnavailableError",
]


class HefestoError(Exception):
    """Root of every error raised on purpose by hefesto_core."""

    code: str = "HEFESTO_ERROR"


class ConfigError(HefestoError):
    code = "CONFIG_ERROR"


class BrokerError(HefestoError):
    code = "BROKER_UNAVAILABLE"


class JavaNotFoundError(BrokerError):
    code = "JAVA_NOT_FOUND"


class BrokerResolveError(BrokerError):
    code = "BROKER_RESOLVE_FAILED"


class BrokerStartError(BrokerError):
    code = "BROKER_START_FAILED"


class PublishError(HefestoError):
    code = "PUBLISH_FAILED"


class AnalysisError(HefestoError):
    code = "ANALYSIS_FAILED"


class InvalidFilePathError(HefestoError):
    code = "INVALID_FILE_PATH"


class StoreError(HefestoError):
    code = "STORE_ERROR"


class StoreUnavailableError(StoreError):
    code = "STORE_UNAVAILABLE"
