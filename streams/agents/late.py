"""Late findings: when a file's findings change, every alert that went
through that file within ``correlation_window_ms + grace_ms`` is asked to
re-score it. The request travels to the alert's own partition (a
:class:`~streams.records.Rescore` on the parts topic), whose assembler
re-probes the affected frames and emits ``correlation_version + 1`` only if
the answer changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from streams import metrics
from streams.records import Rescore
from streams.retention import horizon_ms
from streams.tables import recent_alerts_within

if TYPE_CHECKING:
    from streams.app import Engine

__all__ = ["LateFindings"]


class LateFindings:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._horizon_ms = horizon_ms(engine.settings)
        self._parts_name = engine.topics.parts.get_topic_name()

    async def file_changed(self, file_key: str, *, event_ms: int) -> int:
        """Request re-scores for the file's recent alerts; returns how many."""
        recent = self._engine.tables.recent_alerts_by_file.get(file_key)
        alert_ids = recent_alerts_within(recent, event_ms, horizon_ms=self._horizon_ms)
        for alert_id in alert_ids:
            await self._engine.topics.parts.send(
                key=alert_id.encode(), value=Rescore(alert_id, file_key).to_bytes()
            )
            metrics.child(metrics.MESSAGES_OUT, self._parts_name).inc()
        return len(alert_ids)
