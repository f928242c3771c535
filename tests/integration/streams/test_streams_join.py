"""The join on a real broker: an alert meets its file's findings, alerts
without a match or a location say why, and a late finding corrects an
earlier answer with correlation_version 2."""

from __future__ import annotations

import time

import httpx
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
    latest_by_alert,
    produce,
    run,
)

pytestmark = pytest.mark.kafka


def test_enrichment_no_match_no_location_and_late_correction(stream_env: StreamEnv) -> None:
    env = stream_env
    store_path = env.data_dir / "history.db"
    worker = env.start_worker(HEFESTO_STREAM_SINK_ENABLED="true", HEFESTO_EMBEDDED_PATH=str(store_path))
    env.wait_ready(worker, min_alert_partitions=env.partitions)
    t = env.topics

    run(
        produce(
            env.bootstrap,
            t["findings"],
            findings_messages(
                [
                    finding_event(
                        "e1",
                        [
                            finding("f-pay", path="src/pay.py", line=40),
                            finding(
                                "f-far",
                                path="src/pay.py",
                                line=400,
                                rule_id="HEF-CPX-001",
                                issue_type="HIGH_COMPLEXITY",
                                function_name="other",
                            ),
                        ],
                        path="src/pay.py",
                    ),
                ]
            ),
        )
    )
    # The file must be registered for path resolution before a trace names it by an absolute path.
    deadline = time.monotonic() + 15
    while "shop:pay.py" not in worker.table("paths_by_basename") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert worker.table("paths_by_basename")["shop:pay.py"] == ["src/pay.py"]
    run(
        produce(
            env.bootstrap,
            t["alerts"],
            alert_messages(
                [
                    alert("a-match", path="src/pay.py", line=41),
                    alert(
                        "a-abs",
                        path=None,
                        line=None,
                        frames=[
                            {
                                "file_path": "/home/ci/build/shop/src/main.py",
                                "line_number": 3,
                                "in_app": True,
                            },
                            {
                                "file_path": "/home/ci/build/shop/src/pay.py",
                                "line_number": 41,
                                "in_app": True,
                            },
                        ],
                    ),
                    alert("a-nomatch", path="src/empty.py", line=10),
                    alert("a-noloc", path=None, line=None),
                    alert("a-late", path="src/late.py", line=20),
                ]
            ),
        )
    )

    def first_five(records: list) -> bool:
        return len(latest_by_alert(records)) >= 5

    records = run(collect(env.bootstrap, t["enriched"], first_five, timeout_s=30))
    got = latest_by_alert(records)
    assert set(got) == {"a-match", "a-abs", "a-nomatch", "a-noloc", "a-late"}, env.tail(worker)

    # An absolute runtime path was mapped by its unique suffix through paths_by_basename.
    absolute = got["a-abs"]
    assert absolute["enriched"] is True
    assert absolute["hefesto_findings"][0]["finding_id"] == "f-pay"
    methods = {m["runtime_path"]: (m["repo_path"], m["method"]) for m in absolute["path_mappings"]}
    assert methods["/home/ci/build/shop/src/pay.py"][0] == "src/pay.py"
    assert methods["/home/ci/build/shop/src/main.py"][0] is None

    match = got["a-match"]
    assert match["enriched"] is True
    assert match["correlation_version"] == 1
    assert [m["finding_id"] for m in match["hefesto_findings"]][:1] == ["f-pay"]
    assert "f-far" not in [m["finding_id"] for m in match["hefesto_findings"]]
    assert match["correlation_confidence"] >= 0.7
    assert match["code_context"]["file_path"] == "src/pay.py"
    assert got["a-nomatch"]["enriched"] is False
    assert got["a-nomatch"]["reason"] == "no_candidate"
    assert got["a-noloc"]["enriched"] is False
    assert got["a-noloc"]["reason"] == "no_code_location"
    assert got["a-late"]["reason"] == "no_candidate"
    for r in records:
        assert r.key.decode() == orjson.loads(r.value)["alert_id"]

    # A finding for src/late.py arrives after its alert: version 2 corrects it.
    run(
        produce(
            env.bootstrap,
            t["findings"],
            findings_messages(
                [
                    finding_event("e2", [finding("f-late", path="src/late.py", line=19)], path="src/late.py"),
                ]
            ),
        )
    )

    def late_v2(records: list) -> bool:
        return latest_by_alert(records).get("a-late", {}).get("correlation_version") == 2

    records = run(collect(env.bootstrap, t["enriched"], late_v2, timeout_s=30))
    got = latest_by_alert(records)
    late = got["a-late"]
    assert late["correlation_version"] == 2, env.tail(worker)
    assert late["enriched"] is True
    assert [m["finding_id"] for m in late["hefesto_findings"]] == ["f-late"]
    # Only the alert whose file changed was re-emitted; nothing else got a version 2.
    versions = [
        (orjson.loads(r.value)["alert_id"], int(dict(r.headers)["correlation-version"])) for r in records
    ]
    assert sorted(v for v in versions if v[1] > 1) == [("a-late", 2)]

    # The correlations table holds the latest answer per alert.
    correlations = worker.table("correlations")
    assert correlations["a-late"]["correlation_version"] == 2
    assert correlations["a-match"]["hefesto_findings"][0]["finding_id"] == "f-pay"

    # A finding that does not change the answer for a-match emits nothing new.
    run(
        produce(
            env.bootstrap,
            t["findings"],
            findings_messages(
                [
                    finding_event("e3", [finding("f-pay", path="src/pay.py", line=40)], path="src/pay.py"),
                ]
            ),
        )
    )

    # Windowed aggregates: two alert frames on src/pay.py this minute, three findings reported for it today.
    hot = {
        row["key"]: row["count"]
        for row in httpx.get(worker.url("/aggregates/alert_rate_per_file/")).json()["top"]
    }
    assert hot["shop:src/pay.py"] == 2  # a-match and a-abs
    assert hot["shop:src/late.py"] == 1

    def per_day() -> dict[str, int]:
        top = httpx.get(worker.url("/aggregates/findings_per_day/")).json()["top"]
        return {row["key"]: row["count"] for row in top}

    deadline = time.monotonic() + 10
    while per_day().get("shop:src/pay.py") != 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert per_day()["shop:src/pay.py"] == 3
    assert per_day()["shop:src/late.py"] == 1
    # e3 changed nothing, so no re-score and no further version.
    assert 'hefesto_stream_enriched_alerts_total{kind="correction"} 1.0' in worker.metrics()

    # The history sink wrote alerts and both versions of the corrected one to the store.
    from hefesto_core.history.sqlite import SqliteHistoryStore

    store = SqliteHistoryStore(store_path)
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            latest = store.latest_correlation("a-late")
            if latest is not None and latest.correlation_version == 2:
                break
            time.sleep(0.3)
        assert latest is not None
        assert latest.correlation_version == 2
        assert [v.correlation_version for v in store.correlation_versions("a-late")] == [1, 2]
        stored_alert = store.get_alert("a-match")
        assert stored_alert is not None
        assert stored_alert.file_path == "src/pay.py"
    finally:
        store.close()
    assert "hefesto_stream_sink_written_total" in worker.metrics()


