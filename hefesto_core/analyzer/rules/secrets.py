"""HARDCODED_SECRET: known token formats anywhere in a string literal, and
high-entropy literals assigned to secret-like names (variables, attributes,
dict keys, keyword arguments, defaults). Placeholders, environment lookups,
empty or templated values and test fixtures are not secrets."""

from __future__ import annotations

import ast
import math
import re
from collections import Counter
from collections.abc import Iterator

from hefesto_core.analyzer.masking import SECRET_NAME, TOKEN_PATTERNS, has_secret_words, present_token_kinds
from hefesto_core.analyzer.rules.base import FileContext, Hit
from hefesto_core.analyzer.scopes import Scope

__all__ = ["RULE_IDS", "check", "entropy", "is_placeholder"]

RULE_IDS = ("HARDCODED_SECRET",)

_PLACEHOLDER = re.compile(
    r"(?i)(?:change.?me|changeit|example|sample|dummy|fake|placeholder|your[_\- ]|redacted|<[^>]*>|\$\{|\{\{|"
    r"^x+$|^\*+$|^\.+$|test|todo|fixme|secret$|password$|none|null|^env:|^vault:|%\(|\{[a-z_]*\})"
)
# Names that look secret-like but hold names, paths or settings, not secrets.
_NOT_SECRET_NAME = re.compile(
    r"(?i)(?:_?(?:name|names|file|path|dir|url|uri|endpoint|type|types|kind|header|field|key_?id|id|"
    r"length|len|size|count|env|var|prefix|suffix|pattern|regex|re|format|fmt|template|label|policy|"
    r"scope|scopes|expiry|expires|ttl|timeout|min|max|hash_?alg|algorithm|mode|param|hdr|msg|message|"
    r"text|prompt|doc|help|description|title|class|method|scheme|realm|attr|cookie|column|col|table)s?$)"
)


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    if not value:
        return 0.0
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def is_placeholder(value: str) -> bool:
    return bool(_PLACEHOLDER.search(value)) or len(set(value)) <= 3 or " " in value.strip()


def _secret_name(name: str) -> bool:
    leaf = name.rsplit(".", 1)[-1]
    return bool(SECRET_NAME.search(leaf)) and not _NOT_SECRET_NAME.search(leaf)


def _looks_secret(ctx: FileContext, value: str) -> bool:
    t = ctx.config.thresholds
    if len(value) < t.secret_min_length or is_placeholder(value):
        return False
    if value.isidentifier() and value.lower() == value:
        return False  # a lowercase word_like_this is a name, not a key
    classes = sum(bool(re.search(p, value)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]"))
    bits = entropy(value)
    if not any(c.isdigit() for c in value) and not (len(value) >= 24 and bits >= 4.0):
        return False  # letters and punctuation only: a header, a phrase, a name ("Proxy-Authorization")
    return bits >= t.secret_min_entropy and classes >= 2


def _long_str(node: ast.AST | None, min_len: int) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) >= min_len


def _named_values(scope: Scope, min_len: int) -> Iterator[tuple[str, ast.AST, ast.AST]]:
    """(name, value, node-to-report) for long string literals bound to a name."""
    for assign in scope.assigns:
        if not _long_str(assign.value, min_len):
            continue  # most assignments: checked before anything costlier
        targets = assign.targets if isinstance(assign, ast.Assign) else [assign.target]
        for target in targets:
            name = target.id if isinstance(target, ast.Name) else getattr(target, "attr", None)
            if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant):
                name = str(target.slice.value)
            if name and assign.value is not None:
                yield name, assign.value, assign
    for call in scope.calls:
        for kw in call.keywords:
            if kw.arg and _long_str(kw.value, min_len):
                yield kw.arg, kw.value, kw.value


def _dict_items(scope: Scope) -> Iterator[tuple[str, ast.AST]]:
    for node in scope.dicts:
        for key, value in zip(node.keys, node.values, strict=True):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                yield key.value, value


def _scope_of_line(ctx: FileContext, line: int) -> Scope:
    best = ctx.root
    for scope in ctx.scopes:
        if scope.line_start <= line <= scope.line_end and scope.line_start >= best.line_start:
            best = scope
    return best


def check(ctx: FileContext) -> Iterator[Hit]:
    # The regex screens run in C over the whole file; most files stop here.
    text = ctx.src.text
    kinds = [k for k in present_token_kinds(text) if TOKEN_PATTERNS[k].search(text)]
    tokens = bool(kinds)
    # Tests only get the token pass, so the secret-word scan would not change anything there.
    names = not ctx.src.is_test and has_secret_words(text)
    if not tokens and not names:
        return
    reported: set[int] = set()
    tree = ctx.root.node
    for node in ast.walk(tree) if tokens else ():
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) >= 16:
            for kind in kinds:
                m = TOKEN_PATTERNS[kind].search(node.value)
                if (
                    m
                    and not is_placeholder(m.group(0))
                    and (kind == "private_key" or entropy(m.group(0)) >= 3.0)
                ):
                    reported.add(node.lineno)
                    yield Hit.at(
                        "HARDCODED_SECRET",
                        _scope_of_line(ctx, node.lineno),
                        node,
                        f"{kind.replace('_', ' ')} hard-coded in a string literal",
                        metadata={"kind": kind},
                    )
                    break
    if ctx.src.is_test or not names:
        return  # fixtures: only real token formats count in tests
    min_len = ctx.config.thresholds.secret_min_length
    candidates: list[tuple[str, ast.AST, ast.AST, Scope]] = []
    for scope in ctx.scopes:
        candidates.extend((n, v, r, scope) for n, v, r in _named_values(scope, min_len))
        candidates.extend((k, v, v, scope) for k, v in _dict_items(scope))
    for name, value, report, scope in candidates:
        # Cheap checks first: most candidates are not long string literals.
        if (
            not (isinstance(value, ast.Constant) and isinstance(value.value, str))
            or len(value.value) < min_len
        ):
            continue
        if value.lineno in reported or not _secret_name(name) or not _looks_secret(ctx, value.value):
            continue
        reported.add(value.lineno)
        yield Hit.at(
            "HARDCODED_SECRET",
            scope,
            report,
            f"'{name}' is assigned a hard-coded secret-like literal",
            confidence=0.8,
            metadata={"name": name, "entropy": round(entropy(value.value), 2)},
        )
