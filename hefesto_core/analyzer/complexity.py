"""Complexity metrics of one function.

* Cyclomatic complexity exactly as radon's ``cc`` computes it for Python
  (the counting itself lives in :mod:`.scopes`, which computes it for every
  function during the single traversal; :func:`cyclomatic` runs it alone).
* Cognitive complexity after G. Ann Campbell's definition (SonarSource):
  structures that break linear flow cost 1 plus their nesting depth, each
  run of like boolean operators costs 1, ``else``/``elif`` cost 1, direct
  recursion costs 1.
"""

from __future__ import annotations

import ast

from hefesto_core.analyzer.scopes import Scope, build_scopes, child_fields

__all__ = ["cognitive", "cyclomatic", "rank"]

_NESTING = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.Try, ast.TryStar, ast.Match)


def cyclomatic(func: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Radon-compatible cyclomatic complexity of one function."""
    module = ast.Module(body=[func], type_ignores=[])
    root = build_scopes(module, "m")
    return root.children[0].complexity


def rank(complexity: int) -> str:
    """Radon's letter rank: A (1-5) ... F (41+)."""
    for limit, letter in ((5, "A"), (10, "B"), (20, "C"), (30, "D"), (40, "E")):
        if complexity <= limit:
            return letter
    return "F"


_SKIP_EXPR = (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _expr_cost(expr: ast.AST, nesting: int, name: str) -> int:
    """One pass over an expression: 1 per run of like boolean operators
    (``a and b and c`` is 1, ``a and b or c`` 2), 1 + nesting per
    conditional expression, 1 per direct recursive call."""
    total = 0
    stack: list[tuple[ast.AST, type | None]] = [(expr, None)]
    pop, push = stack.pop, stack.append
    while stack:
        node, parent_op = pop()
        t = type(node)
        op: type | None = None
        if t is ast.BoolOp:
            op = type(node.op)  # type: ignore[attr-defined]
            if op is not parent_op:
                total += 1
        elif t is ast.IfExp:
            total += 1 + nesting
        elif t is ast.Call:
            func = node.func  # type: ignore[attr-defined]
            if type(func) is ast.Name and func.id == name:
                total += 1
        elif t is ast.Name or t is ast.Constant or isinstance(node, _SKIP_EXPR):
            continue
        for field in child_fields(t):
            value = getattr(node, field, None)
            if value is None:
                continue
            if type(value) is list:
                for item in value:
                    push((item, op))
            else:
                push((value, op))
    return total


class _Cognitive:
    def __init__(self, name: str) -> None:
        self.name = name
        self.total = 0

    def expr(self, node: ast.AST | None, nesting: int) -> None:
        if node is not None:
            self.total += _expr_cost(node, nesting, self.name)

    def body(self, stmts: list[ast.stmt], nesting: int) -> None:
        for stmt in stmts:
            self.stmt(stmt, nesting)

    def stmt(self, node: ast.stmt, nesting: int) -> None:
        if isinstance(node, ast.If):
            self.total += 1 + nesting
            self._if_chain(node, nesting)
        elif isinstance(node, ast.For | ast.AsyncFor | ast.While):
            self.total += 1 + nesting
            self.expr(node.iter if not isinstance(node, ast.While) else node.test, nesting)
            self.body(node.body, nesting + 1)
            if node.orelse:
                self.total += 1
                self.body(node.orelse, nesting + 1)
        elif isinstance(node, ast.Try | ast.TryStar):
            self.body(node.body, nesting)
            for handler in node.handlers:
                self.total += 1 + nesting
                self.body(handler.body, nesting + 1)
            self.body(node.orelse, nesting)
            self.body(node.finalbody, nesting)
        elif isinstance(node, ast.Match):
            self.total += 1 + nesting
            self.expr(node.subject, nesting)
            for case in node.cases:
                self.expr(case.guard, nesting + 1)
                self.body(case.body, nesting + 1)
        elif isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                self.expr(item.context_expr, nesting)
            self.body(node.body, nesting)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            # A nested function adds nesting to what it contains, not cost.
            self.body(node.body, nesting + 1)
        elif isinstance(node, ast.ClassDef):
            return
        else:
            self.expr(node, nesting)

    def _if_chain(self, node: ast.If, nesting: int) -> None:
        self.expr(node.test, nesting)
        self.body(node.body, nesting + 1)
        orelse = node.orelse
        if len(orelse) == 1 and isinstance(orelse[0], ast.If):
            self.total += 1  # elif: no nesting penalty
            self._if_chain(orelse[0], nesting)
        elif orelse:
            self.total += 1
            self.body(orelse, nesting + 1)


def cognitive(func: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Cognitive complexity of one function."""
    visitor = _Cognitive(func.name)
    visitor.body(func.body, 0)
    return visitor.total


def function_scopes(root: Scope) -> list[Scope]:
    return [s for s in root.walk() if s.kind == "function"]
