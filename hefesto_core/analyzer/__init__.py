"""The hefesto static analyzer (Python, on the standard-library ``ast``).

Library entry points: :func:`analyze_paths` for files and folders (parallel,
cached) and :func:`analyze_source` for one file in memory.
"""

from __future__ import annotations

from hefesto_core.analyzer.config import AnalyzerConfig, Thresholds, load_config
from hefesto_core.analyzer.engine import ANALYZER_VERSION, analyze_source
from hefesto_core.analyzer.result import AnalysisResult, FileResult, ParseFailure, Summary
from hefesto_core.analyzer.rules.catalog import CATALOG, RuleInfo
from hefesto_core.analyzer.runner import analyze_paths, find_root, git_head

__all__ = [
    "ANALYZER_VERSION",
    "CATALOG",
    "AnalysisResult",
    "AnalyzerConfig",
    "FileResult",
    "ParseFailure",
    "RuleInfo",
    "Summary",
    "Thresholds",
    "analyze_paths",
    "analyze_source",
    "find_root",
    "git_head",
    "load_config",
]
