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
from operator import attrgetter
from typing import Literal

__all__ = ["FUNCTION_TYPES", "Scope", "ScopeKind", "build_scopes", "child_fields", "innermost", "release"]

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
        # Operator singletons (Add, Eq ...): nodes without children.
        "op",
        "ops",
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

# What _scan does with a node, by exact type: one dict lookup instead of a
# chain of type tests that most nodes (which need nothing) went all through.
(
    _CALL,
    _SUBSCRIPT,
    _ASSIGN,
    _IF,
    _IMPORT,
    _RETURN,
    _DICT,
    _BOOLOP,
    _COMPREHENSION,
    _LOOP,
    _DEF,
    _TRY,
    _TRY_STAR,
    _WITH,
    _YIELD,
    _ASSERT,
    _MATCH,
) = range(17)
_KIND: dict[type, int] = {
    ast.Call: _CALL,
    ast.Subscript: _SUBSCRIPT,
    ast.Assign: _ASSIGN,
    ast.AnnAssign: _ASSIGN,
    ast.If: _IF,
    ast.IfExp: _IF,
    ast.Import: _IMPORT,
    ast.ImportFrom: _IMPORT,
    ast.Return: _RETURN,
    ast.Dict: _DICT,
    ast.BoolOp: _BOOLOP,
    ast.comprehension: _COMPREHENSION,
    ast.For: _LOOP,
    ast.While: _LOOP,
    ast.AsyncFor: _LOOP,
    ast.FunctionDef: _DEF,
    ast.AsyncFunctionDef: _DEF,
    ast.ClassDef: _DEF,
    ast.Try: _TRY,
    ast.TryStar: _TRY_STAR,
    ast.With: _WITH,
    ast.AsyncWith: _WITH,
    ast.Yield: _YIELD,
    ast.YieldFrom: _YIELD,
    ast.Assert: _ASSERT,
    ast.Match: _MATCH,
}
_UNSET = object()
# Per class: None (no child fields), the one field's name, or an attrgetter
# that fetches all child fields in one C call.
_GETTERS: dict[type, object] = {}


def _getter(cls: type) -> object:
    fields = child_fields(cls)
    getter: object = None
    if len(fields) == 1:
        getter = fields[0]
    elif fields:
        getter = attrgetter(*fields)
    _GETTERS[cls] = getter
    return getter


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
    kind_of, getters = _KIND.get, _GETTERS
    name_t, const_t = ast.Name, ast.Constant
    pop, push, extend = stack.pop, stack.append, stack.extend
    calls, subscripts, assigns = scope.calls, scope.subscripts, scope.assigns
    while stack:
        node = pop()
        t = type(node)
        if t is name_t or t is const_t:
            continue  # the most common nodes, and leaves
        k = kind_of(t)
        if k is not None:
            if k == _CALL:
                calls.append(node)  # type: ignore[arg-type]
            elif k == _SUBSCRIPT:
                subscripts.append(node)  # type: ignore[arg-type]
            elif k == _ASSIGN:
                assigns.append(node)  # type: ignore[arg-type]
            elif k == _IF:
                cc += 1
            elif k == _IMPORT:
                scope.imports.append(node)  # type: ignore[arg-type]
                continue
            elif k == _RETURN:
                scope.returns.append(node)  # type: ignore[arg-type]
            elif k == _DICT:
                scope.dicts.append(node)  # type: ignore[arg-type]
            elif k == _BOOLOP:
                cc += len(node.values) - 1  # type: ignore[attr-defined]
            elif k == _COMPREHENSION:
                cc += len(node.ifs) + 1  # type: ignore[attr-defined]
            elif k == _LOOP:
                cc += 2 if node.orelse else 1  # type: ignore[attr-defined]
            elif k == _DEF:
                nested.append((node, scope))
                # Decorators and defaults run in the enclosing scope: collect
                # their calls there, but radon does not count them.
                continue
            elif k == _TRY:
                cc += len(node.handlers) + bool(node.orelse)  # type: ignore[attr-defined]
                scope.tries.append(node)  # type: ignore[arg-type]
            elif k == _TRY_STAR:
                # radon does not know TryStar (3.11) and adds nothing for it.
                scope.tries.append(node)  # type: ignore[arg-type]
            elif k == _WITH:
                scope.withs.append(node)  # type: ignore[arg-type]
            elif k == _YIELD:
                scope.has_yield = True
            elif k == _ASSERT:
                cc += 1
                scope.asserts.append(node)  # type: ignore[arg-type]
                continue
            elif k == _MATCH:
                cases = node.cases  # type: ignore[attr-defined]
                catch_all = any(getattr(c.pattern, "pattern", False) is None for c in cases)
                cc += max(0, len(cases) - catch_all)
        getter = getters.get(t, _UNSET)
        if getter is _UNSET:
            getter = _getter(t)
        if getter is None:
            continue
        if type(getter) is str:
            value = getattr(node, getter, None)
            if value is not None:
                if type(value) is list:
                    extend(value)
                else:
                    push(value)
            continue
        try:
            values = getter(node)  # type: ignore[operator]
        except AttributeError:  # a hand-built node without every field
            values = tuple(getattr(node, f, None) for f in child_fields(t))
        for value in values:
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


def innermost(root: Scope, line: int) -> Scope:
    """The deepest scope whose span holds ``line`` (``root`` when none does)."""
    best = root
    stack = list(root.children)
    while stack:
        scope = stack.pop()
        if scope.line_start <= line <= scope.line_end:
            best = scope
            stack = list(scope.children)
    return best


def release(root: Scope | None) -> None:
    """Break the parent/child cycles of a scope tree. Each scope holds its
    AST node, so while the cycle lives the whole tree waits for the cyclic
    collector; without it the tree is freed as soon as the last reference
    goes, and workers (which run with the collector off) never pile up
    garbage."""
    if root is None:
        return
    stack = [root]
    while stack:
        scope = stack.pop()
        scope.parent = None
        stack.extend(scope.children)
        scope.children = []
