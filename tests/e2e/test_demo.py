"""`hefesto demo --no-wait` end to end on a real broker: the sample service is
analyzed and published, a worker enriches the sample alerts (real tracebacks
of that service), and the demo prints them."""

from __future__ import annotations

import os
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


def test_demo_enriches_the_sample_alerts(kafka_bootstrap: str, tmp_path: Path, unique_name) -> None:
    suffix = unique_name("demo")
    env = dict(os.environ)
    env.update(
        {
            "HEFESTO_KAFKA_BOOTSTRAP": kafka_bootstrap,
            "HEFESTO_APP_ID": suffix,
            "HEFESTO_TOPIC_ALERTS": f"{suffix}.alerts",
            "HEFESTO_TOPIC_FINDINGS": f"{suffix}.findings",
            "HEFESTO_TOPIC_ENRICHED": f"{suffix}.enriched",
            "HEFESTO_TOPIC_DEADLETTER": f"{suffix}.deadletter",
            "HEFESTO_API_PORT": str(_free_port()),
            "HEFESTO_DATA_DIR": str(tmp_path / "data"),
            "HEFESTO_CACHE_DIR": str(tmp_path / "cache"),
            "COLUMNS": "200",
        }
    )
    proc = subprocess.run(
        [sys.executable, "-m", "hefesto_core.cli.main", "demo", "--no-wait", "--timeout-s", "120"],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    out = proc.stdout
    assert proc.returncode == 0, f"{out}\n{proc.stderr}"
    # The None dereference alert is explained by the finding on that line.
    demo1 = out.split("demo-1", 1)[1].split("demo-2", 1)[0]
    assert "POSSIBLE_NONE_DEREFERENCE" in demo1
    assert "payments/processor.py" in demo1
    demo3 = out.split("demo-3", 1)[1].split("demo-4", 1)[0]
    assert "UNCHECKED_INDEX" in demo3
    # The upstream timeout has no code location: it is said so, not forced onto a finding.
    demo4 = out.split("demo-4", 1)[1]
    assert "no_code_location" in demo4
