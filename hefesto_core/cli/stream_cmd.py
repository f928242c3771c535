"""``hefesto worker``, ``hefesto replay`` and ``hefesto tail``: run the
stream engine, feed it from a JSONL file, and watch its output.

Faust and the ``streams`` package are imported inside the command bodies:
``hefesto_core`` must not import Faust when the CLI starts.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register"]


def worker(
    app_id: Annotated[
        str | None, typer.Option("--app-id", help="consumer group / app id (HEFESTO_APP_ID)")
    ] = None,
    web_port: Annotated[
        int | None, typer.Option("--web-port", help="port of /health and /metrics (default HEFESTO_API_PORT)")
    ] = None,
    partitions: Annotated[
        int | None, typer.Option("--partitions", help="partitions of every topic (HEFESTO_TOPIC_PARTITIONS)")
    ] = None,
) -> None:
    """Run one stream worker; more with the same app id share the partitions.

    The topics are created first, with the configured partition count."""
    from hefesto_core.settings import load_settings
    from streams.tuning import load_tuning
    from streams.worker import run_worker

    overrides: dict[str, object] = {}
    if app_id:
        overrides["app_id"] = app_id
    if partitions:
        overrides["topic_partitions"] = partitions
    tuning_overrides: dict[str, object] = {"web_port": web_port} if web_port else {}
    run_worker(load_settings(**overrides), load_tuning(**tuning_overrides))


def replay(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="JSON Lines file")],
    topic: Annotated[str, typer.Option("--topic", help="target topic, e.g. iris.alerts or hefesto.findings")],
    rate: Annotated[
        float, typer.Option("--rate", min=0, help="messages per second; 0 = as fast as possible")
    ] = 0,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="send at most this many lines")] = None,
) -> None:
    """Publish a JSONL file to a topic at a given rate (replay, backfill).

    Keys follow the topic contracts: alert_id, or "{repo}:{file_path}"."""
    import asyncio

    from hefesto_core.settings import load_settings
    from streams.replay import read_jsonl
    from streams.replay import replay as run_replay

    settings = load_settings()
    # One line rewritten in place on a terminal; a line each in a log file,
    # where carriage returns ran the counts together.
    live = sys.stderr.isatty()

    def progress(sent: int) -> None:
        typer.echo(f"\rsent {sent}" if live else f"sent {sent}", nl=not live, err=True)

    stats = asyncio.run(
        run_replay(
            settings.bootstrap_servers, topic, read_jsonl(file, limit=limit), rate=rate, progress=progress
        )
    )
    if live:
        typer.echo("", err=True)
    typer.echo(f"sent {stats.sent} messages to {topic} in {stats.elapsed_s:.1f}s ({stats.rate:.0f}/s)")


def tail(
    topic: Annotated[
        str | None, typer.Argument(help="default: the enriched topic (HEFESTO_TOPIC_ENRICHED)")
    ] = None,
    from_beginning: Annotated[
        bool, typer.Option("--from-beginning", help="start at the earliest offset")
    ] = False,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="stop after this many lines")] = None,
    idle: Annotated[
        float | None, typer.Option("--idle", min=0, help="stop after this many seconds without messages")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print each new version as one JSON line")] = False,
) -> None:
    """Follow the enriched alerts, deduplicated by (alert_id, version).

    Each version is shown once; repeats and superseded versions are skipped."""
    import asyncio

    import orjson

    from hefesto_core.settings import load_settings
    from streams.tail import format_line
    from streams.tail import tail as run_tail

    settings = load_settings()

    async def main() -> None:
        async for line in run_tail(
            settings.bootstrap_servers,
            topic or settings.topic_enriched,
            from_beginning=from_beginning,
            limit=limit,
            idle_s=idle,
        ):
            typer.echo(orjson.dumps(line.value).decode() if as_json else format_line(line))

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        raise typer.Exit(0) from None


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
    app.command("replay")(replay)
    app.command("tail")(tail)
