"""Contract: writes (both backends through the ``store`` fixture)."""

from __future__ import annotations

import threading

import pytest

from hefesto_core.history import FindingDetail, FindingQuery, HistoryStore
from hefesto_core.models import FindingStatus
from tests.integration.history.factories import (
    alert,
    at,
    enriched,
    event,
    finding,
    status_change,
)


def _one(store: HistoryStore, fid: str) -> FindingDetail:
    detail = store.get_finding(fid)
    assert detail is not None, fid
    return detail


def test_first_observation_creates_the_finding_and_a_detection_event(store: HistoryStore) -> None:
    store.record_finding_events([event("upsert", finding("f-1"), when=at(0))])

    detail = _one(store, "f-1")
    f = detail.finding
    assert (f.first_seen, f.last_seen, f.occurrence_count, f.status) == (at(0), at(0), 1, FindingStatus.OPEN)
    assert f.metadata == {"complexity": 15}
    assert f.message == "customer may be None here"
    assert [(h.previous_status, h.status, h.changed_at) for h in detail.history] == [
        (None, FindingStatus.OPEN, at(0))
    ]
    assert detail.history[0].note == "first detected at commit a1b2c3d"


def test_replaying_events_changes_nothing(store: HistoryStore) -> None:
    events = [
        event("upsert", finding("f-1"), finding("f-2"), when=at(0)),
        event("upsert", finding("f-1"), when=at(1)),
        event("replace", finding("f-1"), when=at(2)),
    ]
    store.record_finding_events(events)
    before = [_one(store, fid) for fid in ("f-1", "f-2")]

    store.record_finding_events(events)  # at-least-once: the whole batch again
    store.record_finding_events(events[1:2])

    after = [_one(store, fid) for fid in ("f-1", "f-2")]
    assert after == before
    assert before[0].finding.occurrence_count == 3
    assert store.query_findings(FindingQuery()).total_count == 2


def test_later_observation_advances_last_seen_and_keeps_first_seen(store: HistoryStore) -> None:
    store.upsert_findings([finding("f-1")], seen_at=at(0))
    store.upsert_findings(
        [finding("f-1", message="customer is None on retry", line_start=141)], seen_at=at(5)
    )

    f = _one(store, "f-1").finding
    assert (f.first_seen, f.last_seen, f.occurrence_count) == (at(0), at(5), 2)
    assert (f.message, f.line_start) == ("customer is None on retry", 141)


def test_older_observation_does_not_count_or_overwrite(store: HistoryStore) -> None:
    store.upsert_findings([finding("f-1", message="new")], seen_at=at(5))
    store.upsert_findings([finding("f-1", message="old", first_seen=at(-10))], seen_at=at(1))

    f = _one(store, "f-1").finding
    assert (f.message, f.last_seen, f.occurrence_count) == ("new", at(5), 1)
    assert f.first_seen == at(-10)  # an earlier first sighting is still news


def test_same_finding_twice_in_one_batch_counts_twice(store: HistoryStore) -> None:
    store.record_finding_events(
        [event("upsert", finding("f-1"), when=at(0)), event("upsert", finding("f-1"), when=at(1))]
    )
    assert _one(store, "f-1").finding.occurrence_count == 2


def test_replace_resolves_absent_findings_of_that_file_only(store: HistoryStore) -> None:
    other = finding("g-1", file_path="src/other.py")
    store.record_finding_events(
        [
            event("upsert", finding("f-1"), finding("f-2"), finding("f-3"), when=at(0)),
            event("upsert", other, when=at(0)),
            event("status", when=at(0.5), status_change=status_change("f-3", "ignored", when=at(0.5))),
            event("replace", finding("f-1", commit_sha="beef123"), when=at(1), commit_sha="beef123"),
        ]
    )

    gone = _one(store, "f-2")
    assert gone.finding.status is FindingStatus.RESOLVED
    assert gone.finding.resolved_at == at(1)
    last = gone.history[-1]
    assert (last.previous_status, last.status, last.changed_at) == (
        FindingStatus.OPEN,
        FindingStatus.RESOLVED,
        at(1),
    )
    assert last.note == "no longer reported at commit beef123"
    assert _one(store, "f-1").finding.status is FindingStatus.OPEN
    assert _one(store, "f-3").finding.status is FindingStatus.IGNORED  # an operator's word stands
    assert _one(store, "g-1").finding.status is FindingStatus.OPEN


def test_empty_replace_resolves_the_whole_file(store: HistoryStore) -> None:
    store.upsert_findings([finding("f-1"), finding("f-2")], seen_at=at(0))
    store.record_finding_events([event("replace", when=at(1))])
    page = store.query_findings(FindingQuery(statuses=(FindingStatus.RESOLVED,)))
    assert sorted(f.finding_id for f in page.items) == ["f-1", "f-2"]


