"""Builders shared by the correlator's unit tests."""

from __future__ import annotations

from typing import Any

import pytest

from hefesto_core.models import Finding, IrisAlert

PY_TRACE = """Traceback (most recent call last):
  File "/srv/app/shop/api.py", line 20, in handle
    return processor.charge(order)
  File "/srv/app/shop/processor.py", line 42, in charge
    return customer.card.charge(amount)
AttributeError: 'NoneType' object has no attribute 'card'
"""


def make_finding(**overrides: Any) -> Finding:
    fields: dict[str, Any] = {
        "finding_id": "f-none-42",
        "repo": "acme/shop",
        "file_path": "shop/processor.py",
        "line_start": 42,
        "line_end": 42,
        "function_name": "shop.processor.charge",
        "rule_id": "POSSIBLE_NONE_DEREFERENCE",
        "issue_type": "POSSIBLE_NONE_DEREFERENCE",
        "severity": "HIGH",
        "message": "customer may be None (from find_customer, line 40)",
        "suggestion": "Return 404 when find_customer() finds nothing.",
        "confidence": 0.9,
    }
    fields.update(overrides)
    return Finding.model_validate(fields)


def make_alert(**overrides: Any) -> IrisAlert:
    fields: dict[str, Any] = {
        "alert_id": "a-1",
        "timestamp": "2026-03-02T10:00:00Z",
        "repo": "acme/shop",
        "stack_trace": PY_TRACE,
    }
    fields.update(overrides)
    return IrisAlert.model_validate(fields)


@pytest.fixture
def finding() -> Finding:
    return make_finding()


@pytest.fixture
def alert() -> IrisAlert:
    return make_alert()
