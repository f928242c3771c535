"""The fast path from engine payloads to findings must give exactly what
pydantic validation gives, and step aside whenever it might not."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import orjson
import pytest
from pydantic import TypeAdapter

from hefesto_core.analyzer import AnalyzerConfig
from hefesto_core.analyzer.engine import analyze_file_payload
from hefesto_core.analyzer.scopes import build_scopes, release
from hefesto_core.analyzer.trusted import load_findings
from hefesto_core.models import Finding

_FINDINGS = TypeAdapter(list[Finding])
_CODE = (
    "import subprocess\n\n\n"
    "def f(d, cmd, items=[]):\n"
    "    x = d.get('k')\n"
    "    subprocess.call(cmd, shell=True)\n"
    "    eval(cmd)  # hefesto: ignore[EVAL_USAGE] trusted\n"
    "    return x.strip()\n"
)


def _payload_findings(tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "pkg" / "mod.py"
    path.parent.mkdir()
    path.write_text(_CODE)
    payload, _ = analyze_file_payload(path, file_path="pkg/mod.py", repo="r", config=AnalyzerConfig())
    findings: list[dict[str, Any]] = orjson.loads(payload)["findings"]
    assert len(findings) >= 3
    return findings


def _same(a: Finding, b: Finding) -> None:
    assert a == b
    assert a.model_fields_set == b.model_fields_set
    assert [(k, type(v)) for k, v in a.__dict__.items()] == [(k, type(v)) for k, v in b.__dict__.items()]
    assert a.model_dump_json() == b.model_dump_json()


def test_engine_payloads_load_like_validation(tmp_path):
    items = _payload_findings(tmp_path)
    expected = _FINDINGS.validate_python(orjson.loads(orjson.dumps(items)))
    got = load_findings(items, file_path="pkg/mod.py", repo="r")
    assert got is not None
    assert len(got) == len(expected)
    for a, b in zip(expected, got, strict=True):
        _same(a, b)
    # Snippets are stripped the way pydantic strips them.
    assert all(f.code_snippet == (f.code_snippet or "").strip() for f in got)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("message", " padded \x1c"),  # U+001C: str.strip() drops it, pydantic keeps it
        ("code_snippet", "\u3000  x = 1\n"),
        ("metadata", {"k": " v "}),
    ],
)
def test_whitespace_is_handled_like_pydantic(tmp_path, field, value):
    items = _payload_findings(tmp_path)[:1]
    items[0][field] = value
    expected = _FINDINGS.validate_python(orjson.loads(orjson.dumps(items)))
    got = load_findings(items, file_path="pkg/mod.py", repo="r")
    assert got is not None
    _same(expected[0], got[0])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("confidence", 1),
        ("severity", "high"),
        ("severity", "NOPE"),
        ("message", "   "),
        ("line_end", 0),
        ("issue_type", "not-upper"),
        ("first_seen", "2025-01-01T00:00:00Z"),
        ("metadata", {" k": 1}),
        ("rule_id", "x" * 300),
    ],
)
def test_anything_unusual_goes_to_the_validator(tmp_path, field, value):
    items = _payload_findings(tmp_path)[:1]
    items[0][field] = value
    assert load_findings(items, file_path="pkg/mod.py", repo="r") is None


@pytest.mark.parametrize(("file_path", "repo"), [("/abs.py", "r"), ("a/../b.py", "r"), ("a.py", " r")])
def test_unusual_paths_and_repos_go_to_the_validator(tmp_path, file_path, repo):
    items = _payload_findings(tmp_path)[:1]
    items[0]["file_path"], items[0]["repo"] = file_path, repo
    assert load_findings(items, file_path=file_path, repo=repo) is None


def test_release_breaks_scope_cycles():
    root = build_scopes(
        ast.parse("class C:\n    def m(self):\n        def inner():\n            pass\n"), "m"
    )
    scopes = root.walk()
    assert len(scopes) == 4
    release(root)
    assert all(s.parent is None and s.children == [] for s in scopes)
