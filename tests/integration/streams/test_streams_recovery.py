"""Recovery and scale: tables come back from their changelogs after a
``kill -9``, no alert is lost across the crash, and two workers in one group
split the partitions while every alert is still enriched."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import orjson
import pytest

from tests.integration.streams.harness import (
    StreamEnv,
    alert,
    alert_messages,
    collect,
    finding,
    finding_event,
    findings_messages,
    history_of,
    latest_by_alert,
    produce,
    run,
    wait_for,
)

pytestmark = pytest.mark.kafka

N_FILES, PER_FILE = 200, 10


def _findings_2000() -> list[dict]:
    events = []
    for f in range(N_FILES):
        path = f"src/pkg{f % 7}/file{f}.py"
        for j in range(PER_FILE):
            events.append(
                finding_event(f"e{f}-{j}", [finding(f"f{f}-{j}", path=path, line=10 + 20 * j)], path=path)
            )
    # A status change and a replacement, so recovery covers every event kind.
    events.append(
        {
            "event_id": "status-1",
            "kind": "status",
            "repo": "shop",
            "file_path": "src/pkg0/file0.py",
            "status_change": {
                "finding_id": "f0-0",
                "status": "acknowledged",
                "changed_at": "2026-01-02T00:00:00Z",
            },
            "emitted_at": "2026-01-02T00:00:00Z",
        }
    )
    path = "src/pkg1/file1.py"
    events.append(
        finding_event(
            "replace-1",
            [finding(f"f1-r{j}", path=path, line=10 + 20 * j) for j in range(PER_FILE)],
            path=path,
            kind="replace",
        )
    )
    return events


def _full(items: dict) -> bool:
    return len(items) == N_FILES and all(len(v["findings"]) == PER_FILE for v in items.values())


def _split(env: StreamEnv, one: Any, two: Any) -> bool:
    """Both workers ready, each with some alert partitions, all covered once."""
    h1, h2 = one.health(), two.health()
    if not h1 or not h2 or h1["status"] != "ok" or h2["status"] != "ok":
        return False
    topic = env.topics["alerts"] + ":"
    p1 = {p for p in h1["assigned_partitions"] if p.startswith(topic)}
    p2 = {p for p in h2["assigned_partitions"] if p.startswith(topic)}
    return bool(p1) and bool(p2) and not (p1 & p2) and len(p1 | p2) == env.partitions


def _two_workers(env: StreamEnv, **extra: str) -> tuple[Any, Any]:
    one = env.start_worker(**extra)
    env.wait_ready(one, min_alert_partitions=env.partitions)
    two = env.start_worker(**extra)
    wait_for(lambda: _split(env, one, two), timeout_s=90, what="two workers to split the partitions")
    return one, two


def _feed_and_kill(env: StreamEnv, alerts: list[dict[str, Any]], victim: Any) -> None:
    """Produce ``alerts`` 50 at a time every 0.15 s and ``kill -9`` the
    ``victim`` 0.6 s in, with no restart: the survivor must take over."""

    topic = env.topics["alerts"]

    def feed() -> None:
        for start in range(0, len(alerts), 50):
            asyncio.run(produce(env.bootstrap, topic, alert_messages(alerts[start : start + 50])))
            time.sleep(0.15)

    feeder = threading.Thread(target=feed)
    feeder.start()
    time.sleep(0.6)
    victim.stop(kill=True)
    feeder.join()


def _first_versions(records: list[Any]) -> dict[str, dict[str, Any]]:
    """Each alert's version 1, as read back."""
    first: dict[str, dict[str, Any]] = {}
    for r in records:
        value = orjson.loads(r.value)
        if value["correlation_version"] == 1:
            first.setdefault(value["alert_id"], value)
    return first


def _counted(worker: Any, prefix: str) -> float:
    """The value of the worker's first metric line starting with ``prefix``."""
    lines = [line for line in worker.metrics().splitlines() if line.startswith(prefix)]
    assert lines, worker.metrics()
    return float(lines[0].rsplit(" ", 1)[1])


def _one_finding_per_file(env: StreamEnv, files: int, *, prefix: str) -> None:
    events = [
        finding_event(
            f"e{f}", [finding(f"f{f}", path=f"src/{prefix}{f}.py", line=50)], path=f"src/{prefix}{f}.py"
        )
        for f in range(files)
    ]
    run(produce(env.bootstrap, env.topics["findings"], findings_messages(events)))
    time.sleep(1.0)


