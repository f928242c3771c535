from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from faust.types import TP

from streams.web import consumer_payload

ALERTS_0, ALERTS_1, CHANGELOG_0 = TP("alerts", 0), TP("alerts", 1), TP("assembly-changelog", 0)


class _Consumer:
    """The private state of Faust's consumer that ``/consumer`` reads."""

    def __init__(self) -> None:
        self._acked: dict[TP, list[int]] = {ALERTS_0: [7, 5, 6]}
        self._committed_offset: dict[TP, int] = {ALERTS_0: 5}
        self._read_offset: dict[TP, int] = {ALERTS_0: 7}
        self._paused_partitions = {ALERTS_1}
        self._active_partitions = {ALERTS_0}
        self._buffered_partitions: set[TP] = set()

    def assignment(self) -> set[TP]:
        return {ALERTS_0, ALERTS_1, CHANGELOG_0}

    def highwater(self, tp: TP) -> int:
        if tp != ALERTS_0:
            raise KeyError(tp)  # nothing fetched from it yet
        return 12

    def head_offset(self, tp: TP) -> int | None:
        return self._committed_offset.get(tp)


def _engine(consumer: Any) -> Any:
    app = SimpleNamespace(consumer=consumer, start_offset_topics=frozenset({"alerts"}))
    return SimpleNamespace(app=app)


def test_consumer_state_per_source_partition():
    payload = consumer_payload(_engine(_Consumer()))["partitions"]
    assert set(payload) == {"alerts:0", "alerts:1"}  # changelogs are recovery's, not listed
    assert payload["alerts:0"] == {
        "committed": 5,
        "head": 5,
        "read_offset": 7,
        "highwater": 12,
        "acked": {"count": 3, "min": 5, "max": 7},
        "paused": False,
        "active": True,
        "buffered": False,
    }
    # A partition never fetched and paused: the state a stalled restart shows.
    assert payload["alerts:1"]["highwater"] is None
    assert payload["alerts:1"]["committed"] is None
    assert payload["alerts:1"]["paused"] is True
    assert payload["alerts:1"]["active"] is False


def test_no_consumer_yet():
    assert consumer_payload(_engine(None)) == {"partitions": {}}
