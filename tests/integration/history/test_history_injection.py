"""Contract: hostile input in every filter matches nothing and harms nothing;
hostile *values* are stored and found verbatim (both backends)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from hefesto_core.history import FindingQuery, HistoryStore
from tests.integration.history.factories import alert, at, enriched, event, finding

HOSTILE = [
    "x' OR '1'='1",
    "'; DROP TABLE findings; --",
    '"; DROP TABLE finding_events; --',
    "` OR TRUE; DELETE FROM alerts WHERE TRUE; --",
    "1) OR (1=1",
    "@p0",
    ":p0",
    "%' OR file_path LIKE '%",
    "\\'; SELECT 1; --",
]
STRING_FILTERS = ("repo", "file_path", "rule_id", "issue_type", "commit_sha")


@pytest.fixture
def populated(store: HistoryStore) -> HistoryStore:
    store.record_finding_events(
        [
            event("upsert", finding("f-1"), when=at(0)),
            event("upsert", finding("f-2", file_path="src/api.py"), when=at(1)),
        ]
    )
    store.record_alerts([alert("alert_1")])
    store.record_correlations([enriched("alert_1", 1)])
    return store


def _intact(store: HistoryStore, *, findings: int = 2) -> None:
    assert store.query_findings(FindingQuery()).total_count == findings
    detail = store.get_finding("f-1")
    assert detail is not None
    assert len(detail.history) == 1
    assert store.get_alert("alert_1") is not None
    assert store.latest_correlation("alert_1") is not None


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_strings_in_every_filter_match_nothing(populated: HistoryStore, hostile: str) -> None:
    for name in STRING_FILTERS:
        page = populated.query_findings(FindingQuery(**{name: hostile}))
        assert (page.items, page.total_count) == ([], 0), name
    assert populated.findings_by_file(hostile).total_count == 0
    assert populated.findings_by_file("src/api.py", repo=hostile).total_count == 0
    assert populated.get_finding(hostile) is None
    assert populated.get_alert(hostile) is None
    assert populated.latest_correlation(hostile) is None
    assert populated.correlation_versions(hostile) == []
    assert populated.metrics_summary(repo=hostile).total_findings == 0
    assert sum(b.new_findings for b in populated.trends(start=at(-1), end=at(48), repo=hostile)) == 0
    history = populated.findings_history(start=at(-1), end=at(48), repo=hostile, file_path=hostile)
    assert history.new_findings == 0
    _intact(populated)


@pytest.mark.parametrize("hostile", HOSTILE[:3])
def test_typed_filters_reject_hostile_text(hostile: str) -> None:
    with pytest.raises(ValidationError):
        FindingQuery(min_severity=hostile)
    with pytest.raises(ValidationError):
        FindingQuery(statuses=(hostile,))
    with pytest.raises(ValidationError):
        FindingQuery(seen_from=hostile)


def test_hostile_values_are_stored_and_found_verbatim(populated: HistoryStore) -> None:
    path = "src/x'; DROP TABLE findings; --.py"
    nasty = finding(
        "f-'; DROP TABLE findings; --",
        file_path=path,
        message="x' OR '1'='1",
        function_name="Robert'); DROP TABLE students;--",
        metadata={"note": "'; DELETE FROM findings; --"},
    )
    populated.upsert_findings([nasty], seen_at=at(2))
    populated.record_alerts([alert("alert_'; DROP TABLE alerts; --", file_path=path)])

    page = populated.findings_by_file(path)
    assert [f.finding_id for f in page.items] == [nasty.finding_id]
    stored = page.items[0]
    assert (stored.message, stored.function_name, stored.metadata) == (
        nasty.message,
        nasty.function_name,
        nasty.metadata,
    )
    assert populated.get_alert("alert_'; DROP TABLE alerts; --") is not None
    _intact(populated, findings=3)
