"""Features of one (alert, frame, finding) candidate, each in [0, 1].

:class:`FrameContext` holds what depends only on the alert and the frame
(computed once per frame); :func:`feature_vector` adds the finding. The
order of values is :data:`correlator.model.FEATURES`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from correlator import model
from correlator.compat import Compat, Family, compat, families_of
from correlator.frames import AlertLocation, Frame
from correlator.parsers import parse_trace
from correlator.paths import MappingMethod, normalize_path
from hefesto_core.models import Finding, FindingStatus, IrisAlert, Severity

__all__ = [
    "DISTANCE_HORIZON_LINES",
    "NARROW_SPAN_LINES",
    "RECENT_DAYS",
    "SWALLOWING_ISSUES",
    "SWALLOW_HORIZON_LINES",
    "FrameContext",
    "feature_vector",
    "frame_context",
    "line_distance",
    "logit",
    "short_name",
]

NARROW_SPAN_LINES = 5
"""A finding spanning at most this many lines flags a statement, not a block."""
DISTANCE_HORIZON_LINES = 64
"""At this distance (and beyond) the line-distance feature is saturated."""
SWALLOW_HORIZON_LINES = 30
"""How far below a swallowing handler a failure still counts as after it."""
SWALLOWING_ISSUES = frozenset({"BARE_EXCEPT", "SILENT_EXCEPTION_SWALLOW"})
"""Findings whose failure shows up later, not on the flagged line: the
handler hides the first error, and the code below it then fails on a
variable the ``try`` never set (``UnboundLocalError``, ``None``)."""
RECENT_DAYS = 14
_DAY_MS = 86_400_000
_ALIAS = re.compile(r"\s*\[as [^\]]*\]")
_GO_CLOSURE = re.compile(r"func\d+")
_LOG_HORIZON = math.log2(1 + DISTANCE_HORIZON_LINES)
_SEVERITY = {
    Severity.INFO: 0.0,
    Severity.LOW: 0.25,
    Severity.MEDIUM: 0.5,
    Severity.HIGH: 0.75,
    Severity.CRITICAL: 1.0,
}
_COMPAT_VALUES = {
    Compat.EXPLAINED: (1.0, 0.0, 0.0),
    Compat.RELATED: (0.0, 1.0, 0.0),
    Compat.UNEXPLAINED: (0.0, 0.0, 1.0),
    Compat.UNKNOWN: (0.0, 0.0, 0.0),
}


@lru_cache(maxsize=16_384)
def short_name(name: str | None) -> str | None:
    """Last identifier of a qualified or decorated function name:
    ``payments.processor.Processor.charge``, ``Processor.charge``,
    ``main.(*Server).handle``, ``async charge``, ``Router.charge [as post]``
    and ``charge`` all give ``charge``; ``<module>``, lambdas, anonymous
    functions and Go closures (``func1``) give None."""
    if not name:
        return None
    text = _ALIAS.sub("", name).strip().rsplit(" ", 1)[-1]
    text = text.replace("(*", "").replace(")", "").rstrip("()")
    last = text.rsplit(".", 1)[-1].split("$", 1)[0]
    if not last or last.startswith("<") or last in ("anonymous", "lambda") or _GO_CLOSURE.fullmatch(last):
        return None
    return last


def line_distance(line: int, start: int, end: int) -> int:
    if line < start:
        return start - line
    if line > end:
        return line - end
    return 0


def _weak_path(frame: Frame) -> bool:
    if frame.mapping.method != MappingMethod.SUFFIX_MATCH or frame.file_path is None:
        return False
    repo_parts = frame.file_path.split("/")
    runtime_parts = normalize_path(frame.runtime_path).split("/")
    return len(repo_parts) > 1 and len(runtime_parts) > 1 and runtime_parts[-2] != repo_parts[-2]


def _same_sha(a: str | None, b: str | None) -> bool | None:
    if not a or not b:
        return None
    a, b = a.lower(), b.lower()
    n = min(len(a), len(b))
    return n >= 7 and a[:n] == b[:n]


@dataclass(frozen=True, slots=True)
class FrameContext:
    """What scoring needs from the alert and one frame."""

    line: int | None
    function: str | None
    outer: float
    families: frozenset[Family]
    weak_path: float
    alert_sha: str | None
    reference_ms: int
    base_logit: float
    """Intercept plus the contributions that depend only on the frame."""
    chained: bool
    """The alert's trace chains more than one exception."""
    compat_cache: dict[str, tuple[float, float, float]]
    compat_logit_cache: dict[str, tuple[float, float]]


