"""Filters as data, rendered by each backend into placeholders.

A :class:`Cond` names a column of :data:`~hefesto_core.history.schema.FINDINGS`
(checked against the schema, so no caller text ever becomes SQL) and carries
its value, which a backend always binds as a query parameter.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from hefesto_core.history.queries import FindingQuery
from hefesto_core.history.rows import to_ms
from hefesto_core.history.schema import FINDINGS, Column, Table
from hefesto_core.models import Severity, severity_rank

__all__ = ["Cond", "Op", "file_filters", "finding_filters", "render"]

Op = Literal["=", ">=", "<", "in"]


@dataclass(frozen=True, slots=True)
class Cond:
    column: str
    op: Op
    value: Any
    """A scalar; a tuple for ``in``; integer ms for TIMESTAMP columns."""


def finding_filters(query: FindingQuery) -> list[Cond]:
    conds: list[Cond] = []
    for name in ("repo", "file_path", "rule_id", "issue_type", "commit_sha"):
        value = getattr(query, name)
        if value is not None:
            conds.append(Cond(name, "=", value))
    if query.min_severity is not None:
        conds.append(Cond("severity_rank", ">=", severity_rank(query.min_severity)))
    if query.statuses:
        conds.append(Cond("status", "in", tuple(sorted({s.value for s in query.statuses}))))
    if query.seen_from is not None:
        conds.append(Cond("last_seen", ">=", to_ms(query.seen_from)))
    if query.seen_to is not None:
        conds.append(Cond("last_seen", "<", to_ms(query.seen_to)))
    return conds


def file_filters(
    file_path: str, *, repo: str | None, since_ms: int | None, min_severity: Severity | None
) -> list[Cond]:
    conds = [Cond("file_path", "=", file_path)]
    if repo is not None:
        conds.append(Cond("repo", "=", repo))
    if since_ms is not None:
        conds.append(Cond("last_seen", ">=", since_ms))
    if min_severity is not None:
        conds.append(Cond("severity_rank", ">=", severity_rank(min_severity)))
    return conds


def render(
    conds: Sequence[Cond],
    *,
    table: Table = FINDINGS,
    column_sql: Callable[[Column], str],
    bind: Callable[[Column, Any], str],
) -> str:
    """``" AND "``-joined predicates (``"TRUE"`` when there are none).
    ``bind(column, value)`` registers a parameter and returns its placeholder;
    for ``in`` it receives the whole tuple."""
    parts: list[str] = []
    for cond in conds:
        column = table.column(cond.column)
        name = column_sql(column)
        if cond.op == "in":
            parts.append(_bind_in(name, column, cond.value, bind))
        else:
            parts.append(f"{name} {cond.op} {bind(column, cond.value)}")
    return " AND ".join(parts) if parts else "TRUE"


def _bind_in(name: str, column: Column, values: tuple[Any, ...], bind: Callable[[Column, Any], str]) -> str:
    return f"{name} IN ({', '.join(bind(column, v) for v in values)})" if values else "FALSE"
