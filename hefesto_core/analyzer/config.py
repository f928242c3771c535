"""Analyzer configuration: ``[tool.hefesto]`` in ``pyproject.toml`` or a
``.hefesto.toml`` file (the latter wins when both exist).

Example::

    [tool.hefesto]
    include = ["src/**/*.py"]
    exclude = ["**/migrations/**", "build/**"]
    disable = ["ASSERT_IN_PRODUCTION"]
    [tool.hefesto.severity]
    UNCHECKED_INDEX = "HIGH"
    [tool.hefesto.thresholds]
    max_function_lines = 80
"""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from hefesto_core.errors import ConfigError
from hefesto_core.models import IssueType, Severity

__all__ = ["AnalyzerConfig", "Thresholds", "find_config_file", "load_config"]


class Thresholds(BaseModel):
    model_config = ConfigDict(extra="forbid")

    complexity_medium: int = Field(default=6, ge=1, description="cyclomatic >= this: MEDIUM")
    complexity_high: int = Field(default=11, ge=1, description="cyclomatic >= this: HIGH")
    complexity_critical: int = Field(default=21, ge=1, description="cyclomatic >= this: CRITICAL")
    max_nesting: int = Field(default=4, ge=1, description="nesting deeper than this is flagged")
    max_function_lines: int = Field(default=50, ge=1)
    max_parameters: int = Field(default=5, ge=0)
    god_class_methods: int = Field(default=20, ge=1)
    god_class_lines: int = Field(default=500, ge=1)
    god_class_attributes: int = Field(default=15, ge=1)
    secret_min_entropy: float = Field(default=3.0, ge=0.0, description="bits per character")
    secret_min_length: int = Field(default=12, ge=1)


class AnalyzerConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    thresholds: Thresholds = Field(default_factory=Thresholds)
    enable: list[str] | None = Field(default=None, description="only these rules (default: all)")
    disable: list[str] = Field(default_factory=list)
    severity: dict[str, Severity] = Field(default_factory=dict, description="rule -> severity override")
    include: list[str] = Field(default_factory=lambda: ["**/*.py"])
    exclude: list[str] = Field(
        default_factory=lambda: [
            "**/.git/**",
            "**/.venv/**",
            "**/venv/**",
            "**/__pycache__/**",
            "**/node_modules/**",
            "**/.tox/**",
            "**/build/**",
            "**/dist/**",
        ]
    )
    test_patterns: list[str] = Field(
        default_factory=lambda: [
            "**/tests/**",
            "**/test/**",
            "**/test_*.py",
            "**/*_test.py",
            "**/conftest.py",
        ],
        description="files treated as tests (no assert or fixture-secret findings)",
    )

    @field_validator("enable", "disable")
    @classmethod
    def _known_rules(cls, v: list[str] | None) -> list[str] | None:
        if v is None:
            return v
        known = {t.value for t in IssueType}
        unknown = [r for r in v if r.upper() not in known]
        if unknown:
            raise ValueError(f"unknown rule(s): {', '.join(unknown)}")
        return [r.upper() for r in v]

    @field_validator("severity", mode="before")
    @classmethod
    def _upper(cls, v: Any) -> Any:
        if isinstance(v, dict):
            return {str(k).upper(): (s.upper() if isinstance(s, str) else s) for k, s in v.items()}
        return v

    def rule_enabled(self, rule_id: str) -> bool:
        if self.enable is not None and rule_id not in self.enable:
            return False
        return rule_id not in self.disable

    def digest(self) -> str:
        """Stable hash of everything that changes findings (part of the cache key)."""
        return hashlib.blake2b(self.model_dump_json().encode(), digest_size=12).hexdigest()

    def with_excludes(self, patterns: list[str]) -> AnalyzerConfig:
        return self.model_copy(update={"exclude": [*self.exclude, *patterns]})


def find_config_file(start: Path) -> Path | None:
    """The nearest ``.hefesto.toml`` or ``pyproject.toml`` with ``[tool.hefesto]``
    in ``start`` or one of its parents."""
    here = start if start.is_dir() else start.parent
    for folder in (here, *here.parents):
        dedicated = folder / ".hefesto.toml"
        if dedicated.is_file():
            return dedicated
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            try:
                data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError):
                continue
            if "hefesto" in data.get("tool", {}):
                return pyproject
    return None


def load_config(path: Path | None = None, *, start: Path | None = None) -> AnalyzerConfig:
    """Read the configuration from ``path`` or the nearest file above ``start``;
    defaults when there is none. Raises :class:`ConfigError` on a bad file."""
    if path is None and start is not None:
        path = find_config_file(start.resolve())
    if path is None:
        return AnalyzerConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    section = data.get("tool", {}).get("hefesto", {}) if path.name == "pyproject.toml" else data
    if path.name != "pyproject.toml" and "tool" in section:
        section = section["tool"].get("hefesto", section)
    try:
        return AnalyzerConfig.model_validate(section)
    except ValidationError as exc:
        raise ConfigError(f"invalid hefesto configuration in {path}: {exc}") from exc
