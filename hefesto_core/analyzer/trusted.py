"""Findings from the engine's own payloads, without a pydantic validation
per finding.

Validating every finding of every file (also every cached one) was most of a
warm run. The payloads come from :func:`~hefesto_core.analyzer.engine.analyze_text`,
so they nearly always satisfy the :class:`~hefesto_core.models.Finding`
contract already: here each constraint is checked directly and the model is
built from the same values the validator would produce (whitespace stripped
as pydantic strips it, enums for severity and status). Anything unexpected
makes :func:`load_findings` return None, and the caller validates the usual
way, so results (including validation failures) stay exactly the same.
"""

from __future__ import annotations

from typing import Any

from hefesto_core.models import Finding, FindingStatus, Severity, _check_repo_path

__all__ = ["load_findings"]

# What pydantic's ``str_strip_whitespace`` strips (Unicode White_Space). It
# is narrower than ``str.strip()``, which also drops U+001C..U+001F.
_TRIM = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
_FIELDS = tuple(Finding.model_fields)
_FIELD_SET = frozenset(_FIELDS)
_CLEAN_KEYS: set[str] = set()
_SEVERITIES = {s.value: s for s in Severity}
_STATUSES = {s.value: s for s in FindingStatus}


def _text_bounds(name: str) -> tuple[str, int, int, bool]:
    """(name, min length, max length, may be None), read from the model so
    that a changed constraint can never be checked here with old numbers."""
    field = Finding.model_fields[name]
    lo = next((m.min_length for m in field.metadata if hasattr(m, "min_length")), 0)
    hi = next((m.max_length for m in field.metadata if hasattr(m, "max_length")), None)
    if hi is None:
        raise RuntimeError(f"Finding.{name} has no max_length: the fast loader needs one")
    return name, lo, hi, not field.is_required() and field.default is None


# The plain string fields.
_TEXT = tuple(
    _text_bounds(name)
    for name in (
        "finding_id",
        "function_name",
        "rule_id",
        "message",
        "suggestion",
        "code_snippet",
        "detected_by",
    )
)
_ISSUE_TYPES: dict[str, bool] = {}
_new = object.__new__
_set = object.__setattr__


def _issue_type_ok(value: str) -> bool:
    ok = _ISSUE_TYPES.get(value)
    if ok is None:
        from hefesto_core.models import _ISSUE_TYPE

        ok = _ISSUE_TYPES[value] = _ISSUE_TYPE.fullmatch(value) is not None
    return ok


def _path_ok(file_path: str) -> bool:
    if file_path.strip(_TRIM) != file_path or len(file_path) > 4096:
        return False
    try:
        return _check_repo_path(file_path) == file_path
    except ValueError:
        return False


def _line(value: Any) -> bool:
    return type(value) is int and value >= 1


def _one(d: dict[str, Any], file_path: str, repo: str) -> Finding | None:
    if tuple(d) != _FIELDS:
        return None
    if (
        d["schema_version"] != 1
        or type(d["schema_version"]) is not int
        or d["repo"] != repo
        or d["file_path"] != file_path
        or d["commit_sha"] is not None
        or d["first_seen"] is not None
        or d["last_seen"] is not None
    ):
        return None
    start, end, column = d["line_start"], d["line_end"], d["column"]
    if not (_line(start) and _line(end) and _line(column)) or end < start:
        return None
    for name, lo, hi, nullable in _TEXT:
        value = d[name]
        if value is None and nullable:
            continue
        if type(value) is not str:
            return None
        value = value.strip(_TRIM)
        if not lo <= len(value) <= hi:
            return None
        d[name] = value
    issue_type = d["issue_type"]
    if type(issue_type) is not str:
        return None
    issue_type = d["issue_type"] = issue_type.strip(_TRIM)
    if not _issue_type_ok(issue_type):
        return None
    severity = _SEVERITIES.get(d["severity"]) if type(d["severity"]) is str else None
    status = _STATUSES.get(d["status"]) if type(d["status"]) is str else None
    confidence = d["confidence"]
    if severity is None or status is None or type(confidence) is not float or not 0.0 <= confidence <= 1.0:
        return None
    metadata = d["metadata"]
    if type(metadata) is not dict:
        return None
    if not metadata.keys() <= _CLEAN_KEYS:  # rules use a handful of key names: check each once
        if any(type(k) is not str or k.strip(_TRIM) != k for k in metadata):
            return None
        _CLEAN_KEYS.update(metadata)
    d["severity"], d["status"], d["metadata"] = severity, status, dict(metadata)
    # What BaseModel.model_construct does, minus its per-field default handling.
    finding = _new(Finding)
    _set(finding, "__dict__", d)
    _set(finding, "__pydantic_fields_set__", set(_FIELD_SET))
    _set(finding, "__pydantic_extra__", None)
    _set(finding, "__pydantic_private__", None)
    return finding


def load_findings(items: Any, *, file_path: str, repo: str) -> list[Finding] | None:
    """``Finding`` models equal to what validating ``items`` would give,
    or None when any item needs the real validator. ``items`` are fresh
    dicts (from ``orjson.loads``) and are reused."""
    if type(items) is not list:
        return None
    if items and not (_path_ok(file_path) and repo.strip(_TRIM) == repo and 1 <= len(repo) <= 256):
        return None
    out = []
    for d in items:
        if type(d) is not dict:
            return None
        finding = _one(d, file_path, repo)
        if finding is None:
            return None
        out.append(finding)
    return out
