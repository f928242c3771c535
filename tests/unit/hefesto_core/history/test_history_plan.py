from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hefesto_core.history.plan import (
    MAX_BATCH,
    ResolveAbsent,
    SetStatus,
    UpsertBatch,
    plan_events,
    plan_upserts,
)
from hefesto_core.models import Finding, FindingEvent, StatusChange

T0 = datetime(2026, 3, 2, tzinfo=UTC)


def _f(fid: str, path: str = "a.py") -> Finding:
    return Finding(
        finding_id=fid, repo="r", file_path=path, line_start=1, line_end=1, rule_id="R",
        issue_type="BARE_EXCEPT", severity="LOW", message="m",
    )  # fmt: skip


def _e(kind: str, *fs: Finding, minute: int = 0, **kw: Any) -> FindingEvent:
    path = fs[0].file_path if fs else "a.py"
    return FindingEvent(
        event_id=f"{kind}{minute}", kind=kind, repo="r", file_path=path, findings=list(fs),
        emitted_at=T0 + timedelta(minutes=minute), **kw,
    )  # fmt: skip


def test_upserts_of_many_files_coalesce_into_one_batch() -> None:
    ops = plan_events([_e("upsert", _f("1"), minute=0), _e("upsert", _f("2", "b.py"), minute=1)])
    assert len(ops) == 1
    assert isinstance(ops[0], UpsertBatch)
    assert [o.seen_ms for o in ops[0].observations] == [
        int(T0.timestamp() * 1000),
        int((T0 + timedelta(minutes=1)).timestamp() * 1000),
    ]


def test_a_repeated_finding_starts_a_new_batch() -> None:
    ops = plan_events([_e("upsert", _f("1"), minute=0), _e("upsert", _f("1"), minute=1)])
    assert [type(o) for o in ops] == [UpsertBatch, UpsertBatch]


def test_replace_resolves_then_upserts_and_status_stands_alone() -> None:
    change = StatusChange(finding_id="1", status="ignored", changed_at=T0)
    ops = plan_events(
        [
            _e("upsert", _f("0"), minute=0),
            _e("replace", _f("1"), _f("2"), minute=1),
            _e("status", minute=2, status_change=change),
        ]
    )
    assert [type(o) for o in ops] == [UpsertBatch, ResolveAbsent, UpsertBatch, SetStatus]
    resolve = ops[1]
    assert isinstance(resolve, ResolveAbsent)
    assert resolve.present_ids == ("1", "2")


def test_batches_are_capped() -> None:
    ops = plan_upserts([_f(str(i)) for i in range(MAX_BATCH * 2 + 1)], seen_ms=0)
    assert [len(o.observations) for o in ops if isinstance(o, UpsertBatch)] == [MAX_BATCH, MAX_BATCH, 1]
