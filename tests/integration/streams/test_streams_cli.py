"""The documented operator path: ``hefesto worker``, ``hefesto replay`` of
findings and alerts from JSONL files, and ``hefesto tail`` reading the
enriched alerts back, deduplicated."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from tests.integration.streams.harness import REPO, StreamEnv, alert, finding, finding_event, free_port

pytestmark = pytest.mark.kafka


def _hefesto(env: StreamEnv, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hefesto_core.cli.main", *args],
        env=env.env(free_port()),
        cwd=str(REPO),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_worker_replay_and_tail_from_the_cli(stream_env: StreamEnv, tmp_path: Path) -> None:
    env = stream_env
    worker = env.start_worker(via_cli=True)
    env.wait_ready(worker, min_alert_partitions=env.partitions)

    findings_file = tmp_path / "findings.jsonl"
    findings_file.write_bytes(
        b"\n".join(
            orjson.dumps(
                finding_event(f"e{i}", [finding(f"f{i}", path=f"src/c{i}.py", line=30)], path=f"src/c{i}.py")
            )
            for i in range(20)
        )
    )
    alerts_file = tmp_path / "alerts.jsonl"
    alerts_file.write_bytes(
        b"\n".join(orjson.dumps(alert(f"cli-{i}", path=f"src/c{i % 20}.py", line=31)) for i in range(100))
    )

    out = _hefesto(env, "replay", str(findings_file), "--topic", env.topics["findings"])
    assert out.returncode == 0, out.stderr
    assert f"sent 20 messages to {env.topics['findings']}" in out.stdout
    # Not a terminal: progress as lines, without carriage returns.
    assert "sent 20" in out.stderr.splitlines()
    assert "\r" not in out.stderr
    out = _hefesto(env, "replay", str(alerts_file), "--topic", env.topics["alerts"], "--rate", "200")
    assert out.returncode == 0, out.stderr
    assert "sent 100 messages" in out.stdout

    out = _hefesto(
        env, "tail", env.topics["enriched"], "--from-beginning", "--json", "--limit", "100", "--idle", "20"
    )
    assert out.returncode == 0, out.stderr
    lines = [orjson.loads(line) for line in out.stdout.splitlines()]
    assert sorted(v["alert_id"] for v in lines) == sorted(f"cli-{i}" for i in range(100))
    for v in lines:
        assert v["enriched"] is True
        assert v["hefesto_findings"][0]["finding_id"] == f"f{int(v['alert_id'].split('-')[1]) % 20}"

    pretty = _hefesto(env, "tail", env.topics["enriched"], "--from-beginning", "--limit", "1", "--idle", "20")
    assert pretty.returncode == 0, pretty.stderr
    assert pretty.stdout.startswith("cli-")
    assert "  v1  " in pretty.stdout
