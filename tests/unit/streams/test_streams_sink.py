from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from hefesto_core.models import EnrichedAlert, FindingEvent, IrisAlert
from streams.codecs import encode_enriched
from streams.sink import HistorySink, SinkKind
from streams.sinkwriter import InlineWriter, write_payloads


class FlakyStore:
    """Fails its first ``failures`` writes, then records what it is given."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.alerts: list[IrisAlert] = []
        self.correlations: list[EnrichedAlert] = []
        self.payloads: list[str | None] = []
        self.events: list[Any] = []
        self.closed = False

    def _maybe_fail(self) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("store down")

    def record_alerts(self, alerts: list[IrisAlert]) -> None:
        self._maybe_fail()
        self.alerts.extend(alerts)

    def record_correlations(
        self, enriched: list[EnrichedAlert], *, payloads: list[str | None] | None = None
    ) -> None:
        self._maybe_fail()
        self.correlations.extend(enriched)
        self.payloads.extend(payloads if payloads is not None else [None] * len(enriched))

    def record_correlation_payloads(self, payloads: list[str]) -> None:
        self.record_correlations([EnrichedAlert.model_validate_json(p) for p in payloads], payloads=payloads)

    def record_finding_events(self, events: list[Any]) -> None:
        self._maybe_fail()
        self.events.extend(events)

    def close(self) -> None:
        self.closed = True


class RecordingDeadLetters:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def send_raw(self, **kw: Any) -> None:
        self.sent.append(kw)


def _alert(i: int) -> IrisAlert:
    return IrisAlert.model_validate({"alert_id": f"a{i}", "timestamp": "2026-01-01T00:00:00Z"})


def _enriched(i: int) -> EnrichedAlert:
    return EnrichedAlert(
        alert_id=f"a{i}", enriched=False, reason="no_code_location", processed_at=datetime.now(UTC)
    )


def _sink(store: FlakyStore, dl: RecordingDeadLetters | None = None, **kw: Any) -> HistorySink:
    return HistorySink(
        InlineWriter(lambda: store),
        deadletters=dl,  # type: ignore[arg-type]
        source_topics={k: f"topic-{k.value}" for k in SinkKind},
        **kw,
    )


async def test_batches_are_written_in_order_and_in_batch_sized_calls():
    store = FlakyStore()
    sink = _sink(store, batch_size=3)
    for i in range(7):
        sink.add_alert(_alert(i))
    sink.add_correlation(_enriched(1))
    assert await sink.flush(now=0.0) == 8
    assert [a.alert_id for a in store.alerts] == [f"a{i}" for i in range(7)]
    assert [c.alert_id for c in store.correlations] == ["a1"]
    assert sink.buffered(SinkKind.ALERTS) == 0


async def test_an_outage_keeps_records_and_retries_after_backoff():
    store = FlakyStore(failures=2)
    sink = _sink(store, batch_size=10)
    for i in range(5):
        sink.add_alert(_alert(i))
    assert await sink.flush(now=0.0) == 0
    assert sink.buffered(SinkKind.ALERTS) == 5
    # Within the backoff nothing is attempted (the failure budget is untouched).
    assert await sink.flush(now=0.05) == 0
    assert store.failures == 1
    assert await sink.flush(now=10.0) == 0  # second failure
    assert await sink.flush(now=100.0) == 5
    assert [a.alert_id for a in store.alerts] == [f"a{i}" for i in range(5)]


async def test_a_full_buffer_sends_the_oldest_to_dead_letters_not_to_oblivion():
    store = FlakyStore(failures=1_000)
    dl = RecordingDeadLetters()
    sink = _sink(store, dl, buffer_max=3)
    for i in range(5):
        sink.add_alert(_alert(i))
    await sink.flush(now=0.0)
    assert [d["key"] for d in dl.sent] == [b"a0", b"a1"]
    assert dl.sent[0]["topic"] == "topic-alerts"
    assert IrisAlert.model_validate_json(dl.sent[0]["value"]).alert_id == "a0"
    assert dl.sent[0]["exc"].code == "STORE_UNAVAILABLE"
    assert sink.buffered(SinkKind.ALERTS) == 3


async def test_the_store_is_opened_lazily_and_an_open_failure_is_retried():
    store = FlakyStore()
    opened = {"n": 0}

    def open_store() -> FlakyStore:
        opened["n"] += 1
        if opened["n"] == 1:
            raise ConnectionError("cannot connect")
        return store

    sink = HistorySink(InlineWriter(open_store), deadletters=None, source_topics={k: "t" for k in SinkKind})
    sink.add_alert(_alert(1))
    assert await sink.flush(now=0.0) == 0
    assert await sink.flush(now=60.0) == 1
    sink.close()
    assert store.closed


def _finding_event() -> FindingEvent:
    return FindingEvent(
        event_id="e1", kind="replace", repo="r", file_path="a.py", emitted_at=datetime.now(UTC), findings=[]
    )


@pytest.mark.parametrize("kind", list(SinkKind))
def test_every_kind_reaches_its_store_method_decoded(kind: SinkKind):
    store = FlakyStore()
    model = {SinkKind.ALERTS: _alert(1), SinkKind.CORRELATIONS: _enriched(1)}.get(kind) or _finding_event()
    write_payloads(store, kind, [model.model_dump_json().encode()])
    by_kind = {SinkKind.ALERTS: store.alerts, SinkKind.CORRELATIONS: store.correlations}
    landed = by_kind.get(kind, store.events)
    assert landed == [model]


async def test_an_alert_is_stored_and_dead_lettered_as_the_json_it_arrived_with():
    store = FlakyStore(failures=1)
    dl = RecordingDeadLetters()
    sink = _sink(store, dl, buffer_max=1)
    raw = [b'{"alert_id": "a1", "timestamp": "2026-01-01T00:00:00Z", "extra": 1}', b'{"alert_id": "a2"}']
    sink.add_alert(_alert(1), raw=raw[0])
    sink.add_alert(_alert(2), raw=raw[1])
    assert await sink.flush(now=0.0) == 0
    assert [(d["key"], d["value"]) for d in dl.sent] == [(b"a1", raw[0])]


async def test_the_json_already_sent_downstream_is_stored_not_encoded_again():
    store = FlakyStore()
    sink = _sink(store)
    first, second = _enriched(1), _enriched(2)
    sent = encode_enriched(first)
    sink.add_correlation(first, payload=sent)
    sink.add_correlation(second)
    assert await sink.flush(now=0.0) == 2
    assert store.correlations == [first, second]
    # The one given without its JSON is encoded once, by the sink.
    assert store.payloads == [sent.decode(), encode_enriched(second).decode()]


async def test_a_dead_lettered_correlation_carries_the_json_that_was_sent():
    store = FlakyStore(failures=1_000)
    dl = RecordingDeadLetters()
    sink = _sink(store, dl, buffer_max=1)
    first = encode_enriched(_enriched(1))
    sink.add_correlation(_enriched(1), payload=first)
    sink.add_correlation(_enriched(2), payload=encode_enriched(_enriched(2)))
    await sink.flush(now=0.0)
    assert [(d["key"], d["value"]) for d in dl.sent] == [(b"a1", first)]
    assert dl.sent[0]["topic"] == "topic-correlations"
