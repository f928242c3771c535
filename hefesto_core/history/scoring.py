"""The documented numbers of the metrics endpoints.

Quality score (0-100)
---------------------
Only *active* findings (open or acknowledged) count; resolved, ignored and
false-positive ones do not. Each active finding adds a penalty by severity::

    CRITICAL 10, HIGH 5, MEDIUM 2, LOW 0.5, INFO 0

and the score is ``100 * K / (K + penalty)`` with ``K = 50``, rounded to one
decimal. So no active finding scores 100, a penalty of 50 (five criticals,
or ten highs) scores 50, a penalty of 150 scores 25, and the score approaches
0 but never goes below it. The hyperbola, unlike a linear scale clipped at 0,
still tells a codebase with 200 criticals from one with 2,000.

Trend direction
---------------
``change_pct = (current - previous) / previous * 100`` over two adjacent
windows of equal length; null when ``previous`` is 0. The trend is
``increasing`` above +10 %, ``decreasing`` below -10 %, ``stable`` otherwise;
from 0 to a positive count it is ``increasing``.
"""

from __future__ import annotations

from collections.abc import Mapping

from hefesto_core.history.queries import TrendDirection
from hefesto_core.models import Severity

__all__ = [
    "QUALITY_HALF_PENALTY",
    "SEVERITY_PENALTY",
    "STABLE_BAND_PCT",
    "change_pct",
    "quality_score",
    "trend_direction",
]

SEVERITY_PENALTY: Mapping[Severity, float] = {
    Severity.CRITICAL: 10.0,
    Severity.HIGH: 5.0,
    Severity.MEDIUM: 2.0,
    Severity.LOW: 0.5,
    Severity.INFO: 0.0,
}
QUALITY_HALF_PENALTY = 50.0
STABLE_BAND_PCT = 10.0


def quality_score(active_by_severity: Mapping[Severity, int]) -> float:
    """0-100 score of the active findings' severities (see the module doc)."""
    penalty = 0.0
    for severity, count in active_by_severity.items():
        if count < 0:
            raise ValueError(f"negative count for {severity}: {count}")
        penalty += SEVERITY_PENALTY[Severity(severity)] * count
    return round(100.0 * QUALITY_HALF_PENALTY / (QUALITY_HALF_PENALTY + penalty), 1)


def change_pct(current: int, previous: int) -> float | None:
    if previous == 0:
        return None
    return round((current - previous) / previous * 100.0, 1)


def trend_direction(current: int, previous: int) -> TrendDirection:
    pct = change_pct(current, previous)
    if pct is None:
        return TrendDirection.INCREASING if current > 0 else TrendDirection.STABLE
    if pct > STABLE_BAND_PCT:
        return TrendDirection.INCREASING
    if pct < -STABLE_BAND_PCT:
        return TrendDirection.DECREASING
    return TrendDirection.STABLE
