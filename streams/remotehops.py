"""Assembly timeouts held while an alert's probe waits on *another*
worker's partition.

:mod:`streams.backlog` holds a deadline while a probe is in this worker's
own hops; it cannot see another worker's. With two workers, an alert whose
frame lives on the other worker's partition sends its probe there. When
that worker is behind (a burst, its tables recovering, or dead until the
group notices and another takes its partitions over), the deadline came due
first and the alert was answered without that frame, then corrected: in two
CLI runs that ``kill -9``'d one of two workers, 948 and 902 of 6,000 alerts
got a partial version 1 (docs/streams.md, "Timeouts and backlog").

What every worker *can* see is the group's committed offsets: a worker
commits a probe's offset only after the part it led to was produced (the
producer is flushed before every commit, streams/consumer.py), and
whichever worker owns the partition by then, the same group commits it. So
a deadline that comes due for an alert with such a probe is held in two
stages:

1. the probes' partitions are looked up (their high-water marks when the
   deadline came due, which lie past the probes), and the hold lasts until
   the group's committed offsets reach them;
2. a probe that went to the ``paths`` hop was forwarded by the resolve agent
   to a ``probes`` partition nobody here can name, before that commit. So
   for such an alert the high-water marks of every ``probes`` partition are
   looked up once stage 1 is passed, and the hold lasts until those are
   committed too.

The deadline then starts again (the part that completes the alert cancels
it): the part was produced before the commit, so it is already in the
alert's parts partition, ahead of any timeout record sent from now on. The
hold is capped at ``max_wait_ms`` after the deadline, like the other one.

Only alerts whose ``assembly`` entry is started here are recorded (their
deadline lives here); an entry is dropped when the alert is emitted, its
hold ends, or it is capped. Pure: the worker passes the lookups in.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field

from streams.backlog import pop_expired

__all__ = ["RemoteHops", "RemoteReleased"]

Partitions = frozenset[Hashable]


@dataclass(slots=True)
class _Sent:
    partitions: set[Hashable] = field(default_factory=set)
    via_paths: bool = False


@dataclass(slots=True)
class _Cohort:
    """The holds whose high-water marks were (or will be) looked up
    together, grouped by the partitions they wait on: under overload
    thousands are held at once, and a release checks each group, not each
    alert."""

    highwaters: dict[Hashable, int] | None = None
    groups: dict[Partitions, dict[str, None]] = field(default_factory=dict)

    def add(self, alert_id: str, partitions: Partitions) -> None:
        self.groups.setdefault(partitions, {})[alert_id] = None

    def remove(self, alert_id: str, partitions: Partitions) -> None:
        group = self.groups.get(partitions)
        if group is not None:
            group.pop(alert_id, None)
            if not group:
                del self.groups[partitions]

    def partitions(self) -> set[Hashable]:
        return set().union(*self.groups)


@dataclass(slots=True)
class _Held:
    cohort: _Cohort
    partitions: Partitions
    # Stage 1 of a probe through the paths hop: stage 2 follows.
    via_paths: bool


@dataclass(frozen=True, slots=True)
class RemoteReleased:
    """Holds that ended: what they waited for was committed (``ready``, to
    start their deadline again), or the cap passed (``at_cap``, to time
    out now)."""

    ready: list[str]
    at_cap: list[str]


class RemoteHops:
    def __init__(self, *, probe_partitions: Iterable[Hashable], max_wait_ms: int) -> None:
        """``probe_partitions``: every partition of the probes topic (stage
        2 waits on all of them)."""
        self._probe_partitions: Partitions = frozenset(probe_partitions)
        self._max_wait_ms = max_wait_ms
        self._sent: dict[str, _Sent] = {}
        self._held: dict[str, _Held] = {}
        # alert_id -> when to give up; in insertion order, so by cap too.
        self._caps: dict[str, int] = {}
        # The holds still without high-water marks, then those with them.
        self._new = _Cohort()
        self._cohorts: list[_Cohort] = []

    @property
    def held(self) -> int:
        return len(self._held)

    @property
    def tracked(self) -> int:
        """Alerts with a probe on another worker's partition, not emitted yet."""
        return len(self._sent)

    def sent(self, alert_id: str, partition: Hashable, *, via_paths: bool = False) -> None:
        """A probe of ``alert_id`` went to ``partition``, owned elsewhere;
        ``via_paths``: to the resolve hop, which forwards it once more."""
        if self._max_wait_ms <= 0:
            return
        entry = self._sent.get(alert_id)
        if entry is None:
            entry = self._sent[alert_id] = _Sent()
        entry.partitions.add(partition)
        entry.via_paths = entry.via_paths or via_paths

    def cancel(self, alert_id: str) -> None:
        """``alert_id`` was emitted: nothing to hold for it."""
        self._sent.pop(alert_id, None)
        self._drop(alert_id)

    def hold(self, due: Iterable[str], *, now_ms: int) -> list[str]:
        """Hold the due deadlines of alerts with a probe elsewhere; returns
        the others, to be handled as before."""
        rest = []
        for alert_id in due:
            if alert_id in self._held:
                # Due again while held: the rescan after a rebalance gives
                # every unfinished entry a deadline once more.
                continue
            entry = self._sent.pop(alert_id, None)
            if entry is None:
                rest.append(alert_id)
                continue
            partitions = frozenset(entry.partitions)
            self._held[alert_id] = _Held(self._new, partitions, entry.via_paths)
            self._new.add(alert_id, partitions)
            self._caps[alert_id] = now_ms + self._max_wait_ms
        return rest

    def to_look_up(self) -> list[Hashable]:
        """The partitions whose high-water marks the newest holds need."""
        return sorted(self._new.partitions(), key=repr)

    def set_highwaters(self, highwaters: Mapping[Hashable, int]) -> None:
        """High-water marks just looked up: the holds without them so far
        wait for their partitions to be committed up to them."""
        cohort = self._new
        if not cohort.groups or not all(tp in highwaters for tp in cohort.partitions()):
            return
        cohort.highwaters = dict(highwaters)
        self._cohorts.append(cohort)
        self._new = _Cohort()

    def to_check(self) -> list[Hashable]:
        """The partitions whose committed offsets the holds wait on."""
        wanted: set[Hashable] = set()
        for cohort in self._cohorts:
            wanted |= cohort.partitions()
        return sorted(wanted, key=repr)

    def release(self, committed: Mapping[Hashable, int | None], *, now_ms: int) -> RemoteReleased:
        """Given the group's committed offsets (``None`` or missing: none
        known), the holds that end now."""
        ready = []
        for cohort in self._cohorts:
            assert cohort.highwaters is not None
            reached = {tp for tp, hw in cohort.highwaters.items() if (committed.get(tp) or 0) >= hw}
            for partitions in [p for p in cohort.groups if p <= reached]:
                for alert_id in cohort.groups.pop(partitions):
                    held = self._held[alert_id]
                    if held.via_paths:
                        # Forwarded before that commit, to a partition nobody
                        # here can name: stage 2 waits on every probes one.
                        self._held[alert_id] = _Held(self._new, self._probe_partitions, False)
                        self._new.add(alert_id, self._probe_partitions)
                    else:
                        del self._held[alert_id]
                        del self._caps[alert_id]
                        ready.append(alert_id)
        self._cohorts = [c for c in self._cohorts if c.groups]
        at_cap = pop_expired(self._caps, now_ms=now_ms)
        for alert_id in at_cap:
            self._drop(alert_id)
        return RemoteReleased(ready, at_cap)

    def _drop(self, alert_id: str) -> None:
        held = self._held.pop(alert_id, None)
        if held is not None:
            held.cohort.remove(alert_id, held.partitions)
            self._caps.pop(alert_id, None)