def _error_chain(alert: IrisAlert, location: AlertLocation) -> tuple[tuple[str | None, str | None], ...]:
    errors: list[tuple[str | None, str | None]] = [(location.error_type, location.error_message)]
    if alert.stack_trace:
        parsed = parse_trace(alert.stack_trace)
        if parsed is not None:
            errors.extend((t.error_type, t.error_message) for t in parsed.chain())
    return tuple(errors)


@lru_cache(maxsize=4096)
def _families(errors: tuple[tuple[str | None, str | None], ...]) -> frozenset[Family]:
    # Cached: every frame of an alert has the same error chain, and reading
    # it takes a few dozen regex searches.
    return families_of(errors)


def _to_ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


def frame_context(
    alert: IrisAlert, location: AlertLocation, frame: Frame, *, now_ms: int | None
) -> FrameContext:
    alert_ms = _to_ms(alert.timestamp)
    # Age is measured at alert time; ``now_ms`` only caps an alert stamped in
    # the future by a skewed clock. The clock itself is never read here.
    reference_ms = min(alert_ms, now_ms) if now_ms is not None else alert_ms
    sha = alert.commit_sha
    if sha is None and alert.release and all(c in "0123456789abcdefABCDEF" for c in alert.release):
        sha = alert.release
    errors = _error_chain(alert, location)
    outer = min(frame.depth, 4) / 4.0
    weak_path = 1.0 if _weak_path(frame) else 0.0
    return FrameContext(
        line=frame.line_number,
        function=short_name(frame.function_name),
        outer=outer,
        families=_families(errors),
        weak_path=weak_path,
        alert_sha=sha,
        reference_ms=reference_ms,
        base_logit=model.BIAS
        + model.WEIGHTS["outer_frame"] * outer
        + model.WEIGHTS["weak_path_match"] * weak_path,
        chained=len(errors) > 2,
        compat_cache={},
        compat_logit_cache={},
    )


def feature_vector(ctx: FrameContext, finding: Finding) -> tuple[float, ...]:
    """The features of ``finding`` against the frame of ``ctx``."""
    start, end = finding.line_start, finding.line_end
    if ctx.line is None:
        on_line = inside = 0.0
        distance = 1.0
    else:
        d = line_distance(ctx.line, start, end)
        narrow = end - start < NARROW_SPAN_LINES
        on_line = 1.0 if d == 0 and narrow else 0.0
        inside = 1.0 if d == 0 and not narrow else 0.0
        distance = 1.0 if d >= DISTANCE_HORIZON_LINES else math.log2(1 + d) / _LOG_HORIZON
    # Only a known difference counts: a missing name on either side (module
    # level, anonymous functions, imported findings) says nothing.
    other_function = after_swallow = 0.0
    issue = finding.issue_type
    if ctx.function is not None:
        finding_function = short_name(finding.function_name)
        if finding_function is not None and finding_function != ctx.function:
            other_function = 1.0
        elif (
            finding_function is not None
            and issue in SWALLOWING_ISSUES
            and ctx.line is not None
            and start <= ctx.line <= end + SWALLOW_HORIZON_LINES
        ):
            after_swallow = 1.0
    compat_values = ctx.compat_cache.get(issue)
    if compat_values is None:
        compat_values = _COMPAT_VALUES[compat(issue, ctx.families)]
        ctx.compat_cache[issue] = compat_values
    status = finding.status
    same = None if ctx.alert_sha is None else _same_sha(ctx.alert_sha, finding.commit_sha)
    recent = 0.0
    if finding.first_seen is not None:
        age_ms = ctx.reference_ms - _to_ms(finding.first_seen)
        recent = 1.0 if 0 <= age_ms <= RECENT_DAYS * _DAY_MS else 0.0
    # An explained error on another line than the flagged one (a handler's
    # failure is expected below it, so handlers are left out).
    off_line = 0.0
    off_the_line = ctx.line is not None and not (on_line or inside)
    if compat_values[0] and off_the_line and issue not in SWALLOWING_ISSUES:
        off_line = 1.0
    return (
        on_line,
        inside,
        distance,
        other_function,
        after_swallow,
        ctx.outer,
        compat_values[0],
        off_line,
        compat_values[1],
        compat_values[2],
        _SEVERITY[finding.severity],
        finding.confidence,
        1.0 if status is FindingStatus.IGNORED else 0.0,
        1.0 if status is FindingStatus.ACKNOWLEDGED else 0.0,
        1.0 if status is FindingStatus.RESOLVED else 0.0,
        1.0 if same is True else 0.0,
        1.0 if same is False else 0.0,
        recent,
        ctx.weak_path,
    )


