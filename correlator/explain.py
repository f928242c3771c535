"""Words for people: match reasons, the suggested root cause and the
recommended actions.

Every :class:`~hefesto_core.models.MatchReason` carries the log-odds its
feature added, so the reasons of a match add up to its logit (the ``prior``
reason holds the intercept). Actions come from the matched findings'
suggestions; generic infrastructure actions appear only when no finding in
the code matches.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from correlator.compat import Family
from correlator.features import DISTANCE_HORIZON_LINES, RECENT_DAYS, FrameContext, line_distance
from correlator.frames import AlertLocation, Frame
from correlator.model import BIAS, FEATURES, WEIGHT_VECTOR
from correlator.wire import build
from hefesto_core.models import Finding, FindingMatch, MatchReason

__all__ = ["infrastructure_actions", "reasons", "recommended_actions", "root_cause"]

_ISSUE_WORDS = {
    "POSSIBLE_NONE_DEREFERENCE": "a possible None dereference",
    "UNCHECKED_INDEX": "an unchecked index on a possibly empty result",
    "SQL_INJECTION_RISK": "SQL built from strings",
    "BARE_EXCEPT": "a bare except",
    "SILENT_EXCEPTION_SWALLOW": "a silently swallowed exception",
    "RESOURCE_LEAK": "a resource that is not closed",
    "HIGH_COMPLEXITY": "high complexity",
    "VERY_HIGH_COMPLEXITY": "very high complexity",
    "UNSAFE_DESERIALIZATION": "unsafe deserialization",
    "ASSERT_IN_PRODUCTION": "an assert used for control flow",
    "COMMAND_INJECTION": "a shell command built from input",
}

_DEFAULT_ACTIONS = {
    "POSSIBLE_NONE_DEREFERENCE": (
        "Check the value for None before using it, or fail with a clear error where it is produced."
    ),
    "UNCHECKED_INDEX": "Check that the result is not empty before indexing it.",
    "SQL_INJECTION_RISK": "Use a parameterized query instead of building SQL from strings.",
    "BARE_EXCEPT": "Catch the specific exceptions expected and let the others propagate.",
    "SILENT_EXCEPTION_SWALLOW": "Log or re-raise the exception instead of discarding it.",
    "RESOURCE_LEAK": "Open the resource in a `with` block so it is always closed.",
}

_INFRA_ACTIONS: dict[Family, tuple[str, ...]] = {
    Family.TIMEOUT: (
        "Check the latency and availability of the downstream dependency named in the error.",
        "Review timeout and retry settings (with backoff) for that call.",
    ),
    Family.CONNECTION: (
        "Check that the dependency is reachable (DNS, network policy, service health).",
        "Review connection retry and circuit-breaker settings.",
    ),
    Family.MEMORY: (
        "Check the container's memory limit and recent memory usage.",
        "Look for a recent change in input sizes or caching that raises memory use.",
    ),
    Family.DEPLOY: (
        "Check the last deployment: image, dependencies and configuration.",
        "Roll back the release if the failures started with it.",
    ),
    Family.TLS: ("Check certificate validity and the trust store of the calling service.",),
    Family.RESOURCE: ("Check pool sizes and open-handle limits of the service.",),
}


def _fmt(value: float) -> float:
    return round(value, 3)


def _pct(p: float) -> str:
    return "<1%" if p < 0.01 else f"{p:.0%}"


def _lines(n: int) -> str:
    return "1 line" if n == 1 else f"{n} lines"


def _span(finding: Finding) -> str:
    if finding.line_start == finding.line_end:
        return f"line {finding.line_start}"
    return f"lines {finding.line_start}-{finding.line_end}"


def _error(ctx: FrameContext, location: AlertLocation) -> str:
    error = location.error_type or "the error"
    return f"{error} (or an exception it chains)" if ctx.chained else error


def _distance_words(ctx: FrameContext, frame: Frame, finding: Finding, location: AlertLocation) -> str:
    if frame.line_number is None:
        return "the frame has no line number"
    d = line_distance(frame.line_number, finding.line_start, finding.line_end)
    far = " or more" if d >= DISTANCE_HORIZON_LINES else ""
    return f"the failing line {frame.line_number} is {_lines(d)}{far} from the finding ({_span(finding)})"


_Words = Callable[[FrameContext, Frame, Finding, AlertLocation], str]
# One function per feature: reasons() is on the stream's hot path, five
# matches per frame, and a chain of comparisons per reason added up.
_DETAILS: dict[str, _Words] = {
    "on_flagged_line": lambda ctx, frame, finding, loc: (
        f"the failing line {frame.line_number} is the flagged {_span(finding)}"
    ),
    "inside_flagged_block": lambda ctx, frame, finding, loc: (
        f"the failing line {frame.line_number} lies inside the flagged block ({_span(finding)})"
    ),
    "line_distance": _distance_words,
    "other_function": lambda ctx, frame, finding, loc: (
        f"the failing frame is in {ctx.function}, the finding in {finding.function_name}"
    ),
    "after_swallowed_exception": lambda ctx, frame, finding, loc: (
        f"the failing line {frame.line_number} runs after the handler at {_span(finding)} "
        f"in the same function, which hid the first error"
    ),
    "outer_frame": lambda ctx, frame, finding, loc: (
        f"frame {frame.depth} from the innermost in-app frame, not the innermost"
    ),
    "error_explained": lambda ctx, frame, finding, loc: (
        f"{_error(ctx, loc)} is the typical symptom of {finding.issue_type}"
    ),
    "explained_off_line": lambda ctx, frame, finding, loc: (
        f"{finding.issue_type} fails on the flagged line itself, and the failing line "
        f"{frame.line_number} is another one"
    ),
    "error_related": lambda ctx, frame, finding, loc: (
        f"{_error(ctx, loc)} can follow from {finding.issue_type}, indirectly"
    ),
    "error_unexplained": lambda ctx, frame, finding, loc: (
        f"{finding.issue_type} does not explain {_error(ctx, loc)}"
    ),
    "severity": lambda ctx, frame, finding, loc: f"severity {finding.severity.value}",
    "analyzer_confidence": lambda ctx, frame, finding, loc: (
        f"the analyzer is {finding.confidence:.0%} sure of this finding"
    ),
    "status_ignored": lambda *_: "the warning was seen and dismissed (status ignored)",
    "status_acknowledged": lambda *_: "the warning was acknowledged but not fixed",
    "status_resolved": lambda *_: "the finding was marked resolved",
    "release_match": lambda *_: "the finding was found in the commit that raised the alert",
    "release_mismatch": lambda *_: (
        "the finding comes from another commit than the alert; lines may have moved"
    ),
    "recent_finding": lambda *_: f"the finding was first seen within {RECENT_DAYS} days before the alert",
    "weak_path_match": lambda ctx, frame, finding, loc: (
        f"{frame.runtime_path} matched {frame.file_path} by file name only"
    ),
}


# MatchReason is frozen, so every match can share this one.
_PRIOR = MatchReason(
    feature="prior",
    contribution=_fmt(BIAS),
    detail="base log-odds that a finding in a failing file is the cause",
)
# MatchReason is frozen, so equal reasons are shared: most repeat across
# the findings and alerts of a service ("severity HIGH", "UNCHECKED_INDEX
# does not explain KeyError"), and building a model costs more than looking
# its words up. Cleared when full, so memory stays bounded.
_REASON_CACHE: dict[tuple[str, float, str], MatchReason] = {}
_REASON_CACHE_SIZE = 8192
# Indexing (not .get): a feature without words fails at import, not in a reason.
_WEIGHTED = tuple((name, w, _DETAILS[name]) for name, w in zip(FEATURES, WEIGHT_VECTOR, strict=True))


def reasons(
    values: tuple[float, ...], ctx: FrameContext, frame: Frame, finding: Finding, location: AlertLocation
) -> list[MatchReason]:
    """The non-zero contributions of ``values``, strongest first, after the prior."""
    # Strongest first: sorted on (-|contribution|, name), names being unique.
    items = [
        (-abs(c := w * x), name, c, words)
        for (name, w, words), x in zip(_WEIGHTED, values, strict=True)
        if x and w
    ]
    items.sort()
    out = [_PRIOR]
    cache = _REASON_CACHE
    for _, name, contribution, words in items:
        detail = words(ctx, frame, finding, location)
        key = (name, contribution, detail)
        reason = cache.get(key)
        if reason is None:
            if len(cache) >= _REASON_CACHE_SIZE:
                cache.clear()
            fields = {"feature": name, "contribution": round(contribution, 3), "detail": detail}
            reason = build(MatchReason, fields)
            cache[key] = reason
        out.append(reason)
    return out


def _where(match: FindingMatch) -> str:
    fn = f" ({match.function_name})" if match.function_name else ""
    return f"{match.file_path}:{match.line_number}{fn}"


def root_cause(location: AlertLocation, best: FindingMatch | None, *, matched: bool) -> str:
    error = location.error_type or "The error"
    if location.error_message:
        error = f"{error}: {location.error_message.splitlines()[0][:200]}"
    if best is not None and matched:
        words = _ISSUE_WORDS.get(best.issue_type, best.issue_type)
        return (
            f"{error}, most likely caused by {words} at {_where(best)}: {best.message} "
            f"(confidence {_pct(best.match_confidence)})."
        )
    frame = next((f for f in location.frames if f.file_path is not None), None)
    if frame is None:
        return f"{error}; the alert names no location in the repository's code."
    weak = (
        f"; the best candidate, {best.issue_type} at {_where(best)}, "
        f"is only {_pct(best.match_confidence)} likely"
        if best
        else ""
    )
    return f"{error} at {frame.file_path}:{frame.line_number}; no static-analysis finding explains it{weak}."


def recommended_actions(matches: Sequence[FindingMatch]) -> list[str]:
    """One action per matched finding, from its own suggestion when it has one."""
    out: list[str] = []
    for m in matches:
        text = m.suggestion or _DEFAULT_ACTIONS.get(m.issue_type) or f"Fix: {m.message}"
        action = f"{_where(m)}: {text}"
        if action not in out:
            out.append(action)
    return out


def infrastructure_actions(families: frozenset[Family], location: AlertLocation) -> list[str]:
    """Actions when nothing in the code matches: by the error's family, then
    a pointer to the innermost in-app frame when there is one."""
    out: list[str] = []
    for family in sorted(families):
        out.extend(_INFRA_ACTIONS.get(family, ()))
    frame = next((f for f in location.frames if f.file_path is not None), None)
    if frame is not None:
        out.append(
            f"No static-analysis finding explains this alert: inspect {frame.file_path}:{frame.line_number} "
            "and the inputs that reached it."
        )
    if not out:
        out.append("Check the service's logs, recent deployments and dependencies around the alert time.")
    return out
