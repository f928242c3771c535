"""The worker's own HTTP routes on Faust's web server: ``/health`` and
``/metrics`` (Prometheus text). The sidecar API will take these over."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

if TYPE_CHECKING:
    from streams.app import Engine

__all__ = ["consumer_payload", "health_payload", "register"]


def health_payload(engine: Engine) -> dict[str, Any]:
    app = engine.app
    # ``completed`` is never cleared after the first recovery; ``in_recovery`` is.
    recovered = bool(app.tables.recovery.completed.is_set()) and not app.in_recovery if app.tables else True
    assigned = (
        sorted(f"{tp.topic}:{tp.partition}" for tp in app.consumer.assignment()) if app.consumer else []
    )
    return {
        "status": "ok" if recovered and not app.rebalancing else "starting",
        "app_id": engine.settings.app_id,
        "rebalancing": bool(app.rebalancing),
        "tables_recovered": recovered,
        "assigned_partitions": assigned,
        "table_keys": {name: len(t) for name, t in engine.tables.all().items()},
    }


def consumer_payload(engine: Engine) -> dict[str, Any]:
    """Per assigned partition of the topics the agents read: where the
    consumer stands (Faust keeps this privately). For an operator asking why
    a partition's lag does not move, and for the kill tests' diagnosis."""
    consumer = engine.app.consumer
    if consumer is None:
        return {"partitions": {}}
    sources: frozenset[str] = getattr(engine.app, "start_offset_topics", frozenset())
    paused: set[Any] = getattr(consumer, "_paused_partitions", set())
    active: set[Any] = getattr(consumer, "_active_partitions", None) or set()
    out: dict[str, Any] = {}
    for tp in sorted(consumer.assignment()):
        if sources and tp.topic not in sources:
            continue
        acked = list(consumer._acked.get(tp) or ())
        try:
            highwater = consumer.highwater(tp)
        except Exception:  # nothing fetched from it yet
            highwater = None
        out[f"{tp.topic}:{tp.partition}"] = {
            "committed": consumer._committed_offset.get(tp),
            "head": consumer.head_offset(tp) if hasattr(consumer, "head_offset") else None,
            "read_offset": consumer._read_offset.get(tp),
            "highwater": highwater,
            "acked": {"count": len(acked), "min": min(acked, default=None), "max": max(acked, default=None)},
            "paused": tp in paused,
            "active": tp in active,
            "buffered": tp in consumer._buffered_partitions,
        }
    return {"partitions": out}


def register(engine: Engine) -> None:
    app = engine.app

    @app.page("/health")
    async def health(web: Any, request: Any) -> Any:
        payload = health_payload(engine)
        return web.json(payload, status=200 if payload["status"] == "ok" else 503)

    @app.page("/consumer")
    async def consumer_state(web: Any, request: Any) -> Any:
        return web.json(consumer_payload(engine))

    @app.page("/tables/{name}/")
    async def table_dump(web: Any, request: Any, name: str) -> Any:
        # Read-only view of this worker's partitions of a table, for
        # operators and for tests that compare state across a restart.
        table = engine.tables.all().get(name)
        if table is None:
            return web.json({"error": f"no table {name!r}"}, status=404)
        return web.json({"table": name, "items": {str(k): v for k, v in table.items()}})

    @app.page("/aggregates/{name}/")
    async def aggregates(web: Any, request: Any, name: str) -> Any:
        counter = engine.aggregates.all().get(name)
        if counter is None:
            return web.json({"error": f"no aggregate {name!r}"}, status=404)
        return web.json({"aggregate": name, "top": counter.top()})

    @app.page("/metrics")
    async def metrics_page(web: Any, request: Any) -> Any:
        return web.bytes(generate_latest(), content_type=CONTENT_TYPE_LATEST.split(";")[0])