def _settled(expected: dict[str, str]) -> Any:
    """``collect``'s stop condition: every alert's latest version names its
    expected top finding (a wrong or missing answer is reported after the
    timeout, with its history)."""

    def done(records: list[Any]) -> bool:
        latest = latest_by_alert(records)
        for alert_id, finding_id in expected.items():
            found = (latest.get(alert_id) or {}).get("hefesto_findings")
            if not found or found[0]["finding_id"] != finding_id:
                return False
        return True

    return done


def test_tables_recover_after_kill_9_and_no_alert_is_lost(stream_env: StreamEnv) -> None:
    env = stream_env
    t = env.topics
    first = env.start_worker()
    env.wait_ready(first, min_alert_partitions=env.partitions)
    run(produce(env.bootstrap, t["findings"], findings_messages(_findings_2000())))
    wait_for(lambda: _full(first.table("findings_by_file")), timeout_s=60, what="2,000 findings in the table")
    before = first.table("findings_by_file")
    assert before["shop:src/pkg0/file0.py"]["findings"]["f0-0"]["status"] == "acknowledged"
    assert set(before["shop:src/pkg1/file1.py"]["findings"]) == {f"f1-r{j}" for j in range(PER_FILE)}

    # Alerts keep arriving while the worker is killed and restarted.
    n_alerts = 600
    alerts = [
        alert(
            f"k-{i}",
            path=f"src/pkg{(i % N_FILES) % 7}/file{i % N_FILES}.py",
            line=10 + 20 * (i % PER_FILE) + 1,
        )
        for i in range(n_alerts)
        if i % N_FILES != 1
    ]  # file1's findings were replaced

    def feed() -> None:
        for start in range(0, len(alerts), 50):
            asyncio.run(produce(env.bootstrap, t["alerts"], alert_messages(alerts[start : start + 50])))
            time.sleep(0.1)

    feeder = threading.Thread(target=feed)
    feeder.start()
    time.sleep(0.5)
    first.stop(kill=True)
    second = env.start_worker()
    env.wait_ready(second, min_alert_partitions=env.partitions, timeout_s=90)
    feeder.join()

    after = second.table("findings_by_file")
    assert after == before

    numbers = {a["alert_id"]: int(a["alert_id"].split("-")[1]) for a in alerts}
    expected = {alert_id: f"f{i % N_FILES}-{i % PER_FILE}" for alert_id, i in numbers.items()}
    # Until every alert's latest version is the expected answer: an alert
    # whose probe waited out the failover is first answered at
    # assemble_timeout_ms without that frame, then corrected (version + 1).
    records = run(collect(env.bootstrap, t["enriched"], _settled(expected), timeout_s=120))
    latest = latest_by_alert(records)
    missing = {a["alert_id"] for a in alerts} - set(latest)
    assert not missing, (
        f"{len(missing)} alerts not enriched, e.g. {sorted(missing)[:8]}\n{env.diagnose(second)}"
    )
    for a in alerts:
        i = int(a["alert_id"].split("-")[1])
        got = latest[a["alert_id"]]
        assert got["hefesto_findings"], (
            f"{a['alert_id']} enriched without findings: {history_of(records, a['alert_id'])}"
        )
        top = got["hefesto_findings"][0]["finding_id"]
        assert top == f"f{i % N_FILES}-{i % PER_FILE}"


def test_two_workers_split_partitions_and_enrich_every_alert(stream_env: StreamEnv) -> None:
    env = stream_env
    t = env.topics
    one, two = _two_workers(env)
    files = 40
    _one_finding_per_file(env, files, prefix="m")
    alerts = [alert(f"two-{i}", path=f"src/m{i % files}.py", line=51) for i in range(400)]
    run(produce(env.bootstrap, t["alerts"], alert_messages(alerts)))
    records = run(
        collect(env.bootstrap, t["enriched"], lambda r: len(latest_by_alert(r)) >= len(alerts), timeout_s=120)
    )
    latest = latest_by_alert(records)
    assert set(latest) == {a["alert_id"] for a in alerts}
    for key, value in latest.items():
        assert value["enriched"], value
        assert value["hefesto_findings"][0]["finding_id"] == f"f{int(key.split('-')[1]) % files}"
    # Both workers did part of the work.
    for w in (one, two):
        counted = [
            line
            for line in w.metrics().splitlines()
            if line.startswith("hefesto_stream_messages_in_total") and t["alerts"] in line
        ]
        assert counted
        assert float(counted[0].split()[-1]) > 0, counted
    assert {orjson.loads(r.value)["alert_id"] for r in records} == set(latest)


