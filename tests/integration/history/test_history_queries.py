"""Contract: queries (both backends through the ``store`` fixture)."""

from __future__ import annotations

import pytest

from hefesto_core.history import FindingQuery, HistoryStore, TrendDirection, TrendGranularity, quality_score
from hefesto_core.models import FindingStatus, Severity
from tests.integration.history.factories import at, event, finding, status_change


@pytest.fixture
def seeded(store: HistoryStore) -> HistoryStore:
    """Nine findings over two repos, three files, all severities and statuses."""
    rows = [
        finding("c-1", severity="CRITICAL", rule_id="SEC1", issue_type="SQL_INJECTION_RISK"),
        finding("h-1", severity="HIGH"),
        finding("h-2", severity="HIGH", file_path="src/api.py", commit_sha="bbbbbbb"),
        finding("m-1", severity="MEDIUM", file_path="src/api.py", commit_sha="bbbbbbb"),
        finding("m-2", severity="MEDIUM", file_path="src/util.py", rule_id="HF200", issue_type="BARE_EXCEPT"),
        finding("l-1", severity="LOW", file_path="src/util.py", rule_id="HF200", issue_type="BARE_EXCEPT"),
        finding("i-1", severity="INFO", file_path="src/util.py"),
        finding("o-1", repo="acme/web", severity="HIGH", file_path="src/app.py"),
        finding("o-2", repo="acme/web", severity="LOW", file_path="src/app.py"),
    ]
    # One batch: the backends write it as a single upsert.
    store.record_finding_events([event("upsert", f, when=at(days=day)) for day, f in enumerate(rows)])
    where = {"repo": "acme/pay"}
    store.record_status_change(
        status_change("h-1", "acknowledged", when=at(days=10)), file_path="src/payment_processor.py", **where
    )
    store.record_status_change(
        status_change("m-2", "resolved", when=at(days=12)), file_path="src/util.py", **where
    )
    store.record_status_change(
        status_change("l-1", "ignored", when=at(days=12)), file_path="src/util.py", **where
    )
    store.record_status_change(
        status_change("o-2", "resolved", when=at(days=9)), repo="acme/web", file_path="src/app.py"
    )
    return store


def _ids(store: HistoryStore, **filters: object) -> list[str]:
    page = store.query_findings(FindingQuery(limit=1000, **filters))
    assert page.total_count == len(page.items)
    return [f.finding_id for f in page.items]


def test_order_is_severity_then_recency_then_id(seeded: HistoryStore) -> None:
    assert _ids(seeded) == ["c-1", "o-1", "h-2", "h-1", "m-2", "m-1", "o-2", "l-1", "i-1"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"file_path": "src/api.py"}, {"h-2", "m-1"}),
        ({"rule_id": "HF200"}, {"m-2", "l-1"}),
        ({"issue_type": "SQL_INJECTION_RISK"}, {"c-1"}),
        ({"min_severity": Severity.HIGH}, {"c-1", "h-1", "h-2", "o-1"}),
        ({"min_severity": Severity.INFO}, {"c-1", "h-1", "h-2", "m-1", "m-2", "l-1", "i-1", "o-1", "o-2"}),
        ({"statuses": (FindingStatus.RESOLVED,)}, {"m-2", "o-2"}),
        ({"statuses": (FindingStatus.IGNORED, FindingStatus.ACKNOWLEDGED)}, {"l-1", "h-1"}),
        ({"repo": "acme/web"}, {"o-1", "o-2"}),
        ({"commit_sha": "bbbbbbb"}, {"h-2", "m-1"}),
        ({"seen_from": at(days=2), "seen_to": at(days=4)}, {"h-2", "m-1"}),
        ({"repo": "acme/pay", "min_severity": Severity.MEDIUM, "file_path": "src/util.py"}, {"m-2"}),
    ],
)
def test_each_filter(seeded: HistoryStore, filters: dict[str, object], expected: set[str]) -> None:
    assert set(_ids(seeded, **filters)) == expected


