"""What every rule works with: the :class:`FileContext` of one parsed file
and the :class:`Hit` a rule reports (the engine turns hits into findings)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from hefesto_core.analyzer.config import AnalyzerConfig
from hefesto_core.analyzer.scopes import Scope
from hefesto_core.analyzer.source import SourceFile
from hefesto_core.models import Severity

__all__ = ["FileContext", "Hit", "call_name", "dotted", "is_str_constant", "iter_calls"]


@dataclass(slots=True)
class Hit:
    rule_id: str
    scope: Scope
    line_start: int
    line_end: int
    column: int
    message: str
    suggestion: str | None = None
    confidence: float = 1.0
    severity: Severity | None = None
    """None: the rule's (configurable) default."""
    metadata: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def at(cls, rule_id: str, scope: Scope, node: ast.AST, message: str, **kw: Any) -> Hit:
        line = int(getattr(node, "lineno", 1))
        end = int(getattr(node, "end_lineno", None) or line)
        col = int(getattr(node, "col_offset", 0)) + 1
        return cls(rule_id, scope, line, end, col, message, **kw)


def dotted(expr: ast.AST) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    parts: list[str] = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if isinstance(expr, ast.Name):
        parts.append(expr.id)
        return ".".join(reversed(parts))
    return None


def is_str_constant(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


@dataclass(slots=True)
class FileContext:
    src: SourceFile
    root: Scope
    config: AnalyzerConfig
    aliases: dict[str, str] = field(default_factory=dict)
    """Local name → imported dotted name (``sp`` → ``subprocess``)."""
    scopes: list[Scope] = field(default_factory=list)
    _names: dict[int, str | None] = field(default_factory=dict)
    _by_last: dict[str, list[tuple[Scope, ast.Call]]] | None = None
    _by_keyword: dict[str, list[tuple[Scope, ast.Call]]] | None = None

    @classmethod
    def build(cls, src: SourceFile, root: Scope, config: AnalyzerConfig) -> FileContext:
        ctx = cls(src, root, config, scopes=root.walk())
        for scope in ctx.scopes:
            for imp in scope.imports:
                if isinstance(imp, ast.Import):
                    for alias in imp.names:
                        if alias.asname:
                            ctx.aliases[alias.asname] = alias.name
                        else:
                            top = alias.name.split(".")[0]
                            ctx.aliases.setdefault(top, top)
                elif imp.module and imp.level == 0:
                    for alias in imp.names:
                        ctx.aliases[alias.asname or alias.name] = f"{imp.module}.{alias.name}"
        return ctx

    def resolve(self, expr: ast.AST) -> str | None:
        """Dotted name of ``expr`` with import aliases expanded (memoized:
        several rules ask about the same call)."""
        key = id(expr)
        names = self._names
        if key in names:
            return names[key]
        resolved = names[key] = self._resolve(expr)
        return resolved

    def _resolve(self, expr: ast.AST) -> str | None:
        name = dotted(expr)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        full = self.aliases.get(head)
        if full is None:
            return name
        return f"{full}.{rest}" if rest else full

    def _index_calls(self) -> None:
        by_last: dict[str, list[tuple[Scope, ast.Call]]] = {}
        by_keyword: dict[str, list[tuple[Scope, ast.Call]]] = {}
        for scope in self.scopes:
            for call in scope.calls:
                f = call.func
                last = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None
                if last is not None:
                    by_last.setdefault(last, []).append((scope, call))
                for kw in call.keywords:
                    if kw.arg:
                        by_keyword.setdefault(kw.arg, []).append((scope, call))
        self._by_last, self._by_keyword = by_last, by_keyword

    def calls_named(self, *names: str) -> list[tuple[Scope, ast.Call]]:
        """Calls whose callee's last name (``f`` in ``a.b.f()``) is one of
        ``names``, in source order: rules look up what they need instead of
        scanning every call of the file."""
        if self._by_last is None:
            self._index_calls()
        assert self._by_last is not None
        out = [sc for n in names for sc in self._by_last.get(n, ())]
        out.sort(key=lambda sc: (sc[1].lineno, sc[1].col_offset))
        return out

    def calls_with_keyword(self, name: str) -> list[tuple[Scope, ast.Call]]:
        if self._by_keyword is None:
            self._index_calls()
        assert self._by_keyword is not None
        return list(self._by_keyword.get(name, ()))

    def functions(self) -> Iterator[Scope]:
        return (s for s in self.scopes if s.kind == "function")


def call_name(ctx: FileContext, call: ast.Call) -> str | None:
    return ctx.resolve(call.func)


def iter_calls(ctx: FileContext) -> Iterator[tuple[Scope, ast.Call, str | None]]:
    for scope in ctx.scopes:
        for call in scope.calls:
            yield scope, call, ctx.resolve(call.func)
