"""Bytes <-> wire models. Decoding is strict: anything that is not UTF-8
JSON matching the contract raises a :class:`~streams.errors.MessageError`
subclass whose ``code`` ends up in the dead-letter header.

orjson parses (it is several times faster than the standard library and
tells "not JSON" apart from "wrong shape"), then ``schema_version`` is
checked before pydantic validates, so an unknown version is reported as such
rather than as a confusing field error.
"""

from __future__ import annotations

from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ValidationError

from hefesto_core.models import SCHEMA_VERSION, EnrichedAlert, FindingEvent, IrisAlert
from streams.errors import DecodeError, UnsupportedSchema, ValidationFailed

__all__ = [
    "decode_alert",
    "decode_finding_event",
    "decode_json_object",
    "encode_enriched",
    "encode_model",
]

M = TypeVar("M", bound=BaseModel)

_MAX_ERROR_CHARS = 500


def decode_json_object(raw: bytes | None) -> dict[str, Any]:
    """Parse ``raw`` as a JSON object or raise :class:`DecodeError`."""
    if raw is None:
        raise DecodeError("message has no value (tombstone)")
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise DecodeError(f"not valid UTF-8 JSON: {exc}") from None
    if not isinstance(value, dict):
        raise DecodeError(f"expected a JSON object, got {type(value).__name__}")
    return value


def _validate(model: type[M], raw: bytes | None) -> M:
    data = decode_json_object(raw)
    version = data.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        raise UnsupportedSchema(f"schema_version {version!r} is not supported (expected {SCHEMA_VERSION})")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(_summarize(exc)) from None


def _summarize(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors(include_url=False, include_input=False)[:5]:
        loc = ".".join(str(p) for p in err["loc"]) or "<root>"
        parts.append(f"{loc}: {err['msg']}")
    text = f"{exc.error_count()} validation error(s): " + "; ".join(parts)
    return text[:_MAX_ERROR_CHARS]


def decode_alert(raw: bytes | None) -> IrisAlert:
    return _validate(IrisAlert, raw)


def decode_finding_event(raw: bytes | None) -> FindingEvent:
    return _validate(FindingEvent, raw)


def encode_model(model: BaseModel) -> bytes:
    """``model.model_dump_json()`` as UTF-8 bytes, without the ``str`` in
    between (8 of 27 us for an enriched alert, once per alert)."""
    return model.__pydantic_serializer__.to_json(model)


def encode_enriched(enriched: EnrichedAlert) -> bytes:
    return encode_model(enriched)
