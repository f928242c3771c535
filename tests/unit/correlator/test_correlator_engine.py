from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from correlator import InvalidArgumentError, assemble, correlate, locate, score_frame
from correlator.wire import build
from hefesto_core.models import CodeContext, FindingMatch, MatchReason, NotEnrichedReason, RecentChange

from .conftest import make_alert, make_finding

AT = datetime(2026, 3, 2, 12, tzinfo=UTC)


def _others() -> list:
    return [
        make_finding(
            finding_id="f-cx",
            rule_id="CC",
            issue_type="HIGH_COMPLEXITY",
            line_start=30,
            line_end=60,
            severity="MEDIUM",
            message="complexity 14",
            suggestion=None,
        ),
        make_finding(
            finding_id="f-secret",
            rule_id="SECRET",
            issue_type="HARDCODED_SECRET",
            line_start=3,
            line_end=3,
            function_name=None,
            message="hard-coded key",
        ),
        make_finding(
            finding_id="f-api",
            file_path="shop/api.py",
            line_start=5,
            line_end=5,
            function_name="shop.api.other",
            message="x may be None",
        ),
    ]


def test_flagged_line_with_matching_error_is_enriched(alert, finding) -> None:
    enriched = correlate(alert, [finding, *_others()], processed_at=AT)
    assert enriched.enriched
    assert enriched.reason is None
    top = enriched.hefesto_findings[0]
    assert top.finding_id == "f-none-42"
    assert enriched.correlation_confidence == top.match_confidence >= 0.7
    features = {r.feature for r in top.match_reasons}
    assert {"prior", "on_flagged_line", "error_explained"} <= features
    assert "other_function" not in features
    logit = sum(r.contribution for r in top.match_reasons)
    assert abs(1 / (1 + pow(2.718281828459045, -logit)) - top.match_confidence) < 0.01
    assert "shop/processor.py:42" in (enriched.suggested_root_cause or "")
    assert enriched.recommended_actions[0].endswith("Return 404 when find_customer() finds nothing.")
    assert [m.method for m in enriched.path_mappings] == ["source_root", "source_root"]


def test_unrelated_lines_do_not_correlate(alert) -> None:
    enriched = correlate(alert, _others(), processed_at=AT)
    assert not enriched.enriched
    assert enriched.reason is NotEnrichedReason.NO_CANDIDATE
    assert enriched.correlation_confidence < 0.7
    assert enriched.hefesto_findings == []
    assert any("No static-analysis finding" in a for a in enriched.recommended_actions)


def test_file_without_findings_gives_no_candidate(alert) -> None:
    enriched = correlate(alert, [make_finding(file_path="other/module.py")], processed_at=AT)
    assert (enriched.enriched, enriched.reason) == (False, NotEnrichedReason.NO_CANDIDATE)
    assert enriched.code_context is not None
    assert enriched.code_context.file_path == "shop/processor.py"


def test_no_code_location() -> None:
    alert = make_alert(stack_trace=None, error_type="OOMKilled", error_message="memory limit exceeded")
    enriched = correlate(alert, [make_finding()], processed_at=AT)
    assert (enriched.enriched, enriched.reason) == (False, NotEnrichedReason.NO_CODE_LOCATION)
    assert any("memory" in a for a in enriched.recommended_actions)


def test_false_positive_never_matches(alert) -> None:
    enriched = correlate(alert, [make_finding(status="false_positive")], processed_at=AT, min_confidence=0.0)
    assert enriched.hefesto_findings == []
    assert enriched.reason is NotEnrichedReason.NO_CANDIDATE


def test_ignored_is_stronger_than_open_and_resolved_weaker(alert) -> None:
    def conf(status: str) -> float:
        return correlate(alert, [make_finding(status=status)], processed_at=AT).correlation_confidence

    assert conf("ignored") > conf("acknowledged") > conf("open") > conf("resolved")


def test_error_type_must_fit_the_issue(alert) -> None:
    index = make_finding(issue_type="UNCHECKED_INDEX", rule_id="IDX")
    none = make_finding(finding_id="f-2")
    c_index = correlate(alert, [index], processed_at=AT).correlation_confidence
    c_none = correlate(alert, [none], processed_at=AT).correlation_confidence
    assert c_none > c_index


