"""The rule catalogue: id, default severity, category, and the words shown to
people (SARIF rule descriptors use the same)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from hefesto_core.models import IssueType, Severity

__all__ = ["CATALOG", "RuleInfo"]

Category = Literal["complexity", "structure", "security", "reliability", "housekeeping"]


@dataclass(frozen=True, slots=True)
class RuleInfo:
    rule_id: str
    issue_type: IssueType
    severity: Severity
    category: Category
    title: str
    suggestion: str


def _r(t: IssueType, sev: Severity, cat: Category, title: str, suggestion: str) -> RuleInfo:
    return RuleInfo(t.value, t, sev, cat, title, suggestion)


T, S = IssueType, Severity
CATALOG: dict[str, RuleInfo] = {
    r.rule_id: r
    for r in (
        _r(
            T.HIGH_COMPLEXITY,
            S.HIGH,
            "complexity",
            "Function has high cyclomatic complexity",
            "Split the function into smaller ones or replace branching with data (tables, dispatch).",
        ),
        _r(
            T.VERY_HIGH_COMPLEXITY,
            S.CRITICAL,
            "complexity",
            "Function has very high cyclomatic complexity",
            "Break the function up; each branch is a path that tests must cover.",
        ),
        _r(
            T.DEEP_NESTING,
            S.MEDIUM,
            "structure",
            "Blocks are nested too deeply",
            "Return early, invert conditions or extract the inner block into a function.",
        ),
        _r(
            T.LONG_FUNCTION,
            S.MEDIUM,
            "structure",
            "Function is too long",
            "Extract cohesive steps into well-named helper functions.",
        ),
        _r(
            T.LONG_PARAMETER_LIST,
            S.LOW,
            "structure",
            "Function takes too many parameters",
            "Group related parameters into a dataclass or make the rare ones keyword-only with defaults.",
        ),
        _r(
            T.GOD_CLASS,
            S.MEDIUM,
            "structure",
            "Class has too many responsibilities",
            "Split the class by responsibility; move groups of methods and their state out.",
        ),
        _r(
            T.HARDCODED_SECRET,
            S.CRITICAL,
            "security",
            "Secret hard-coded in source",
            "Load the secret from the environment or a secret manager and rotate the exposed value.",
        ),
        _r(
            T.SQL_INJECTION_RISK,
            S.HIGH,
            "security",
            "SQL built from dynamic strings",
            "Pass values as query parameters (cursor.execute(sql, params)), never by string building.",
        ),
        _r(
            T.COMMAND_INJECTION,
            S.HIGH,
            "security",
            "Shell command built from non-constant input",
            "Pass an argument list to subprocess without shell=True; validate or shlex.quote inputs.",
        ),
        _r(
            T.EVAL_USAGE,
            S.HIGH,
            "security",
            "eval/exec of a non-literal",
            "Use ast.literal_eval for data, or an explicit dispatch table instead of evaluating code.",
        ),
        _r(
            T.UNSAFE_DESERIALIZATION,
            S.HIGH,
            "security",
            "Unsafe deserialization",
            "Deserialize untrusted data with json or yaml.safe_load; never pickle/marshal from outside.",
        ),
        _r(
            T.PATH_TRAVERSAL,
            S.HIGH,
            "security",
            "User-supplied path opened without normalization",
            "Resolve the path and check it stays under the allowed base directory before opening it.",
        ),
        _r(
            T.WEAK_CRYPTO,
            S.MEDIUM,
            "security",
            "Weak cryptography or predictable randomness",
            "Use hashlib.sha256 (or better) for integrity and the secrets module for tokens.",
        ),
        _r(
            T.INSECURE_TLS,
            S.HIGH,
            "security",
            "TLS certificate verification disabled",
            "Keep verify=True; point verify at a CA bundle for private certificates.",
        ),
        _r(
            T.POSSIBLE_NONE_DEREFERENCE,
            S.HIGH,
            "reliability",
            "Value may be None where it is used",
            "Check for None first (if x is None: ...), or give the lookup a default.",
        ),
        _r(
            T.BARE_EXCEPT,
            S.MEDIUM,
            "reliability",
            "Bare except catches everything",
            "Catch the specific exceptions you expect (at most `except Exception`).",
        ),
        _r(
            T.SILENT_EXCEPTION_SWALLOW,
            S.MEDIUM,
            "reliability",
            "Exception swallowed silently",
            "Log the exception, re-raise it or handle it; use contextlib.suppress when ignoring is intended.",
        ),
        _r(
            T.MUTABLE_DEFAULT_ARGUMENT,
            S.MEDIUM,
            "reliability",
            "Mutable default argument",
            "Default to None and create the list/dict/set inside the function.",
        ),
        _r(
            T.RESOURCE_LEAK,
            S.MEDIUM,
            "reliability",
            "Resource may not be closed",
            "Open it in a `with` statement so it is closed on every path.",
        ),
        _r(
            T.ASSERT_IN_PRODUCTION,
            S.LOW,
            "reliability",
            "assert used for run-time checking",
            "Raise an exception instead: asserts are removed when Python runs with -O.",
        ),
        _r(
            T.UNCHECKED_INDEX,
            S.MEDIUM,
            "reliability",
            "Index of a result that may be empty",
            "Check the length (or truthiness) of the result before indexing it.",
        ),
        _r(
            T.INCOMPLETE_TODO,
            S.LOW,
            "housekeeping",
            "Unfinished work marker",
            "Finish the work or file an issue and reference it in the comment.",
        ),
    )
}
