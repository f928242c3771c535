from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


@pytest.fixture
def alert_body() -> Callable[..., dict[str, Any]]:
    """Factory of IrisAlert bodies; starts from the audit's §6.2 example."""

    def make(**overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "alert_id": "alert_12345",
            "file_path": "src/payment_processor.py",
            "line_number": 145,
            "error_message": "NoneType object has no attribute 'charge'",
            "timestamp": "2025-10-30T12:00:00Z",
            "severity": "CRITICAL",
            "stack_trace": "...",
        }
        body.update(overrides)
        return {k: v for k, v in body.items() if v is not None}

    return make


@pytest.fixture
def finding_body() -> Callable[..., dict[str, Any]]:
    def make(**overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "finding_id": "f-1",
            "repo": "payments",
            "file_path": "src/payment_processor.py",
            "line_start": 140,
            "line_end": 150,
            "column": 5,
            "function_name": "payment_processor.PaymentProcessor.process_payment",
            "rule_id": "HEF-REL-001",
            "issue_type": "POSSIBLE_NONE_DEREFERENCE",
            "severity": "HIGH",
            "message": "customer may be None here",
        }
        body.update(overrides)
        return body

    return make
