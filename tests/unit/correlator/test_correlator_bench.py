"""The evaluation's own arithmetic: ECE, the scenario split and the labels."""

from __future__ import annotations

from types import ModuleType

import pytest

from ...benchmods import load_bench
from .conftest import make_alert, make_finding


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_bench("correlation")


def test_ece(bench: ModuleType) -> None:
    assert bench.ece([], []) == 0.0
    assert bench.ece([1.0, 1.0], [True, True]) == 0.0
    assert bench.ece([0.9, 0.9], [False, False]) == pytest.approx(0.9)
    # Two bins: 0.25 predicted, 50 % right; 0.95 predicted, 100 % right.
    assert bench.ece([0.25, 0.25, 0.95, 0.95], [True, False, True, True]) == pytest.approx(0.15)


def test_is_true_needs_file_issue_and_nearby_line(bench: ModuleType) -> None:
    cause = {"file_path": "shop/processor.py", "line": 44, "issue_type": "POSSIBLE_NONE_DEREFERENCE"}
    assert bench.is_true(make_finding(), cause)
    assert not bench.is_true(make_finding(line_start=30, line_end=30), cause)
    assert not bench.is_true(make_finding(issue_type="UNCHECKED_INDEX"), cause)
    widened = {**cause, "also_accept": ["UNCHECKED_INDEX"]}
    assert bench.is_true(make_finding(issue_type="UNCHECKED_INDEX"), widened)
    assert not bench.is_true(make_finding(), None)
    assert not bench.is_true(make_finding(), {**cause, "issue_type": None})


def test_split_keeps_scenarios_whole_and_both_halves_stratified(bench: ModuleType) -> None:
    cases = []
    for n in range(40):
        scenario = f"s{n // 2}"
        label = {"alert_id": f"a{n}", "scenario": scenario, "language": "python", "kind": "code_defect"}
        cases.append(bench.Case(make_alert(alert_id=f"a{n}"), label, flagged=n % 4 < 2))
    train, test = bench.split(cases, 0)
    assert len(train) + len(test) == 40
    assert not {c.label["scenario"] for c in train} & {c.label["scenario"] for c in test}
    assert any(c.flagged for c in test)
    assert any(not c.flagged for c in test)
    assert bench.split(cases, 0) == (train, test)
