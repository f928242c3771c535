"""Property tests: confidence in [0, 1], monotone in line distance,
deterministic, the fast logit equal to the model's, parsers total."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from correlator import correlate, locate, score_frame
from correlator.features import feature_vector, frame_context, logit
from correlator.model import logit_of
from correlator.parsers import parse_trace
from correlator.parsers.go import parse_go
from correlator.parsers.java import parse_java
from correlator.parsers.node import parse_node
from correlator.parsers.python import parse_python
from hefesto_core.models import FindingStatus, Severity

from .conftest import make_alert, make_finding

AT = datetime(2026, 3, 2, 12, tzinfo=UTC)
ISSUES = [
    "POSSIBLE_NONE_DEREFERENCE",
    "UNCHECKED_INDEX",
    "SQL_INJECTION_RISK",
    "HIGH_COMPLEXITY",
    "HARDCODED_SECRET",
    "BARE_EXCEPT",
    "SILENT_EXCEPTION_SWALLOW",
    "CUSTOM_RULE",
]
ERRORS = [
    ("AttributeError", "'NoneType' object has no attribute 'x'"),
    ("IndexError", "list index out of range"),
    ("TimeoutError", "timed out"),
    ("KeyError", "'k'"),
    ("UnboundLocalError", "cannot access local variable 'x' where it is not associated with a value"),
    (None, None),
    ("ValueError", "bad"),
]
STATUSES = [s for s in FindingStatus if s is not FindingStatus.FALSE_POSITIVE]

findings = st.builds(
    lambda start, length, issue, sev, status, conf, fn, sha, seen: make_finding(
        line_start=start,
        line_end=start + length,
        issue_type=issue,
        severity=sev,
        status=status,
        confidence=conf,
        function_name=fn,
        commit_sha=sha,
        first_seen=seen,
    ),
    st.integers(1, 500),
    st.integers(0, 40),
    st.sampled_from(ISSUES),
    st.sampled_from(list(Severity)),
    st.sampled_from(STATUSES),
    st.floats(0, 1),
    st.sampled_from([None, "shop.processor.charge", "shop.x.other"]),
    st.sampled_from([None, "abcdef1", "1234567"]),
    st.sampled_from([None, datetime(2026, 2, 25, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC)]),
)
alerts = st.builds(
    lambda line, error, sha, depth_trace: (
        make_alert(
            file_path="/srv/app/shop/processor.py",
            line_number=line,
            function_name="charge",
            error_type=error[0],
            error_message=error[1],
            commit_sha=sha,
            stack_trace=None,
        )
        if not depth_trace
        else make_alert(error_type=error[0], error_message=error[1], commit_sha=sha)
    ),
    st.integers(1, 600),
    st.sampled_from(ERRORS),
    st.sampled_from([None, "abcdef1234"]),
    st.booleans(),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(alert=alerts, finding=findings)
def test_confidence_in_unit_interval_and_fast_logit_matches(alert, finding) -> None:
    location = locate(alert, known_files={"shop/processor.py"})
    for frame in location.frames:
        ctx = frame_context(alert, location, frame, now_ms=None)
        assert abs(logit(ctx, finding) - logit_of(feature_vector(ctx, finding))) < 1e-9
        assert all(0.0 <= x <= 1.0 for x in feature_vector(ctx, finding))
        for match in score_frame(alert, location, frame, [finding]):
            assert 0.0 <= match.match_confidence <= 1.0
    enriched = correlate(alert, [finding], processed_at=AT, min_confidence=0.0)
    assert 0.0 <= enriched.correlation_confidence <= 1.0


@settings(max_examples=200, deadline=None)
@given(
    finding=findings,
    error=st.sampled_from(ERRORS),
    offsets=st.lists(st.integers(0, 300), min_size=2, max_size=6),
    below=st.booleans(),
)
def test_confidence_does_not_increase_with_line_distance(finding, error, offsets, below) -> None:
    confidences = []
    for offset in sorted(offsets):
        line = finding.line_start - offset if below else finding.line_end + offset
        if line < 1:
            break
        alert = make_alert(
            file_path="shop/processor.py",
            line_number=line,
            function_name="charge",
            error_type=error[0],
            error_message=error[1],
            stack_trace=None,
        )
        enriched = correlate(alert, [finding], processed_at=AT, now_ms=0, min_confidence=0.0)
        confidences.append(enriched.correlation_confidence)
    assert all(a >= b for a, b in itertools.pairwise(confidences))


@settings(max_examples=100, deadline=None)
@given(alert=alerts, batch=st.lists(findings, min_size=1, max_size=6))
def test_deterministic(alert, batch) -> None:
    batch = [f.model_copy(update={"finding_id": f"f-{i}"}) for i, f in enumerate(batch)]
    first = correlate(alert, batch, processed_at=AT, now_ms=1_000)
    second = correlate(alert, list(reversed(batch)), processed_at=AT, now_ms=1_000)
    assert first.model_dump(exclude={"latency_ms"}) == second.model_dump(exclude={"latency_ms"})


TRACE_ALPHABET = st.text(
    alphabet=st.sampled_from(
        list('\n\t :()"/.\\,+|-[]<>$*0123456789') + list("FileTracebackatpanicgoroutineCaused")
    ),
    max_size=400,
)


@settings(max_examples=400, deadline=None)
@given(text=st.one_of(st.text(max_size=300), TRACE_ALPHABET))
def test_parsers_never_raise(text) -> None:
    for parse in (parse_trace, parse_python, parse_java, parse_node, parse_go):
        result = parse(text)
        if result is not None:
            for frame in result.frames:
                assert frame.line_number is None or frame.line_number >= 1
    location = locate(make_alert(stack_trace=text or None), known_files={"shop/processor.py"})
    assert len(location.frames) <= 5
