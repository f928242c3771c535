"""Correlator: which static-analysis findings most likely explain a
production alert, how sure we are, and why.

Pure: no Kafka, FastAPI, BigQuery, file or network I/O. The stream calls
:func:`locate`, :func:`score_frame` and :func:`assemble` on different
partitions; everyone else calls :func:`correlate`, their composition.
"""

from __future__ import annotations

from correlator.engine import assemble, correlate, score_frame
from correlator.errors import CorrelatorError, FindingsFormatError, InvalidArgumentError
from correlator.findings_doc import findings_from_document
from correlator.frames import AlertLocation, Frame, ParsedTrace, RawFrame
from correlator.location import locate
from correlator.model import MODEL_VERSION
from correlator.parsers import parse_trace
from correlator.paths import PathMapper

__all__ = [
    "MODEL_VERSION",
    "AlertLocation",
    "CorrelatorError",
    "FindingsFormatError",
    "Frame",
    "InvalidArgumentError",
    "ParsedTrace",
    "PathMapper",
    "RawFrame",
    "assemble",
    "correlate",
    "findings_from_document",
    "locate",
    "parse_trace",
    "score_frame",
]
