"""JavaScript / Node.js stack traces (V8 format):
``at fn (/app/src/x.js:10:5)``, ``at /app/src/x.js:3:1``, ``at async fn (...)``.

V8 prints the innermost frame first; frames here are innermost last.
"""

from __future__ import annotations

import re

from correlator.frames import Language, ParsedTrace, RawFrame
from correlator.parsers._common import MAX_FRAMES_PER_TRACE, is_library_path, to_line_number

__all__ = ["looks_like_node", "parse_node"]

_AT_CALL = re.compile(
    r"^\s*at (?:async )?(?P<func>[^()\n]{1,1024}?) "
    r"\((?P<path>[^()\n]{1,4096}?):(?P<line>\d{1,9}):\d{1,9}\)\s*$"
)
_AT_BARE = re.compile(r"^\s*at (?:async )?(?P<path>[^()\s][^()\n]{0,4095}?):(?P<line>\d{1,9}):\d{1,9}\s*$")
_ERROR = re.compile(
    r"^(?:Uncaught )?(?P<type>[A-Za-z_$][\w$.]*(?:Error|Exception|Rejection)\w*|Error)(?::\s?(?P<msg>.*))?$"
)


def looks_like_node(text: str) -> bool:
    return bool(re.search(r"^\s*at (?:.{1,1024} \()?[^()\s]{1,4096}:\d+:\d+\)?\s*$", text, re.M))


def _strip_url(path: str) -> str:
    if path.startswith("file://"):
        return path[7:]
    return path


def parse_node(text: str) -> ParsedTrace | None:
    """Parse a V8 stack trace; None when the text holds no frame."""
    frames: list[RawFrame] = []
    error_type: str | None = None
    message: str | None = None
    for line in text.splitlines():
        call = _AT_CALL.match(line)
        match = call or _AT_BARE.match(line)
        if match:
            if len(frames) >= MAX_FRAMES_PER_TRACE:
                continue
            path = _strip_url(match.group("path").strip())
            func = call.group("func").strip() if call else None
            if func and func.startswith("new "):
                func = func[4:]
            frames.append(
                RawFrame(
                    runtime_path=path,
                    line_number=to_line_number(match.group("line")),
                    function_name=func or None,
                    in_app=not is_library_path(path),
                )
            )
            continue
        if error_type is None and not frames:
            err = _ERROR.match(line.strip())
            if err:
                error_type = err.group("type")
                message = (err.group("msg") or "").strip() or None
    if not frames:
        return None
    return ParsedTrace(
        language=Language.NODE,
        frames=tuple(reversed(frames)),
        error_type=error_type,
        error_message=message,
    )
