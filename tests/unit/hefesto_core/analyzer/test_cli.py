"""`hefesto analyze`, `import-sarif` and `context` through the real CLI app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hefesto_core.analyzer import AnalysisResult
from hefesto_core.cli.main import app

_CODE = "import pickle\n\ndef f(b):\n    return pickle.loads(b)\n\n# TODO: more\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HEFESTO_CACHE_DIR", str(tmp_path / "cache"))
    src = tmp_path / "proj"
    (src / "pkg").mkdir(parents=True)
    (src / "pkg" / "a.py").write_text(_CODE)
    (src / "pkg" / "gen_x.py").write_text("def g(s):\n    return eval(s)\n")
    return src


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout


def test_json_output_and_exit_codes(project):
    code, out = _run("analyze", str(project), "--format", "json", "--repo", "acme", "--commit", "abc1234")
    assert code == 0
    result = AnalysisResult.model_validate_json(out)
    assert result.repo == "acme"
    assert result.commit_sha == "abc1234"
    assert {f.rule_id for f in result.findings()} == {
        "UNSAFE_DESERIALIZATION",
        "EVAL_USAGE",
        "INCOMPLETE_TODO",
    }
    assert result.summary.by_severity.HIGH == 2
    assert result.summary.by_severity.LOW == 1
    assert _run("analyze", str(project), "--format", "json", "--fail-on", "HIGH")[0] == 1
    assert _run("analyze", str(project), "--format", "json", "--fail-on", "CRITICAL")[0] == 0
    assert _run("analyze", str(project / "missing"))[0] == 2


def test_severity_filter_and_exclude_glob(project):
    _code, out = _run("analyze", str(project), "-f", "json", "--severity", "HIGH", "--exclude", "**/gen_*.py")
    result = AnalysisResult.model_validate_json(out)
    assert [f.rule_id for f in result.findings()] == ["UNSAFE_DESERIALIZATION"]
    assert [fr.file_path for fr in result.files] == ["pkg/a.py"]


def test_text_and_sarif_formats(project, tmp_path):
    code, out = _run("analyze", str(project), "--format", "text")
    assert code == 0
    assert "pkg/a.py" in out
    assert "UNSAFE_DESERIALIZATION" in out
    assert "\x1b[" not in out
    sarif = tmp_path / "out.sarif"
    assert _run("analyze", str(project), "--format", "sarif", "-o", str(sarif))[0] == 0
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    code, out = _run("import-sarif", str(sarif), "--repo", "acme", "--source-root", str(project))
    assert code == 0
    imported = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert {f["rule_id"] for f in imported} == {"UNSAFE_DESERIALIZATION", "EVAL_USAGE", "INCOMPLETE_TODO"}


def test_baseline_flow(project, tmp_path):
    bl = tmp_path / "baseline.json"
    assert _run("analyze", str(project), "-f", "json", "--write-baseline", str(bl))[0] == 0
    (project / "pkg" / "b.py").write_text("import os\ndef h(x):\n    os.system('ls ' + x)\n")
    code, out = _run("analyze", str(project), "-f", "json", "--baseline", str(bl), "--fail-on", "HIGH")
    assert code == 1
    assert [f.rule_id for f in AnalysisResult.model_validate_json(out).findings()] == ["COMMAND_INJECTION"]


def test_parse_failure_is_reported_not_skipped(project):
    (project / "pkg" / "bad.py").write_text("def f(:\n    pass\n")
    code, out = _run("analyze", str(project), "-f", "json")
    result = AnalysisResult.model_validate_json(out)
    assert [p.file_path for p in result.parse_failures] == ["pkg/bad.py"]
    assert code == 0


def test_context_command(project):
    code, out = _run("context", "pkg/a.py:4", "--source-root", str(project), "--no-git")
    assert code == 0
    doc = json.loads(out)
    assert doc["context"]["function_name"] == "pkg.a.f"
    assert doc["span"] == [3, 4]
    assert _run("context", "../x.py:1", "--source-root", str(project))[0] == 2
    assert _run("context", "pkg/a.py", "--source-root", str(project))[0] == 2


def test_publish_sends_the_unfiltered_set(project, monkeypatch):
    sent: list[tuple[str, list]] = []

    def fake_publish(files, settings, repo, commit_sha):
        sent.extend(files)

    monkeypatch.setattr("hefesto_core.cli.analyze_cmd._publish", fake_publish)
    code, _ = _run("analyze", str(project), "-f", "json", "--severity", "CRITICAL", "--publish")
    assert code == 0
    assert {path: len(fs) for path, fs in sent} == {"pkg/a.py": 2, "pkg/gen_x.py": 1}


def test_text_output_shows_code_in_brackets_verbatim(project):
    # Messages quote code; "[e for e in xs]" must not be eaten as terminal markup.
    (project / "pkg" / "idx.py").write_text(
        "def first(log: str) -> str:\n    entries = [e for e in log.split(',') if e]\n    return entries[0]\n"
    )
    code, out = _run("analyze", str(project / "pkg" / "idx.py"), "--format", "text", "--no-cache")
    assert code == 0
    assert "UNCHECKED_INDEX" in out
    assert "[e for e in log.split(',') if e]" in out
