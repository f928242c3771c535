"""Stream queues survive a resume that follows no suspension
(streams/flowcontrol.py); the Kafka tests run it in every worker, the
restart tests through Faust's recovery."""

from __future__ import annotations

import pytest
from mode.utils.queues import FlowControlEvent, FlowControlQueue

from hefesto_core.settings import Settings
from streams.app import create_engine
from streams.flowcontrol import KeepingFlowControl
from streams.tuning import StreamTuning


def _queue(flow: FlowControlEvent) -> FlowControlQueue[int]:
    # As Faust makes each agent's queue (faust/channels.py).
    return FlowControlQueue(maxsize=100, flow_control=flow, clear_on_resume=True)


@pytest.fixture
def running() -> tuple[KeepingFlowControl, FlowControlQueue[int]]:
    """A flow resumed once (Faust's starts suspended) and an agent's queue."""
    flow = KeepingFlowControl()
    queue = _queue(flow)
    flow.resume()
    return flow, queue


def test_a_resume_after_a_resume_keeps_what_the_agents_have_not_taken_yet(
    running: tuple[KeepingFlowControl, FlowControlQueue[int]],
) -> None:
    flow, queue = running
    queue.put_nowait(1)
    queue.put_nowait(2)
    flow.resume()  # the end of a recovery: no suspension since the last one
    assert queue.qsize() == 2
    assert flow.is_active()


def test_a_resume_after_a_suspension_clears_the_queues_as_faust_means_it_to(
    running: tuple[KeepingFlowControl, FlowControlQueue[int]],
) -> None:
    flow, queue = running
    queue.put_nowait(1)
    flow.suspend()  # a rebalance
    assert not flow.is_active()
    flow.resume()
    assert queue.qsize() == 0
    assert flow.is_active()


def test_modes_own_event_drops_them_which_is_why_ours_exists() -> None:
    # If an upgrade of mode fixes this, streams/flowcontrol.py can go.
    flow = FlowControlEvent()
    queue = _queue(flow)
    flow.resume()
    queue.put_nowait(1)
    flow.resume()
    assert queue.qsize() == 0


def test_the_engines_app_uses_it() -> None:
    engine = create_engine(Settings(), StreamTuning())
    assert isinstance(engine.app.flow_control, KeepingFlowControl)
