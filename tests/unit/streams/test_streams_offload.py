"""The scoring process (streams/offload.py, streams/scoringproc.py): the same
answers as the worker's own local join, in order, and nothing lost when the
child dies. The engine a worker builds, no broker; the Kafka tests run it
inside workers."""

from __future__ import annotations

import asyncio
import pickle
from pathlib import Path
from typing import Any

import orjson
import pytest

from streams.agents import fanout
from streams.agents.base import record_ms
from streams.answer import AnswerParams, answer
from streams.offload import ScoringProcess
from streams.scoringproc import Scorer

from .joinkit import AllOwned, FakeEvent, alert_bytes, joined_engine

CART = "shop:src/cart.py"
_TIMES = ("processed_at", "latency_ms")


def _without(d: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k not in keys}


def _scorer(engine: Any, *, seeded: bool = True) -> Scorer:
    scorer = Scorer(AnswerParams.of(engine.settings))
    if seeded:
        scorer.handle([("seed", dict(engine.tables.findings_by_file.items()))])
    return scorer


class _DeadLetters:
    def __init__(self) -> None:
        self.sent: list[tuple[Any, BaseException]] = []

    async def send(self, event: Any, exc: BaseException) -> None:
        self.sent.append((event, exc))


@pytest.fixture
def engine(tmp_path: Path) -> Any:
    return joined_engine(tmp_path)


async def test_the_child_answers_an_alert_as_the_worker_joins_it(engine: Any, tmp_path: Path) -> None:
    here = joined_engine(tmp_path / "here")
    settings = here.settings
    handle = fanout.make_handler(
        here,
        ownership=AllOwned(here.app, topic=settings.topic_findings, partitions=settings.topic_partitions),
    )
    event = FakeEvent(alert_bytes("a-1"), b"a-1")
    await handle(event)
    ((_, sent_here, _),) = here.app.output_buffer._pending

    ((seq, kind, answered),) = _scorer(engine).handle([("job", 7, alert_bytes("a-1"), record_ms(event))])
    assert (seq, kind) == (7, "ok")
    enriched = orjson.loads(answered.enriched)
    assert enriched["enriched"] is True
    assert [m["finding_id"] for m in enriched["hefesto_findings"]] == ["f-near"]
    assert _without(enriched, *_TIMES) == _without(orjson.loads(sent_here), *_TIMES)
    assert _without(orjson.loads(answered.assembly), "first_ms") == _without(
        here.tables.assembly.get("a-1"), "first_ms"
    )
    assert answered.file_keys == (CART,)


def test_a_job_sees_the_changes_queued_before_it_not_after(engine: Any) -> None:
    state = engine.tables.findings_by_file.get(CART)
    scorer = _scorer(engine, seeded=False)
    results = scorer.handle(
        [
            ("job", 1, alert_bytes("a-1"), 0),
            ("update", CART, state),
            ("job", 2, alert_bytes("a-2"), 0),
            ("update", CART, None),
            ("job", 3, alert_bytes("a-3"), 0),
        ]
    )
    found = [[m["finding_id"] for m in orjson.loads(a.enriched)["hefesto_findings"]] for _, _, a in results]
    assert found == [[], ["f-near"], []]


def test_an_alert_that_does_not_decode_comes_back_as_its_error(engine: Any) -> None:
    results = _scorer(engine).handle(
        [("job", 1, b"{not json", 0), ("job", 2, orjson.dumps({"alert_id": "a"}), 0)]
    )
    assert [(seq, kind, value[0]) for seq, kind, value in results] == [
        (1, "error", "DecodeError"),
        (2, "error", "ValidationFailed"),
    ]


def test_a_frame_for_the_resolve_agent_is_left_to_the_worker(engine: Any) -> None:
    body = orjson.loads(alert_bytes("a-abs"))
    body["frames"] = [{"file_path": "/home/ci/build/shop/src/cart.py", "line_number": 42, "in_app": True}]
    scorer = _scorer(engine)
    ((_, kind, value),) = scorer.handle([("job", 1, orjson.dumps(body), 0)])
    assert (kind, value) == ("ok", None)


def test_an_answer_crosses_the_pipe_unchanged(engine: Any) -> None:
    mapper = AnswerParams.of(engine.settings).mapper()
    answered = answer(
        alert_bytes("a-1"),
        ingest_ms=5,
        params=AnswerParams.of(engine.settings),
        mapper=mapper,
        findings_for=engine.scorer.findings_for,
    )
    assert answered is not None
    assert pickle.loads(pickle.dumps(answered)) == answered


async def _offloaded(engine: Any) -> tuple[ScoringProcess, Any]:
    settings = engine.settings
    offload = ScoringProcess(engine, params=AnswerParams.of(settings))
    engine.offload = engine.app.offload = offload
    handle = fanout.make_handler(
        engine,
        ownership=AllOwned(engine.app, topic=settings.topic_findings, partitions=settings.topic_partitions),
    )

    async def no_sends() -> None:  # no broker: the output and changelog stay queued
        return None

    offload._after_batch = no_sends  # type: ignore[method-assign]
    await offload.start()
    return offload, handle


async def test_answers_are_applied_in_order_and_a_commit_can_wait_for_them(engine: Any) -> None:
    engine.deadletters = _DeadLetters()
    offload, handle = await _offloaded(engine)
    try:
        ids = [f"a-{i}" for i in range(150)]
        for alert_id in ids[:100]:
            await handle(FakeEvent(alert_bytes(alert_id), alert_id.encode()))
        await handle(FakeEvent(b"{poison", b"p-1"))
        for alert_id in ids[100:]:
            await handle(FakeEvent(alert_bytes(alert_id), alert_id.encode()))
        await offload.drain()
        assert offload.inflight == 0
        records = engine.app.output_buffer._pending
        assert [r[0].decode() for r in records] == ids
        assert all(r[2] == [("correlation-version", b"1")] for r in records)
        assert all(engine.tables.assembly.get(a)["version"] == 1 for a in ids)
        assert ids[-1] in engine.tables.recent_alerts_by_file.get(CART)
        assert [(e.key, type(x).__name__) for e, x in engine.deadletters.sent] == [(b"p-1", "DecodeError")]
    finally:
        await offload.stop()


async def test_when_the_child_dies_the_alerts_in_flight_are_answered_here(engine: Any) -> None:
    offload, handle = await _offloaded(engine)
    try:
        ids = [f"k-{i}" for i in range(40)]
        for alert_id in ids[:20]:
            await handle(FakeEvent(alert_bytes(alert_id), alert_id.encode()))
        assert offload._proc is not None
        offload._proc.kill()
        await offload._proc.wait()
        for alert_id in ids[20:]:
            await handle(FakeEvent(alert_bytes(alert_id), alert_id.encode()))
        await asyncio.wait_for(offload.drain(), timeout=10)
        assert not offload.ready
        records = engine.app.output_buffer._pending
        # Each alert answered; none twice (the child's answers that were
        # applied before it died are not answered again).
        assert sorted(r[0].decode() for r in records) == sorted(ids)
        assert all(orjson.loads(r[1])["enriched"] for r in records)
    finally:
        await offload.stop()
