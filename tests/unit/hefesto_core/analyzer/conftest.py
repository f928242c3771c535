from __future__ import annotations

import textwrap
from collections.abc import Callable

import pytest

from hefesto_core.analyzer import AnalyzerConfig, analyze_source
from hefesto_core.models import Finding


@pytest.fixture
def analyze() -> Callable[..., list[Finding]]:
    """Analyze a dedented snippet; optional ``rule`` keeps only that rule's findings."""

    def run(
        code: str, *, rule: str | None = None, path: str = "pkg/mod.py", config: AnalyzerConfig | None = None
    ) -> list[Finding]:
        found = analyze_source(textwrap.dedent(code), file_path=path, repo="acme", config=config)
        return [f for f in found if rule is None or f.rule_id == rule]

    return run
