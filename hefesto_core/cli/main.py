"""Entry point of the ``hefesto`` console script.

Command modules are imported here and each adds its commands through
``register(app)``. Commands that need Faust or FastAPI import them inside the
command body so that ``hefesto_core`` itself never imports them (and
``hefesto analyze`` starts fast).
"""

from __future__ import annotations

import importlib

import typer

__all__ = ["app", "main"]

# One entry per command module: add yours here.
_COMMAND_MODULES: tuple[str, ...] = (
    "hefesto_core.cli.analyze_cmd",
    "hefesto_core.cli.correlate_cmd",
    "hefesto_core.cli.demo_cmd",
    "hefesto_core.cli.kafka_cmd",
    "hefesto_core.cli.schemas_cmd",
    "hefesto_core.cli.stream_cmd",
)

app = typer.Typer(
    name="hefesto",
    help="Hefesto Stream: which line of code most likely caused a production alert, and why.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)

for _name in _COMMAND_MODULES:
    importlib.import_module(_name).register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