def test_resolved_finding_seen_again_is_reopened(store: HistoryStore) -> None:
    store.upsert_findings([finding("f-1")], seen_at=at(0))
    store.record_finding_events([event("replace", when=at(1))])
    store.upsert_findings([finding("f-1", commit_sha="c0ffee1")], seen_at=at(2))
    store.upsert_findings([finding("f-1", commit_sha="c0ffee1")], seen_at=at(2))  # replay

    detail = _one(store, "f-1")
    assert detail.finding.status is FindingStatus.OPEN
    assert detail.finding.resolved_at is None
    assert [(h.previous_status, h.status) for h in detail.history] == [
        (None, FindingStatus.OPEN),
        (FindingStatus.OPEN, FindingStatus.RESOLVED),
        (FindingStatus.RESOLVED, FindingStatus.OPEN),
    ]
    assert detail.history[-1].note == "seen again at commit c0ffee1"


def test_status_change_is_recorded_with_who_when_from_to_note(store: HistoryStore) -> None:
    store.upsert_findings([finding("f-1")], seen_at=at(0))
    change = status_change("f-1", "acknowledged", when=at(3), note="looking into it")
    store.record_status_change(change, repo="acme/pay", file_path="src/payment_processor.py")
    store.record_status_change(change, repo="acme/pay", file_path="src/payment_processor.py")  # replay

    detail = _one(store, "f-1")
    assert detail.finding.status is FindingStatus.ACKNOWLEDGED
    assert detail.finding.status_changed_at == at(3)
    assert len(detail.history) == 2
    last = detail.history[-1]
    assert (last.changed_by, last.changed_at, last.previous_status, last.status, last.note) == (
        "ops@acme",
        at(3),
        FindingStatus.OPEN,
        FindingStatus.ACKNOWLEDGED,
        "looking into it",
    )


def test_resolving_sets_resolved_at_and_reopening_clears_it(store: HistoryStore) -> None:
    store.upsert_findings([finding("f-1")], seen_at=at(0))
    where = {"repo": "acme/pay", "file_path": "src/payment_processor.py"}
    store.record_status_change(status_change("f-1", "resolved", when=at(4)), **where)
    assert _one(store, "f-1").finding.resolved_at == at(4)
    store.record_status_change(status_change("f-1", "open", when=at(6)), **where)
    assert _one(store, "f-1").finding.resolved_at is None


def test_older_status_change_is_kept_in_history_but_does_not_win(store: HistoryStore) -> None:
    store.upsert_findings([finding("f-1")], seen_at=at(0))
    where = {"repo": "acme/pay", "file_path": "src/payment_processor.py"}
    store.record_status_change(status_change("f-1", "false_positive", when=at(5)), **where)
    store.record_status_change(status_change("f-1", "acknowledged", when=at(4), by="late"), **where)

    detail = _one(store, "f-1")
    assert detail.finding.status is FindingStatus.FALSE_POSITIVE
    assert [h.status for h in detail.history] == [
        FindingStatus.OPEN,
        FindingStatus.ACKNOWLEDGED,
        FindingStatus.FALSE_POSITIVE,
    ]


def test_status_event_through_the_stream(store: HistoryStore) -> None:
    store.upsert_findings([finding("f-1")], seen_at=at(0))
    change = status_change("f-1", "ignored", when=at(2), previous_status="open")
    store.record_finding_events([event("status", when=at(2), status_change=change)])
    assert _one(store, "f-1").finding.status is FindingStatus.IGNORED


def test_alerts_are_idempotent_by_alert_id(store: HistoryStore) -> None:
    store.record_alerts([alert("alert_1"), alert("alert_2", severity="LOW")])
    store.record_alerts([alert("alert_1")])
    got = store.get_alert("alert_1")
    assert got == alert("alert_1")
    assert store.get_alert("alert_2") == alert("alert_2", severity="LOW")
    assert store.get_alert("nope") is None


def test_every_correlation_version_is_kept_and_the_latest_wins(store: HistoryStore) -> None:
    store.record_correlations([enriched("alert_1", 1, confidence=0.5)])
    store.record_correlations(
        [enriched("alert_1", 2, confidence=0.9), enriched("alert_1", 1, confidence=0.5)]
    )
    store.record_correlations([enriched("alert_1", 1, confidence=0.5)])  # replay

    versions = store.correlation_versions("alert_1")
    assert [v.correlation_version for v in versions] == [1, 2]
    latest = store.latest_correlation("alert_1")
    assert latest == enriched("alert_1", 2, confidence=0.9)
    assert store.latest_correlation("alert_2") is None


def test_correlations_given_with_their_json_store_that_json(store: HistoryStore) -> None:
    model = enriched("alert_9", 1, confidence=0.75)
    store.record_correlations([model], payloads=[model.model_dump_json()])
    assert store.latest_correlation("alert_9") == model
    with pytest.raises(ValueError, match="1 payloads for 2 correlations"):
        store.record_correlations([model, model], payloads=[model.model_dump_json()])


def test_concurrent_writers_lose_nothing(store: HistoryStore) -> None:
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            for i in range(5):
                fid = f"w{worker}-{i}"
                store.record_finding_events(
                    [event("upsert", finding(fid, file_path=f"src/w{worker}.py"), when=at(i), event_id=fid)]
                )
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert store.query_findings(FindingQuery()).total_count == 20
