"""An alert's state goes once no late finding can change its answer
(streams/retention.py), on the real broker: the worker forgets it, a
restart does not bring it back, and the changelogs delete by time."""

from __future__ import annotations

import time
from typing import Any

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from tests.integration.streams.harness import (
    StreamEnv,
    alert,
    alert_messages,
    collect,
    finding,
    finding_event,
    findings_messages,
    latest_by_alert,
    produce,
    run,
    wait_for,
)

pytestmark = pytest.mark.kafka

SHORT_HORIZON = {"HEFESTO_CORRELATION_WINDOW_MS": "1000", "HEFESTO_GRACE_MS": "0"}


def _keys(worker: Any, table: str) -> int:
    return len(worker.table(table))


async def _cleanup_policy(bootstrap: str, topic: str) -> dict[str, str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        (response,) = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
        (resource,) = response.resources
        return {name: value for name, value, *_ in resource[4]}
    finally:
        await admin.close()


def test_answered_alerts_are_forgotten_past_the_horizon_and_stay_gone_after_a_restart(
    stream_env: StreamEnv,
) -> None:
    env = stream_env
    t = env.topics
    worker = env.start_worker(**SHORT_HORIZON)
    env.wait_ready(worker, min_alert_partitions=env.partitions)
    run(
        produce(
            env.bootstrap,
            t["findings"],
            findings_messages(
                [finding_event("e1", [finding("f1", path="src/a.py", line=50)], path="src/a.py")]
            ),
        )
    )
    time.sleep(1.0)
    alerts = [alert(f"ret-{i}", path="src/a.py", line=51) for i in range(20)]
    run(produce(env.bootstrap, t["alerts"], alert_messages(alerts)))
    records = run(
        collect(env.bootstrap, t["enriched"], lambda r: len(latest_by_alert(r)) >= 20, timeout_s=60)
    )
    assert set(latest_by_alert(records)) == {a["alert_id"] for a in alerts}

    # One second of horizon: both per-alert tables empty soon after.
    wait_for(
        lambda: _keys(worker, "assembly") == 0 and _keys(worker, "correlations") == 0,
        timeout_s=20,
        what="assembly and correlations to forget the answered alerts",
    )
    evicted = [
        line
        for line in worker.metrics().splitlines()
        if line.startswith("hefesto_stream_evicted_alerts_total")
    ]
    assert evicted
    assert float(evicted[0].split()[-1]) >= 20, evicted
    # The findings are not per alert: they stay.
    assert _keys(worker, "findings_by_file") == 1

    # The changelogs still hold the alerts (no tombstones were written);
    # a restarted worker recovers them and forgets them again at once.
    worker.stop()
    again = env.start_worker(**SHORT_HORIZON)
    env.wait_ready(again, min_alert_partitions=env.partitions)
    wait_for(
        lambda: _keys(again, "assembly") == 0 and _keys(again, "correlations") == 0,
        timeout_s=20,
        what="the restarted worker to forget the recovered alerts",
    )
    assert _keys(again, "findings_by_file") == 1

    for table in ("assembly", "correlations"):
        config = run(_cleanup_policy(env.bootstrap, f"{env.prefix}-{table}-changelog"))
        assert config["cleanup.policy"] == "compact,delete", config
        assert int(config["retention.ms"]) >= 1_000
    findings_config = run(_cleanup_policy(env.bootstrap, f"{env.prefix}-findings_by_file-changelog"))
    assert findings_config["cleanup.policy"] == "compact", findings_config
