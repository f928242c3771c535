"""Stack-trace parsers: Python, JVM, JavaScript/Node and Go.

:func:`parse_trace` picks the format from the text and returns a
:class:`~correlator.frames.ParsedTrace` (frames innermost last), or None when
the text holds no frame it can read. Parsers never raise on arbitrary text.
"""

from __future__ import annotations

from functools import lru_cache

from correlator.frames import ParsedTrace
from correlator.parsers._common import MAX_TRACE_CHARS, is_library_path
from correlator.parsers.go import looks_like_go, parse_go
from correlator.parsers.java import looks_like_java, parse_java
from correlator.parsers.node import looks_like_node, parse_node
from correlator.parsers.python import looks_like_python, parse_python

__all__ = ["is_library_path", "parse_trace"]

_PARSERS = (
    (looks_like_python, parse_python),
    (looks_like_java, parse_java),
    (looks_like_go, parse_go),
    (looks_like_node, parse_node),
)


def _cut(text: str) -> str:
    if len(text) <= MAX_TRACE_CHARS:
        return text
    half = MAX_TRACE_CHARS // 2
    return text[:half] + "\n" + text[-half:]


@lru_cache(maxsize=1024)
def parse_trace(text: str) -> ParsedTrace | None:
    """Parse ``text`` in whichever supported format it is written.

    Cached because the stream and :func:`correlator.correlate` ask for the
    same alert's trace once per frame; results are immutable.
    """
    if not text or not text.strip():
        return None
    text = _cut(text)
    for looks_like, parse in _PARSERS:
        if looks_like(text):
            parsed = parse(text)
            if parsed is not None:
                return parsed
    return None
