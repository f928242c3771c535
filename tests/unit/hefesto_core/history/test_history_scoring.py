from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hefesto_core.history import TrendDirection
from hefesto_core.history.scoring import change_pct, quality_score, trend_direction
from hefesto_core.models import Severity


def test_documented_anchor_points() -> None:
    assert quality_score({}) == 100.0
    assert quality_score({Severity.INFO: 1000}) == 100.0
    assert quality_score({Severity.CRITICAL: 5}) == 50.0
    assert quality_score({Severity.HIGH: 10}) == 50.0
    assert quality_score({Severity.CRITICAL: 15}) == 25.0
    assert quality_score({Severity.MEDIUM: 1, Severity.LOW: 2}) == round(100 * 50 / 53, 1)


@given(
    st.dictionaries(st.sampled_from(list(Severity)), st.integers(0, 10_000)), st.sampled_from(list(Severity))
)
def test_score_is_bounded_and_monotone(counts: dict[Severity, int], worse: Severity) -> None:
    score = quality_score(counts)
    assert 0.0 <= score <= 100.0
    more = dict(counts)
    more[worse] = more.get(worse, 0) + 1
    assert quality_score(more) <= score


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        quality_score({Severity.HIGH: -1})


@pytest.mark.parametrize(
    ("current", "previous", "pct", "trend"),
    [
        (12, 10, 20.0, TrendDirection.INCREASING),
        (11, 10, 10.0, TrendDirection.STABLE),
        (9, 10, -10.0, TrendDirection.STABLE),
        (5, 10, -50.0, TrendDirection.DECREASING),
        (3, 0, None, TrendDirection.INCREASING),
        (0, 0, None, TrendDirection.STABLE),
    ],
)
def test_change_and_direction(current: int, previous: int, pct: float | None, trend: TrendDirection) -> None:
    assert change_pct(current, previous) == pct
    assert trend_direction(current, previous) is trend
