"""A small forward data-flow analysis over one function's statements, shared
by the rules that look for a value used before being checked
(POSSIBLE_NONE_DEREFERENCE, UNCHECKED_INDEX).

The state maps local names to the :class:`Origin` that makes them unsafe
(may be None, may be empty). Assignments create or clear facts; branch
conditions narrow them (``if x``, ``if x is None: return``, ``assert x``,
``and``/``or`` short-circuits, walrus, early ``raise``/``return``/
``continue``/``break``, ``x = x or default``); paths join by union (a value
is unsafe after a join when it is unsafe on any incoming path). Uses inside
a ``try`` whose handlers catch the resulting exception are not reported.
Loops are analyzed once (a loop-carried fact is missed rather than guessed).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass

from hefesto_core.analyzer.rules.base import FileContext, Hit
from hefesto_core.analyzer.scopes import Scope

__all__ = ["Flow", "Origin", "State", "terminates"]


@dataclass(frozen=True, slots=True)
class Origin:
    what: str | ast.AST
    """e.g. ``d.get('k')``, or the expression itself (unparsed only when a
    finding is reported: most origins never are)."""
    line: int
    confidence: float = 0.9
    safe_indexes: frozenset[int] = frozenset()
    roots: frozenset[str] = frozenset()
    """Names the value was derived from (``line`` in ``line.split(',')``):
    a test on them (``',' in line``) counts as a guard."""
    suffix: str = ""

    @property
    def text(self) -> str:
        if isinstance(self.what, str):
            return self.what
        code = ast.unparse(self.what)
        return (code if len(code) <= 60 else code[:57] + "...") + self.suffix


State = dict[str, Origin]

_EXITS = frozenset(
    {
        "sys.exit",
        "os._exit",
        "os.abort",
        "exit",
        "quit",
        "pytest.fail",
        "pytest.skip",
        "pytest.exit",
        "self.fail",
        "typing.assert_never",
        "typing_extensions.assert_never",
        "self.skipTest",
    }
)


def _join(states: Iterable[State | None]) -> State | None:
    out: State | None = None
    for s in states:
        if s is None:
            continue
        if out is None:
            out = dict(s)
        else:
            for k, v in s.items():
                out.setdefault(k, v)
    return out


def _drop(state: State, names: Iterable[str]) -> State:
    names = {n for n in names if n in state}
    if not names:
        return state
    out = dict(state)
    for n in names:
        del out[n]
    return out


def _bound_names(target: ast.AST) -> list[str]:
    return [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]


def terminates(stmts: list[ast.stmt], ctx: FileContext | None = None) -> bool:
    """True when control never falls off the end of ``stmts``."""
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, ast.Return | ast.Raise | ast.Continue | ast.Break):
        return True
    if isinstance(last, ast.Expr) and isinstance(last.value, ast.Call) and ctx is not None:
        return (ctx.resolve(last.value.func) or "") in _EXITS
    if isinstance(last, ast.If):
        return terminates(last.body, ctx) and terminates(last.orelse, ctx)
    if isinstance(last, ast.With | ast.AsyncWith):
        return terminates(last.body, ctx)
    if isinstance(last, ast.Try | ast.TryStar):
        if terminates(last.finalbody, ctx):
            return True
        main = terminates(last.orelse, ctx) if last.orelse else terminates(last.body, ctx)
        return main and all(terminates(h.body, ctx) for h in last.handlers)
    if isinstance(last, ast.While):
        infinite = isinstance(last.test, ast.Constant) and bool(last.test.value)
        return infinite and not any(isinstance(n, ast.Break) for n in _loop_level(last.body))
    if isinstance(last, ast.Match):
        catch_all = any(
            isinstance(c.pattern, ast.MatchAs) and c.pattern.pattern is None and c.guard is None
            for c in last.cases
        )
        return catch_all and all(terminates(c.body, ctx) for c in last.cases)
    return False


def _loop_level(stmts: list[ast.stmt]) -> Iterable[ast.AST]:
    """Nodes of a loop body that belong to this loop (not to nested loops or defs)."""
    stack: list[ast.AST] = list(stmts)
    while stack:
        node = stack.pop()
        yield node
        if isinstance(
            node,
            ast.For
            | ast.AsyncFor
            | ast.While
            | ast.FunctionDef
            | ast.AsyncFunctionDef
            | ast.ClassDef
            | ast.Lambda,
        ):
            if isinstance(node, ast.For | ast.AsyncFor | ast.While):
                stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


class Flow:
    """Base of a flow rule: subclasses say what is a source of unsafe values,
    which uses are unsafe and which conditions guard a name."""

    rule_id = ""
    #: Whether arithmetic operands count as uses (``None + 1`` raises).
    checks_operands = False
    #: Exceptions whose handlers make a use inside the ``try`` body safe.
    caught_by: frozenset[str] = frozenset({"Exception", "BaseException"})

    def __init__(self, ctx: FileContext, scope: Scope) -> None:
        self.ctx = ctx
        self.scope = scope
        self.hits: list[Hit] = []
        self._protected = 0
        self._loops: list[list[State]] = []
        self._reported: set[int] = set()

    # -- hooks ------------------------------------------------------------
    def source(self, expr: ast.AST, state: State) -> Origin | None:
        raise AssertionError("subclass must define source()")  # pragma: no cover

    def on_use(self, node: ast.AST, base: ast.AST, origin: Origin, name: str | None) -> None:
        """``node`` (attribute, call or subscript) uses ``base`` which is unsafe."""
        raise AssertionError("subclass must define on_use()")  # pragma: no cover

    def compare_guards(self, node: ast.Compare, state: State) -> tuple[list[str], list[str]]:
        """Names made safe when the comparison is true, and when it is false."""
        return [], []

    def call_guards(self, node: ast.Call, state: State) -> list[str]:
        """Names made safe when the call's result is true."""
        return []

    def initial_state(self) -> State:
        return {}

    # -- driver -----------------------------------------------------------
    def run(self) -> list[Hit]:
        self.block(self.scope.body, self.initial_state())
        return self.hits

    def report(self, hit: Hit) -> None:
        key = hit.line_start * 10_000 + hit.column
        if self._protected or key in self._reported:
            return
        self._reported.add(key)
        self.hits.append(hit)

    # -- statements -------------------------------------------------------
    def block(self, stmts: list[ast.stmt], state: State | None) -> State | None:
        for stmt in stmts:
            if state is None:
                return None
            state = self.stmt(stmt, state)
        return state

    def assign(self, targets: list[ast.AST], value: ast.AST | None, state: State) -> State:
        origin = self.source(value, state) if value is not None else None
        for target in targets:
            if isinstance(target, ast.Name):
                state = {**state, target.id: origin} if origin is not None else _drop(state, [target.id])
            else:
                state = self.expr(target, state)  # x.attr = ... and x[k] = ... use x
                state = _drop(state, _bound_names(target) if isinstance(target, ast.Tuple | ast.List) else [])
        return state

    def stmt(self, node: ast.stmt, state: State) -> State | None:
        if isinstance(node, ast.Assign):
            state = self.expr(node.value, state)
            return self.assign(list(node.targets), node.value, state)
        if isinstance(node, ast.AnnAssign):
            if node.value is not None:
                state = self.expr(node.value, state)
            return self.assign([node.target], node.value, state) if node.value is not None else state
        if isinstance(node, ast.AugAssign):
            state = self.expr(node.value, self.expr(node.target, state))
            return _drop(state, _bound_names(node.target))
        if isinstance(node, ast.Expr):
            state = self.expr(node.value, state)
            if isinstance(node.value, ast.Call) and (self.ctx.resolve(node.value.func) or "") in _EXITS:
                return None
            return state
        if isinstance(node, ast.Return | ast.Raise):
            for child in ast.iter_child_nodes(node):
                state = self.expr(child, state)
            return None
        if isinstance(node, ast.Continue):
            return None
        if isinstance(node, ast.Break):
            if self._loops:
                self._loops[-1].append(state)
            return None
        if isinstance(node, ast.If):
            t, f = self.cond(node.test, state)
            return _join([self.block(node.body, t), self.block(node.orelse, f)])
        if isinstance(node, ast.Assert):
            if isinstance(node.test, ast.Constant) and not node.test.value:
                return None  # `assert False`: this path ends here
            t, _ = self.cond(node.test, state)
            return t
        if isinstance(node, ast.While):
            return self._while(node, state)
        if isinstance(node, ast.For | ast.AsyncFor):
            state = self.expr(node.iter, state)
            body_in = _drop(state, _bound_names(node.target))
            self._loops.append([])
            body_out = self.block(node.body, body_in)
            breaks = self._loops.pop()
            after = _join([state, body_out])
            else_out = self.block(node.orelse, after) if node.orelse else after
            return _join([else_out, *breaks])
        if isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                state = self.expr(item.context_expr, state)
                if item.optional_vars is not None:
                    state = _drop(state, _bound_names(item.optional_vars))
            return self.block(node.body, state)
        if isinstance(node, ast.Try | ast.TryStar):
            return self._try(node, state)
        if isinstance(node, ast.Match):
            state = self.expr(node.subject, state)
            outs: list[State | None] = []
            catch_all = False
            for case in node.cases:
                case_in = _drop(
                    state,
                    [
                        n.name
                        for n in ast.walk(case.pattern)
                        if isinstance(n, ast.MatchAs | ast.MatchStar) and n.name
                    ],
                )
                if (
                    isinstance(case.pattern, ast.MatchAs)
                    and case.pattern.pattern is None
                    and case.guard is None
                ):
                    catch_all = True
                if case.guard is not None:
                    case_in, _ = self.cond(case.guard, case_in)
                outs.append(self.block(case.body, case_in))
            if not catch_all:
                outs.append(state)
            return _join(outs)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            return _drop(state, [node.name])
        if isinstance(node, ast.Delete):
            return _drop(state, [n for t in node.targets for n in _bound_names(t)])
        if isinstance(node, ast.Global | ast.Nonlocal):
            return _drop(state, node.names)
        if isinstance(node, ast.Import | ast.ImportFrom):
            return _drop(state, [(a.asname or a.name).split(".")[0] for a in node.names])
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                state = self.expr(child, state)
        return state

    def _while(self, node: ast.While, state: State) -> State | None:
        t, f = self.cond(node.test, state)
        self._loops.append([])
        body_out = self.block(node.body, t)
        breaks = self._loops.pop()
        infinite = isinstance(node.test, ast.Constant) and bool(node.test.value)
        if infinite:
            return _join(breaks)
        after_body = self.cond(node.test, body_out)[1] if body_out is not None else None
        exhausted = _join([f, after_body])
        else_out = self.block(node.orelse, exhausted) if node.orelse else exhausted
        return _join([else_out, *breaks])

    def _catches(self, node: ast.Try | ast.TryStar) -> bool:
        for h in node.handlers:
            if h.type is None:
                return True
            types = h.type.elts if isinstance(h.type, ast.Tuple) else [h.type]
            if any((self.ctx.resolve(t) or "").rsplit(".", 1)[-1] in self.caught_by for t in types):
                return True
        return False

    def _try(self, node: ast.Try | ast.TryStar, state: State) -> State | None:
        protected = self._catches(node)
        self._protected += protected
        body_out = self.block(node.body, state)
        self._protected -= protected
        # An exception may come from any point of the body: facts from
        # before and after it are both possible in a handler.
        handler_in = _join([state, body_out]) or state
        outs = [self.block(node.orelse, body_out) if node.orelse else body_out]
        for h in node.handlers:
            outs.append(self.block(h.body, _drop(handler_in, [h.name] if h.name else [])))
        out = _join(outs)
        if node.finalbody:
            final = self.block(node.finalbody, _join([out, handler_in]))
            if final is None:
                return None
        return out

    # -- expressions ------------------------------------------------------
    def cond(self, test: ast.AST, state: State) -> tuple[State, State]:
        """Check uses in ``test``; return the states when it is true / false."""
        if isinstance(test, ast.BoolOp):
            is_and = isinstance(test.op, ast.And)
            other: list[State | None] = []
            current = state
            for value in test.values:
                t, f = self.cond(value, current)
                other.append(f if is_and else t)
                current = t if is_and else f
            joined = _join(other) or current
            return (current, joined) if is_and else (joined, current)
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            t, f = self.cond(test.operand, state)
            return f, t
        if isinstance(test, ast.NamedExpr):
            state = self.expr(test.value, state)
            state = self.assign([test.target], test.value, state)
            return self.cond(test.target, state)
        if isinstance(test, ast.Name):
            return _drop(state, [test.id]), state
        if isinstance(test, ast.Compare):
            state = self.expr(test, state)
            when_true, when_false = self.compare_guards(test, state)
            return _drop(state, when_true), _drop(state, when_false)
        if isinstance(test, ast.Call):
            state = self.expr(test, state)
            return _drop(state, self.call_guards(test, state)), state
        after = self.expr(test, state)
        return after, after

    def expr(self, node: ast.AST | None, state: State) -> State:
        """Check uses of unsafe values in ``node``; return the state after it
        (walrus assignments and uses that would have raised update it)."""
        if node is None or isinstance(node, ast.Constant | ast.Name):
            return state
        if isinstance(node, ast.BoolOp | ast.UnaryOp) and (
            isinstance(node, ast.BoolOp) or isinstance(node.op, ast.Not)
        ):
            t, f = self.cond(node, state)
            return _join([t, f]) or state
        if isinstance(node, ast.NamedExpr):
            state = self.expr(node.value, state)
            return self.assign([node.target], node.value, state)
        if isinstance(node, ast.IfExp):
            t, f = self.cond(node.test, state)
            self.expr(node.body, t)
            self.expr(node.orelse, f)
            return state
        if isinstance(node, ast.Lambda):
            return state  # runs later, under other facts
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            inner = state
            for gen in node.generators:
                inner = self.expr(gen.iter, inner)
                inner = _drop(inner, _bound_names(gen.target))
                for cond in gen.ifs:
                    inner, _ = self.cond(cond, inner)
            if isinstance(node, ast.DictComp):
                self.expr(node.value, self.expr(node.key, inner))
            else:
                self.expr(node.elt, inner)
            return state
        if isinstance(node, ast.Attribute | ast.Subscript):
            state = self.expr(node.value, state)
            if isinstance(node, ast.Subscript):
                state = self.expr(node.slice, state)
            return self._use(node, node.value, state)
        if isinstance(node, ast.Call):
            state = self.expr(node.func, state)
            for arg in (*node.args, *(k.value for k in node.keywords)):
                state = self.expr(arg, state)
            return self._use(node, node.func, state)
        if isinstance(node, ast.BinOp) and self.checks_operands:
            state = self.expr(node.left, state)
            state = self.expr(node.right, state)
            if isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant | ast.JoinedStr):
                return state  # "%s" % x formats None happily
            for operand in (node.left, node.right):
                state = self._use(node, operand, state)
            return state
        for child in ast.iter_child_nodes(node):
            state = self.expr(child, state)
        return state

    def _use(self, node: ast.AST, base: ast.AST, state: State) -> State:
        if isinstance(base, ast.Name):
            origin = state.get(base.id)
            if origin is not None:
                self.on_use(node, base, origin, base.id)
                # A use that fails would have raised: past it, the value was fine.
                return _drop(state, [base.id]) if self.drops_after_use(node) else state
            return state
        origin = self.source(base, state)
        if origin is not None:
            self.on_use(node, base, origin, None)
        return state

    def drops_after_use(self, node: ast.AST) -> bool:
        return True
