"""Code context of a line: the enclosing function or class and its span, a
snippet, its complexity, the findings inside it, and the commits that last
touched it (``git blame -L`` over the span, then ``git log`` for each)."""

from __future__ import annotations

import ast
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath

from hefesto_core.analyzer.scopes import Scope, build_scopes, innermost
from hefesto_core.analyzer.source import decode_source, module_name
from hefesto_core.errors import InvalidFilePathError
from hefesto_core.models import CodeContext, Finding, RecentChange

__all__ = ["CodeContextResult", "code_context", "recent_changes", "resolve_in_roots"]


@dataclass(slots=True)
class CodeContextResult:
    context: CodeContext
    span_start: int
    span_end: int
    kind: str
    """``function``, ``class`` or ``module``."""
    findings: list[Finding] = field(default_factory=list)


def resolve_in_roots(source_root: Path, file_path: str, allowed_roots: Sequence[Path] | None = None) -> Path:
    """The absolute path of repo-relative ``file_path``; refuses absolute
    paths, ``..`` and symlinks that escape every allowed root."""
    if not file_path or "\x00" in file_path or "\\" in file_path:
        raise InvalidFilePathError(f"invalid file path: {file_path!r}")
    pure = PurePosixPath(file_path)
    if pure.is_absolute() or any(part == ".." for part in pure.parts) or file_path[1:2] == ":":
        raise InvalidFilePathError(f"file path must be relative to a source root: {file_path!r}")
    roots = [r.resolve() for r in (allowed_roots if allowed_roots else [source_root])]
    candidate = (source_root / pure).resolve()
    if not any(candidate.is_relative_to(r) for r in roots):
        raise InvalidFilePathError(f"file path escapes the configured source roots: {file_path!r}")
    if not candidate.is_file():
        raise InvalidFilePathError(f"no such file under the source root: {file_path!r}")
    return candidate


def _git(root: Path, *args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, timeout=15, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout if out.returncode == 0 else None


def recent_changes(
    repo_root: Path, file_path: str, start: int, end: int, *, limit: int = 5
) -> list[RecentChange]:
    """Commits that last touched lines ``start``..``end``, newest first;
    empty when ``repo_root`` is not a git work tree."""
    blame = _git(repo_root, "blame", "--porcelain", "-L", f"{start},{end}", "--", file_path)
    if not blame:
        return []
    shas: list[str] = []
    for line in blame.splitlines():
        head = line.split(" ", 1)[0]
        hexsha = len(head) == 40 and all(c in "0123456789abcdef" for c in head)
        # All zeros: lines not committed yet.
        if hexsha and head not in shas and set(head) != {"0"}:
            shas.append(head)
    changes: list[RecentChange] = []
    for sha in shas:
        log = _git(repo_root, "log", "-1", "--format=%H%x1f%an%x1f%aI%x1f%s", sha)
        if not log:
            continue
        parts = log.strip().split("\x1f")
        if len(parts) == 4:
            changes.append(
                RecentChange(
                    sha=parts[0],
                    author=parts[1][:256] or None,
                    date=datetime.fromisoformat(parts[2]),
                    summary=parts[3][:1024] or None,
                )
            )
    changes.sort(key=lambda c: c.date or datetime.min, reverse=True)
    return changes[:limit]


def code_context(
    source_root: Path,
    file_path: str,
    line: int,
    *,
    findings: Iterable[Finding] = (),
    allowed_roots: Sequence[Path] | None = None,
    git: bool = True,
    snippet_radius: int = 5,
) -> CodeContextResult:
    """Context of ``file_path:line`` (``file_path`` relative to ``source_root``).
    ``findings`` are filtered to those inside the enclosing symbol's span."""
    if line < 1:
        raise InvalidFilePathError(f"line must be >= 1, got {line}")
    path = resolve_in_roots(source_root, file_path, allowed_roots)
    text = decode_source(path.read_bytes())
    lines = text.splitlines()
    scope: Scope | None = None
    try:
        root = build_scopes(ast.parse(text), module_name(file_path))
        scope = innermost(root, line)
    except (SyntaxError, ValueError, RecursionError):
        root = None
    if scope is None or scope.kind == "module":
        start, end, kind, symbol, complexity = (
            max(1, line - snippet_radius),
            min(len(lines), line + snippet_radius),
            "module",
            None,
            None,
        )
    else:
        start, end, kind = scope.line_start, scope.line_end, scope.kind
        symbol = scope.qualname
        complexity = scope.complexity if scope.kind == "function" else None
    lo, hi = max(start, line - 2 * snippet_radius), min(end, line + 2 * snippet_radius)
    width = len(str(hi))
    snippet = "\n".join(
        f"{'>' if i == line else ' '}{i:>{width}} | {lines[i - 1]}"
        for i in range(lo, hi + 1)
        if 0 < i <= len(lines)
    )
    from hefesto_core.analyzer.masking import mask_secrets

    changes: list[RecentChange] = []
    if git and end >= start:
        changes = recent_changes(
            source_root.resolve(),
            path.relative_to(source_root.resolve()).as_posix(),
            start,
            max(start, min(end, len(lines))),
        )
    inside = [f for f in findings if f.file_path == file_path and f.line_start <= end and f.line_end >= start]
    ctx = CodeContext(
        file_path=file_path,
        function_name=symbol,
        line_number=line,
        code_snippet=mask_secrets(snippet),
        complexity=complexity,
        recent_changes=changes,
    )
    return CodeContextResult(ctx, start, end, kind, inside)
