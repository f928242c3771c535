"""Changelog-backed tables of the join and the pure state transitions
applied to their values (kept pure so they are unit-tested without Kafka).

=======================  ============  =============================================
table                    key           value
=======================  ============  =============================================
``findings_by_file``     file_key      ``{"rev", "findings": {finding_id: Finding}}``
``recent_alerts_by_file`` file_key     ``{alert_id: alert record timestamp ms}``
``assembly``             alert_id      parts gathered so far, version, fingerprint
``correlations``         alert_id      the latest emitted ``EnrichedAlert`` (its JSON)
``paths_by_basename``    repo:basename sorted repo-relative paths with that basename
``pending_paths``        repo:basename probes no known file matched yet, by
                                       ``"{alert_id}/{frame_index}"``: ``{"probe", "ms"}``
=======================  ============  =============================================

``recent_alerts_by_file`` is windowed by hand: entries older than
``correlation_window_ms + grace_ms`` (relative to the newest entry) are
pruned on write and ignored on read, and at most ``recent_alerts_per_file``
of the newest are kept. Faust's own windowed tables cannot be read outside
the agent that writes them, nor enumerate "all alerts of a file within the
window" in one read, which is exactly the question a late finding asks.

``assembly`` and ``correlations`` hold an alert only until that same
horizon has passed (see :mod:`streams.retention`), and are *packed*: each
value is kept as its JSON bytes and decoded on read
(:class:`streams.changelog.BatchedTable`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from hefesto_core.models import FindingEvent, FindingEventKind
from hefesto_core.settings import Settings
from streams.changelog import BatchedTable, ChangelogWriter
from streams.retention import changelog_retention

__all__ = [
    "EngineTables",
    "apply_finding_event",
    "declare_table",
    "declare_tables",
    "recent_alerts_within",
    "remember_alert",
    "remember_pending",
]


def apply_finding_event(state: dict[str, Any] | None, event: FindingEvent) -> tuple[dict[str, Any], bool]:
    """New value of ``findings_by_file[event.file_key]`` and whether the
    file's findings changed (only a change can alter a correlation)."""
    current: dict[str, Any] = dict((state or {}).get("findings", {}))
    if event.kind is FindingEventKind.REPLACE:
        new = {f.finding_id: f.model_dump(mode="json") for f in event.findings}
    elif event.kind is FindingEventKind.UPSERT:
        new = dict(current)
        for f in event.findings:
            new[f.finding_id] = f.model_dump(mode="json")
    else:
        assert event.status_change is not None  # guaranteed by FindingEvent's validator
        change = event.status_change
        new = dict(current)
        if change.finding_id in new:
            new[change.finding_id] = {**new[change.finding_id], "status": change.status.value}
    changed = new != current
    rev = event.event_id if changed else (state or {}).get("rev", event.event_id)
    commit = event.commit_sha or (state or {}).get("commit_sha")
    return {"rev": rev, "commit_sha": commit, "findings": new}, changed


def remember_alert(
    state: dict[str, int] | None,
    alert_id: str,
    ts_ms: int,
    *,
    horizon_ms: int,
    cap: int,
) -> tuple[dict[str, int], bool]:
    """Add ``alert_id`` seen at ``ts_ms``; drop entries older than
    ``horizon_ms`` before the newest and keep the ``cap`` newest. Returns the
    new value and whether it differs (no change = no changelog write)."""
    current = state or {}
    if current.get(alert_id) == ts_ms:
        return current, False
    # Written for every frame of every alert, a hot file's entry at the cap:
    # the common cases (nothing expired; one over the cap) skip the
    # rebuild and the sort.
    kept = dict(current)
    kept[alert_id] = ts_ms
    floor = max(kept.values()) - horizon_ms
    if min(kept.values()) < floor:
        kept = {a: t for a, t in kept.items() if t >= floor}
    if len(kept) == cap + 1:
        del kept[min(kept, key=kept.__getitem__)]  # the oldest; the first of equals, as a stable sort
    elif len(kept) > cap:
        kept = dict(sorted(kept.items(), key=lambda kv: kv[1])[-cap:])
    return kept, kept != current


