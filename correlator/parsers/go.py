"""Go panics and goroutine dumps.

A frame is a function line (``pkg.(*T).Method(0xc000...)``) followed by a
tab-indented ``/path/file.go:42 +0x1d`` line. Only the first goroutine is read:
in a panic it is the one that panicked (``[running]``). Go prints the
innermost frame first; frames here are innermost last.
"""

from __future__ import annotations

import re

from correlator.frames import Language, ParsedTrace, RawFrame
from correlator.parsers._common import MAX_FRAMES_PER_TRACE, is_library_path, to_line_number

__all__ = ["looks_like_go", "parse_go"]

_FILE = re.compile(r"^\s+(?P<path>[^\s:][^\n]{0,4095}?\.go):(?P<line>\d{1,9})(?:\s+\+0x[0-9a-f]+)?\s*$")
_FUNC = re.compile(
    r"^(?:created by )?(?P<func>[^\s(][^\n]{0,1023}?)(?:\((?:[^()\n]{0,1024})\))?(?: in goroutine \d+)?\s*$"
)
_GOROUTINE = re.compile(r"^goroutine \d+ \[")
_PANIC = re.compile(r"^(?:panic|fatal error): (?P<msg>.*)$")
_LIBRARY_FUNCS = ("runtime.", "net/", "net.", "os.", "sync.", "reflect.", "testing.", "syscall.", "internal/")


def looks_like_go(text: str) -> bool:
    return bool(re.search(r"^goroutine \d+ \[", text, re.M)) or (
        bool(re.search(r"^(?:panic|fatal error): ", text, re.M)) and bool(re.search(r"\.go:\d+", text))
    )


def _package(func: str) -> str | None:
    # "github.com/acme/svc/internal/orders.(*Repo).Find" -> ".../orders"
    head, _, tail = func.rpartition("/")
    pkg = tail.split(".", 1)[0]
    return f"{head}/{pkg}" if head else pkg or None


def _short_name(func: str) -> str:
    name = func.rpartition("/")[2]
    name = name.split(".", 1)[1] if "." in name else name
    return name.replace("(*", "").replace(")", "")


def parse_go(text: str) -> ParsedTrace | None:
    """Parse a Go panic or goroutine dump; None when it holds no frame."""
    frames: list[RawFrame] = []
    message: str | None = None
    error_type: str | None = None
    pending_func: str | None = None
    goroutines = 0
    for line in text.splitlines():
        if message is None and goroutines == 0:
            panic = _PANIC.match(line)
            if panic:
                error_type = "panic" if line.startswith("panic") else "fatal error"
                message = panic.group("msg").strip() or None
                continue
        if _GOROUTINE.match(line):
            goroutines += 1
            if goroutines > 1:
                break
            continue
        loc = _FILE.match(line)
        if loc and pending_func is not None:
            if len(frames) < MAX_FRAMES_PER_TRACE:
                path = loc.group("path")
                frames.append(
                    RawFrame(
                        runtime_path=path,
                        line_number=to_line_number(loc.group("line")),
                        function_name=_short_name(pending_func),
                        in_app=not is_library_path(path) and not pending_func.startswith(_LIBRARY_FUNCS),
                        module=_package(pending_func),
                    )
                )
            pending_func = None
            continue
        func = _FUNC.match(line) if line[:1] not in ("", " ", "\t", "[") else None
        pending_func = func.group("func") if func else None
    if not frames:
        return None
    return ParsedTrace(
        language=Language.GO,
        frames=tuple(reversed(frames)),
        error_type=error_type,
        error_message=message,
    )
