"""``hefesto analyze``, ``hefesto import-sarif`` and ``hefesto context``."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import orjson
import typer

from hefesto_core.errors import HefestoError
from hefesto_core.models import Finding, Severity, severity_rank

if TYPE_CHECKING:
    from hefesto_core.analyzer.result import AnalysisResult

__all__ = ["register"]


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"


_COLORS = {
    Severity.CRITICAL: "bold red",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def _render_text(result: AnalysisResult, out: Path | None) -> None:
    from rich.console import Console
    from rich.markup import escape

    console = Console(
        file=out.open("w", encoding="utf-8") if out else None, highlight=False, no_color=out is not None
    )
    for fr in result.files:
        if not fr.findings:
            continue
        console.print(f"[bold]{escape(fr.file_path)}[/bold]")
        for f in fr.findings:
            sev = Severity(f.severity)
            ignored = " [dim](ignored)[/dim]" if f.status == "ignored" else ""
            console.print(
                f"  {f.line_start}:{f.column}  [{_COLORS[sev]}]{sev.value:<8}[/]  {f.rule_id}  "
                # Messages quote code (``[e for e in xs]``), which is not markup.
                f"{escape(f.message)}{ignored}",
                markup=True,
                soft_wrap=True,
            )
    for p in result.parse_failures:
        console.print(f"[red]parse failure[/red] {p.file_path}:{p.line or '?'}: {p.error}")
    s = result.summary.by_severity
    console.print(
        f"{len(result.files)} files, {result.summary.total} findings (CRITICAL {s.CRITICAL}, HIGH {s.HIGH}, "
        f"MEDIUM {s.MEDIUM}, LOW {s.LOW}, INFO {s.INFO}), {len(result.parse_failures)} parse failures, "
        f"{result.duration_ms} ms"
    )


def analyze(
    paths: Annotated[list[Path], typer.Argument(help="files or folders to analyze")],
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="text, json or sarif")
    ] = OutputFormat.TEXT,
    severity: Annotated[
        Severity, typer.Option("--severity", help="report findings at or above this")
    ] = Severity.INFO,
    fail_on: Annotated[
        Severity | None, typer.Option("--fail-on", help="exit 1 on a finding at or above")
    ] = None,
    exclude: Annotated[list[str] | None, typer.Option("--exclude", help="glob to skip (repeatable)")] = None,
    repo: Annotated[
        str | None, typer.Option("--repo", help="repository name (default: root folder name)")
    ] = None,
    commit: Annotated[
        str | None, typer.Option("--commit", help="commit sha (default: git rev-parse HEAD)")
    ] = None,
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", min=1, help="processes (default: cores)")
    ] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="analyze every file again")] = False,
    publish: Annotated[bool, typer.Option("--publish", help="send findings to Kafka")] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="write the report here")] = None,
    config_file: Annotated[
        Path | None, typer.Option("--config", help="pyproject.toml or .hefesto.toml")
    ] = None,
    baseline: Annotated[
        Path | None, typer.Option("--baseline", help="report only findings not in it")
    ] = None,
    write_baseline: Annotated[
        Path | None, typer.Option("--write-baseline", help="record current findings")
    ] = None,
) -> None:
    """Analyze Python code; exit 0 ok, 1 findings at or above --fail-on, 2 usage or I/O errors."""
    from hefesto_core.analyzer import analyze_paths, find_root, git_head, load_config
    from hefesto_core.analyzer.baseline import apply_baseline, read_baseline
    from hefesto_core.analyzer.baseline import write_baseline as write_bl
    from hefesto_core.settings import load_settings

    try:
        missing = [p for p in paths if not p.exists()]
        if missing:
            raise _fail(f"no such file or folder: {', '.join(map(str, missing))}")
        root = find_root(paths)
        config = load_config(config_file, start=root if config_file is None else None)
        if exclude:
            config = config.with_excludes(exclude)
        settings = load_settings()
        commit_sha = commit or git_head(root)
        repo_name = repo or root.name
        with _progress_bar() as progress:
            full = analyze_paths(
                paths,
                repo=repo_name,
                commit_sha=commit_sha,
                config=config,
                jobs=jobs,
                use_cache=not no_cache,
                progress=progress,
                cache_dir=settings.cache_dir / "analyzer",
                root=root,
            )
        if write_baseline is not None:
            n = write_bl(full, write_baseline)
            typer.echo(f"baseline with {n} findings written to {write_baseline}", err=True)
        result = apply_baseline(full, read_baseline(baseline)) if baseline is not None else full
        result = _at_least(result, severity)
        _emit(result, fmt, output)
        if publish:
            # The whole per-file set, not the filtered view: downstream, a
            # replace event drops every finding it does not carry.
            _publish([(fr.file_path, fr.findings) for fr in full.files], settings, repo_name, commit_sha)
    except HefestoError as exc:
        raise _fail(str(exc)) from exc
    except OSError as exc:
        raise _fail(f"{type(exc).__name__}: {exc}") from exc
    if result.parse_failures:
        typer.echo(f"{len(result.parse_failures)} file(s) could not be parsed", err=True)
    if fail_on is not None and any(
        severity_rank(f.severity) >= severity_rank(fail_on) and f.status == "open" for f in result.findings()
    ):
        raise typer.Exit(1)


@contextmanager
def _progress_bar() -> Iterator[Callable[[int, int], None] | None]:
    """A transient progress bar on stderr when it is a terminal (stdout may
    be carrying JSON or SARIF); nothing otherwise."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("analyzing", total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def _at_least(result: AnalysisResult, severity: Severity) -> AnalysisResult:
    floor = severity_rank(severity)
    if floor == 0:
        return result
    files = [
        fr.model_copy(update={"findings": [f for f in fr.findings if severity_rank(f.severity) >= floor]})
        for fr in result.files
    ]
    return result.model_copy(update={"files": files, "summary": type(result).summarize(files)})


