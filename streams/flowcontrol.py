"""Stream queues cleared only when the flow was really suspended.

Faust feeds every agent through a queue that ``app.flow_control`` (mode's
``FlowControlEvent``) clears on ``resume()``, so that records fetched
before a rebalance are not processed after it. But ``resume()`` clears them
whether or not the flow was suspended, and Faust's recovery calls it twice:
once when it starts reading the changelogs (after the revocation's
``suspend()``: right), and once more when it is done, *after* it resumed
the source partitions and while it seeks them to their committed offsets
(``Recovery.on_recovery_completed``). Records fetched in that window, up to
a few hundred milliseconds on a busy machine, are already in the agents'
queues, past the consumer's read offset, and the second ``resume()``
throws them away: no offset jump reveals it, so only the gap watchdog
(:mod:`streams.gaps`) brought them back, seconds later.

Seen on 2026-12-07 in ``test_a_backlog_on_the_resolve_hop_is_waited_for_not_timed_out``
(one of four runs of the whole suite): the parts of two alerts, produced
0.1 s before the restarted worker logged "Worker ready", were dropped from
the assembler's queue; their deadlines came due, they were answered without
their frame, and corrected by a version 2 when the gap watchdog re-read
them 4 s later.

The revocation itself clears the queues (``App._on_partitions_revoked``
calls ``flow_control.clear()`` after ``suspend()``), so keeping the queues
on a ``resume()`` that follows no ``suspend()`` drops nothing Faust means
to drop.
"""

from __future__ import annotations

from mode.utils.queues import FlowControlEvent

__all__ = ["KeepingFlowControl"]


class KeepingFlowControl(FlowControlEvent):
    """``resume()`` clears the queues only if the flow was suspended."""

    def resume(self) -> None:
        if self._suspend.is_set():
            super().resume()  # after a real suspend(): mode's, queues cleared
        else:
            self._resume.set()