def test_pagination_with_exact_total(seeded: HistoryStore) -> None:
    everything = _ids(seeded)
    seen: list[str] = []
    offset: int | None = 0
    while offset is not None:
        page = seeded.query_findings(FindingQuery(limit=4, offset=offset))
        assert page.total_count == 9
        assert page.has_more is (page.next_offset is not None)
        seen += [f.finding_id for f in page.items]
        offset = page.next_offset
    assert seen == everything

    past_the_end = seeded.query_findings(FindingQuery(limit=4, offset=50))
    assert (past_the_end.items, past_the_end.total_count, past_the_end.has_more) == ([], 9, False)
    assert seeded.query_findings(FindingQuery(repo="nobody")).total_count == 0


def test_findings_by_file_since_and_min_severity(seeded: HistoryStore) -> None:
    page = seeded.findings_by_file("src/util.py")
    assert [f.finding_id for f in page.items] == ["m-2", "l-1", "i-1"]
    page = seeded.findings_by_file("src/util.py", since=at(days=5))
    assert [f.finding_id for f in page.items] == ["l-1", "i-1"]
    page = seeded.findings_by_file("src/util.py", min_severity=Severity.LOW, limit=1)
    assert ([f.finding_id for f in page.items], page.total_count, page.next_offset) == (["m-2"], 2, 1)
    assert seeded.findings_by_file("src/app.py", repo="acme/pay").total_count == 0


def test_get_finding_unknown_is_none(seeded: HistoryStore) -> None:
    assert seeded.get_finding("does-not-exist") is None


def test_metrics_summary(seeded: HistoryStore) -> None:
    summary = seeded.metrics_summary()
    assert summary.total_findings == 9
    assert summary.by_status[FindingStatus.OPEN] == 5
    assert summary.by_status[FindingStatus.ACKNOWLEDGED] == 1
    assert summary.by_status[FindingStatus.RESOLVED] == 2
    assert summary.by_status[FindingStatus.IGNORED] == 1
    active = {Severity.CRITICAL: 1, Severity.HIGH: 3, Severity.MEDIUM: 1, Severity.LOW: 0, Severity.INFO: 1}
    assert summary.by_severity == active
    assert summary.active_findings == 6
    assert summary.files_affected == 4  # pay: payment_processor, api, util; web: app
    assert summary.quality_score == quality_score(active) == 64.9

    web = seeded.metrics_summary(repo="acme/web")
    assert (web.total_findings, web.active_findings, web.files_affected) == (2, 1, 1)


def test_trends_by_day_week_month(seeded: HistoryStore) -> None:
    days = seeded.trends(start=at(days=0), end=at(days=14), granularity=TrendGranularity.DAY)
    assert len(days) == 15  # the first bucket starts at midnight before `start`
    assert [b.new_findings for b in days[:9]] == [1] * 9
    assert days[0].new_by_severity[Severity.CRITICAL] == 1
    assert [d.resolved_findings for d in days] == [0] * 9 + [1, 0, 0, 1, 0, 0]

    weeks = seeded.trends(start=at(days=0), end=at(days=14), granularity=TrendGranularity.WEEK)
    assert [(b.new_findings, b.resolved_findings) for b in weeks] == [(7, 0), (2, 2), (0, 0)]
    assert weeks[0].bucket_start.isoformat() == "2026-03-02T00:00:00+00:00"

    months = seeded.trends(
        start=at(days=-40), end=at(days=14), granularity=TrendGranularity.MONTH, repo="acme/pay"
    )
    assert [b.bucket_start.month for b in months] == [1, 2, 3]
    assert [b.new_findings for b in months] == [0, 0, 7]


def test_findings_history_for_iris(seeded: HistoryStore) -> None:
    history = seeded.findings_history(start=at(days=4), end=at(days=13))
    assert (history.new_findings, history.previous_new_findings) == (5, 4)
    assert history.change_pct == 25.0
    assert history.trend is TrendDirection.INCREASING
    assert history.resolved_findings == 2
    # m-2: first seen day 4, resolved day 12 -> 192 h; o-2: day 8 -> day 9 -> 24 h.
    assert history.mean_hours_to_resolution == {Severity.MEDIUM: 192.0, Severity.LOW: 24.0}

    one_file = seeded.findings_history(start=at(days=0), end=at(days=1), file_path="src/payment_processor.py")
    assert (one_file.new_findings, one_file.previous_new_findings, one_file.trend) == (
        1,
        0,
        TrendDirection.INCREASING,
    )
    assert one_file.change_pct is None
