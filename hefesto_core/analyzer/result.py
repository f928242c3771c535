"""The output of one analysis run: :class:`AnalysisResult`.

This is the JSON written by ``hefesto analyze --format json`` and returned by
:func:`hefesto_core.analyzer.analyze_paths`; other components (the API, the
evaluation code) read it, so field names are a contract.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from hefesto_core.models import Finding, Severity, severity_rank

__all__ = ["AnalysisResult", "FileResult", "ParseFailure", "SeverityCounts", "Summary"]

RESULT_SCHEMA_VERSION: Literal[1] = 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SeverityCounts(_Model):
    CRITICAL: int = 0
    HIGH: int = 0
    MEDIUM: int = 0
    LOW: int = 0
    INFO: int = 0


class Summary(_Model):
    total: int = 0
    by_severity: SeverityCounts = Field(default_factory=SeverityCounts)


class FileResult(_Model):
    file_path: str
    lines: int = Field(ge=0)
    duration_ms: int = Field(ge=0)
    cached: bool = False
    findings: list[Finding] = Field(default_factory=list)


class ParseFailure(_Model):
    """A file that could not be analyzed: reported, never skipped silently."""

    file_path: str
    error: str
    line: int | None = None


class AnalysisResult(_Model):
    schema_version: Literal[1] = RESULT_SCHEMA_VERSION
    analysis_id: str
    repo: str
    commit_sha: str | None = None
    root: str
    started_at: AwareDatetime
    duration_ms: int = Field(ge=0)
    summary: Summary = Field(default_factory=Summary)
    files: list[FileResult] = Field(default_factory=list)
    parse_failures: list[ParseFailure] = Field(default_factory=list)

    def findings(self) -> list[Finding]:
        """Every finding of every file, in file order."""
        return [f for fr in self.files for f in fr.findings]

    def max_severity(self) -> Severity | None:
        ranked = [f.severity for f in self.findings()]
        return max(ranked, key=severity_rank) if ranked else None

    @staticmethod
    def summarize(files: list[FileResult]) -> Summary:
        counts = Counter(Severity(f.severity).value for fr in files for f in fr.findings)
        return Summary(total=sum(counts.values()), by_severity=SeverityCounts(**counts))


def started_now() -> datetime:
    from datetime import UTC

    return datetime.now(UTC)
