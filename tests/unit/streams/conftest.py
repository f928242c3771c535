from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from hefesto_core.models import Finding, FindingEvent


def _finding(fid: str, *, path: str = "src/pay.py", line: int = 10, repo: str = "shop", **kw: Any) -> Finding:
    body: dict[str, Any] = {
        "finding_id": fid,
        "repo": repo,
        "file_path": path,
        "line_start": line,
        "line_end": line + 2,
        "rule_id": "HEF-REL-001",
        "issue_type": "POSSIBLE_NONE_DEREFERENCE",
        "severity": "HIGH",
        "message": "value may be None",
    }
    body.update(kw)
    return Finding.model_validate(body)


@pytest.fixture
def make_event() -> Callable[..., FindingEvent]:
    counter = {"n": 0}

    def make(
        kind: str, findings: list[Finding] | None = None, *, path: str = "src/pay.py", **kw: Any
    ) -> FindingEvent:
        counter["n"] += 1
        body: dict[str, Any] = {
            "event_id": f"ev-{counter['n']}",
            "kind": kind,
            "repo": "shop",
            "file_path": path,
            "findings": [f.model_dump(mode="json") for f in findings or []],
            "emitted_at": datetime(2026, 1, 1, tzinfo=UTC).isoformat(),
        }
        body.update(kw)
        return FindingEvent.model_validate(body)

    return make


@pytest.fixture
def finding() -> Callable[..., Finding]:
    return _finding