def test_kill_9_of_one_of_two_workers_mid_stream_loses_no_alert(stream_env: StreamEnv) -> None:
    env = stream_env
    t = env.topics
    one, two = _two_workers(env)
    files = 30
    _one_finding_per_file(env, files, prefix="k")
    alerts = [alert(f"kk-{i}", path=f"src/k{i % files}.py", line=51) for i in range(600)]
    _feed_and_kill(env, alerts, two)
    expected = {a["alert_id"]: f"f{int(a['alert_id'].split('-')[1]) % files}" for a in alerts}
    records = run(collect(env.bootstrap, t["enriched"], _settled(expected), timeout_s=120))
    latest = latest_by_alert(records)
    missing = {a["alert_id"] for a in alerts} - set(latest)
    assert not missing, f"{len(missing)} alerts not enriched, e.g. {sorted(missing)[:8]}\n{env.diagnose(one)}"
    for key, value in latest.items():
        assert value["hefesto_findings"], f"{key} enriched without findings: {history_of(records, key)}"
        assert value["hefesto_findings"][0]["finding_id"] == f"f{int(key.split('-')[1]) % files}"


def test_after_kill_9_of_one_of_two_workers_every_first_answer_waits_for_its_frames(
    stream_env: StreamEnv,
) -> None:
    # Alerts whose frame lives on the killed worker's partitions send their
    # probe there; nobody reads it until the group notices (the session
    # timeout) and the survivor takes the partitions over. With a deadline
    # far shorter than that, the survivor answered them without the frame
    # (no_candidate) and corrected them later. Held until the group commits
    # past the probe (streams/remotehops.py), every first answer must name
    # the finding.
    env = stream_env
    t = env.topics
    one, two = _two_workers(env, HEFESTO_ASSEMBLE_TIMEOUT_MS="300")
    files = 30
    _one_finding_per_file(env, files, prefix="r")
    alerts = [alert(f"rr-{i}", path=f"src/r{i % files}.py", line=51) for i in range(600)]
    _feed_and_kill(env, alerts, two)
    expected = {a["alert_id"]: f"f{int(a['alert_id'].split('-')[1]) % files}" for a in alerts}
    records = run(collect(env.bootstrap, t["enriched"], _settled(expected), timeout_s=120))
    first = _first_versions(records)
    assert set(first) == set(expected), env.tail(one)
    wrong = [
        i for i, v in first.items() if [m["finding_id"] for m in v["hefesto_findings"]][:1] != [expected[i]]
    ]
    assert not wrong, (len(wrong), history_of(records, wrong[0]), env.tail(one))
    # The hold was exercised: deadlines came due while probes sat on the
    # dead worker's partitions.
    assert _counted(one, "hefesto_stream_assembly_timeouts_held_remote_total") > 0


def test_a_backlog_on_the_resolve_hop_is_waited_for_not_timed_out(stream_env: StreamEnv) -> None:
    # After a restart the fan-out reads the alerts that waited much faster
    # than their unmapped frames come back through the paths and probes
    # hops. With a deadline shorter than that backlog, every alert's first
    # version must still name its finding (streams/backlog.py): a timeout
    # at the deadline answered them without the frame (no_candidate), to be
    # corrected by a version 2.
    env = stream_env
    t = env.topics
    timeouts = {"HEFESTO_ASSEMBLE_TIMEOUT_MS": "200"}
    worker = env.start_worker(**timeouts)
    env.wait_ready(worker, min_alert_partitions=env.partitions)
    path = "services/shop/src/pay.py"
    run(
        produce(
            env.bootstrap,
            t["findings"],
            findings_messages([finding_event("e1", [finding("f-pay", path=path, line=40)], path=path)]),
        )
    )
    wait_for(
        lambda: worker.table("paths_by_basename").get("shop:pay.py") == [path],
        timeout_s=20,
        what="pay.py registered for path resolution",
    )
    worker.stop()
    n = 1_500
    frame = {"file_path": "/srv/app/src/pay.py", "line_number": 41, "in_app": True}
    ids = [f"b-{i}" for i in range(n)]
    run(
        produce(
            env.bootstrap,
            t["alerts"],
            alert_messages([alert(i, path=None, line=None, frames=[frame]) for i in ids]),
        )
    )
    restarted = env.start_worker(**timeouts)

    def all_answered(records: list[Any]) -> bool:
        return len({orjson.loads(r.value)["alert_id"] for r in records}) >= n

    records = run(collect(env.bootstrap, t["enriched"], all_answered, timeout_s=120))
    first = _first_versions(records)
    assert set(first) == set(ids), env.tail(restarted)
    wrong = [i for i, v in first.items() if [m["finding_id"] for m in v["hefesto_findings"]] != ["f-pay"]]
    assert not wrong, (len(wrong), history_of(records, wrong[0]), env.tail(restarted))
    # The hold was exercised: deadlines came due while the hops were behind.
    assert _counted(restarted, 'hefesto_stream_assembly_timeouts_total{released="after_backlog"}') > 0
