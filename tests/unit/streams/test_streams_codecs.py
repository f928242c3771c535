from __future__ import annotations

import orjson
import pytest

from correlator import correlate
from streams.codecs import decode_alert, decode_finding_event, encode_model
from streams.deadletter import dead_letter_headers, error_code
from streams.errors import DecodeError, MessageError, StreamError, UnsupportedSchema, ValidationFailed

ALERT = {"alert_id": "a-1", "timestamp": "2026-01-01T00:00:00Z", "file_path": "src/x.py", "line_number": 3}


def test_valid_alert_round_trips():
    alert = decode_alert(orjson.dumps(ALERT))
    assert alert.alert_id == "a-1"
    assert decode_alert(encode_model(alert)) == alert


@pytest.mark.parametrize(
    ("raw", "exc"),
    [
        (b"\xff\xfe not utf8", DecodeError),
        (b"{not json", DecodeError),
        (b"[1, 2]", DecodeError),
        (None, DecodeError),
        (orjson.dumps({**ALERT, "schema_version": 2}), UnsupportedSchema),
        (orjson.dumps({"alert_id": "a"}), ValidationFailed),
        (orjson.dumps({**ALERT, "unknown_field": 1}), ValidationFailed),
    ],
)
def test_bad_alerts_raise_message_errors_with_codes(raw, exc):
    with pytest.raises(exc) as info:
        decode_alert(raw)
    assert isinstance(info.value, MessageError)
    assert isinstance(info.value, StreamError)
    assert error_code(info.value) == exc.code


def test_validation_message_names_the_field():
    with pytest.raises(ValidationFailed, match="timestamp"):
        decode_alert(orjson.dumps({"alert_id": "a"}))


def test_finding_event_with_a_foreign_finding_is_invalid():
    event = {
        "event_id": "e",
        "kind": "upsert",
        "repo": "shop",
        "file_path": "a.py",
        "emitted_at": "2026-01-01T00:00:00Z",
        "findings": [
            {
                "finding_id": "f",
                "repo": "shop",
                "file_path": "b.py",
                "line_start": 1,
                "line_end": 1,
                "rule_id": "R",
                "issue_type": "EVAL_USAGE",
                "severity": "LOW",
                "message": "m",
            }
        ],
    }
    with pytest.raises(ValidationFailed):
        decode_finding_event(orjson.dumps(event))


def test_dead_letter_headers_carry_code_message_and_source():
    headers = dict(dead_letter_headers(DecodeError("bad"), topic="t", partition=3, offset=42))
    assert headers == {
        "error-code": b"DECODE_ERROR",
        "error-message": b"bad",
        "source-topic": b"t",
        "source-partition": b"3",
        "source-offset": b"42",
    }
    other = dict(dead_letter_headers(KeyError("x"), topic="t", partition=0, offset=0))
    assert other["error-code"] == b"PROCESSING_ERROR"
    assert other["error-message"].startswith(b"KeyError")
    long = dict(dead_letter_headers(DecodeError("y" * 5000), topic="t", partition=0, offset=0))
    assert len(long["error-message"]) == 1000


def test_an_enriched_alert_is_encoded_exactly_as_model_dump_json(finding):
    # encode_model skips model_dump_json's str; the bytes on the wire must
    # not change (consumers and the history store compare them).
    alert = decode_alert(
        orjson.dumps(
            {
                **ALERT,
                "repo": "shop",
                "file_path": "src/pay.py",
                "line_number": 11,
                "error_type": "TypeError",
                "error_message": "'NoneType' n'a pas d'attribut « total » — 💥",
            }
        )
    )
    enriched = correlate(alert, [finding("f1", line=10), finding("f2", line=40, message="ünïcode")])
    assert enriched.hefesto_findings  # a full answer, not an empty one
    assert encode_model(enriched) == enriched.model_dump_json().encode()
    assert encode_model(alert) == alert.model_dump_json().encode()
