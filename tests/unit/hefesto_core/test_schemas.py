from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from hefesto_core.schemas import render_schemas, write_schemas

SCHEMA_DIR = Path(__file__).resolve().parents[3] / "docs" / "schemas"


def test_checked_in_schemas_match_the_models() -> None:
    stale = write_schemas(SCHEMA_DIR, check=True)
    assert stale == [], f"docs/schemas is out of date for {stale}: run `hefesto schemas`"


def test_check_mode_detects_drift(tmp_path: Path) -> None:
    write_schemas(tmp_path)
    (tmp_path / "finding.schema.json").write_text("{}\n")
    assert write_schemas(tmp_path, check=True) == ["finding.schema.json"]


@pytest.mark.parametrize("name", sorted(render_schemas()))
def test_schemas_are_valid_json_schema(name: str) -> None:
    schema = json.loads(render_schemas()[name])
    jsonschema.Draft202012Validator.check_schema(schema)


def test_schema_validates_the_audit_example() -> None:
    schema = json.loads(render_schemas()["iris_alert.schema.json"])
    validator = jsonschema.Draft202012Validator(schema)
    validator.validate(
        {"alert_id": "alert_12345", "timestamp": "2025-10-30T12:00:00Z", "severity": "CRITICAL"}
    )
    assert list(validator.iter_errors({"timestamp": "2025-10-30T12:00:00Z"})), "alert_id is required"
