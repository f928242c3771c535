"""Java (and other JVM) stack traces: ``at pkg.Cls.m(File.java:123)`` with
``Caused by:`` chains and ``... N more`` elisions.

Java prints the innermost frame first; frames here are innermost last like
every other parser. The exception finally thrown is the first block and each
``Caused by:`` block is its cause; the last cause is the root.
"""

from __future__ import annotations

import re

from correlator.frames import Language, ParsedTrace, RawFrame
from correlator.parsers._common import MAX_FRAMES_PER_TRACE, to_line_number

__all__ = ["looks_like_java", "parse_java"]

_AT = re.compile(r"^\s*at (?:[\w.$]{1,256}/)?(?P<method>[\w$<>.\-]{1,1024})\((?P<loc>[^()\n]{0,1024})\)")
_HEADER = re.compile(
    r"^\s*(?:Caused by: |Suppressed: |Exception in thread \"[^\"\n]{0,256}\" )?"
    r"(?P<type>[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+)(?::\s?(?P<msg>.*))?$"
)
# Packages of the JDK and of the frameworks a service runs inside.
_LIBRARY_PACKAGES = (
    "java.",
    "javax.",
    "jdk.",
    "sun.",
    "com.sun.",
    "kotlin.",
    "kotlinx.",
    "scala.",
    "groovy.",
    "org.springframework.",
    "org.apache.",
    "org.hibernate.",
    "org.eclipse.",
    "io.netty.",
    "com.google.",
    "com.fasterxml.",
    "reactor.",
    "io.micrometer.",
    "org.junit.",
    "org.slf4j.",
    "ch.qos.",
    "io.grpc.",
    "okhttp3.",
    "retrofit2.",
    "com.zaxxer.",
    "org.postgresql.",
    "com.mysql.",
)


def looks_like_java(text: str) -> bool:
    return bool(re.search(r"^\s*at [\w.$/]+\([\w$]*\.(?:java|kt|scala|groovy):\d+\)", text, re.M)) or bool(
        re.search(r"^\s*at [\w.$/]+\((?:Native Method|Unknown Source)\)", text, re.M)
    )


def _frame(method: str, loc: str) -> RawFrame:
    owner, _, name = method.rpartition(".")
    owner = owner.split("$", 1)[0]
    package = owner.rpartition(".")[0]
    file_name, _, line = loc.partition(":")
    line_number = to_line_number(line.strip())
    if file_name and "." in file_name and " " not in file_name:
        runtime_path = f"{package.replace('.', '/')}/{file_name}" if package else file_name
    else:
        runtime_path = owner or method
    in_app = bool(file_name) and line_number is not None and not owner.startswith(_LIBRARY_PACKAGES)
    return RawFrame(
        runtime_path=runtime_path,
        line_number=line_number,
        function_name=f"{owner.rpartition('.')[2]}.{name}" if owner and name else (name or method),
        in_app=in_app,
        module=owner or None,
    )


def parse_java(text: str) -> ParsedTrace | None:
    """Parse a JVM stack trace; None when the text holds no ``at`` frame."""
    blocks: list[tuple[str | None, str | None, list[RawFrame]]] = []
    for line in text.splitlines():
        at = _AT.match(line)
        if at:
            if not blocks:
                blocks.append((None, None, []))
            if len(blocks[-1][2]) < MAX_FRAMES_PER_TRACE:
                blocks[-1][2].append(_frame(at.group("method"), at.group("loc")))
            continue
        stripped = line.strip()
        if stripped.startswith("Suppressed:"):
            # A suppressed exception is not on the causal path; its frames
            # would otherwise be read as the thrown exception's.
            blocks.append(("<suppressed>", None, []))
            continue
        header = _HEADER.match(line)
        if header and (not blocks or stripped.startswith("Caused by:") or not blocks[-1][2]):
            if blocks and not blocks[-1][2] and not stripped.startswith("Caused by:"):
                blocks.pop()
            blocks.append((header.group("type"), (header.group("msg") or "").strip() or None, []))
    chain = [b for b in blocks if b[0] != "<suppressed>"]
    if not any(frames for _, _, frames in chain):
        return None
    trace: ParsedTrace | None = None
    for error_type, message, frames in reversed(chain):
        trace = ParsedTrace(
            language=Language.JAVA,
            frames=tuple(reversed(frames)),
            error_type=error_type,
            error_message=message,
            cause=trace,
        )
    return trace
