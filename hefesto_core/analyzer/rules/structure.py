"""DEEP_NESTING, LONG_FUNCTION, LONG_PARAMETER_LIST and GOD_CLASS."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from hefesto_core.analyzer.rules.base import FileContext, Hit
from hefesto_core.analyzer.scopes import Scope

__all__ = ["RULE_IDS", "check", "code_lines"]

RULE_IDS = ("DEEP_NESTING", "LONG_FUNCTION", "LONG_PARAMETER_LIST", "GOD_CLASS")

_BLOCKS = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try, ast.TryStar, ast.Match)


def _deepest(stmts: list[ast.stmt], depth: int) -> tuple[int, ast.stmt | None]:
    """Deepest block nesting under ``stmts`` and the block that reaches it.
    ``elif`` is the same level as its ``if``, as a reader sees it."""
    best = depth
    where: ast.stmt | None = None
    for stmt in stmts:
        if not isinstance(stmt, _BLOCKS):
            continue
        level = depth + 1
        if level > best:
            best, where = level, stmt
        bodies: list[list[ast.stmt]] = []
        if isinstance(stmt, ast.If):
            bodies.append(stmt.body)
            orelse = stmt.orelse
            if len(orelse) == 1 and isinstance(orelse[0], ast.If):
                d, w = _deepest(orelse, depth)
                if d > best:
                    best, where = d, w
            else:
                bodies.append(orelse)
        elif isinstance(stmt, ast.Try | ast.TryStar):
            bodies.extend([stmt.body, stmt.orelse, stmt.finalbody, *(h.body for h in stmt.handlers)])
        elif isinstance(stmt, ast.Match):
            bodies.extend(c.body for c in stmt.cases)
        else:
            bodies.append(stmt.body)
            bodies.append(getattr(stmt, "orelse", []))
        for body in bodies:
            d, w = _deepest(body, level)
            if d > best:
                best, where = d, w
    return best, where


def code_lines(ctx: FileContext, node: ast.AST) -> int:
    """Lines of code in ``node``: no blank lines, comments or docstring."""
    start = int(getattr(node, "lineno", 1))
    end = int(getattr(node, "end_lineno", None) or start)
    skip: set[int] = set()
    body = getattr(node, "body", None)
    first = body[0] if body else None
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        skip.update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    count = 0
    lines = ctx.src.lines
    for i in range(start, min(end, len(lines)) + 1):
        if i in skip:
            continue
        stripped = lines[i - 1].strip()
        if stripped and not stripped.startswith("#"):
            count += 1
    return count


def _function_checks(ctx: FileContext, scope: Scope) -> Iterator[Hit]:
    t = ctx.config.thresholds
    node = scope.node
    assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    end = node.end_lineno or node.lineno
    # Nesting deeper than the limit needs at least that many lines.
    depth, where = _deepest(node.body, 0) if end - node.lineno > t.max_nesting else (0, None)
    if depth > t.max_nesting and where is not None:
        yield Hit.at(
            "DEEP_NESTING",
            scope,
            where,
            f"{scope.name} nests blocks {depth} levels deep (limit {t.max_nesting})",
            metadata={"depth": depth},
        )
    # Counting lines only matters when the span alone could exceed the limit.
    end = node.end_lineno or node.lineno
    if end - node.lineno + 1 > t.max_function_lines:
        loc = code_lines(ctx, node)
        if loc > t.max_function_lines:
            yield Hit(
                "LONG_FUNCTION",
                scope,
                node.lineno,
                end,
                node.col_offset + 1,
                f"{scope.name} has {loc} lines of code (limit {t.max_function_lines})",
                metadata={"lines": loc},
            )
    a = node.args
    params = [*a.posonlyargs, *a.args, *a.kwonlyargs]
    if params and params[0].arg in ("self", "cls") and scope.enclosing_class() is not None:
        params = params[1:]
    if len(params) > t.max_parameters:
        yield Hit(
            "LONG_PARAMETER_LIST",
            scope,
            node.lineno,
            node.lineno,
            node.col_offset + 1,
            f"{scope.name} takes {len(params)} parameters (limit {t.max_parameters})",
            metadata={"parameters": len(params)},
        )


def _instance_attributes(cls_scope: Scope) -> set[str]:
    names: set[str] = set()
    for method in cls_scope.children:
        for assign in method.assigns:
            targets = assign.targets if isinstance(assign, ast.Assign) else [assign.target]
            for target in targets:
                if (
                    isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Name)
                    and target.value.id == "self"
                ):
                    names.add(target.attr)
    return names


def _class_checks(ctx: FileContext, scope: Scope) -> Iterator[Hit]:
    t = ctx.config.thresholds
    node = scope.node
    assert isinstance(node, ast.ClassDef)
    methods = [c for c in scope.children if c.kind == "function"]
    if len(methods) <= t.god_class_methods // 2:
        return
    loc = code_lines(ctx, node)
    attrs = _instance_attributes(scope)
    total_cc = sum(m.complexity for m in methods)
    signals = [
        len(methods) > t.god_class_methods,
        loc > t.god_class_lines,
        len(attrs) > t.god_class_attributes,
        total_cc > 4 * t.god_class_methods,
    ]
    # One big number alone is often a legitimate facade; two together are not.
    if sum(signals) >= 2:
        yield Hit(
            "GOD_CLASS",
            scope,
            node.lineno,
            node.end_lineno or node.lineno,
            node.col_offset + 1,
            f"{scope.name} has {len(methods)} methods, {loc} lines of code, {len(attrs)} attributes "
            f"and total complexity {total_cc}",
            metadata={
                "methods": len(methods),
                "lines": loc,
                "attributes": len(attrs),
                "total_complexity": total_cc,
            },
        )


def check(ctx: FileContext) -> Iterator[Hit]:
    for scope in ctx.scopes:
        if scope.kind == "function":
            yield from _function_checks(ctx, scope)
        elif scope.kind == "class":
            yield from _class_checks(ctx, scope)
