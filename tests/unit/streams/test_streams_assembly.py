from __future__ import annotations

from datetime import UTC, datetime

import orjson

from hefesto_core.models import EnrichedAlert, FindingMatch
from streams.agents.emit import fingerprint, is_complete, resolved_header
from streams.agents.resolve import basename_key
from streams.records import Header, Part, Probe, Rescore, Timeout, decode_parts_record, decode_probe

ALERT = orjson.dumps({"alert_id": "a1", "timestamp": "2026-01-01T00:00:00Z", "repo": "shop"}).decode()


def _frame(path: str | None, runtime: str) -> dict:
    return {
        "runtime_path": runtime,
        "file_path": path,
        "line_number": 3,
        "function_name": "f",
        "in_app": True,
        "depth": 0,
        "mapping": {"runtime_path": runtime, "repo_path": path, "method": "as_given" if path else "unmapped"},
    }


def _header(file_keys: list[str | None]) -> dict:
    frames = [_frame("src/a.py", "src/a.py") for _ in file_keys]
    return Header("a1", ALERT, frames, file_keys, None, None, 5).to_dict()


def test_complete_when_every_routed_frame_has_a_part():
    state = {"header": _header(["shop:src/a.py", None, ""]), "parts": {"0": {}}}
    assert not is_complete(state)
    state["parts"]["2"] = {}
    assert is_complete(state)
    assert not is_complete({"header": None, "parts": {"0": {}}})
    assert is_complete({"header": _header([None]), "parts": {}})  # nothing routed: the header alone


def test_resolved_frames_replace_the_header_frames_and_keys():
    header = _header(["shop:src/a.py", ""])
    resolved = _frame("lib/deep/b.py", "/home/ci/shop/lib/deep/b.py")
    out = resolved_header({"header": header, "resolved": {"1": resolved}})
    assert out.file_keys == ["shop:src/a.py", "shop:lib/deep/b.py"]
    assert out.frames[1]["file_path"] == "lib/deep/b.py"
    assert out.location().frames[1].mapping.repo_path == "lib/deep/b.py"
    assert header["file_keys"] == ["shop:src/a.py", ""]  # the stored state is not mutated


def test_basename_key_normalizes_separators():
    assert basename_key("shop", "/home/ci/src/pay.py") == "shop:pay.py"
    assert basename_key("shop", "C:\\work\\src\\pay.py") == "shop:pay.py"
    assert basename_key("shop", "Payment.java") == "shop:Payment.java"


def test_records_round_trip():
    probe = Probe("a1", "shop:src/a.py", 0, ALERT, [_frame("src/a.py", "src/a.py")], "E", "m", 7, late=True)
    back = decode_probe(probe.to_bytes())
    assert back == probe
    assert back.alert().alert_id == "a1"
    part = Part("a1", 2, [{"x": 1}], late=True, error=None, frame=_frame("b.py", "/x/b.py"))
    assert decode_parts_record(part.to_bytes()) == part
    assert decode_parts_record(Timeout("a1").to_bytes()) == Timeout("a1")
    assert decode_parts_record(Rescore("a1", "shop:src/a.py").to_bytes()) == Rescore("a1", "shop:src/a.py")
    header = Header.from_dict(_header(["k"]))
    assert decode_parts_record(header.to_bytes()) == header


def _enriched(confidence: float, *, version: int = 1, processed_s: int = 0) -> EnrichedAlert:
    match = FindingMatch(
        finding_id="f1",
        file_path="src/a.py",
        line_number=3,
        rule_id="R",
        issue_type="EVAL_USAGE",
        severity="HIGH",
        message="m",
        match_confidence=confidence,
    )
    return EnrichedAlert(
        alert_id="a1",
        enriched=True,
        correlation_confidence=confidence,
        correlation_version=version,
        hefesto_findings=[match],
        processed_at=datetime.fromtimestamp(processed_s, tz=UTC),
        latency_ms=processed_s,
    )


def test_fingerprint_ignores_version_and_timing_but_not_the_answer():
    assert fingerprint(_enriched(0.9)) == fingerprint(_enriched(0.9, version=2, processed_s=99))
    assert fingerprint(_enriched(0.9)) != fingerprint(_enriched(0.8))
