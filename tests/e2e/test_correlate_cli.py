"""`hefesto correlate` end to end: the real console entry point in a
subprocess, on files, with the exit codes of its contract."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "bench" / "data" / "correlation"

TRACE = (
    "Traceback (most recent call last):\n"
    '  File "/srv/app/shop/api.py", line 20, in handle\n'
    "    return processor.charge(order)\n"
    '  File "/srv/app/shop/processor.py", line 42, in charge\n'
    "    return customer.card.charge(amount)\n"
    "AttributeError: 'NoneType' object has no attribute 'card'\n"
)
FINDING = {
    "finding_id": "f-1",
    "repo": "acme/shop",
    "file_path": "shop/processor.py",
    "line_start": 42,
    "line_end": 42,
    "function_name": "shop.processor.charge",
    "rule_id": "NONE_DEREF",
    "issue_type": "POSSIBLE_NONE_DEREFERENCE",
    "severity": "HIGH",
    "message": "customer may be None",
    "suggestion": "Check customer for None.",
}


def _run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hefesto_core.cli.main", "correlate", *args],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=120,
        cwd=ROOT,
        check=False,
    )


def _alert(alert_id: str, **extra: object) -> str:
    return json.dumps(
        {"alert_id": alert_id, "timestamp": "2026-03-02T10:00:00Z", "stack_trace": TRACE, **extra}
    )


@pytest.fixture
def analysis(tmp_path: Path) -> Path:
    path = tmp_path / "analysis.json"
    path.write_text(
        json.dumps(
            {"schema_version": 1, "files": [{"file_path": "shop/processor.py", "findings": [FINDING]}]}
        )
    )
    return path


def test_one_enriched_alert_per_line_in_order_and_errors_per_line(tmp_path: Path, analysis: Path) -> None:
    alerts = tmp_path / "alerts.jsonl"
    alerts.write_text(
        "\n".join(
            [
                _alert("a-1"),
                "{not json",
                _alert("a-2", stack_trace="OOMKilled"),
                "",
                json.dumps({"alert_id": "a-3"}),
                _alert("a-4", affected_users=3),
            ]
        )
        + "\n"
    )
    result = _run("--findings", str(analysis), str(alerts))
    assert result.returncode == 1, result.stderr
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert [x.get("alert_id", x.get("line")) for x in lines] == ["a-1", 2, "a-2", 5, "a-4"]
    assert lines[0]["enriched"] is True
    assert lines[0]["hefesto_findings"][0]["finding_id"] == "f-1"
    assert lines[1]["error"]["code"] == "VALIDATION_ERROR"
    assert "timestamp" in lines[3]["error"]["message"]
    assert lines[2]["enriched"] is False
    assert lines[2]["reason"] == "no_code_location"
    assert lines[4]["cost_estimate"]["affected_users"] == 3


def test_all_lines_valid_exit_zero_and_stdin(analysis: Path) -> None:
    result = _run("--findings", str(analysis), "--findings", str(analysis), "-", stdin=_alert("a-1") + "\n")
    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.splitlines()
    assert json.loads(line)["correlation_confidence"] >= 0.7


def test_usage_and_io_errors_exit_two(tmp_path: Path, analysis: Path) -> None:
    assert _run("--findings", str(tmp_path / "missing.json"), str(analysis)).returncode == 2
    bad = tmp_path / "bad.json"
    bad.write_text('{"unknown": true}')
    result = _run("--findings", str(bad), str(analysis))
    assert result.returncode == 2
    assert "bad.json" in result.stderr
    assert _run("--findings", str(analysis), str(tmp_path / "no-alerts.jsonl")).returncode == 2
    assert _run(str(analysis)).returncode == 2  # --findings is required


def test_evaluation_set_through_the_cli() -> None:
    """The checked-in evaluation set, correlated by the CLI with the saved
    analyzer findings: no alert without a flagged cause may correlate above
    the threshold too often, and the correlated ones must be right."""
    result = _run(
        "--findings",
        str(DATA / "shopflow_findings.json"),
        "--findings",
        str(DATA / "external_findings.json"),
        str(DATA / "alerts.jsonl"),
    )
    assert result.returncode == 0, result.stderr
    outputs = {x["alert_id"]: x for x in map(json.loads, result.stdout.splitlines())}
    labels = [json.loads(x) for x in (DATA / "labels.jsonl").read_text().splitlines()]
    assert len(outputs) == len(labels) >= 150
    wrong = correct = 0
    no_cause_enriched = no_cause = 0
    for label in labels:
        out = outputs[label["alert_id"]]
        if label["kind"] == "no_code_cause":
            no_cause += 1
            no_cause_enriched += out["enriched"]
            continue
        if out["enriched"]:
            top = out["hefesto_findings"][0]
            cause = label["cause"]
            ok = (
                top["file_path"] == cause["file_path"]
                and top["issue_type"] in {cause["issue_type"], *cause.get("also_accept", [])}
                and abs(top["line_number"] - cause["line"]) <= 2
            )
            correct += ok
            wrong += not ok
    assert no_cause_enriched / no_cause <= 0.05
    assert correct / (correct + wrong) >= 0.9
    assert correct >= 40
