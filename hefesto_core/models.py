"""Wire contracts: the messages that cross Kafka topics and the HTTP API.

Every message carries ``schema_version``; a consumer that sees a version it
does not know rejects the message (it goes to the dead-letter topic) rather
than guessing. The JSON Schemas in ``docs/schemas/`` are generated from these
models by ``hefesto schemas`` and a test fails when they drift.

Times on the wire are RFC 3339 strings with an explicit offset; in Python they
are timezone-aware ``datetime`` objects. Durations are integer milliseconds
named ``*_ms``.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any, Final, Literal, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

__all__ = [
    "SCHEMA_VERSION",
    "CodeContext",
    "CostEstimate",
    "EnrichedAlert",
    "Finding",
    "FindingEvent",
    "FindingEventKind",
    "FindingMatch",
    "FindingStatus",
    "IrisAlert",
    "IssueType",
    "MatchReason",
    "NotEnrichedReason",
    "PathMapping",
    "RecentChange",
    "Severity",
    "StackFrame",
    "StatusChange",
    "file_key",
    "severity_rank",
]

SCHEMA_VERSION: Final[Literal[1]] = 1

_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
_ISSUE_TYPE = re.compile(r"^[A-Z][A-Z0-9_]{1,63}$")


class Severity(StrEnum):
    CRITICAL = "CRITICAL"
    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    LOW = "LOW"
    INFO = "INFO"


_SEVERITY_RANK = {
    Severity.INFO: 0,
    Severity.LOW: 1,
    Severity.MEDIUM: 2,
    Severity.HIGH: 3,
    Severity.CRITICAL: 4,
}


def severity_rank(severity: Severity | str) -> int:
    """Order severities: INFO 0 … CRITICAL 4 (``>=`` filters use this)."""
    return _SEVERITY_RANK[Severity(str(severity).upper())]


class FindingStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    IGNORED = "ignored"
    FALSE_POSITIVE = "false_positive"


class IssueType(StrEnum):
    """The analyzer's own catalogue. Imported SARIF findings may use other
    upper-snake names, so ``Finding.issue_type`` is a validated string, not
    this enum."""

    HIGH_COMPLEXITY = "HIGH_COMPLEXITY"
    VERY_HIGH_COMPLEXITY = "VERY_HIGH_COMPLEXITY"
    DEEP_NESTING = "DEEP_NESTING"
    LONG_FUNCTION = "LONG_FUNCTION"
    LONG_PARAMETER_LIST = "LONG_PARAMETER_LIST"
    GOD_CLASS = "GOD_CLASS"
    HARDCODED_SECRET = "HARDCODED_SECRET"  # noqa: S105 - a rule name, not a secret
    SQL_INJECTION_RISK = "SQL_INJECTION_RISK"
    COMMAND_INJECTION = "COMMAND_INJECTION"
    EVAL_USAGE = "EVAL_USAGE"
    UNSAFE_DESERIALIZATION = "UNSAFE_DESERIALIZATION"
    PATH_TRAVERSAL = "PATH_TRAVERSAL"
    WEAK_CRYPTO = "WEAK_CRYPTO"
    INSECURE_TLS = "INSECURE_TLS"
    POSSIBLE_NONE_DEREFERENCE = "POSSIBLE_NONE_DEREFERENCE"
    BARE_EXCEPT = "BARE_EXCEPT"
    SILENT_EXCEPTION_SWALLOW = "SILENT_EXCEPTION_SWALLOW"
    MUTABLE_DEFAULT_ARGUMENT = "MUTABLE_DEFAULT_ARGUMENT"
    RESOURCE_LEAK = "RESOURCE_LEAK"
    ASSERT_IN_PRODUCTION = "ASSERT_IN_PRODUCTION"
    UNCHECKED_INDEX = "UNCHECKED_INDEX"
    INCOMPLETE_TODO = "INCOMPLETE_TODO"


class NotEnrichedReason(StrEnum):
    NO_CODE_LOCATION = "no_code_location"
    NO_CANDIDATE = "no_candidate"


class _Wire(BaseModel):
    """Base of every wire model: unknown fields are an error, not ignored,
    so a misspelt field name is reported instead of silently dropped."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        validate_assignment=False,
        use_enum_values=False,
    )