# Per-value contributions of the features that take few values, so that
# logit() is a handful of additions (the stream scores every finding of a
# file for every alert frame).
_SEVERITY_LOGIT = {sev: model.WEIGHTS["severity"] * x for sev, x in _SEVERITY.items()}
_STATUS_LOGIT = {
    FindingStatus.IGNORED: model.WEIGHTS["status_ignored"],
    FindingStatus.ACKNOWLEDGED: model.WEIGHTS["status_acknowledged"],
    FindingStatus.RESOLVED: model.WEIGHTS["status_resolved"],
}
_COMPAT_LOGIT = {
    c: model.WEIGHTS["error_explained"] * v[0]
    + model.WEIGHTS["error_related"] * v[1]
    + model.WEIGHTS["error_unexplained"] * v[2]
    for c, v in _COMPAT_VALUES.items()
}
_W_ON_LINE = model.WEIGHTS["on_flagged_line"]
_W_INSIDE = model.WEIGHTS["inside_flagged_block"]
_W_DISTANCE = model.WEIGHTS["line_distance"]
_W_OTHER_FUNCTION = model.WEIGHTS["other_function"]
_W_AFTER_SWALLOW = model.WEIGHTS["after_swallowed_exception"]
_W_OFF_LINE = model.WEIGHTS["explained_off_line"]
_W_CONFIDENCE = model.WEIGHTS["analyzer_confidence"]
_W_RELEASE_MATCH = model.WEIGHTS["release_match"]
_W_RELEASE_MISMATCH = model.WEIGHTS["release_mismatch"]
_W_RECENT = model.WEIGHTS["recent_finding"]
_DISTANCE_LOGIT = tuple(_W_DISTANCE * math.log2(1 + d) / _LOG_HORIZON for d in range(DISTANCE_HORIZON_LINES))


def logit(ctx: FrameContext, finding: Finding) -> float:
    """``model.logit_of(feature_vector(ctx, finding))``, computed without
    building the vector (a property test holds the two equal)."""
    z = ctx.base_logit
    line = ctx.line
    issue = finding.issue_type
    # (error-match log-odds on the flagged line, and off it), per issue type.
    compat_logits = ctx.compat_logit_cache.get(issue)
    if compat_logits is None:
        kind = compat(issue, ctx.families)
        on = _COMPAT_LOGIT[kind]
        off = on + _W_OFF_LINE if kind is Compat.EXPLAINED and issue not in SWALLOWING_ISSUES else on
        compat_logits = ctx.compat_logit_cache[issue] = (on, off)
    if line is None:
        z += _W_DISTANCE + compat_logits[0]
    else:
        start, end = finding.line_start, finding.line_end
        d = start - line if line < start else (line - end if line > end else 0)
        if d == 0:
            z += (_W_ON_LINE if end - start < NARROW_SPAN_LINES else _W_INSIDE) + compat_logits[0]
        else:
            z += (_DISTANCE_LOGIT[d] if d < DISTANCE_HORIZON_LINES else _W_DISTANCE) + compat_logits[1]
    if ctx.function is not None:
        finding_function = short_name(finding.function_name)
        if finding_function is not None:
            if finding_function != ctx.function:
                z += _W_OTHER_FUNCTION
            elif (
                issue in SWALLOWING_ISSUES
                and line is not None
                and finding.line_start <= line <= finding.line_end + SWALLOW_HORIZON_LINES
            ):
                z += _W_AFTER_SWALLOW
    z += _SEVERITY_LOGIT[finding.severity] + _W_CONFIDENCE * finding.confidence
    z += _STATUS_LOGIT.get(finding.status, 0.0)
    if ctx.alert_sha is not None:
        same = _same_sha(ctx.alert_sha, finding.commit_sha)
        if same is not None:
            z += _W_RELEASE_MATCH if same else _W_RELEASE_MISMATCH
    if finding.first_seen is not None:
        age_ms = ctx.reference_ms - _to_ms(finding.first_seen)
        if 0 <= age_ms <= RECENT_DAYS * _DAY_MS:
            z += _W_RECENT
    return z
