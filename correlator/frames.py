"""The correlator's view of where an alert happened.

:class:`RawFrame` and :class:`ParsedTrace` are what the trace parsers produce
(runtime paths, innermost frame last, as the traces print them).
:class:`Frame` and :class:`AlertLocation` are the located, path-mapped result
that scoring works on (innermost in-app frame first).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hefesto_core.models import PathMapping

__all__ = ["AlertLocation", "Frame", "Language", "ParsedTrace", "RawFrame"]


class Language(StrEnum):
    PYTHON = "python"
    JAVA = "java"
    NODE = "node"
    GO = "go"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class RawFrame:
    """One frame as printed in a trace, before path mapping."""

    runtime_path: str
    line_number: int | None
    function_name: str | None
    in_app: bool
    module: str | None = None
    """Dotted module or package (Java class, Go package) when the trace names it."""


@dataclass(frozen=True, slots=True)
class ParsedTrace:
    """A parsed stack trace: the frames of the exception finally raised
    (innermost last) and, for chained exceptions, the trace it came from."""

    language: Language
    frames: tuple[RawFrame, ...]
    error_type: str | None
    error_message: str | None
    cause: ParsedTrace | None = None

    def chain(self) -> tuple[ParsedTrace, ...]:
        """This trace followed by its causes, outermost exception first."""
        out: list[ParsedTrace] = []
        node: ParsedTrace | None = self
        while node is not None and len(out) < 64:
            out.append(node)
            node = node.cause
        return tuple(out)


@dataclass(frozen=True, slots=True)
class Frame:
    runtime_path: str
    """The path as printed in the trace."""
    file_path: str | None
    """Repo-relative POSIX path after mapping; None if it could not be mapped."""
    line_number: int | None
    function_name: str | None
    in_app: bool
    depth: int
    """0 = innermost in-app frame, 1 = the next one out, ..."""
    mapping: PathMapping


@dataclass(frozen=True, slots=True)
class AlertLocation:
    frames: tuple[Frame, ...]
    """In-app frames, innermost first, at most ``max_frames``."""
    error_type: str | None
    error_message: str | None

    @property
    def has_location(self) -> bool:
        """True when at least one in-app frame was mapped to a repository file."""
        return any(f.file_path is not None for f in self.frames)
