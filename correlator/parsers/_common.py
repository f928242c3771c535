"""Helpers shared by the trace parsers: library-path detection and limits."""

from __future__ import annotations

import re

__all__ = ["MAX_FRAMES_PER_TRACE", "MAX_TRACE_CHARS", "is_library_path", "to_line_number"]

# A trace longer than this is cut: the innermost frames of every format we
# parse sit in the first and last few kilobytes, and a bound keeps regex
# work linear in a size we chose rather than one an alert chose.
MAX_TRACE_CHARS = 262_144
MAX_FRAMES_PER_TRACE = 512

_LIBRARY = re.compile(
    r"""(?ix)
    (?:^|[/\\])(?:site-packages|dist-packages|node_modules|vendor|vendored|_vendor|third_party
              |\.venv|venv|virtualenvs|\.tox|\.nox|pkg[/\\]mod|bower_components)(?:[/\\]|$)
    | (?:^|[/\\])lib(?:64)?[/\\](?:python|pypy)\d(?:\.\d+)?[/\\]    # CPython/PyPy standard library
    | (?:^|[/\\])Lib[/\\](?!site-packages)                            # Windows standard library
    | ^<[^>]*>$                                                       # <frozen ...>, <string>, <stdin>
    | ^node:|^internal[/\\]|(?:^|[/\\])go[/\\]src[/\\](?:runtime|net|os|sync|reflect|internal)[/\\]
    | ^/usr/(?:local/)?go/src/|(?:^|[/\\])GOROOT[/\\]
    """
)


def is_library_path(path: str) -> bool:
    """True for the standard library, installed packages and vendored code."""
    return bool(_LIBRARY.search(path))


def to_line_number(text: str | None) -> int | None:
    """A positive line number, or None (0, overlong or garbled digits)."""
    if not text or len(text) > 9 or not text.isdigit():
        return None
    value = int(text)
    return value if value >= 1 else None