def _check_text(value: str | None, *, field: str) -> str | None:
    if value is not None and _CONTROL_CHARS.search(value):
        raise ValueError(f"{field} must not contain control characters")
    return value


def _check_repo_path(value: str) -> str:
    """Repo-relative POSIX path: no leading slash, no drive, no '..'."""
    if not value:
        raise ValueError("file_path must not be empty")
    if "\\" in value:
        raise ValueError("file_path must use '/' separators (repo-relative POSIX path)")
    if value.startswith("/") or re.match(r"^[A-Za-z]:", value):
        raise ValueError("file_path must be relative to the repository root, not absolute")
    parts = value.split("/")
    if any(p == ".." for p in parts):
        raise ValueError("file_path must not contain '..' segments")
    if _CONTROL_CHARS.search(value):
        raise ValueError("file_path must not contain control characters")
    return "/".join(p for p in parts if p not in ("", "."))


def file_key(repo: str, file_path: str) -> str:
    """The Kafka key of ``hefesto.findings``: ``"{repo}:{path}"``."""
    return f"{repo}:{file_path}"


def _upper_severity(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


SeverityField = Annotated[Severity, Field(description="CRITICAL, HIGH, MEDIUM, LOW or INFO")]
Line = Annotated[int, Field(ge=1, description="1-based line number")]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Identifier = Annotated[str, Field(min_length=1, max_length=256)]


# --------------------------------------------------------------------------- alerts


class StackFrame(_Wire):
    """One frame of a stack trace; lists of frames are innermost last."""

    file_path: str = Field(min_length=1, max_length=4096, description="path as seen at run time")
    line_number: Line | None = None
    function_name: str | None = Field(default=None, max_length=1024)
    in_app: bool | None = Field(
        default=None,
        description="true for the application's own code; null lets the correlator decide",
    )

    @field_validator("file_path", "function_name")
    @classmethod
    def _no_control(cls, v: str | None, info: Any) -> str | None:
        return _check_text(v, field=info.field_name)


class IrisAlert(_Wire):
    """A production alert published by Iris on ``iris.alerts`` (key ``alert_id``).

    A superset of the request body in the audit's section 6.2. Either a
    location (``file_path`` + ``line_number``), ``frames`` or a parseable
    ``stack_trace`` should be present; an alert without one is still accepted
    and comes out with ``enriched=false`` and reason ``no_code_location``.
    """

    schema_version: Literal[1] = SCHEMA_VERSION
    alert_id: Identifier
    timestamp: AwareDatetime = Field(description="RFC 3339 with an offset, e.g. 2025-10-30T12:00:00Z")
    severity: SeverityField = Severity.MEDIUM
    service: str | None = Field(default=None, max_length=256)
    environment: str | None = Field(default=None, max_length=128)
    repo: str | None = Field(default=None, max_length=256)
    release: str | None = Field(default=None, max_length=256)
    commit_sha: str | None = Field(default=None, max_length=64)
    error_type: str | None = Field(default=None, max_length=512)
    error_message: str | None = Field(default=None, max_length=16_384)
    file_path: str | None = Field(default=None, max_length=4096)
    line_number: Line | None = None
    function_name: str | None = Field(default=None, max_length=1024)
    stack_trace: str | None = Field(default=None, max_length=1_048_576)
    frames: list[StackFrame] | None = Field(default=None, max_length=1024)
    affected_users: int | None = Field(default=None, ge=0)
    tags: dict[str, str] = Field(default_factory=dict)

    _upper = field_validator("severity", mode="before")(classmethod(lambda cls, v: _upper_severity(v)))

    @field_validator("alert_id", "file_path", "function_name", "service", "repo")
    @classmethod
    def _no_control(cls, v: str | None, info: Any) -> str | None:
        return _check_text(v, field=info.field_name)

    @field_validator("commit_sha")
    @classmethod
    def _hex_sha(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(r"[0-9a-fA-F]{7,64}", v):
            raise ValueError("commit_sha must be 7 to 64 hexadecimal characters")
        return v.lower() if v else v

    @model_validator(mode="after")
    def _line_needs_file(self) -> Self:
        if self.line_number is not None and not self.file_path:
            raise ValueError("line_number was given without file_path")
        return self

    @property
    def has_code_location(self) -> bool:
        """True when the alert names code directly (the correlator may still
        find frames in ``stack_trace`` when this is False)."""
        return bool(self.file_path or self.frames or (self.stack_trace and self.stack_trace.strip()))


# --------------------------------------------------------------------------- findings


class Finding(_Wire):
    """One analyzer finding. ``finding_id`` is a stable fingerprint of repo,
    path, enclosing symbol, rule and normalized code: it survives unrelated
    line shifts."""

    schema_version: Literal[1] = SCHEMA_VERSION
    finding_id: Identifier
    repo: Identifier
    commit_sha: str | None = Field(default=None, max_length=64)
    file_path: str = Field(max_length=4096, description="repo-relative POSIX path")
    line_start: Line
    line_end: Line
    column: int = Field(default=1, ge=1, description="1-based column of the first character")
    function_name: str | None = Field(
        default=None, max_length=1024, description="qualified enclosing symbol, module.Class.method"
    )
    rule_id: Identifier
    issue_type: str = Field(description="upper-snake category, e.g. POSSIBLE_NONE_DEREFERENCE")
    severity: SeverityField
    message: str = Field(min_length=1, max_length=4096)
    suggestion: str | None = Field(default=None, max_length=4096)
    code_snippet: str | None = Field(default=None, max_length=16_384, description="secrets masked")
    confidence: Probability = 1.0
    status: FindingStatus = FindingStatus.OPEN
    first_seen: AwareDatetime | None = None
    last_seen: AwareDatetime | None = None
    detected_by: str = Field(default="hefesto", max_length=128)
    metadata: dict[str, Any] = Field(default_factory=dict, description="rule-specific extras")

    _upper = field_validator("severity", mode="before")(classmethod(lambda cls, v: _upper_severity(v)))

    @field_validator("file_path")
    @classmethod
    def _repo_path(cls, v: str) -> str:
        return _check_repo_path(v)

    @field_validator("issue_type")
    @classmethod
    def _issue_type(cls, v: str) -> str:
        if not _ISSUE_TYPE.fullmatch(v):
            raise ValueError("issue_type must be UPPER_SNAKE_CASE, e.g. SQL_INJECTION_RISK")
        return v

    @model_validator(mode="after")
    def _span(self) -> Self:
        if self.line_end < self.line_start:
            raise ValueError(f"line_end ({self.line_end}) is before line_start ({self.line_start})")
        return self

    @property
    def file_key(self) -> str:
        return file_key(self.repo, self.file_path)


class FindingEventKind(StrEnum):
    UPSERT = "upsert"
    """``findings`` are added or updated; others of the file are kept."""
    REPLACE = "replace"
    """``findings`` is the file's full set at ``commit_sha``: others are gone."""
    STATUS = "status"
    """``status_change`` updates one finding's status."""


class StatusChange(_Wire):
    finding_id: Identifier
    status: FindingStatus
    previous_status: FindingStatus | None = None
    changed_by: str | None = Field(default=None, max_length=256)
    note: str | None = Field(default=None, max_length=4096)
    changed_at: AwareDatetime


class FindingEvent(_Wire):
    """Value of ``hefesto.findings`` (key ``file_key`` = ``"{repo}:{path}"``).

    All findings of one event belong to the event's file, so one event is
    applied atomically by the partition that owns that file.
    """

    schema_version: Literal[1] = SCHEMA_VERSION
    event_id: Identifier
    kind: FindingEventKind
    repo: Identifier
    file_path: str = Field(max_length=4096)
    commit_sha: str | None = Field(default=None, max_length=64)
    findings: list[Finding] = Field(default_factory=list)
    status_change: StatusChange | None = None
    emitted_at: AwareDatetime

    @field_validator("file_path")
    @classmethod
    def _repo_path(cls, v: str) -> str:
        return _check_repo_path(v)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        for f in self.findings:
            if f.repo != self.repo or f.file_path != self.file_path:
                raise ValueError(
                    f"finding {f.finding_id} belongs to {f.repo}:{f.file_path}, "
                    f"not to this event's file {self.repo}:{self.file_path}"
                )
        if self.kind is FindingEventKind.STATUS:
            if self.status_change is None:
                raise ValueError("a 'status' event needs status_change")
            if self.findings:
                raise ValueError("a 'status' event carries no findings")
        elif self.status_change is not None:
            raise ValueError(f"status_change is only allowed on 'status' events, not '{self.kind}'")
        if self.kind is FindingEventKind.UPSERT and not self.findings:
            raise ValueError("an 'upsert' event needs at least one finding")
        return self

    @property
    def file_key(self) -> str:
        return file_key(self.repo, self.file_path)


# --------------------------------------------------------------------------- enriched alerts


class RecentChange(_Wire):
    sha: str = Field(max_length=64)
    author: str | None = Field(default=None, max_length=256)
    date: AwareDatetime | None = None
    summary: str | None = Field(default=None, max_length=1024)


class CodeContext(_Wire):
    file_path: str
    function_name: str | None = None
    line_number: Line | None = None
    code_snippet: str | None = None
    complexity: int | None = Field(default=None, ge=0)
    recent_changes: list[RecentChange] = Field(default_factory=list)


class MatchReason(_Wire):
    """One feature's contribution to a match, in words a person reads."""

    # Frozen: the correlator hands one instance (the prior) to every match.
    model_config = ConfigDict(frozen=True)

    feature: str = Field(description="feature name, e.g. line_in_span")
    contribution: float = Field(description="log-odds added by this feature")
    detail: str = Field(description="e.g. 'line 145 is inside the finding (lines 140-150)'")


class FindingMatch(_Wire):
    finding_id: Identifier
    file_path: str
    line_number: Line
    function_name: str | None = None
    rule_id: str
    issue_type: str
    severity: SeverityField
    message: str
    suggestion: str | None = None
    status: FindingStatus = FindingStatus.OPEN
    match_confidence: Probability
    match_reasons: list[MatchReason] = Field(default_factory=list)


class PathMapping(_Wire):
    """How a runtime path was mapped to a repo-relative one."""

    runtime_path: str
    repo_path: str | None
    method: str = Field(description="source_root, suffix_match, module_name, as_given or unmapped")


class CostEstimate(_Wire):
    """Only from explicit inputs (``affected_users`` and a configured cost per
    user); never invented."""

    affected_users: int = Field(ge=0)
    cost_per_user: float | None = Field(default=None, ge=0)
    estimated_cost: float | None = Field(default=None, ge=0)
    currency: str | None = Field(default=None, max_length=8)


class EnrichedAlert(_Wire):
    """Value of ``hefesto.alerts.enriched`` (key ``alert_id``, header
    ``correlation-version``). A later ``correlation_version`` of the same
    ``alert_id`` supersedes an earlier one."""

    schema_version: Literal[1] = SCHEMA_VERSION
    alert_id: Identifier
    enriched: bool
    correlation_confidence: Probability = 0.0
    correlation_version: int = Field(default=1, ge=1)
    code_context: CodeContext | None = None
    hefesto_findings: list[FindingMatch] = Field(default_factory=list)
    suggested_root_cause: str | None = None
    recommended_actions: list[str] = Field(default_factory=list)
    cost_estimate: CostEstimate | None = None
    reason: NotEnrichedReason | None = None
    error_type: str | None = None
    error_message: str | None = None
    path_mappings: list[PathMapping] = Field(default_factory=list)
    processed_at: AwareDatetime
    latency_ms: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _reason_iff_not_enriched(self) -> Self:
        if not self.enriched and self.reason is None:
            raise ValueError("an alert with enriched=false needs a reason")
        if self.enriched and self.reason is not None:
            raise ValueError("reason is only set when enriched=false")
        return self
