"""JSON Schemas of the wire contracts, generated from the pydantic models."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from hefesto_core.models import EnrichedAlert, Finding, FindingEvent, IrisAlert

__all__ = ["WIRE_MODELS", "render_schemas", "write_schemas"]

WIRE_MODELS: dict[str, type[BaseModel]] = {
    "iris_alert": IrisAlert,
    "finding": Finding,
    "finding_event": FindingEvent,
    "enriched_alert": EnrichedAlert,
}


def render_schemas() -> dict[str, str]:
    """File name → JSON text (stable key order, trailing newline)."""
    out = {}
    for name, model in WIRE_MODELS.items():
        schema = model.model_json_schema(mode="validation")
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"https://hefesto.dev/schemas/{name}.v1.json"
        out[f"{name}.schema.json"] = json.dumps(schema, indent=2, sort_keys=True) + "\n"
    return out


def write_schemas(out_dir: Path, *, check: bool = False) -> list[str]:
    """Write the schemas; return the names whose content changed. With
    ``check`` nothing is written."""
    changed = []
    for name, text in render_schemas().items():
        path = out_dir / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            changed.append(name)
            if not check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
    return changed
