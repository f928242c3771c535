"""Internal records of the join, carried on the engine's own topics.

``probes`` (key ``file_key``): one :class:`Probe` per in-app frame, routed to
the partition that owns the frame's file in ``findings_by_file``.

``parts`` (key ``alert_id``): everything the assembler needs, tagged by
``kind``: the alert's :class:`Header` (how many parts to expect), each
probe's :class:`Part`, a :class:`Timeout` tick and a :class:`Rescore` request
sent by the findings ingest when a late finding touches a file the alert
went through.

The alert travels as its original JSON text: re-validating it where it is
needed is cheaper than a second, parallel schema for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import orjson

from correlator import AlertLocation, Frame
from hefesto_core.models import FindingMatch, IrisAlert, PathMapping
from streams.errors import DecodeError

__all__ = [
    "Header",
    "Part",
    "PartsRecord",
    "Probe",
    "RecordKind",
    "Rescore",
    "Timeout",
    "decode_parts_record",
    "decode_probe",
    "frame_from_dict",
    "frame_to_dict",
    "location_from",
]


class RecordKind(StrEnum):
    HEADER = "header"
    PART = "part"
    TIMEOUT = "timeout"
    RESCORE = "rescore"


def frame_to_dict(frame: Frame) -> dict[str, Any]:
    return {
        "runtime_path": frame.runtime_path,
        "file_path": frame.file_path,
        "line_number": frame.line_number,
        "function_name": frame.function_name,
        "in_app": frame.in_app,
        "depth": frame.depth,
        "mapping": frame.mapping.model_dump(mode="json"),
    }


def frame_from_dict(data: dict[str, Any]) -> Frame:
    return Frame(
        runtime_path=data["runtime_path"],
        file_path=data["file_path"],
        line_number=data["line_number"],
        function_name=data["function_name"],
        in_app=data["in_app"],
        depth=data["depth"],
        # Written by the engine itself (frame_to_dict): checked when it was
        # made, so not validated again in every probe and part.
        mapping=PathMapping.model_construct(**data["mapping"]),
    )


def location_from(
    frames: list[dict[str, Any]], *, error_type: str | None, error_message: str | None
) -> AlertLocation:
    return AlertLocation(
        frames=tuple(frame_from_dict(f) for f in frames),
        error_type=error_type,
        error_message=error_message,
    )


@dataclass(slots=True)
class Probe:
    alert_id: str
    file_key: str
    frame_index: int
    alert_json: str
    frames: list[dict[str, Any]]
    error_type: str | None
    error_message: str | None
    ingest_ms: int
    late: bool = False
    resolved: bool = False
    """True when the resolve agent mapped this frame: its part then carries
    the mapped frame back to the assembler."""

    def alert(self) -> IrisAlert:
        return IrisAlert.model_validate_json(self.alert_json)

    def location(self) -> AlertLocation:
        return location_from(self.frames, error_type=self.error_type, error_message=self.error_message)

    def frame(self) -> Frame:
        return frame_from_dict(self.frames[self.frame_index])

    def to_bytes(self) -> bytes:
        return orjson.dumps(
            {
                "alert_id": self.alert_id,
                "file_key": self.file_key,
                "frame_index": self.frame_index,
                "alert": self.alert_json,
                "frames": self.frames,
                "error_type": self.error_type,
                "error_message": self.error_message,
                "ingest_ms": self.ingest_ms,
                "late": self.late,
                "resolved": self.resolved,
            }
        )


@dataclass(slots=True)
class Header:
    alert_id: str
    alert_json: str
    frames: list[dict[str, Any]]
    file_keys: list[str | None]
    """Per frame: its ``file_key``; ``""`` while the resolve agent maps it;
    None when it is not routed at all (no part is expected for it)."""
    error_type: str | None
    error_message: str | None
    ingest_ms: int

    @property
    def expected(self) -> int:
        """Parts to wait for: one per frame that was routed to a file."""
        return sum(1 for k in self.file_keys if k is not None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": RecordKind.HEADER.value,
            "alert_id": self.alert_id,
            "alert": self.alert_json,
            "frames": self.frames,
            "file_keys": self.file_keys,
            "error_type": self.error_type,
            "error_message": self.error_message,
            "ingest_ms": self.ingest_ms,
        }

    def to_bytes(self) -> bytes:
        return orjson.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Header:
        return cls(
            alert_id=data["alert_id"],
            alert_json=data["alert"],
            frames=data["frames"],
            file_keys=data["file_keys"],
            error_type=data.get("error_type"),
            error_message=data.get("error_message"),
            ingest_ms=data["ingest_ms"],
        )

    def alert(self) -> IrisAlert:
        return IrisAlert.model_validate_json(self.alert_json)

    def location(self) -> AlertLocation:
        return location_from(self.frames, error_type=self.error_type, error_message=self.error_message)


@dataclass(slots=True)
class Part:
    alert_id: str
    frame_index: int
    matches: list[dict[str, Any]] = field(default_factory=list)
    late: bool = False
    error: str | None = None
    frame: dict[str, Any] | None = None
    """The frame as mapped by the resolve agent, when it was."""

    def state(self) -> dict[str, Any]:
        """The part as the ``assembly`` table keeps it."""
        return {
            "alert_id": self.alert_id,
            "frame_index": self.frame_index,
            "matches": self.matches,
            "error": self.error,
        }

    def to_bytes(self) -> bytes:
        return orjson.dumps(
            {
                "kind": RecordKind.PART.value,
                "alert_id": self.alert_id,
                "frame_index": self.frame_index,
                "matches": self.matches,
                "late": self.late,
                "error": self.error,
                "frame": self.frame,
            }
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Part:
        return cls(
            alert_id=data["alert_id"],
            frame_index=data["frame_index"],
            matches=data["matches"],
            late=bool(data.get("late")),
            error=data.get("error"),
            frame=data.get("frame"),
        )

    def finding_matches(self) -> list[FindingMatch]:
        return [FindingMatch.model_validate(m) for m in self.matches]


@dataclass(frozen=True, slots=True)
class Timeout:
    alert_id: str

    def to_bytes(self) -> bytes:
        return orjson.dumps({"kind": RecordKind.TIMEOUT.value, "alert_id": self.alert_id})


@dataclass(frozen=True, slots=True)
class Rescore:
    alert_id: str
    file_key: str

    def to_bytes(self) -> bytes:
        return orjson.dumps(
            {"kind": RecordKind.RESCORE.value, "alert_id": self.alert_id, "file_key": self.file_key}
        )


PartsRecord = Header | Part | Timeout | Rescore


def _loads(raw: bytes | None) -> dict[str, Any]:
    try:
        data = orjson.loads(raw or b"")
    except orjson.JSONDecodeError as exc:
        raise DecodeError(f"internal record is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise DecodeError("internal record is not a JSON object")
    return data


def decode_probe(raw: bytes | None) -> Probe:
    d = _loads(raw)
    try:
        return Probe(
            alert_id=d["alert_id"],
            file_key=d["file_key"],
            frame_index=d["frame_index"],
            alert_json=d["alert"],
            frames=d["frames"],
            error_type=d.get("error_type"),
            error_message=d.get("error_message"),
            ingest_ms=d["ingest_ms"],
            late=bool(d.get("late")),
            resolved=bool(d.get("resolved")),
        )
    except KeyError as exc:
        raise DecodeError(f"probe record lacks {exc}") from None


def decode_parts_record(raw: bytes | None) -> PartsRecord:
    d = _loads(raw)
    try:
        kind = RecordKind(d["kind"])
        if kind is RecordKind.HEADER:
            return Header.from_dict(d)
        if kind is RecordKind.PART:
            return Part.from_dict(d)
        if kind is RecordKind.TIMEOUT:
            return Timeout(d["alert_id"])
        return Rescore(d["alert_id"], d["file_key"])
    except (KeyError, ValueError) as exc:
        raise DecodeError(f"parts record is malformed: {exc}") from None
