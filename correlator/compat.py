"""Which kinds of defect explain which errors.

An alert's error (type and message, and those of its chained causes) is read
into symptom *families* (``none``, ``index``, ``sql``, ...). Each finding's
``issue_type`` then either *explains* a family (its typical symptom: a possible
None dereference and ``'NoneType' object has no attribute``), is *related* to
it (plausible but indirect: high complexity and a timeout), or neither. The
tables are written from the runtimes' documented error types, not fitted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum

__all__ = ["Compat", "Family", "compat", "families_of", "is_environmental"]


class Family(StrEnum):
    NONE = "none"
    INDEX = "index"
    LOOKUP = "lookup"
    SQL = "sql"
    TIMEOUT = "timeout"
    RECURSION = "recursion"
    RESOURCE = "resource"
    MEMORY = "memory"
    DESERIALIZE = "deserialize"
    ASSERTION = "assertion"
    UNBOUND = "unbound"
    COMMAND = "command"
    FILESYSTEM = "filesystem"
    TLS = "tls"
    EVAL = "eval"
    CONNECTION = "connection"
    DEPLOY = "deploy"


class Compat(StrEnum):
    EXPLAINED = "explained"
    RELATED = "related"
    UNEXPLAINED = "unexplained"
    UNKNOWN = "unknown"


# (family, pattern over "ErrorType: message"); the first patterns are the
# most specific. Several families may apply to one error.
_PATTERNS: tuple[tuple[Family, re.Pattern[str]], ...] = tuple(
    (fam, re.compile(rx, re.I))
    for fam, rx in (
        (
            Family.NONE,
            r"NoneType|NullPointer|nil pointer|nil map|Cannot read propert(?:y|ies) of (?:undefined|null)"
            r"|(?:undefined|null) is not an object|is not a function|Cannot set propert(?:y|ies) of"
            r"|null reference|NullReference|No value present",
        ),
        (
            Family.INDEX,
            r"IndexError|index out of range|IndexOutOfBounds|ArrayIndexOutOfBounds|NoSuchElement"
            r"|StopIteration|out of bounds|slice bounds out of range|empty (?:list|sequence|array)",
        ),
        (Family.LOOKUP, r"KeyError|key not found|no such key"),
        (
            Family.SQL,
            r"SQLSyntaxError|syntax error at or near|near \"[^\"\n]{0,200}\": syntax error|: syntax error"
            r"|unrecognized token|unterminated (?:quoted )?string|SQL syntax|ER_PARSE_ERROR|no such column"
            r"|incomplete input|You have an error in your SQL",
        ),
        (Family.TIMEOUT, r"Timeout|timed out|deadline exceeded|ETIMEDOUT|DeadlineExceeded|took too long"),
        (
            Family.RECURSION,
            r"RecursionError|maximum recursion depth|StackOverflow|call stack size exceeded"
            r"|goroutine stack exceeds",
        ),
        (
            Family.RESOURCE,
            r"Too many open files|EMFILE|pool exhausted|QueuePool limit|ResourceWarning"
            r"|too many connections|connection pool|database is locked",
        ),
        (
            Family.MEMORY,
            r"MemoryError|OutOfMemory|out of memory|OOMKilled|heap out of memory|Cannot allocate",
        ),
        (
            Family.DESERIALIZE,
            r"Unpickl|pickle|marshal|yaml\.(?:constructor|YAMLError)|ConstructorError"
            r"|InvalidClassException|deserializ|EOFError: Ran out of input",
        ),
        (Family.ASSERTION, r"AssertionError|assertion failed"),
        (Family.UNBOUND, r"UnboundLocalError|referenced before assignment|NameError|is not defined"),
        (Family.COMMAND, r"CalledProcessError|command not found|exit status \d+|/bin/sh"),
        (
            Family.FILESYSTEM,
            r"FileNotFoundError|No such file or directory|PermissionError|IsADirectoryError"
            r"|ENOENT|EACCES|NoSuchFileException|AccessDeniedException",
        ),
        (Family.TLS, r"SSLError|CERTIFICATE_VERIFY_FAILED|certificate verify|x509|SSLHandshake"),
        (Family.EVAL, r"SyntaxError: (?!.*SQL)|eval|invalid syntax"),
        (
            Family.CONNECTION,
            r"ConnectionError|ConnectionRefused|ECONNREFUSED|ECONNRESET|Connection reset"
            r"|connection refused|BrokenPipe|Name or service not known|getaddrinfo"
            r"|UnknownHost|upstream|Temporary failure in name resolution"
            r"|\b5\d\d (?:Server Error|Service Unavailable|Bad Gateway|Gateway Timeout)"
            r"|HTTP Error 5\d\d|status code 5\d\d",
        ),
        (
            Family.DEPLOY,
            r"ImportError|ModuleNotFoundError|ClassNotFound|NoClassDefFound|Cannot find module"
            r"|CrashLoopBackOff|ImagePull|readiness probe|liveness probe|migration",
        ),
    )
)

_COMPLEXITY = ("HIGH_COMPLEXITY", "VERY_HIGH_COMPLEXITY", "DEEP_NESTING", "LONG_FUNCTION")

# issue_type -> (families it explains, families it is related to)
_TABLE: dict[str, tuple[frozenset[Family], frozenset[Family]]] = {
    "POSSIBLE_NONE_DEREFERENCE": (frozenset({Family.NONE}), frozenset({Family.LOOKUP})),
    "UNCHECKED_INDEX": (frozenset({Family.INDEX}), frozenset({Family.NONE, Family.LOOKUP})),
    "SQL_INJECTION_RISK": (frozenset({Family.SQL}), frozenset()),
    "RESOURCE_LEAK": (frozenset({Family.RESOURCE}), frozenset({Family.MEMORY, Family.TIMEOUT})),
    "UNSAFE_DESERIALIZATION": (frozenset({Family.DESERIALIZE}), frozenset()),
    "ASSERT_IN_PRODUCTION": (frozenset({Family.ASSERTION}), frozenset()),
    "BARE_EXCEPT": (frozenset({Family.UNBOUND}), frozenset({Family.NONE})),
    "SILENT_EXCEPTION_SWALLOW": (frozenset({Family.UNBOUND}), frozenset({Family.NONE})),
    "COMMAND_INJECTION": (frozenset({Family.COMMAND}), frozenset()),
    "PATH_TRAVERSAL": (frozenset(), frozenset({Family.FILESYSTEM})),
    "EVAL_USAGE": (frozenset({Family.EVAL}), frozenset({Family.UNBOUND})),
    "INSECURE_TLS": (frozenset(), frozenset({Family.TLS})),
    **{t: (frozenset(), frozenset({Family.TIMEOUT, Family.RECURSION})) for t in _COMPLEXITY},
    # Known to the analyzer but not a way for a line to fail at run time.
    **{
        t: (frozenset(), frozenset())
        for t in (
            "HARDCODED_SECRET",
            "WEAK_CRYPTO",
            "LONG_PARAMETER_LIST",
            "GOD_CLASS",
            "INCOMPLETE_TODO",
            "MUTABLE_DEFAULT_ARGUMENT",
        )
    },
}
# Families raised by the environment rather than by a line of code: only a
# related finding is worth showing for them.
_ENVIRONMENTAL = frozenset({Family.CONNECTION, Family.DEPLOY, Family.MEMORY, Family.TIMEOUT, Family.TLS})


def families_of(errors: Iterable[tuple[str | None, str | None]]) -> frozenset[Family]:
    """Symptom families of a chain of (error type, message) pairs."""
    found: set[Family] = set()
    for error_type, message in errors:
        text = f"{error_type or ''}: {(message or '')[:2000]}"
        if len(text) <= 2:
            continue
        for family, pattern in _PATTERNS:
            if pattern.search(text):
                found.add(family)
    if Family.NONE in found:
        # "'NoneType' object is not subscriptable" is a TypeError, not an
        # index error, and "x is not a function" in JS is not eval.
        found.discard(Family.EVAL)
    return frozenset(found)


def compat(issue_type: str, families: frozenset[Family]) -> Compat:
    """How ``issue_type`` relates to an error of ``families``."""
    if not families:
        return Compat.UNKNOWN
    entry = _TABLE.get(issue_type)
    if entry is None:
        # An imported rule we have no table for: say nothing rather than
        # count it against the finding.
        return Compat.UNKNOWN
    explains, related = entry
    if explains & families:
        return Compat.EXPLAINED
    if related & families:
        return Compat.RELATED
    return Compat.UNEXPLAINED


def is_environmental(families: frozenset[Family]) -> bool:
    """True when every symptom points at the environment (dependencies,
    memory, deploys) rather than at a line of code."""
    return bool(families) and families <= _ENVIRONMENTAL
