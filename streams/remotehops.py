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

__all__ = ["RemoteHops", "RemoteReleased"]


@dataclass(slots=True)
class _Sent:
    partitions: set[Hashable] = field(default_factory=set)
    via_paths: bool = False


@dataclass(slots=True)
class _Held:
    cap_ms: int
    partitions: frozenset[Hashable]
    via_paths: bool
    # None: the high-water marks are still to be looked up.
    targets: dict[Hashable, int] | None = None
    stage: int = 1


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
        self._probe_partitions = frozenset(probe_partitions)
        self._max_wait_ms = max_wait_ms
        self._sent: dict[str, _Sent] = {}
        # In insertion order, so by cap too.
        self._held: dict[str, _Held] = {}

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
        self._held.pop(alert_id, None)

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
            else:
                self._held[alert_id] = _Held(
                    cap_ms=now_ms + self._max_wait_ms,
                    partitions=frozenset(entry.partitions),
                    via_paths=entry.via_paths,
                )
        return rest

    def to_look_up(self) -> list[Hashable]:
        """The partitions whose high-water marks a hold still needs."""
        wanted: set[Hashable] = set()
        for held in self._held.values():
            if held.targets is None:
                wanted |= held.partitions if held.stage == 1 else self._probe_partitions
        return sorted(wanted, key=repr)

    def set_highwaters(self, highwaters: Mapping[Hashable, int]) -> None:
        """High-water marks just looked up: each hold still without targets
        waits for its partitions to be committed up to them."""
        for held in self._held.values():
            if held.targets is not None:
                continue
            partitions = held.partitions if held.stage == 1 else self._probe_partitions
            if all(tp in highwaters for tp in partitions):
                held.targets = {tp: highwaters[tp] for tp in partitions}

    def to_check(self) -> list[Hashable]:
        """The partitions whose committed offsets the holds wait on."""
        wanted: set[Hashable] = set()
        for held in self._held.values():
            if held.targets is not None:
                wanted |= held.targets.keys()
        return sorted(wanted, key=repr)

    def release(self, committed: Mapping[Hashable, int | None], *, now_ms: int) -> RemoteReleased:
        """Given the group's committed offsets (``None`` or missing: none
        known), the holds that end now."""
        ready = []
        for alert_id, held in list(self._held.items()):
            if held.targets is None or not _reached(held.targets, committed):
                continue
            if held.stage == 1 and held.via_paths:
                held.stage, held.targets = 2, None
                continue
            del self._held[alert_id]
            ready.append(alert_id)
        at_cap = []
        while self._held:
            alert_id, held = next(iter(self._held.items()))
            if held.cap_ms > now_ms:
                break
            del self._held[alert_id]
            at_cap.append(alert_id)
        return RemoteReleased(ready, at_cap)


def _reached(targets: Mapping[Hashable, int], committed: Mapping[Hashable, int | None]) -> bool:
    for tp, target in targets.items():
        done = committed.get(tp)
        if done is None or done < target:
            return False
    return True