def _emit(result: AnalysisResult, fmt: OutputFormat, output: Path | None) -> None:
    if fmt is OutputFormat.TEXT:
        _render_text(result, output)
        return
    if fmt is OutputFormat.JSON:
        data = result.model_dump_json(indent=2).encode()
    else:
        from hefesto_core.sarif import to_sarif

        data = orjson.dumps(to_sarif(result), option=orjson.OPT_INDENT_2)
    if output:
        output.write_bytes(data)
    else:
        sys.stdout.buffer.write(data + b"\n")
        sys.stdout.flush()


def _publish(
    files: list[tuple[str, list[Finding]]], settings: object, repo: str, commit_sha: str | None
) -> None:
    from hefesto_core.publish import publish_findings
    from hefesto_core.settings import Settings

    assert isinstance(settings, Settings)
    report = publish_findings(files, settings, repo=repo, commit_sha=commit_sha)
    typer.echo(
        f"published {report.sent} event(s) to {report.topic}: {report.acknowledged} acknowledged", err=True
    )
    if not report.ok:
        for err in report.errors[:10]:
            typer.echo(f"delivery failed: {err}", err=True)
        raise typer.Exit(2)


def import_sarif(
    file: Annotated[Path, typer.Argument(help="SARIF 2.1.0 file from any producer")],
    repo: Annotated[str, typer.Option("--repo", help="repository name")] = "default",
    source_root: Annotated[
        Path | None, typer.Option("--source-root", help="to compute enclosing symbols")
    ] = None,
    commit: Annotated[str | None, typer.Option("--commit")] = None,
    publish: Annotated[bool, typer.Option("--publish", help="send findings to Kafka")] = False,
) -> None:
    """Turn a SARIF file into findings (JSON lines on stdout), optionally publishing them."""
    from hefesto_core.sarif import findings_from_sarif
    from hefesto_core.settings import load_settings

    try:
        doc = orjson.loads(file.read_bytes())
        findings = findings_from_sarif(doc, repo=repo, source_root=source_root, commit_sha=commit)
    except (OSError, orjson.JSONDecodeError, ValueError) as exc:
        raise _fail(f"cannot import {file}: {exc}") from exc
    for f in findings:
        sys.stdout.write(f.model_dump_json() + "\n")
    typer.echo(f"{len(findings)} finding(s) imported from {file}", err=True)
    if publish:
        by_file: dict[str, list[Finding]] = {}
        for f in findings:
            by_file.setdefault(f.file_path, []).append(f)
        try:
            _publish(list(by_file.items()), load_settings(), repo, commit)
        except HefestoError as exc:
            raise _fail(str(exc)) from exc


def context(
    location: Annotated[str, typer.Argument(help="PATH:LINE, PATH relative to the source root")],
    source_root: Annotated[
        Path | None, typer.Option("--source-root", help="default: first configured root or .")
    ] = None,
    no_git: Annotated[bool, typer.Option("--no-git", help="skip recent changes")] = False,
) -> None:
    """Enclosing symbol, span, snippet, complexity and recent changes of a line (JSON)."""
    from hefesto_core.context import code_context
    from hefesto_core.settings import load_settings

    path, sep, line = location.rpartition(":")
    if not sep or not line.isdigit():
        raise _fail("expected PATH:LINE")
    settings = load_settings()
    roots = settings.source_roots or [Path.cwd()]
    root = source_root or roots[0]
    allowed = [*roots, root] if source_root is not None and not settings.source_roots else roots
    try:
        res = code_context(root, path, int(line), allowed_roots=allowed, git=not no_git)
    except HefestoError as exc:
        raise _fail(str(exc)) from exc
    doc = {
        "context": res.context.model_dump(mode="json"),
        "span": [res.span_start, res.span_end],
        "kind": res.kind,
    }
    sys.stdout.buffer.write(orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n")


def register(app: typer.Typer) -> None:
    app.command("analyze")(analyze)
    app.command("import-sarif")(import_sarif)
    app.command("context")(context)
