"""The fan-out's local join in one process (``fanout.make_handler``, what
``bench/fanout.py`` times): the engine a worker builds, no broker; the Kafka
tests run the same handler inside workers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from streams.agents import fanout
from streams.ownership import Ownership, partition_for

from .joinkit import AllOwned, FakeEvent, alert_bytes, joined_engine


@pytest.fixture
def engine(tmp_path: Path) -> Any:
    return joined_engine(tmp_path)


async def test_a_locally_joined_alert_is_emitted_with_its_finding_and_recorded(engine: Any) -> None:
    settings = engine.settings
    ownership = AllOwned(engine.app, topic=settings.topic_findings, partitions=settings.topic_partitions)
    handle = fanout.make_handler(engine, ownership=ownership)
    await handle(FakeEvent(alert_bytes("a-1"), b"a-1"))

    out = engine.app.output_buffer
    assert out.pending == 1
    (key, value, headers) = out._pending[0]
    assert key == b"a-1"
    assert headers == [("correlation-version", b"1")]
    enriched = orjson.loads(value)
    assert enriched["enriched"] is True
    assert [m["finding_id"] for m in enriched["hefesto_findings"]] == ["f-near"]
    assert engine.tables.assembly.get("a-1")["version"] == 1
    assert "a-1" in engine.tables.correlations
    assert "a-1" in engine.tables.recent_alerts_by_file.get("shop:src/cart.py")
    # Every table write is queued for its changelog, none sent yet.
    assert engine.app.changelog_writer.pending >= 3


async def test_a_replayed_alert_is_answered_again_not_joined_twice(engine: Any) -> None:
    settings = engine.settings
    ownership = AllOwned(engine.app, topic=settings.topic_findings, partitions=settings.topic_partitions)
    handle = fanout.make_handler(engine, ownership=ownership)
    await handle(FakeEvent(alert_bytes("a-2"), b"a-2"))
    await handle(FakeEvent(alert_bytes("a-2"), b"a-2"))
    records = engine.app.output_buffer._pending
    assert [r[0] for r in records] == [b"a-2", b"a-2"]
    assert [r[2] for r in records] == [[("correlation-version", b"1")]] * 2
    assert orjson.loads(records[1][1]) == orjson.loads(records[0][1])


class _Owns(Ownership):
    def __init__(self, *args: Any, owned: frozenset[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._owned = owned

    def owned(self) -> frozenset[int]:
        return self._owned


def _two_frame_alert(alert_id: str) -> bytes:
    body = orjson.loads(alert_bytes(alert_id))
    body["frames"].append(
        {"file_path": "src/remote.py", "line_number": 7, "function_name": "f", "in_app": True}
    )
    return orjson.dumps(body)


def _alert_id(partitions: int, *, avoid: set[int]) -> str:
    return next(f"a-{n}" for n in range(1_000) if partition_for(f"a-{n}".encode(), partitions) not in avoid)


def _frame_index(header: dict[str, Any], path: str) -> int:
    return next(i for i, f in enumerate(header["frames"]) if f["file_path"] == path)


def _split(partitions: int) -> tuple[str, frozenset[int]]:
    """An alert id whose partition is not src/remote.py's, and the
    partitions this worker owns: all but src/remote.py's."""
    remote = partition_for(b"shop:src/remote.py", partitions)
    assert partition_for(b"shop:src/cart.py", partitions) != remote
    return _alert_id(partitions, avoid={remote}), frozenset(range(partitions)) - {remote}


async def test_an_alert_assembled_here_sends_only_the_other_workers_probes(
    engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = engine.settings
    alert_id, owned = _split(settings.topic_partitions)
    sent: dict[str, list[tuple[bytes, bytes]]] = {"probes": [], "parts": []}

    def recorder(name: str) -> Any:
        async def send(*, key: bytes, value: bytes) -> None:
            sent[name].append((key, value))

        return send

    monkeypatch.setattr(engine.topics.probes, "send", recorder("probes"))
    monkeypatch.setattr(engine.topics.parts, "send", recorder("parts"))
    ownership = _Owns(
        engine.app, topic=settings.topic_findings, partitions=settings.topic_partitions, owned=owned
    )
    handle = fanout.make_handler(engine, ownership=ownership)
    await handle(FakeEvent(_two_frame_alert(alert_id), alert_id.encode()))

    # No header and no local part through the parts topic: the entry is here.
    assert sent["parts"] == []
    state = engine.tables.assembly.get(alert_id)
    assert state["header"]["alert_id"] == alert_id
    cart, remote = (_frame_index(state["header"], path) for path in ("src/cart.py", "src/remote.py"))
    assert [(k, orjson.loads(v)["frame_index"]) for k, v in sent["probes"]] == [
        (b"shop:src/remote.py", remote)
    ]
    assert list(state["parts"]) == [str(cart)]
    assert [m["finding_id"] for m in state["parts"][str(cart)]["matches"]] == ["f-near"]
    assert state["version"] == 0
    # Not answered yet, and the assembler's deadline covers a lost part.
    assert engine.app.output_buffer.pending == 0
    assert engine.deadlines.due(state["first_ms"] + settings.assemble_timeout_ms) == [alert_id]


async def test_an_alert_assembled_elsewhere_sends_a_header_and_its_local_parts(
    engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = engine.settings
    n = settings.topic_partitions
    remote, cart = partition_for(b"shop:src/remote.py", n), partition_for(b"shop:src/cart.py", n)
    # The alert's own partition is another worker's too, src/cart.py's is ours.
    alert_id = _alert_id(n, avoid={remote, cart})
    owned = frozenset(range(n)) - {remote, partition_for(alert_id.encode(), n)}
    sent: list[dict[str, Any]] = []

    async def send(*, key: bytes, value: bytes) -> None:
        sent.append(orjson.loads(value))

    monkeypatch.setattr(engine.topics.probes, "send", send)
    monkeypatch.setattr(engine.topics.parts, "send", send)
    ownership = _Owns(
        engine.app, topic=settings.topic_findings, partitions=settings.topic_partitions, owned=owned
    )
    handle = fanout.make_handler(engine, ownership=ownership)
    await handle(FakeEvent(_two_frame_alert(alert_id), alert_id.encode()))

    cart, remote = (_frame_index(sent[0], path) for path in ("src/cart.py", "src/remote.py"))
    # The header first, then per frame: the local part, the remote probe.
    assert sent[0]["kind"] == "header"
    by_frame = {r["frame_index"]: r for r in sent[1:]}
    assert len(sent) == 3
    assert sorted(by_frame) == sorted([cart, remote])
    assert by_frame[cart]["kind"] == "part"
    assert by_frame[remote]["file_key"] == "shop:src/remote.py"  # a probe
    assert engine.tables.assembly.get(alert_id) is None
