"""Baselines: ``--write-baseline FILE`` records the current finding ids;
``--baseline FILE`` then reports only findings not in it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson

from hefesto_core.analyzer.result import AnalysisResult
from hefesto_core.errors import ConfigError

__all__ = ["apply_baseline", "read_baseline", "write_baseline"]


def write_baseline(result: AnalysisResult, path: Path) -> int:
    ids = sorted({f.finding_id for f in result.findings()})
    doc = {"version": 1, "created_at": datetime.now(UTC).isoformat(), "repo": result.repo, "finding_ids": ids}
    path.write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2))
    return len(ids)


def read_baseline(path: Path) -> set[str]:
    try:
        doc = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise ConfigError(f"cannot read baseline {path}: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("finding_ids"), list):
        raise ConfigError(f"{path} is not a hefesto baseline (no finding_ids)")
    return {str(i) for i in doc["finding_ids"]}


def apply_baseline(result: AnalysisResult, known: set[str]) -> AnalysisResult:
    """A copy of ``result`` without the findings whose id is in ``known``."""
    files = [
        fr.model_copy(update={"findings": [f for f in fr.findings if f.finding_id not in known]})
        for fr in result.files
    ]
    return result.model_copy(update={"files": files, "summary": AnalysisResult.summarize(files)})
