"""`--publish` against the real broker: one replace event per file, keyed by file_key, all acknowledged."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from aiokafka import AIOKafkaConsumer

from hefesto_core.analyzer import analyze_source
from hefesto_core.kafka.topics import topic_partitions
from hefesto_core.models import FindingEvent
from hefesto_core.publish import build_events, publish_events
from hefesto_core.settings import load_settings

pytestmark = pytest.mark.kafka


@pytest.fixture(scope="module")
def bootstrap(request: pytest.FixtureRequest) -> Iterator[str]:
    try:
        value = request.getfixturevalue("kafka_bootstrap")
    except pytest.FixtureLookupError:
        value = os.environ.get("HEFESTO_KAFKA_BOOTSTRAP")
    if not value:
        pytest.fail("no Kafka broker: set HEFESTO_KAFKA_BOOTSTRAP or provide the kafka_bootstrap fixture")
    return value


async def test_publish_replace_events(bootstrap):
    topic = f"test.findings.{uuid.uuid4().hex[:12]}"
    settings = load_settings(kafka_bootstrap=bootstrap, topic_findings=topic, topic_partitions=3)
    findings = analyze_source("def f(s):\n    return eval(s)\n", file_path="pkg/a.py", repo="acme")
    events = build_events([("pkg/a.py", findings), ("pkg/clean.py", [])], repo="acme", commit_sha="abc1234")
    report = await publish_events(events, settings)
    assert report.ok
    assert (report.sent, report.acknowledged) == (2, 2)
    assert await topic_partitions(bootstrap, topic) == 3

    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=f"g-{uuid.uuid4().hex[:8]}"
    )
    await consumer.start()
    try:
        got: dict[bytes, FindingEvent] = {}
        while len(got) < 2:
            batch = await consumer.getmany(timeout_ms=10_000)
            assert batch, "events were acknowledged but not readable"
            for records in batch.values():
                for rec in records:
                    got[rec.key] = FindingEvent.model_validate_json(rec.value)
    finally:
        await consumer.stop()
    assert set(got) == {b"acme:pkg/a.py", b"acme:pkg/clean.py"}
    assert got[b"acme:pkg/a.py"].kind == "replace"
    assert [f.rule_id for f in got[b"acme:pkg/a.py"].findings] == ["EVAL_USAGE"]
    assert got[b"acme:pkg/clean.py"].findings == []


async def test_publish_to_unreachable_broker_is_an_error():
    from hefesto_core.errors import PublishError

    settings = load_settings(kafka_bootstrap="127.0.0.1:1", topic_findings=f"t.{uuid.uuid4().hex[:8]}")
    with pytest.raises(PublishError):
        await publish_events(
            build_events([("a.py", [])], repo="r", commit_sha=None), settings, timeout_ms=2_000
        )


def test_cli_analyze_publish(bootstrap, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from hefesto_core.cli.main import app

    (tmp_path / "m.py").write_text("def f(s):\n    return eval(s)\n")
    (tmp_path / "n.py").write_text("x = 1\n")
    monkeypatch.setenv("HEFESTO_KAFKA_BOOTSTRAP", bootstrap)
    monkeypatch.setenv("HEFESTO_TOPIC_FINDINGS", f"test.findings.{uuid.uuid4().hex[:12]}")
    monkeypatch.setenv("HEFESTO_CACHE_DIR", str(tmp_path / "cache"))
    result = CliRunner().invoke(
        app,
        [
            "analyze",
            str(tmp_path / "m.py"),
            str(tmp_path / "n.py"),
            "-f",
            "json",
            "--repo",
            "acme",
            "--publish",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "published 2 event(s)" in result.stderr
    assert "2 acknowledged" in result.stderr

    monkeypatch.setenv("HEFESTO_KAFKA_BOOTSTRAP", "127.0.0.1:1")
    failed = CliRunner().invoke(app, ["analyze", str(tmp_path / "m.py"), "-f", "json", "--publish"])
    assert failed.exit_code == 2