def test_composition_equals_correlate(alert, finding) -> None:
    findings = [finding, *_others()]
    one_shot = correlate(alert, findings, processed_at=AT, now_ms=0, top_k=2, cost_per_user=2.5)
    location = locate(alert, known_files={f.file_path for f in findings})
    matches = []
    for frame in location.frames:
        matches += score_frame(
            alert, location, frame, [f for f in findings if f.file_path == frame.file_path], now_ms=0
        )
    split = assemble(alert, location, matches, top_k=2, processed_at=AT, cost_per_user=2.5)
    assert one_shot.model_dump(exclude={"latency_ms"}) == split.model_dump(exclude={"latency_ms"})


def test_deterministic(alert, finding) -> None:
    a = correlate(alert, [finding, *_others()], processed_at=AT, now_ms=123)
    b = correlate(alert, [*reversed(_others()), finding], processed_at=AT, now_ms=123)
    assert a.model_dump(exclude={"latency_ms"}) == b.model_dump(exclude={"latency_ms"})


def test_score_frame_ranks_every_candidate_of_the_file(alert, finding) -> None:
    location = locate(alert, known_files={"shop/processor.py", "shop/api.py"})
    matches = score_frame(alert, location, location.frames[0], [finding, *_others()], now_ms=0)
    assert next(m.finding_id for m in matches) == "f-none-42"
    assert {m.finding_id for m in matches} == {"f-none-42", "f-cx", "f-secret"}
    confidences = [m.match_confidence for m in matches]
    assert confidences == sorted(confidences, reverse=True)
    assert len(score_frame(alert, location, location.frames[0], [finding, *_others()], limit=1)) == 1


def test_assemble_dedupes_by_finding_keeping_the_best(alert, finding) -> None:
    location = locate(alert, known_files={"shop/processor.py"})
    best = score_frame(alert, location, location.frames[0], [finding])[0]
    worse = best.model_copy(update={"match_confidence": 0.71})
    enriched = assemble(alert, location, [worse, best, worse], processed_at=AT)
    assert [m.match_confidence for m in enriched.hefesto_findings] == [best.match_confidence]
    with pytest.raises(InvalidArgumentError):
        assemble(alert, location, [], processed_at=AT, top_k=0)


def test_top_k_and_threshold(alert) -> None:
    findings = [make_finding(finding_id=f"f-{i}") for i in range(8)]
    enriched = correlate(alert, findings, processed_at=AT, top_k=3)
    assert len(enriched.hefesto_findings) == 3
    assert correlate(alert, findings, processed_at=AT, min_confidence=1.0).enriched is False


def test_recent_change_raises_confidence(alert, finding) -> None:
    base = correlate(alert, [finding], processed_at=AT)
    context = CodeContext(
        file_path="shop/processor.py",
        function_name="charge",
        line_number=42,
        recent_changes=[RecentChange(sha="abc1234", date=datetime(2026, 3, 1, tzinfo=UTC))],
    )
    changed = correlate(alert, [finding], processed_at=AT, code_context=context)
    assert changed.correlation_confidence > base.correlation_confidence
    assert changed.hefesto_findings[0].match_reasons[-1].feature == "recent_change"
    assert changed.code_context == context
    old = context.model_copy(update={"recent_changes": [RecentChange(sha="a", date=AT - timedelta(days=90))]})
    assert correlate(alert, [finding], processed_at=AT, code_context=old).correlation_confidence == (
        base.correlation_confidence
    )


def test_cost_estimate_only_from_explicit_inputs(finding) -> None:
    assert correlate(make_alert(), [finding], processed_at=AT).cost_estimate is None
    plain = correlate(make_alert(affected_users=40), [finding], processed_at=AT).cost_estimate
    assert plain is not None
    assert (plain.affected_users, plain.estimated_cost) == (40, None)
    priced = correlate(
        make_alert(affected_users=40), [finding], processed_at=AT, cost_per_user=1.5, currency="EUR"
    ).cost_estimate
    assert priced is not None
    assert (priced.estimated_cost, priced.currency) == (60.0, "EUR")


