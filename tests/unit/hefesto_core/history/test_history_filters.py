from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from hefesto_core.history import FindingQuery, Page
from hefesto_core.history.filters import Cond, finding_filters, render
from hefesto_core.history.schema import Column
from hefesto_core.models import FindingStatus, Severity


def _render(conds: list[Cond]) -> tuple[str, list[Any]]:
    values: list[Any] = []

    def bind(_c: Column, v: Any) -> str:
        values.append(v)
        return f"@p{len(values) - 1}"

    return render(conds, column_sql=lambda c: c.name, bind=bind), values


def test_values_are_bound_never_written_into_the_text() -> None:
    hostile = "x' OR '1'='1"
    query = FindingQuery(
        repo=hostile, file_path=hostile, rule_id=hostile, issue_type=hostile, commit_sha=hostile,
        min_severity=Severity.HIGH, statuses=(FindingStatus.OPEN, FindingStatus.IGNORED),
        seen_from=datetime(2026, 1, 1, tzinfo=UTC),
    )  # fmt: skip
    text, values = _render(finding_filters(query))
    assert hostile not in text
    assert "'" not in text
    assert values.count(hostile) == 5
    assert "severity_rank >= @p5" in text
    assert "status IN (@p6, @p7)" in text


def test_unknown_columns_are_refused() -> None:
    with pytest.raises(KeyError):
        _render([Cond("finding_id; DROP TABLE findings", "=", 1)])


def test_no_filter_and_empty_in() -> None:
    assert _render([]) == ("TRUE", [])
    assert _render([Cond("status", "in", ())])[0] == "FALSE"


def test_page_bookkeeping() -> None:
    page = Page[int].of([1, 2], total_count=5, limit=2, offset=2)
    assert (page.has_more, page.next_offset) == (True, 4)
    last = Page[int].of([5], total_count=5, limit=2, offset=4)
    assert (last.has_more, last.next_offset) == (False, None)


def test_query_bounds() -> None:
    with pytest.raises(ValueError, match="limit"):
        FindingQuery(limit=1001)
    with pytest.raises(ValueError, match="seen_to"):
        FindingQuery(seen_from=datetime(2026, 2, 1, tzinfo=UTC), seen_to=datetime(2026, 1, 1, tzinfo=UTC))
