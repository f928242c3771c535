"""Python tracebacks, including chained exceptions and exception groups.

The last traceback block is the exception finally raised; each block before
it is kept as its ``cause`` (both ``raise ... from`` and "during handling").
"""

from __future__ import annotations

import re

from correlator.frames import Language, ParsedTrace, RawFrame
from correlator.parsers._common import MAX_FRAMES_PER_TRACE, is_library_path, to_line_number

__all__ = ["looks_like_python", "parse_python"]

_FRAME = re.compile(
    r'^[ \t|+\-]*File "(?P<path>[^"\n]{1,4096})", line (?P<line>\d{1,9})(?:, in (?P<func>[^\n]{1,1024}))?'
)
_HEADER = re.compile(r"^[ \t|+\-]*(?:Exception Group )?Traceback \(most recent call last\):")
_CHAIN = re.compile(
    r"^[ \t|]*(?:The above exception was the direct cause of the following exception:"
    r"|During handling of the above exception, another exception occurred:)"
)
# "pkg.mod.ErrorName: message" or a bare "ErrorName"; the name must look like
# a (dotted) identifier so that source lines and carets are not taken for it.
_ERROR = re.compile(r"^[ \t|+\-]*(?P<type>[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*)(?::[ \t]?(?P<msg>.*))?$")


def looks_like_python(text: str) -> bool:
    return "Traceback (most recent call last)" in text or bool(re.search(r'File "[^"\n]+", line \d+', text))


def _parse_block(lines: list[str]) -> tuple[list[RawFrame], str | None, str | None]:
    frames: list[RawFrame] = []
    error_type: str | None = None
    message_lines: list[str] = []
    after_frames = False
    message_done = False
    for raw in lines:
        frame = _FRAME.match(raw)
        if frame:
            path = frame.group("path")
            func = frame.group("func")
            if len(frames) < MAX_FRAMES_PER_TRACE:
                frames.append(
                    RawFrame(
                        runtime_path=path,
                        line_number=to_line_number(frame.group("line")),
                        function_name=func.strip() if func else None,
                        in_app=not is_library_path(path),
                    )
                )
            after_frames = True
            error_type, message_lines, message_done = None, [], False
            continue
        if not after_frames or message_done:
            continue
        if not raw.strip():
            message_done = error_type is not None
            continue
        if error_type is None:
            # The error line is the first one back at column 0 (source lines
            # and carets of a frame are indented).
            if raw[:1] in (" ", "\t") and not raw.lstrip().startswith("|"):
                continue
            match = _ERROR.match(raw)
            if match:
                error_type = match.group("type")
                if match.group("msg"):
                    message_lines.append(match.group("msg").strip())
        elif len(message_lines) < 20:
            message_lines.append(raw.strip())
    message = "\n".join(m for m in message_lines if m) or None
    return frames, error_type, message


def parse_python(text: str) -> ParsedTrace | None:
    """Parse a Python traceback; None when the text holds no frame."""
    blocks: list[list[str]] = [[]]
    for line in text.splitlines():
        if _CHAIN.match(line):
            blocks.append([])
        elif _HEADER.match(line) and blocks[-1] and any(_FRAME.match(x) for x in blocks[-1]):
            # A new traceback without a chain sentence (e.g. log lines): the
            # last one printed is the one that was raised.
            blocks.append([])
        else:
            blocks[-1].append(line)
    trace: ParsedTrace | None = None
    for block in blocks:
        frames, error_type, message = _parse_block(block)
        if not frames and error_type is None:
            continue
        trace = ParsedTrace(
            language=Language.PYTHON,
            frames=tuple(frames),
            error_type=error_type,
            error_message=message,
            cause=trace,
        )
    if trace is None or not any(t.frames for t in trace.chain()):
        return None
    return trace
