"""Findings out of an already-parsed JSON document (no I/O here).

Accepted shapes: an ``AnalysisResult`` (``files[].findings[]``, as
``hefesto analyze --format json`` writes), a plain list of findings, a
``{"findings": [...]}`` object, or SARIF 2.1.0 (a ``runs`` key; converted by
``hefesto_core.sarif.findings_from_sarif``, imported only when needed).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from correlator.errors import FindingsFormatError
from hefesto_core.models import Finding

__all__ = ["findings_from_document"]


def _validate(items: Any, where: str) -> list[Finding]:
    if not isinstance(items, list):
        raise FindingsFormatError(f"{where} must be a list of findings")
    out: list[Finding] = []
    for i, item in enumerate(items):
        try:
            out.append(Finding.model_validate(item))
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = ".".join(str(p) for p in first["loc"])
            raise FindingsFormatError(f"{where}[{i}]: {loc}: {first['msg']}") from exc
    return out


def findings_from_document(
    doc: Any, *, repo: str | None = None, source_root: str | None = None
) -> list[Finding]:
    """The findings of ``doc``; ``repo`` and ``source_root`` are used for SARIF
    (which names neither). Raises :class:`FindingsFormatError`."""
    if isinstance(doc, list):
        return _validate(doc, "findings")
    if not isinstance(doc, dict):
        raise FindingsFormatError("a findings document must be a JSON object or list")
    if "runs" in doc:
        try:
            sarif = importlib.import_module("hefesto_core.sarif")
        except ImportError as exc:
            raise FindingsFormatError("SARIF input needs hefesto_core.sarif, which is not installed") from exc
        try:
            root = Path(source_root) if source_root else None
            found = sarif.findings_from_sarif(doc, repo=repo or "unknown", source_root=root)
        except (ValueError, TypeError, KeyError) as exc:
            raise FindingsFormatError(f"invalid SARIF: {exc}") from exc
        return list(found)
    if "files" in doc:
        files = doc["files"]
        if not isinstance(files, list):
            raise FindingsFormatError("'files' must be a list")
        out: list[Finding] = []
        for i, entry in enumerate(files):
            if not isinstance(entry, dict):
                raise FindingsFormatError(f"files[{i}] must be an object")
            out.extend(_validate(entry.get("findings", []), f"files[{i}].findings"))
        return out
    if "findings" in doc:
        return _validate(doc["findings"], "findings")
    raise FindingsFormatError("not an AnalysisResult ('files'), a findings list or SARIF ('runs')")
