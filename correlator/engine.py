"""The correlation pipeline: :func:`score_frame`, :func:`assemble` and the
one-shot :func:`correlate` that composes them with
:func:`~correlator.location.locate`.

The stream runs the three steps on different partitions (locate where the
alert arrives, score where each file's findings live, assemble by alert id);
the CLI, the API and the evaluation call :func:`correlate`. Both give the same
result because :func:`correlate` is literally the composition.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from correlator.compat import families_of
from correlator.errors import InvalidArgumentError
from correlator.explain import infrastructure_actions, reasons, recommended_actions, root_cause
from correlator.features import RECENT_DAYS, feature_vector, frame_context, logit, short_name
from correlator.frames import AlertLocation, Frame
from correlator.location import locate
from correlator.model import CALIBRATION_SCALE, RECENT_CHANGE_WEIGHT, sigmoid
from correlator.wire import build as _build
from hefesto_core.models import (
    CodeContext,
    CostEstimate,
    EnrichedAlert,
    Finding,
    FindingMatch,
    FindingStatus,
    IrisAlert,
    MatchReason,
    NotEnrichedReason,
)

__all__ = ["assemble", "correlate", "score_frame"]


def _match_key(m: FindingMatch) -> tuple[float, str]:
    return (-m.match_confidence, m.finding_id)


def score_frame(
    alert: IrisAlert,
    location: AlertLocation,
    frame: Frame,
    findings: Sequence[Finding],
    *,
    now_ms: int | None = None,
    limit: int | None = None,
    min_confidence: float | None = None,
) -> list[FindingMatch]:
    """Every finding of ``frame.file_path`` scored against this frame, best
    first. Findings of other files and ``false_positive`` findings are
    skipped. Deterministic: the clock is never read.

    ``limit`` keeps only the best ``limit`` matches (explanations are only
    written for those). Passing ``top_k`` loses nothing for :func:`assemble`
    unless a code context with recent changes will re-rank the matches.
    ``min_confidence`` drops the matches below it except the best one, which
    is all :func:`assemble` reads of them with the same ``min_confidence``
    (the best match gives ``correlation_confidence`` even when it is below).
    """
    if frame.file_path is None:
        return []
    ctx = frame_context(alert, location, frame, now_ms=now_ms)
    # Ranked by log-odds (sigmoid is monotone); the confidence is computed
    # only for the matches that are kept. Ties go to the smaller finding id,
    # then to input order: the tuples sort natively, never comparing findings.
    path, false_positive = frame.file_path, FindingStatus.FALSE_POSITIVE
    ranked = [
        (-logit(ctx, finding), finding.finding_id, index)
        for index, finding in enumerate(findings)
        if finding.file_path == path and finding.status is not false_positive
    ]
    ranked.sort()
    if limit is not None:
        ranked = ranked[: max(limit, 0)]
    scored = [(round(sigmoid(-neg_z), 6), findings[index]) for neg_z, _, index in ranked]
    if min_confidence is not None:
        scored = scored[:1] + [s for s in scored[1:] if s[0] >= min_confidence]
    return [
        _build(
            FindingMatch,
            {
                "finding_id": finding.finding_id,
                "file_path": finding.file_path,
                "line_number": finding.line_start,
                "function_name": finding.function_name,
                "rule_id": finding.rule_id,
                "issue_type": finding.issue_type,
                "severity": finding.severity,
                "message": finding.message,
                "suggestion": finding.suggestion,
                "status": finding.status,
                "match_confidence": confidence,
                "match_reasons": reasons(feature_vector(ctx, finding), ctx, frame, finding, location),
            },
        )
        for confidence, finding in scored
    ]


def _recent_change_applies(match: FindingMatch, context: CodeContext, alert: IrisAlert) -> bool:
    if context.file_path != match.file_path or not context.recent_changes:
        return False
    context_function = short_name(context.function_name)
    near = (context.line_number is not None and abs(context.line_number - match.line_number) <= 10) or (
        context_function is not None and context_function == short_name(match.function_name)
    )
    if not near:
        return False
    window = timedelta(days=RECENT_DAYS)
    return any(
        c.date is not None and timedelta(0) <= alert.timestamp - c.date <= window
        for c in context.recent_changes
    )


def _with_recent_change(match: FindingMatch) -> FindingMatch:
    added = round(CALIBRATION_SCALE * RECENT_CHANGE_WEIGHT, 3)
    total = sum(r.contribution for r in match.match_reasons) + added
    reason = MatchReason(
        feature="recent_change",
        contribution=added,
        detail=f"these lines changed within {RECENT_DAYS} days before the alert",
    )
    return match.model_copy(
        update={
            "match_confidence": round(sigmoid(total), 6),
            "match_reasons": [*match.match_reasons, reason],
        }
    )


def _cost(alert: IrisAlert, cost_per_user: float | None, currency: str) -> CostEstimate | None:
    if alert.affected_users is None:
        return None
    if cost_per_user is None:
        return CostEstimate(affected_users=alert.affected_users)
    return CostEstimate(
        affected_users=alert.affected_users,
        cost_per_user=cost_per_user,
        estimated_cost=round(alert.affected_users * cost_per_user, 2),
        currency=currency,
    )


def assemble(
    alert: IrisAlert,
    location: AlertLocation,
    matches: Iterable[FindingMatch],
    *,
    top_k: int = 5,
    min_confidence: float = 0.7,
    correlation_version: int = 1,
    processed_at: datetime,
    latency_ms: int = 0,
    code_context: CodeContext | None = None,
    cost_per_user: float | None = None,
    currency: str = "USD",
) -> EnrichedAlert:
    """Combine the per-frame matches of one alert into its EnrichedAlert.

    A finding matched by several frames keeps its best match. Only matches
    at or above ``min_confidence`` are reported; ``correlation_confidence`` is
    the best match's confidence even when it falls below (then the alert is
    ``enriched=false`` with reason ``no_candidate``).
    """
    if top_k < 1:
        raise InvalidArgumentError(f"top_k must be at least 1, not {top_k}")
    if not 0.0 <= min_confidence <= 1.0:
        raise InvalidArgumentError(f"min_confidence must be in [0, 1], not {min_confidence}")
    best: dict[str, FindingMatch] = {}
    for m in matches:
        if code_context is not None and _recent_change_applies(m, code_context, alert):
            m = _with_recent_change(m)
        kept = best.get(m.finding_id)
        if kept is None or _match_key(m) < _match_key(kept):
            best[m.finding_id] = m
    ranked = sorted(best.values(), key=_match_key)
    top = ranked[0] if ranked else None
    reported = [m for m in ranked if m.match_confidence >= min_confidence][:top_k]
    enriched = bool(reported)
    if enriched:
        reason = None
        actions = recommended_actions(reported)
    else:
        reason = (
            NotEnrichedReason.NO_CANDIDATE if location.has_location else NotEnrichedReason.NO_CODE_LOCATION
        )
        families = families_of([(location.error_type, location.error_message)])
        actions = infrastructure_actions(families, location)
    context = code_context
    if context is None:
        frame = next((f for f in location.frames if f.file_path is not None), None)
        if frame is not None and frame.file_path is not None:
            context = CodeContext(
                file_path=frame.file_path, function_name=frame.function_name, line_number=frame.line_number
            )
    return EnrichedAlert(
        alert_id=alert.alert_id,
        enriched=enriched,
        correlation_confidence=top.match_confidence if top is not None else 0.0,
        correlation_version=correlation_version,
        code_context=context,
        hefesto_findings=reported,
        suggested_root_cause=root_cause(location, top, matched=enriched),
        recommended_actions=actions,
        cost_estimate=_cost(alert, cost_per_user, currency),
        reason=reason,
        error_type=location.error_type,
        error_message=location.error_message,
        path_mappings=[f.mapping for f in location.frames],
        processed_at=processed_at,
        latency_ms=latency_ms,
    )


def correlate(
    alert: IrisAlert,
    findings: Iterable[Finding],
    *,
    source_roots: Sequence[str] = (),
    max_frames: int = 5,
    top_k: int = 5,
    min_confidence: float = 0.7,
    processed_at: datetime | None = None,
    now_ms: int | None = None,
    code_context: CodeContext | None = None,
    cost_per_user: float | None = None,
    currency: str = "USD",
) -> EnrichedAlert:
    """Locate the alert (known files = the findings' files), score each frame
    against its file's findings, and assemble. When the alert names its
    ``repo`` and some findings carry that repo, only those are candidates."""
    started_ns = time.perf_counter_ns()
    pool = list(findings)
    if alert.repo is not None and any(f.repo == alert.repo for f in pool):
        # Findings of other repositories cannot explain this alert; when none
        # carries the alert's repo name the names differ, so all are kept.
        pool = [f for f in pool if f.repo == alert.repo]
    by_file: dict[str, list[Finding]] = {}
    for f in pool:
        by_file.setdefault(f.file_path, []).append(f)
    # Recent changes in the code context can re-rank matches in assemble(),
    # so then every candidate travels; otherwise each frame's best top_k do.
    limit = None if code_context is not None and code_context.recent_changes else top_k
    location = locate(alert, source_roots=source_roots, known_files=by_file.keys(), max_frames=max_frames)
    matches: list[FindingMatch] = []
    for frame in location.frames:
        if frame.file_path is not None:
            candidates = by_file.get(frame.file_path, ())
            matches.extend(score_frame(alert, location, frame, candidates, now_ms=now_ms, limit=limit))
    return assemble(
        alert,
        location,
        matches,
        top_k=top_k,
        min_confidence=min_confidence,
        processed_at=processed_at if processed_at is not None else datetime.now(UTC),
        latency_ms=(time.perf_counter_ns() - started_ns) // 1_000_000,
        code_context=code_context,
        cost_per_user=cost_per_user,
        currency=currency,
    )
