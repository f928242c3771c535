"""``hefesto correlate``: the offline correlator, the same code path the
stream uses (:func:`correlator.correlate`).

Reads findings (``hefesto analyze --format json`` output, a JSON list of
findings, or SARIF) and one ``IrisAlert`` JSON per line; writes one
``EnrichedAlert`` JSON per line to stdout, in input order. A malformed line
yields ``{"line": N, "error": {"code": "VALIDATION_ERROR", "message": ...}}``
and the rest still run. Exit codes: 0 every line ran, 1 some line was
malformed, 2 usage or I/O errors.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer
from pydantic import ValidationError

__all__ = ["correlate_lines", "load_findings", "register"]

EXIT_OK = 0
EXIT_MALFORMED = 1
EXIT_USAGE = 2


def _fail(message: str) -> typer.Exit:
    typer.echo(f"hefesto correlate: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


def load_findings(paths: Iterable[Path], *, repo: str | None, source_root: str | None) -> list[Any]:
    """All findings of ``paths``; raises ``typer.Exit(2)`` naming the bad file."""
    from correlator import CorrelatorError, findings_from_document

    out: list[Any] = []
    for path in paths:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise _fail(f"cannot read findings file {path}: {exc.strerror or exc}") from exc
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise _fail(f"findings file {path} is not JSON: {exc}") from exc
        try:
            out.extend(findings_from_document(doc, repo=repo, source_root=source_root))
        except CorrelatorError as exc:
            raise _fail(f"findings file {path}: {exc}") from exc
    return out


def _error_message(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(p) for p in err["loc"]) or "(alert)"
        parts.append(f"{loc}: {err['msg']}")
    return "; ".join(parts)


def correlate_lines(
    lines: Iterable[str],
    findings: list[Any],
    *,
    source_roots: list[str],
    max_frames: int,
    top_k: int,
    min_confidence: float,
    cost_per_user: float | None,
    currency: str,
) -> Iterator[tuple[str, bool]]:
    """One output line per non-blank input line: (json, ok)."""
    from correlator import correlate
    from hefesto_core.models import IrisAlert

    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            alert = IrisAlert.model_validate_json(raw)
        except ValidationError as exc:
            error = {"code": "VALIDATION_ERROR", "message": _error_message(exc)}
            yield json.dumps({"line": number, "error": error}), False
            continue
        enriched = correlate(
            alert,
            findings,
            source_roots=source_roots,
            max_frames=max_frames,
            top_k=top_k,
            min_confidence=min_confidence,
            processed_at=datetime.now(UTC),
            cost_per_user=cost_per_user,
            currency=currency,
        )
        yield enriched.model_dump_json(), True


def correlate_cmd(
    alerts: Annotated[Path, typer.Argument(help="JSONL file, one IrisAlert per line ('-' for stdin)")],
    findings: Annotated[
        list[Path],
        typer.Option("--findings", help="hefesto analyze JSON, a findings list or SARIF; repeatable"),
    ],
    source_root: Annotated[
        list[str] | None,
        typer.Option("--source-root", help="runtime folder that holds the repository root; repeatable"),
    ] = None,
    repo: Annotated[str | None, typer.Option("--repo", help="repository name for SARIF findings")] = None,
    top_k: Annotated[int | None, typer.Option("--top-k", min=1, max=100, help="findings per alert")] = None,
    min_confidence: Annotated[
        float | None, typer.Option("--min-confidence", min=0.0, max=1.0, help="report threshold")
    ] = None,
    max_frames: Annotated[int | None, typer.Option("--max-frames", min=1, max=50)] = None,
) -> None:
    """Correlate alerts with findings offline: one EnrichedAlert JSON per input line."""
    from hefesto_core.settings import load_settings

    try:
        settings = load_settings()
    except ValidationError as exc:
        raise _fail(f"invalid HEFESTO_* settings: {_error_message(exc)}") from exc
    roots = list(source_root or []) or [str(p) for p in settings.source_roots]
    loaded = load_findings(findings, repo=repo, source_root=roots[0] if roots else None)
    stream: TextIO
    try:
        stream = sys.stdin if str(alerts) == "-" else alerts.open(encoding="utf-8")
    except OSError as exc:
        raise _fail(f"cannot read alerts file {alerts}: {exc.strerror or exc}") from exc
    malformed = False
    try:
        for text, ok in correlate_lines(
            stream,
            loaded,
            source_roots=roots,
            max_frames=max_frames or settings.max_probe_frames,
            top_k=top_k or settings.top_k_findings,
            min_confidence=settings.min_confidence if min_confidence is None else min_confidence,
            cost_per_user=settings.cost_per_affected_user,
            currency=settings.cost_currency,
        ):
            malformed = malformed or not ok
            sys.stdout.write(text + "\n")
            sys.stdout.flush()
    except UnicodeDecodeError as exc:
        raise _fail(f"alerts file {alerts} is not UTF-8: {exc}") from exc
    except OSError as exc:
        raise _fail(f"reading {alerts} failed: {exc.strerror or exc}") from exc
    finally:
        if stream is not sys.stdin:
            stream.close()
    raise typer.Exit(EXIT_MALFORMED if malformed else EXIT_OK)


def register(app: typer.Typer) -> None:
    app.command("correlate")(correlate_cmd)
