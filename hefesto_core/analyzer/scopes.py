"""The one traversal of a module: scopes (module, classes, functions) with
their qualified names, radon-compatible cyclomatic complexity, and the nodes
each rule needs, collected in a single pass so rules never re-walk the tree.

Speed matters here (the analyzer must stay close to the bare ``ast.parse``
rate), hence a flat stack instead of ``ast.NodeVisitor`` and a per-class
table of the fields that can hold child nodes.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["FUNCTION_TYPES", "Scope", "ScopeKind", "build_scopes", "child_fields"]

ScopeKind = Literal["module", "class", "function"]
FUNCTION_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef)
_DEF_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)

_SKIP_FIELDS = frozenset(
    {
        "ctx",
        "id",
        "attr",
        "name",
        "arg",
        "asname",
        "kind",
        "type_comment",
        "level",
        "module",
        "conversion",
        "is_async",
        "names",
        "kwd_attrs",
        "rest",
        "tag",
        "type_ignores",
    }
)
_LEAVES = (
    ast.Constant,
    ast.MatchSingleton,
    ast.Name,
    ast.Pass,
    ast.Break,
    ast.Continue,
    ast.Global,
    ast.Nonlocal,
    ast.Import,
    ast.ImportFrom,
    ast.alias,
)
_FIELDS: dict[type, tuple[str, ...]] = {}


def child_fields(cls: type) -> tuple[str, ...]:
    """Fields of an AST class that may hold child nodes."""
    fields = _FIELDS.get(cls)
    if fields is None:
        if issubclass(cls, _LEAVES):
            fields = ()
        else:
            fields = tuple(f for f in getattr(cls, "_fields", ()) if f not in _SKIP_FIELDS)
        _FIELDS[cls] = fields
    return fields


@dataclass(slots=True, eq=False)
class Scope:
    kind: ScopeKind
    node: ast.AST
    qualname: str
    parent: Scope | None = None
    complexity: int = 1
    children: list[Scope] = field(default_factory=list)
    calls: list[ast.Call] = field(default_factory=list)
    subscripts: list[ast.Subscript] = field(default_factory=list)
    assigns: list[ast.Assign | ast.AnnAssign] = field(default_factory=list)
    tries: list[ast.Try | ast.TryStar] = field(default_factory=list)
    asserts: list[ast.Assert] = field(default_factory=list)
    returns: list[ast.Return] = field(default_factory=list)
    withs: list[ast.With | ast.AsyncWith] = field(default_factory=list)
    imports: list[ast.Import | ast.ImportFrom] = field(default_factory=list)
    dicts: list[ast.Dict] = field(default_factory=list)
    has_yield: bool = False

    @property
    def name(self) -> str:
        return getattr(self.node, "name", "<module>")

    @property
    def line_start(self) -> int:
        if self.kind == "module":
            return 1
        return int(getattr(self.node, "lineno", 1))

    @property
    def line_end(self) -> int:
        return int(getattr(self.node, "end_lineno", None) or self.line_start)

    @property
    def body(self) -> list[ast.stmt]:
        return list(getattr(self.node, "body", []))

    def walk(self) -> list[Scope]:
        """This scope and all scopes nested in it, outermost first."""
        out = [self]
        for child in self.children:
            out.extend(child.walk())
        return out

    def enclosing_class(self) -> Scope | None:
        scope = self.parent
        if self.kind == "function" and scope is not None and scope.kind == "class":
            return scope
        return None


def _scan(scope: Scope, roots: list[ast.AST]) -> list[tuple[ast.AST, Scope]]:
    """Walk ``roots`` (not into nested defs), filling ``scope``; return the
    nested definitions found, to be scanned as scopes of their own.

    Complexity follows radon's ``ComplexityVisitor`` exactly: if/elif and
    conditional expressions +1, each extra boolean operand +1, loops +1 (+1
    with ``else``), try +handlers (+1 with ``else``), comprehensions +1 per
    ``for`` and ``if``, match +cases (a final catch-all excluded), assert +1
    (and, as in radon, nothing inside an assert counts). Lambdas add nothing
    themselves but their bodies count; nested functions and classes are
    separate scopes.
    """
    nested: list[tuple[ast.AST, Scope]] = []
    stack: list[ast.AST] = list(roots)
    cc = 0
    fields_of = _FIELDS
    pop, push, extend = stack.pop, stack.append, stack.extend
    calls, subscripts, assigns = scope.calls, scope.subscripts, scope.assigns
    while stack:
        node = pop()
        t = type(node)
        if t is ast.Call:
            calls.append(node)  # type: ignore[arg-type]
        elif t is ast.Name or t is ast.Constant:
            continue
        elif t is ast.Import or t is ast.ImportFrom:
            scope.imports.append(node)  # type: ignore[arg-type]
            continue
        elif t is ast.Attribute:
            pass
        elif t is ast.Dict:
            scope.dicts.append(node)  # type: ignore[arg-type]
        elif t is ast.Subscript:
            subscripts.append(node)  # type: ignore[arg-type]
        elif t is ast.If or t is ast.IfExp:
            cc += 1
        elif t is ast.BoolOp:
            cc += len(node.values) - 1  # type: ignore[attr-defined]
        elif t is ast.comprehension:
            cc += len(node.ifs) + 1  # type: ignore[attr-defined]
        elif t is ast.For or t is ast.While or t is ast.AsyncFor:
            cc += 2 if node.orelse else 1  # type: ignore[attr-defined]
        elif t is ast.Assign or t is ast.AnnAssign:
            assigns.append(node)  # type: ignore[arg-type]
        elif t is ast.Try:
            cc += len(node.handlers) + bool(node.orelse)  # type: ignore[attr-defined]
            scope.tries.append(node)  # type: ignore[arg-type]
        elif t is ast.TryStar:
            # radon does not know TryStar (3.11) and adds nothing for it.
            scope.tries.append(node)  # type: ignore[arg-type]
        elif t is ast.Match:
            cases = node.cases  # type: ignore[attr-defined]
            catch_all = any(getattr(c.pattern, "pattern", False) is None for c in cases)
            cc += max(0, len(cases) - catch_all)
        elif t is ast.Return:
            scope.returns.append(node)  # type: ignore[arg-type]
        elif t is ast.With or t is ast.AsyncWith:
            scope.withs.append(node)  # type: ignore[arg-type]
        elif t is ast.Yield or t is ast.YieldFrom:
            scope.has_yield = True
        elif t is ast.Assert:
            cc += 1
            scope.asserts.append(node)  # type: ignore[arg-type]
            continue
        elif t is ast.FunctionDef or t is ast.AsyncFunctionDef or t is ast.ClassDef:
            nested.append((node, scope))
            # Decorators and defaults run in the enclosing scope: collect
            # their calls there, but radon does not count them.
            continue
        fields = fields_of.get(t)
        if fields is None:
            fields = child_fields(t)
        for name in fields:
            value = getattr(node, name, None)
            if value is None:
                continue
            if type(value) is list:
                extend(value)
            else:
                push(value)
    scope.complexity += cc
    return nested


def build_scopes(tree: ast.Module, module: str) -> Scope:
    """Scan the module; return the module scope with nested scopes as children."""
    root = Scope("module", tree, module)
    pending = _scan(root, list(tree.body))
    while pending:
        node, parent = pending.pop()
        kind: ScopeKind = "class" if type(node) is ast.ClassDef else "function"
        scope = Scope(kind, node, f"{parent.qualname}.{node.name}", parent)  # type: ignore[attr-defined]
        parent.children.append(scope)
        # Decorators, defaults, annotations and bases are evaluated in the
        # enclosing scope: scan them there (radon does not count them at all,
        # so their complexity is discarded).
        outer: list[ast.AST] = [*node.decorator_list]  # type: ignore[attr-defined]
        if kind == "function":
            args = node.args  # type: ignore[attr-defined]
            outer.extend(d for d in (*args.defaults, *args.kw_defaults) if d is not None)
        else:
            outer.extend((*node.bases, *node.keywords))  # type: ignore[attr-defined]
        if outer:
            saved = parent.complexity
            pending.extend(_scan(parent, outer))
            parent.complexity = saved
        pending.extend(_scan(scope, list(node.body)))  # type: ignore[attr-defined]
    _order(root)
    return root


def _order(scope: Scope) -> None:
    scope.children.sort(key=lambda s: (s.line_start, getattr(s.node, "col_offset", 0)))
    for child in scope.children:
        _order(child)
