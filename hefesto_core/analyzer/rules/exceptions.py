"""BARE_EXCEPT and SILENT_EXCEPTION_SWALLOW."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from hefesto_core.analyzer.rules.base import FileContext, Hit
from hefesto_core.analyzer.suppress import is_comment

__all__ = ["RULE_IDS", "check", "is_broad"]

RULE_IDS = ("BARE_EXCEPT", "SILENT_EXCEPTION_SWALLOW")
_BROAD = frozenset({"Exception", "BaseException", "builtins.Exception", "builtins.BaseException"})


def is_broad(ctx: FileContext, handler: ast.ExceptHandler) -> bool:
    """Bare, ``Exception`` or ``BaseException`` (alone or in a tuple)."""
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any((ctx.resolve(t) or "") in _BROAD for t in types)


def _silent(body: list[ast.stmt]) -> bool:
    """Nothing but ``pass``, ``...``, a docstring, ``continue``/``break`` or
    ``return``/``return None``."""
    for stmt in body:
        if isinstance(stmt, ast.Pass | ast.Continue | ast.Break):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue
        if isinstance(stmt, ast.Return) and (
            stmt.value is None or (isinstance(stmt.value, ast.Constant) and stmt.value.value is None)
        ):
            continue
        return False
    return True


def check(ctx: FileContext) -> Iterator[Hit]:
    for scope in ctx.scopes:
        for tr in scope.tries:
            for handler in tr.handlers:
                end_reraises = bool(handler.body) and isinstance(handler.body[-1], ast.Raise)
                if handler.type is None and not end_reraises:
                    yield Hit(
                        "BARE_EXCEPT",
                        scope,
                        handler.lineno,
                        handler.lineno,
                        handler.col_offset + 1,
                        "bare `except:` also catches KeyboardInterrupt and SystemExit",
                    )
                explained = any(
                    "#" in ctx.src.line(i) and is_comment(ctx.src.line(i), ctx.src.line(i).index("#"))
                    for i in range(handler.lineno, (handler.end_lineno or handler.lineno) + 1)
                )
                # A comment saying why the exception is ignored makes it a decision, not an accident.
                if is_broad(ctx, handler) and _silent(handler.body) and not explained:
                    caught = "everything" if handler.type is None else ast.unparse(handler.type)
                    yield Hit(
                        "SILENT_EXCEPTION_SWALLOW",
                        scope,
                        handler.lineno,
                        handler.end_lineno or handler.lineno,
                        handler.col_offset + 1,
                        f"exception handler catches {caught} and discards it without logging",
                    )
