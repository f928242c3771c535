"""Analysis of one file: parse, scan scopes, run the rules, turn hits into
findings (severity, suppression, masked snippet, fingerprint).

Everything here runs inside worker processes, so it deals in plain data:
:func:`analyze_file_payload` returns JSON bytes that the parent caches
verbatim and validates into models once.
"""

from __future__ import annotations

import ast
import hashlib
import logging
import time
from collections import Counter
from pathlib import Path
from typing import Any

import orjson

from hefesto_core.analyzer.config import AnalyzerConfig
from hefesto_core.analyzer.fingerprint import fingerprint
from hefesto_core.analyzer.masking import mask_secrets
from hefesto_core.analyzer.rules import CATALOG, FileContext, Hit, run_rules
from hefesto_core.analyzer.scopes import build_scopes, release
from hefesto_core.analyzer.source import SourceFile, decode_source, path_matches
from hefesto_core.analyzer.suppress import find_suppressions
from hefesto_core.models import Finding, FindingStatus, Severity

__all__ = ["ANALYZER_VERSION", "FileOutcome", "analyze_file_payload", "analyze_source", "analyzer_digest"]

ANALYZER_VERSION = "1.0.0"
_log = logging.getLogger(__name__)
_MAX_SNIPPET = 4_000


def analyzer_digest() -> str:
    """Version plus a hash of the analyzer's own code: editing a rule
    invalidates cached results without anyone remembering to bump a number."""
    global _DIGEST
    if _DIGEST is None:
        h = hashlib.blake2b(ANALYZER_VERSION.encode(), digest_size=12)
        for path in sorted(Path(__file__).parent.rglob("*.py")):
            h.update(path.read_bytes())
        _DIGEST = h.hexdigest()
    return _DIGEST


_DIGEST: str | None = None


class FileOutcome(dict[str, Any]):
    """``{"lines": int, "findings": [dict...]}`` or ``{"lines": int, "error": str, "line": int|None}``."""


def _hit_to_dict(
    hit: Hit,
    src: SourceFile,
    *,
    repo: str,
    commit_sha: str | None,
    config: AnalyzerConfig,
    occurrence: int,
    suppressed: bool,
) -> dict[str, Any]:
    info = CATALOG[hit.rule_id]
    severity = config.severity.get(hit.rule_id) or hit.severity or info.severity
    code_line = src.line(hit.line_start)
    symbol = hit.scope.qualname
    return {
        "schema_version": 1,
        "finding_id": fingerprint(
            repo=repo,
            file_path=src.file_path,
            symbol=symbol,
            rule_id=hit.rule_id,
            code=code_line,
            occurrence=occurrence,
        ),
        "repo": repo,
        "commit_sha": commit_sha,
        "file_path": src.file_path,
        "line_start": hit.line_start,
        "line_end": max(hit.line_end, hit.line_start),
        "column": max(hit.column, 1),
        "function_name": symbol,
        "rule_id": hit.rule_id,
        "issue_type": info.issue_type.value,
        "severity": Severity(severity).value,
        "message": hit.message[:4096],
        "suggestion": hit.suggestion or info.suggestion,
        "code_snippet": mask_secrets(src.snippet(hit.line_start, hit.line_end))[:_MAX_SNIPPET],
        "confidence": round(hit.confidence, 3),
        "status": (FindingStatus.IGNORED if suppressed else FindingStatus.OPEN).value,
        "first_seen": None,
        "last_seen": None,
        "detected_by": "hefesto",
        "metadata": hit.metadata,
    }


def _syntax_error(exc: BaseException) -> tuple[str, int | None]:
    if isinstance(exc, SyntaxError):
        return f"{type(exc).__name__}: {exc.msg}", exc.lineno
    return f"{type(exc).__name__}: {exc}", None


def analyze_text(
    text: str, *, file_path: str, repo: str, commit_sha: str | None, config: AnalyzerConfig
) -> FileOutcome:
    """Analyze source text; parse errors come back as ``error``, not raised."""
    src = SourceFile(text, file_path, is_test=path_matches(file_path, config.test_patterns))
    try:
        tree = ast.parse(text, filename=file_path)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        message, line = _syntax_error(exc)
        return FileOutcome(lines=len(src.lines), error=message, line=line)
    src.tree = tree
    root = None
    try:
        root = build_scopes(tree, src.module)
        ctx = FileContext.build(src, root, config)
        hits = sorted(run_rules(ctx, config.rule_enabled), key=lambda h: (h.line_start, h.column, h.rule_id))
    except RecursionError:
        release(root)
        return FileOutcome(
            lines=len(src.lines), error="RecursionError: code nested too deeply to analyze", line=None
        )
    except Exception as exc:
        release(root)
        _log.exception("analyzer failed on %s", file_path)
        return FileOutcome(
            lines=len(src.lines), error=f"internal analyzer error: {type(exc).__name__}: {exc}", line=None
        )
    suppressions = find_suppressions(text, src.lines)
    seen: Counter[tuple[str, str, str]] = Counter()
    findings = []
    for hit in hits:
        key = (hit.scope.qualname, hit.rule_id, src.line(hit.line_start).strip())
        occurrence = seen[key]
        seen[key] += 1
        sup = suppressions.get(hit.line_start)
        suppressed = sup is not None and sup.covers(hit.rule_id, CATALOG[hit.rule_id].issue_type.value)
        findings.append(
            _hit_to_dict(
                hit,
                src,
                repo=repo,
                commit_sha=commit_sha,
                config=config,
                occurrence=occurrence,
                suppressed=suppressed,
            )
        )
    release(root)
    return FileOutcome(lines=len(src.lines), findings=findings)


def analyze_file_payload(
    path: Path, *, file_path: str, repo: str, config: AnalyzerConfig, data: bytes | None = None
) -> tuple[bytes, int]:
    """Analyze one file; return (JSON payload without commit_sha, duration_ms).
    I/O errors are reported in the payload like parse errors."""
    start = time.perf_counter()
    try:
        raw = path.read_bytes() if data is None else data
    except OSError as exc:
        outcome = FileOutcome(lines=0, error=f"{type(exc).__name__}: {exc.strerror or exc}", line=None)
    else:
        outcome = analyze_text(
            decode_source(raw), file_path=file_path, repo=repo, commit_sha=None, config=config
        )
    payload = orjson.dumps(outcome, option=orjson.OPT_NON_STR_KEYS, default=str)
    return payload, int((time.perf_counter() - start) * 1000)


def analyze_source(
    source: str,
    *,
    file_path: str,
    repo: str,
    config: AnalyzerConfig | None = None,
    commit_sha: str | None = None,
) -> list[Finding]:
    """Findings of one file held in memory. A file that does not parse
    raises :class:`SyntaxError` (callers analyzing many files use
    :func:`hefesto_core.analyzer.analyze_paths`, which reports it instead)."""
    outcome = analyze_text(
        source, file_path=file_path, repo=repo, commit_sha=commit_sha, config=config or AnalyzerConfig()
    )
    if "error" in outcome:
        raise SyntaxError(f"{file_path}: {outcome['error']}", (file_path, outcome.get("line"), None, None))
    return [Finding.model_validate(f) for f in outcome["findings"]]