def test_findings_of_other_repos_are_ignored(alert, finding) -> None:
    other = finding.model_copy(update={"repo": "acme/other", "finding_id": "f-other"})
    enriched = correlate(alert, [other, finding], processed_at=AT, min_confidence=0.0)
    assert [m.finding_id for m in enriched.hefesto_findings] == ["f-none-42"]


def test_release_agreement(finding) -> None:
    same = correlate(
        make_alert(commit_sha="abcdef1234"),
        [finding.model_copy(update={"commit_sha": "abcdef1"})],
        processed_at=AT,
    ).correlation_confidence
    other = correlate(
        make_alert(commit_sha="abcdef1234"),
        [finding.model_copy(update={"commit_sha": "1234567"})],
        processed_at=AT,
    ).correlation_confidence
    assert same > other


def test_fast_build_equals_validated_models(alert, finding) -> None:
    location = locate(alert, known_files={"shop/processor.py"})
    for match in score_frame(alert, location, location.frames[0], [finding, *_others()]):
        assert FindingMatch.model_validate(match.model_dump()) == match
        for reason in match.match_reasons:
            assert MatchReason.model_validate(reason.model_dump()) == reason
    assert build(MatchReason, {"feature": "f", "contribution": 1.0, "detail": "d"}) == MatchReason(
        feature="f", contribution=1.0, detail="d"
    )


def _swallow_case(*, line: int, function: str = "charge") -> tuple[float, set[str]]:
    handler = make_finding(
        finding_id="f-bare",
        rule_id="BARE_EXCEPT",
        issue_type="BARE_EXCEPT",
        line_start=40,
        line_end=40,
        severity="MEDIUM",
        message="bare `except:` also catches KeyboardInterrupt and SystemExit",
    )
    alert = make_alert(
        stack_trace=None,
        file_path="shop/processor.py",
        line_number=line,
        function_name=function,
        error_type="UnboundLocalError",
        error_message="cannot access local variable 'customer' where it is not associated with a value",
    )
    enriched = correlate(alert, [handler], processed_at=AT, min_confidence=0.0)
    top = enriched.hefesto_findings[0]
    return top.match_confidence, {r.feature for r in top.match_reasons}


def test_failure_below_a_swallowing_handler_counts_as_after_it() -> None:
    below, features = _swallow_case(line=42)
    assert "after_swallowed_exception" in features
    assert below >= 0.7
    # Above the handler, or in another function, the handler cannot have hidden it.
    above, above_features = _swallow_case(line=38)
    assert "after_swallowed_exception" not in above_features
    elsewhere, elsewhere_features = _swallow_case(line=42, function="refund")
    assert "after_swallowed_exception" not in elsewhere_features
    assert below > above
    assert below > elsewhere
    # Past the horizon the handler no longer counts.
    far, far_features = _swallow_case(line=40 + 31)
    assert "after_swallowed_exception" not in far_features
    assert far < below


def test_an_explained_error_off_the_flagged_line_is_weaker_evidence() -> None:
    index = make_finding(
        finding_id="f-index",
        rule_id="UNCHECKED_INDEX",
        issue_type="UNCHECKED_INDEX",
        line_start=43,
        line_end=43,
        severity="MEDIUM",
        message="'rows' may be empty; [0] raises IndexError",
    )

    def top(line: int) -> tuple[float, set[str]]:
        alert = make_alert(
            stack_trace=None,
            file_path="shop/processor.py",
            line_number=line,
            function_name="charge",
            error_type="IndexError",
            error_message="list index out of range",
        )
        match = correlate(alert, [index], processed_at=AT, min_confidence=0.0).hefesto_findings[0]
        return match.match_confidence, {r.feature for r in match.match_reasons}

    on_line, on_features = top(43)
    off_line, off_features = top(46)
    assert "explained_off_line" not in on_features
    assert {"error_explained", "explained_off_line"} <= off_features
    assert on_line >= 0.7 > off_line
