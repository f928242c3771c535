"""Exceptions of ``streams``. Every error raised on purpose derives from
:class:`StreamError`; its ``code`` is what the dead-letter topic's
``error-code`` header carries, so operators can count and route by it::

    StreamError
    ├── MessageError             the message itself is bad: it is dead-lettered, never retried
    │   ├── DecodeError              not UTF-8 JSON, or not a JSON object   (DECODE_ERROR)
    │   ├── ValidationFailed         JSON that violates the wire contract    (VALIDATION_ERROR)
    │   └── UnsupportedSchema        a ``schema_version`` we do not know      (UNSUPPORTED_SCHEMA_VERSION)
    ├── ProcessingError          an unexpected exception while processing one message (PROCESSING_ERROR)
    └── SinkError                the history sink could not hand a batch to the store (STORE_UNAVAILABLE)
"""

from __future__ import annotations

__all__ = [
    "DecodeError",
    "MessageError",
    "ProcessingError",
    "SinkError",
    "StreamError",
    "UnsupportedSchema",
    "ValidationFailed",
]


class StreamError(Exception):
    """Root of every error raised on purpose by ``streams``."""

    code: str = "STREAM_ERROR"


class MessageError(StreamError):
    code = "INVALID_MESSAGE"


class DecodeError(MessageError):
    code = "DECODE_ERROR"


class ValidationFailed(MessageError):
    code = "VALIDATION_ERROR"


class UnsupportedSchema(MessageError):
    code = "UNSUPPORTED_SCHEMA_VERSION"


class ProcessingError(StreamError):
    code = "PROCESSING_ERROR"


class SinkError(StreamError):
    code = "STORE_UNAVAILABLE"