def test_a_file_known_only_after_the_alert_is_resolved_late(stream_env: StreamEnv) -> None:
    # Iris reports a crash in a file no finding names yet, under a container
    # path that is really a sub-folder of a monorepo; its findings arrive
    # later. The frame is resolved then, and version 2 names the finding.
    env = stream_env
    worker = env.start_worker()
    env.wait_ready(worker, min_alert_partitions=env.partitions)
    t = env.topics
    trace = {"file_path": "/srv/app/billing/invoice.py", "line_number": 31, "in_app": True}
    run(
        produce(
            env.bootstrap,
            t["alerts"],
            alert_messages([alert("a-early", path=None, line=None, frames=[trace])]),
        )
    )

    def first(records: list) -> bool:
        return "a-early" in latest_by_alert(records)

    got = latest_by_alert(run(collect(env.bootstrap, t["enriched"], first, timeout_s=30)))
    assert got["a-early"]["correlation_version"] == 1, env.tail(worker)
    assert got["a-early"]["reason"] == "no_candidate"

    path = "services/billing/billing/invoice.py"
    late = finding_event("e-late", [finding("f-inv", path=path, line=30)], path=path)
    run(produce(env.bootstrap, t["findings"], findings_messages([late])))

    def second(records: list) -> bool:
        return latest_by_alert(records).get("a-early", {}).get("correlation_version") == 2

    got = latest_by_alert(run(collect(env.bootstrap, t["enriched"], second, timeout_s=30)))
    v2 = got["a-early"]
    assert v2["correlation_version"] == 2, env.tail(worker)
    assert v2["enriched"] is True
    assert [m["finding_id"] for m in v2["hefesto_findings"]] == ["f-inv"]
    mapping = {m["runtime_path"]: (m["repo_path"], m["method"]) for m in v2["path_mappings"]}
    assert mapping["/srv/app/billing/invoice.py"] == (path, "suffix_match")
    assert "hefesto_stream_late_path_resolutions_total 1.0" in worker.metrics()
    assert worker.table("pending_paths").get("shop:invoice.py") in (None, {})
