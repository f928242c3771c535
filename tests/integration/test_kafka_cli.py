"""`hefesto kafka start` twice, `status`, `stop`: idempotent, and no java
process of ours left."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.kafka


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _hefesto(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hefesto_core.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        check=False,
    )


def _our_java_pids(state_dir: Path) -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if "kafka.Kafka" in cmd and str(state_dir) in cmd:
                pids.append(int(proc.name))
    return pids


def test_start_twice_status_stop(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "HEFESTO_KAFKA_BOOTSTRAP"}
    env["HEFESTO_KAFKA_CONTROLLER_PORT"] = str(_free_port())
    env.pop("HEFESTO_KAFKA_PORT", None)
    # Reuse the suite's jar cache (resolved once per machine) but a state folder of our own.
    state_dir = Path(env.get("HEFESTO_CACHE_DIR", Path.home() / ".cache" / "hefesto")) / f"broker-{port}"
    try:
        first = _hefesto("kafka", "start", "--port", str(port), env=env)
        assert first.returncode == 0, first.stderr
        assert f"running at 127.0.0.1:{port}" in first.stdout
        pid = int(first.stdout.split("pid ")[1].split(",")[0])

        second = _hefesto("kafka", "start", "--port", str(port), env=env)
        assert second.returncode == 0, second.stderr
        assert second.stdout.startswith("already running")
        assert f"pid {pid}," in second.stdout, "the second start reuses the running broker"

        status = _hefesto("kafka", "status", "--port", str(port), env=env)
        assert status.returncode == 0
        assert "running" in status.stdout
        assert _our_java_pids(state_dir) == [pid]
    finally:
        stop = _hefesto("kafka", "stop", "--port", str(port), env=env)
    assert stop.returncode == 0
    assert stop.stdout.strip() == "stopped"
    assert _our_java_pids(state_dir) == []
    after = _hefesto("kafka", "status", "--port", str(port), env=env)
    assert after.returncode == 3
    assert "not running" in after.stdout
    assert _hefesto("kafka", "stop", "--port", str(port), env=env).stdout.strip() == "not running"
    shutil.rmtree(state_dir, ignore_errors=True)
