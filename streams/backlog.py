"""Assembly timeouts held while an alert's probe is still in this worker's
own pipeline.

An alert's deadline (``assemble_timeout_ms`` after its first record) is
wall-clock time, but its missing parts travel through topics this worker
may itself be behind on: after a restart, or a burst, the fan-out reads a
backlog of alerts much faster than their unmapped frames come back through
the ``paths`` and ``probes`` hops. Timed out at the deadline, such an alert
was emitted without its frames (``no_code_location`` or ``no_candidate``)
and corrected with a second version moments later: in one run of the
``kill -9`` scenario (6,000 alerts at 400/s through ``hefesto replay``),
3,052 of the 4,496 alerts with a code location got a wrong version 1
(docs/streams.md, "Timeouts and backlog").

Two rules hold a deadline that comes due:

- **Probes in flight here.** :class:`HopBacklog` counts each probe this
  worker sent to a ``paths`` or ``probes`` partition it owns, by alert and
  by *slot* (hop and frame), until the agent that reads it has sent what
  it leads to: the resolve agent its forwarded probe (a new slot) or an
  empty part, the probe agent its part. The deadline then starts again
  (the worker re-arms it): the part that completes the alert cancels it,
  and only an alert still incomplete ``assemble_timeout_ms`` later times
  out.
- **What was there before.** Records a previous owner, or this worker
  before a crash, left in the hop partitions are not counted. So after each
  rebalance every due deadline is held until the worker has processed its
  hop partitions up to the high-water marks they had (the *barrier*, looked
  up once the tables are ready); probes forwarded meanwhile are counted by
  the first rule.

``max_wait_ms`` after its deadline a held timeout goes out regardless, so a
probe that is never read (a partition that moved, a record Faust dropped)
cannot hold an alert for ever. A rebalance (a new ``epoch``: the app's
rebalance count, raised when one starts) forgets the counts, which no
longer describe what this worker will read, and calls for a new barrier,
which the timeouts held until then wait for too.
A probe on another worker's partition is not counted here: its alert's
deadline is held by :mod:`streams.remotehops` until the group commits past
it.

Pure: the worker tells it what was sent and read, and how far it read.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass

__all__ = ["HopBacklog", "Released", "pop_expired"]

Progress = Callable[[Hashable], "int | None"]


def pop_expired(caps: dict[str, int], *, now_ms: int) -> list[str]:
    """Remove and return the keys of ``caps`` (alert -> cap, inserted in cap
    order) whose cap is at or before ``now_ms``."""
    expired = []
    while caps:
        alert_id, cap_ms = next(iter(caps.items()))
        if cap_ms > now_ms:
            break
        del caps[alert_id]
        expired.append(alert_id)
    return expired


@dataclass(frozen=True, slots=True)
class Released:
    """What to do with the deadlines: time out at the deadline (nothing here
    to wait for), start again (what they waited for was read), or time
    out at the cap."""

    at_deadline: list[str]
    after_backlog: list[str]
    at_cap: list[str]


class HopBacklog:
    def __init__(self, *, owns: Callable[[bytes], bool], epoch: Callable[[], int], max_wait_ms: int) -> None:
        """``owns(key)``: the partition of ``key`` is this worker's now."""
        self._owns = owns
        self._epoch = epoch
        self._max_wait_ms = max_wait_ms
        self._seen_epoch = epoch()
        # alert_id -> slot ("paths/0", "probes/2") -> probes sent, not read
        self._in_flight: dict[str, dict[str, int]] = {}
        # alert_id -> when to give up; in insertion order, so by cap too.
        self._held: dict[str, int] = {}
        # Released, to go out at the next release (a dict: an ordered set).
        self._ready: dict[str, None] = {}
        # None: not looked up yet in this epoch; {}: passed.
        self._barrier: dict[Hashable, int] | None = None

    @property
    def held(self) -> int:
        return len(self._held)

    @property
    def in_flight(self) -> int:
        """Alerts with a probe sent here and not read back yet."""
        return len(self._in_flight)

    @property
    def epoch(self) -> int:
        self._check_epoch()
        return self._seen_epoch

    def needs_barrier(self) -> bool:
        """This epoch's barrier was not looked up yet."""
        self._check_epoch()
        return self._barrier is None

    def set_barrier(self, highwaters: dict[Hashable, int], *, epoch: int) -> None:
        """The high-water marks of the hop partitions assigned in ``epoch``
        (ignored if a rebalance started since the lookup)."""
        self._check_epoch()
        if epoch == self._seen_epoch and self._barrier is None:
            # An empty partition held nothing before; its progress may stay
            # unknown (nothing to read, nothing committed) and hold every
            # timeout until the cap.
            self._barrier = {tp: hw for tp, hw in highwaters.items() if hw > 0}

    def sent(self, alert_id: str, key: bytes, *, slot: str) -> None:
        """A probe of ``alert_id`` was sent with ``key`` to a hop topic."""
        self._check_epoch()
        if self._owns(key):
            slots = self._in_flight.setdefault(alert_id, {})
            slots[slot] = slots.get(slot, 0) + 1

    def read(self, alert_id: str, *, slot: str) -> None:
        """The probe in ``slot`` was handled (what it leads to was sent)."""
        self._check_epoch()
        slots = self._in_flight.get(alert_id)
        if slots is None or slot not in slots:
            return  # not counted: sent before this epoch, or by another worker
        if slots[slot] > 1:
            slots[slot] -= 1
            return
        del slots[slot]
        if slots:
            return
        del self._in_flight[alert_id]
        if self._barrier == {} and self._held.pop(alert_id, None) is not None:
            self._ready[alert_id] = None

    def cancel(self, alert_id: str) -> None:
        """``alert_id`` was emitted: its deadline, if held, is not needed."""
        self._held.pop(alert_id, None)
        self._ready.pop(alert_id, None)

    def release(self, due: Iterable[str], *, now_ms: int, progress: Progress) -> Released:
        """Given the deadlines that came due at ``now_ms`` and how far each
        hop partition is processed (``None``: not assigned here; a partition
        that is, but whose progress is not known yet, must not answer
        ``None``: see :func:`streams.gaps.hop_progress`): what to do with
        each (see :class:`Released`)."""
        self._check_epoch()
        passed_now = self._barrier and all(
            (done := progress(tp)) is None or done >= hw for tp, hw in self._barrier.items()
        )
        if passed_now:
            self._barrier = {}
            for alert_id in [a for a in self._held if a not in self._in_flight]:
                del self._held[alert_id]
                self._ready[alert_id] = None
        waiting = self._barrier != {}
        at_deadline = []
        for alert_id in due:
            if waiting or alert_id in self._in_flight:
                self._held.setdefault(alert_id, now_ms + self._max_wait_ms)
            else:
                at_deadline.append(alert_id)
        after_backlog, self._ready = list(self._ready), {}
        return Released(at_deadline, after_backlog, pop_expired(self._held, now_ms=now_ms))

    def _check_epoch(self) -> None:
        epoch = self._epoch()
        if epoch != self._seen_epoch:
            self._seen_epoch = epoch
            self._in_flight.clear()
            self._barrier = None
