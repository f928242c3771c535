"""Turn a batch of :class:`FindingEvent` into a short list of write operations.

Consecutive upserts (of any files) are coalesced into one batch so a backend
writes them with one statement; a batch never holds the same ``finding_id``
twice (a MERGE must match at most one source row per target row), so a
repeated finding starts a new batch and both observations count. A
``replace`` first resolves the file's findings that are absent from it, then
upserts the ones present; a ``status`` event is applied on its own. The
order of the events is kept, which is all the per-file ordering of the
``hefesto.findings`` partitions guarantees.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from hefesto_core.history.rows import to_ms
from hefesto_core.models import Finding, FindingEvent, FindingEventKind, StatusChange

__all__ = [
    "MAX_BATCH",
    "Observation",
    "Operation",
    "ResolveAbsent",
    "SetStatus",
    "UpsertBatch",
    "plan_events",
    "plan_upserts",
]

MAX_BATCH = 500
"""Rows per upsert statement: keeps a BigQuery MERGE's parameters well under
the request size limit."""


@dataclass(frozen=True, slots=True)
class Observation:
    finding: Finding
    seen_ms: int
    changed_by: str


@dataclass(slots=True)
class UpsertBatch:
    observations: list[Observation] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class ResolveAbsent:
    """Resolve the file's open/acknowledged findings not in ``present_ids``
    and last seen before ``seen_ms``."""

    repo: str
    file_path: str
    present_ids: tuple[str, ...]
    seen_ms: int
    commit_sha: str | None
    changed_by: str


@dataclass(frozen=True, slots=True)
class SetStatus:
    change: StatusChange
    repo: str
    file_path: str


Operation = UpsertBatch | ResolveAbsent | SetStatus


def _detector(findings: Sequence[Finding]) -> str:
    return findings[0].detected_by if findings else "hefesto"


class _Planner:
    def __init__(self) -> None:
        self.ops: list[Operation] = []
        self._pending = UpsertBatch()

    def observe(self, finding: Finding, *, seen_ms: int) -> None:
        if finding.finding_id in self._pending.ids or len(self._pending.observations) >= MAX_BATCH:
            self.flush()
        self._pending.observations.append(Observation(finding, seen_ms, finding.detected_by))
        self._pending.ids.add(finding.finding_id)

    def add(self, op: ResolveAbsent | SetStatus) -> None:
        self.flush()
        self.ops.append(op)

    def flush(self) -> None:
        if self._pending.observations:
            self.ops.append(self._pending)
            self._pending = UpsertBatch()

    def done(self) -> list[Operation]:
        self.flush()
        return self.ops


def plan_events(events: Iterable[FindingEvent]) -> list[Operation]:
    planner = _Planner()
    for event in events:
        seen_ms = to_ms(event.emitted_at)
        if event.kind is FindingEventKind.STATUS:
            assert event.status_change is not None  # the model enforces it
            planner.add(SetStatus(event.status_change, event.repo, event.file_path))
            continue
        if event.kind is FindingEventKind.REPLACE:
            planner.add(
                ResolveAbsent(
                    repo=event.repo,
                    file_path=event.file_path,
                    present_ids=tuple(sorted({f.finding_id for f in event.findings})),
                    seen_ms=seen_ms,
                    commit_sha=event.commit_sha,
                    changed_by=_detector(event.findings),
                )
            )
        for finding in event.findings:
            planner.observe(finding, seen_ms=seen_ms)
    return planner.done()


def plan_upserts(findings: Iterable[Finding], *, seen_ms: int) -> list[Operation]:
    planner = _Planner()
    for finding in findings:
        planner.observe(finding, seen_ms=seen_ms)
    return planner.done()
