"""``hefesto schemas``: write the wire contracts' JSON Schemas to docs/schemas/."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hefesto_core.schemas import write_schemas

__all__ = ["register"]


def schemas(
    out_dir: Annotated[Path, typer.Option("--out", help="target folder")] = Path("docs/schemas"),
    check: Annotated[bool, typer.Option("--check", help="exit 1 if the files differ; write nothing")] = False,
) -> None:
    """Generate (or --check) the JSON Schemas of IrisAlert, Finding, FindingEvent and EnrichedAlert."""
    changed = write_schemas(out_dir, check=check)
    if check and changed:
        typer.echo(f"schemas out of date: {', '.join(changed)}; run `hefesto schemas`", err=True)
        raise typer.Exit(1)
    typer.echo(f"{'checked' if check else 'wrote'} {out_dir} ({len(changed)} changed)")


def register(app: typer.Typer) -> None:
    app.command("schemas")(schemas)
