"""``hefesto kafka start | stop | status | fetch``: the local Apache Kafka broker."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.console import Console

from hefesto_core.errors import BrokerError
from hefesto_core.kafka.broker import LocalBroker
from hefesto_core.settings import load_settings

__all__ = ["register"]

kafka_app = typer.Typer(
    help="Run a local single-node Apache Kafka broker (KRaft) for development.", no_args_is_help=True
)
_err = Console(stderr=True)

PortOption = Annotated[
    int | None, typer.Option("--port", help="client port (default HEFESTO_KAFKA_PORT or 9092)")
]


ControllerPortOption = Annotated[
    int | None,
    typer.Option(
        "--controller-port", help="KRaft controller port (default HEFESTO_KAFKA_CONTROLLER_PORT or port+1)"
    ),
]


def _broker(port: int | None, controller_port: int | None = None) -> LocalBroker:
    overrides: dict[str, int] = {}
    if port is not None:
        overrides["kafka_port"] = port
        if controller_port is None and "HEFESTO_KAFKA_CONTROLLER_PORT" not in os.environ:
            controller_port = port + 1
    if controller_port is not None:
        overrides["kafka_controller_port"] = controller_port
    return LocalBroker(load_settings(**overrides), progress=lambda m: _err.print(f"[dim]{m}[/dim]"))


@kafka_app.command()
def start(
    port: PortOption = None,
    controller_port: ControllerPortOption = None,
    timeout_s: Annotated[int, typer.Option(help="readiness timeout")] = 90,
) -> None:
    """Start the broker (resolving its jars on first use), or reuse the running one."""
    broker = _broker(port, controller_port)
    try:
        before = broker.status()
        status = broker.start(timeout_ms=timeout_s * 1000)
    except BrokerError as exc:
        _err.print(f"[red]error[/red] [{exc.code}] {exc}")
        raise typer.Exit(2) from exc
    prefix = "already running: " if before.running and before.managed else ""
    typer.echo(prefix + status.describe())


@kafka_app.command()
def stop(port: PortOption = None) -> None:
    """Stop the broker this project started; no java process of ours is left."""
    broker = _broker(port)
    if broker.settings.kafka_bootstrap:
        typer.echo(
            f"HEFESTO_KAFKA_BOOTSTRAP={broker.settings.kafka_bootstrap} is not managed here; nothing to stop"
        )
        return
    typer.echo("stopped" if broker.stop() else "not running")


@kafka_app.command()
def status(port: PortOption = None) -> None:
    """Say whether the broker runs; exit code 3 when it does not."""
    st = _broker(port).status()
    typer.echo(st.describe())
    if not st.running:
        raise typer.Exit(3)


@kafka_app.command()
def fetch() -> None:
    """Resolve the broker jars into the cache (what `start` does first); prints the version."""
    broker = _broker(None)
    try:
        libs = broker.ensure_jars()
    except BrokerError as exc:
        _err.print(f"[red]error[/red] [{exc.code}] {exc}")
        raise typer.Exit(2) from exc
    typer.echo(f"Apache Kafka {broker.version}: {libs}")


def register(app: typer.Typer) -> None:
    app.add_typer(kafka_app, name="kafka")
