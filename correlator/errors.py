"""Exceptions of the correlator. Everything raised on purpose derives from
:class:`CorrelatorError`, so callers can catch one root and still tell the
cases apart::

    CorrelatorError
    ├── InvalidArgumentError     a caller passed an impossible option (top_k < 1, ...)
    └── FindingsFormatError      a findings document is neither an AnalysisResult,
                                 a list of findings nor SARIF

Scoring itself never raises on odd alerts or traces: an alert without a usable
location comes out with ``enriched=false`` and a reason instead.
"""

from __future__ import annotations

__all__ = ["CorrelatorError", "FindingsFormatError", "InvalidArgumentError"]


class CorrelatorError(Exception):
    """Root of every error raised on purpose by the correlator."""

    code: str = "CORRELATOR_ERROR"


class InvalidArgumentError(CorrelatorError, ValueError):
    code = "VALIDATION_ERROR"


class FindingsFormatError(CorrelatorError, ValueError):
    code = "VALIDATION_ERROR"
