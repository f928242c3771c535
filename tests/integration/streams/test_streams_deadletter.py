"""Poison messages mixed with valid alerts: every poison message reaches the
dead-letter topic with its reason and origin, every valid alert is enriched,
and the worker keeps going."""

from __future__ import annotations

import asyncio
import random

import orjson
import pytest
from aiokafka import AIOKafkaProducer

from tests.integration.streams.harness import (
    StreamEnv,
    alert,
    collect,
    finding,
    finding_event,
    findings_messages,
    latest_by_alert,
    produce,
    run,
)

pytestmark = pytest.mark.kafka

POISON_KINDS = (
    ("DECODE_ERROR", lambda i: b"\xff\xfe binary garbage %d" % i),
    ("DECODE_ERROR", lambda i: b'{"alert_id": "truncated-%d"' % i),
    ("DECODE_ERROR", lambda i: b"[1, 2, 3]"),
    ("VALIDATION_ERROR", lambda i: orjson.dumps({"alert_id": f"p-{i}"})),  # no timestamp
    ("VALIDATION_ERROR", lambda i: orjson.dumps({**alert(f"p-{i}", path="a.py", line=1), "severity": "BAD"})),
    (
        "UNSUPPORTED_SCHEMA_VERSION",
        lambda i: orjson.dumps({**alert(f"p-{i}", path="a.py", line=1), "schema_version": 99}),
    ),
)


async def _produce_mixed(
    bootstrap: str, topic: str, n_poison: int, n_valid: int
) -> dict[tuple[int, int], str]:
    """Produce the mix in random order; return (partition, offset) -> expected code of each poison."""
    rng = random.Random(7)
    items: list[tuple[str | None, bytes, bytes]] = []
    for i in range(n_poison):
        code, make = POISON_KINDS[i % len(POISON_KINDS)]
        items.append((code, f"poison-{i}".encode(), make(i)))
    for i in range(n_valid):
        a = alert(f"valid-{i}", path=f"src/mod{i % 10}.py", line=41)
        items.append((None, a["alert_id"].encode(), orjson.dumps(a)))
    rng.shuffle(items)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()
    try:
        futures = [(code, await producer.send(topic, value, key=key)) for code, key, value in items]
        expected: dict[tuple[int, int], str] = {}
        for code, fut in futures:
            meta = await fut
            if code is not None:
                expected[(meta.partition, meta.offset)] = code
        return expected
    finally:
        await producer.stop()


def test_poison_messages_are_dead_lettered_and_valid_alerts_enriched(stream_env: StreamEnv) -> None:
    env = stream_env
    worker = env.start_worker()
    env.wait_ready(worker, min_alert_partitions=env.partitions)
    t = env.topics
    run(
        produce(
            env.bootstrap,
            t["findings"],
            findings_messages(
                [
                    finding_event(
                        f"e{i}", [finding(f"f{i}", path=f"src/mod{i}.py", line=40)], path=f"src/mod{i}.py"
                    )
                    for i in range(10)
                ]
            ),
        )
    )
    # A findings message keyed to the wrong file must not land silently in the wrong partition.
    wrong = finding_event("bad-key", [finding("fx", path="src/x.py", line=1)], path="src/x.py")
    run(produce(env.bootstrap, t["findings"], [(b"shop:src/not-x.py", orjson.dumps(wrong))]))

    n_poison, n_valid = 1_000, 200
    expected = asyncio.run(_produce_mixed(env.bootstrap, t["alerts"], n_poison, n_valid))
    assert len(expected) == n_poison

    dead = run(collect(env.bootstrap, t["deadletter"], lambda r: len(r) >= n_poison + 1, timeout_s=120))
    enriched = run(
        collect(env.bootstrap, t["enriched"], lambda r: len(latest_by_alert(r)) >= n_valid, timeout_s=120)
    )

    from_alerts = []
    for r in dead:
        h = {k: v.decode() for k, v in r.headers}
        assert set(h) >= {"error-code", "error-message", "source-topic", "source-partition", "source-offset"}
        assert h["error-message"]
        if h["source-topic"] == t["findings"]:
            assert h["error-code"] == "VALIDATION_ERROR"
            assert "does not match" in h["error-message"]
            continue
        assert h["source-topic"] == t["alerts"]
        from_alerts.append(((int(h["source-partition"]), int(h["source-offset"])), h["error-code"], r))
    got = {pos: code for pos, code, _ in from_alerts}
    assert len(from_alerts) == n_poison, f"{len(from_alerts)} dead letters\n{env.tail(worker)}"
    assert got == expected
    # The original key and bytes are kept unchanged.
    assert all(r.key.startswith(b"poison-") for _, _, r in from_alerts)

    latest = latest_by_alert(enriched)
    assert set(latest) == {f"valid-{i}" for i in range(n_valid)}
    assert all(
        v["enriched"] and v["hefesto_findings"][0]["finding_id"] == f"f{int(k.split('-')[1]) % 10}"
        for k, v in latest.items()
    )
    assert worker.proc.poll() is None
    metrics = worker.metrics()
    assert "hefesto_stream_dead_letters_total" in metrics
    assert 'error_code="DECODE_ERROR"' in metrics
