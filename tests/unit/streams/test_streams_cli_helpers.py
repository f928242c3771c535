from __future__ import annotations

import sys
from pathlib import Path

from streams.replay import message_key, read_jsonl
from streams.tail import Deduplicator, TailLine, format_line, version_of


def test_message_key_follows_the_topic_contracts():
    assert message_key({"alert_id": "a1", "repo": "r", "file_path": "p"}) == b"a1"
    assert message_key({"repo": "shop", "file_path": "src/a.py", "kind": "upsert"}) == b"shop:src/a.py"
    assert message_key({"other": 1}) is None
    assert message_key([1, 2]) is None


def test_read_jsonl_skips_blank_lines_keeps_garbage_and_honours_limit(tmp_path: Path):
    f = tmp_path / "in.jsonl"
    f.write_bytes(b'{"alert_id": "a1"}\n\n   \nnot json\n{"alert_id": "a2"}\n{"alert_id": "a3"}\n')
    assert list(read_jsonl(f)) == [
        (b"a1", b'{"alert_id": "a1"}'),
        (None, b"not json"),
        (b"a2", b'{"alert_id": "a2"}'),
        (b"a3", b'{"alert_id": "a3"}'),
    ]
    assert [k for k, _ in read_jsonl(f, limit=2)] == [b"a1", None]


def test_deduplicator_keeps_only_newer_versions():
    d = Deduplicator(max_alerts=2)
    assert d.accept("a", 1)
    assert not d.accept("a", 1)
    assert d.accept("a", 2)
    assert not d.accept("a", 1)
    assert d.accept("b", 1)
    assert d.accept("c", 1)  # evicts the oldest remembered alert, "a"
    assert d.accept("a", 1)


def test_version_comes_from_the_header_first():
    assert version_of([("correlation-version", b"3")], {"correlation_version": 1}) == 3
    assert version_of([], {"correlation_version": 2}) == 2


def test_format_line_for_enriched_and_not_enriched():
    enriched = {
        "enriched": True,
        "correlation_confidence": 0.91,
        "hefesto_findings": [
            {
                "file_path": "src/a.py",
                "line_number": 4,
                "rule_id": "R1",
                "issue_type": "EVAL_USAGE",
                "message": "m",
            }
        ],
    }
    assert format_line(TailLine("a1", 2, enriched)) == "a1  v2  0.91  src/a.py:4  R1 EVAL_USAGE  m"
    own_rule = {**enriched["hefesto_findings"][0], "rule_id": "EVAL_USAGE"}
    assert format_line(TailLine("a1", 2, {**enriched, "hefesto_findings": [own_rule]})) == (
        "a1  v2  0.91  src/a.py:4  EVAL_USAGE  m"
    )
    assert format_line(TailLine("a2", 1, {"enriched": False, "reason": "no_code_location"})) == (
        "a2  v1  not enriched (no_code_location)"
    )


def test_cli_does_not_import_faust_at_startup():
    import subprocess

    code = "import sys, hefesto_core.cli.main; print('faust' in sys.modules, 'streams' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"], out.stderr
