from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import NamedTuple

import pytest

from streams.ownership import Ownership, tables_ready


def _app(*, recovered=True, in_recovery=False, rebalancing=False, flow_active=True, actives=()):
    completed = asyncio.Event()
    if recovered:
        completed.set()
    return SimpleNamespace(
        in_recovery=in_recovery,
        rebalancing=rebalancing,
        tables=SimpleNamespace(recovery=SimpleNamespace(completed=completed)),
        consumer=SimpleNamespace(flow_active=flow_active),
        consumer_generation_id=1,
        assignor=SimpleNamespace(assigned_actives=lambda: set(actives)),
    )


@pytest.mark.parametrize(
    ("state", "ready"),
    [
        ({}, True),
        # Faust sets ``completed`` only after it resumed the source partitions.
        ({"recovered": False, "rebalancing": True}, True),
        ({"in_recovery": True}, False),
        ({"rebalancing": True, "flow_active": False}, False),  # partitions revoked, flow stopped
        # Faust leaves ``rebalancing`` set for a while after the recovery resumed the flow.
        ({"rebalancing": True, "flow_active": True}, True),
    ],
)
def test_tables_are_ready_once_recovered_and_flowing(state, ready):
    assert tables_ready(_app(**state)) is ready


class TP(NamedTuple):
    topic: str
    partition: int


def test_an_empty_assignment_is_not_kept():
    tp = TP("findings", 2)
    actives: set = set()
    app = _app()
    app.assignor.assigned_actives = lambda: set(actives)
    ownership = Ownership(app, topic="findings", partitions=4)
    assert ownership.owned() == frozenset()
    actives.add(tp)  # the assignment lands right after
    assert ownership.owned() == frozenset({2})
    recovering = _app(in_recovery=True, actives=[tp])
    assert Ownership(recovering, topic="findings", partitions=4).owned() == frozenset()