def remember_pending(
    state: dict[str, dict[str, Any]] | None,
    slot: str,
    probe: str,
    ts_ms: int,
    *,
    horizon_ms: int,
    cap: int,
) -> dict[str, dict[str, Any]]:
    """Add the probe of frame ``slot`` (``"{alert_id}/{frame_index}"``) seen at
    ``ts_ms`` to a basename's pending probes, pruned like
    :func:`remember_alert`: older than ``horizon_ms`` before the newest, and
    beyond the ``cap`` newest, an entry is forgotten."""
    merged = {**(state or {}), slot: {"probe": probe, "ms": ts_ms}}
    newest = max(v["ms"] for v in merged.values())
    kept = {k: v for k, v in merged.items() if v["ms"] >= newest - horizon_ms}
    if len(kept) > cap:
        kept = dict(sorted(kept.items(), key=lambda kv: kv[1]["ms"])[-cap:])
    return kept


def recent_alerts_within(state: dict[str, int] | None, now_ms: int, *, horizon_ms: int) -> list[str]:
    """Alerts of the file seen no earlier than ``horizon_ms`` before ``now_ms``."""
    return sorted(a for a, t in (state or {}).items() if t >= now_ms - horizon_ms)


@dataclass(frozen=True, slots=True)
class EngineTables:
    findings_by_file: Any
    recent_alerts_by_file: BatchedTable
    assembly: BatchedTable
    correlations: BatchedTable
    paths_by_basename: Any
    pending_paths: Any

    def all(self) -> dict[str, Any]:
        """Every table by its name (the field names are the table names)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def declare_table(
    app: Any,
    name: str,
    *,
    partitions: int,
    help_: str,
    topic_configs: dict[str, str] | None = None,
    packed: bool = False,
) -> Any:
    """A changelog-backed table of JSON values under ``str`` keys;
    ``topic_configs`` go to its changelog topic when Faust creates it.
    ``packed`` tables hold the values' JSON as bytes (Faust's ``raw``
    serializer: the changelog's bytes are the same JSON either way)."""
    return app.Table(
        name,
        default=None,
        partitions=partitions,
        key_type=str,
        value_type=bytes if packed else None,
        help=help_,
        extra_topic_configs=topic_configs,
    )


def declare_tables(app: Any, settings: Settings, writer: ChangelogWriter) -> EngineTables:
    def table(
        name: str,
        help_: str,
        *,
        batched: bool = False,
        topic_configs: dict[str, str] | None = None,
        packed: bool = False,
    ) -> Any:
        declared = declare_table(
            app,
            name,
            partitions=settings.topic_partitions,
            help_=help_,
            topic_configs=topic_configs,
            packed=packed,
        )
        # Batched tables are written on every alert, and by agents of
        # different source topics (the fan-out joins locally, see
        # streams/ownership.py): see streams/changelog.py.
        return BatchedTable(declared, writer, packed=packed) if batched else declared

    return EngineTables(
        findings_by_file=table("findings_by_file", "findings of each file, by file_key"),
        recent_alerts_by_file=table(
            "recent_alerts_by_file", "alerts that went through each file, windowed", batched=True
        ),
        # Per alert, so kept only for the late-finding horizon
        # (streams/retention.py), and packed: an hour of alerts at high
        # rates is millions of entries (streams/changelog.py, BatchedTable).
        assembly=table(
            "assembly",
            "parts gathered per alert",
            batched=True,
            topic_configs=changelog_retention(settings),
            packed=True,
        ),
        correlations=table(
            "correlations",
            "latest enriched alert per alert_id",
            batched=True,
            topic_configs=changelog_retention(settings),
            packed=True,
        ),
        paths_by_basename=table("paths_by_basename", "repo files per repo:basename, for suffix mapping"),
        pending_paths=table("pending_paths", "probes waiting for a file with their basename to be known"),
    )
