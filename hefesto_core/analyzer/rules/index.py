"""UNCHECKED_INDEX: a constant index into a result that may be empty (or
shorter than the index), with no length or truthiness check on the path.

Results that may be empty: ``str.split()`` without a separator and
``splitlines()`` (any index), ``split(sep)``/``rsplit(sep)`` (index >= 1;
index 0 and -1 always exist), ``re.findall``, ``fetchall``/``fetchmany``,
``glob.glob``, ``os.listdir``, ``.all()``/``.filter()`` query results, and
``sys.argv`` past 0.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from hefesto_core.analyzer.rules.base import FileContext, Hit, dotted
from hefesto_core.analyzer.rules.flow import Flow, Origin, State
from hefesto_core.analyzer.scopes import Scope

__all__ = ["RULE_IDS", "check"]

RULE_IDS = ("UNCHECKED_INDEX",)

_FUNCS = frozenset({"re.findall", "glob.glob", "os.listdir", "fnmatch.filter"})
_QUERY_METHODS = frozenset({"fetchall", "fetchmany", "findall", "all", "filter"})


def _index(node: ast.Subscript) -> int | None:
    s = node.slice
    if isinstance(s, ast.Constant) and isinstance(s.value, int) and not isinstance(s.value, bool):
        return s.value
    if isinstance(s, ast.UnaryOp) and isinstance(s.op, ast.USub) and isinstance(s.operand, ast.Constant):
        value = s.operand.value
        return -value if isinstance(value, int) else None
    return None


def _receiver_key(expr: ast.AST) -> str:
    return "expr:" + ast.dump(expr)


def _tested(test: ast.AST) -> set[str]:
    """Keys of the names and attribute chains whose truth a test checks."""
    return {_receiver_key(n) for n in ast.walk(test) if isinstance(n, ast.Name | ast.Attribute)}


class IndexFlow(Flow):
    rule_id = "UNCHECKED_INDEX"
    caught_by = frozenset({"Exception", "BaseException", "IndexError", "LookupError"})

    def __init__(self, ctx: FileContext, scope: Scope) -> None:
        super().__init__(ctx, scope)
        # Code that looks at len(sys.argv) anywhere in the function is
        # handling arguments deliberately.
        self.argv_checked = any(
            (ctx.resolve(c.func) or "") == "len" and c.args and (ctx.resolve(c.args[0]) or "") == "sys.argv"
            for c in scope.calls
        )
        self._inspected: set[str] | None = None

    @property
    def inspected(self) -> set[str]:
        """Names whose size or content the function inspects somewhere
        (``',' in line``, ``len(s)``, ``s.count(',')``, ``if line:``): a direct
        ``line.split(',')[1]`` on them is deliberate. Computed on first need."""
        if self._inspected is not None:
            return self._inspected
        inspected: set[str] = set()
        for node in ast.walk(self.scope.node):
            test = (
                getattr(node, "test", None)
                if isinstance(node, ast.If | ast.While | ast.Assert | ast.IfExp)
                else None
            )
            if test is not None:
                inspected.update(_tested(test))
            if isinstance(node, ast.Compare) and any(isinstance(o, ast.In | ast.NotIn) for o in node.ops):
                inspected.update(
                    n.id for c in node.comparators for n in ast.walk(c) if isinstance(n, ast.Name)
                )
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name):
                fname = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
                if fname in ("len", "count", "startswith", "endswith", "find", "index", "partition"):
                    target = (
                        node.func.value
                        if isinstance(node.func, ast.Attribute)
                        else (node.args[0] if node.args else None)
                    )
                    if target is not None:
                        inspected.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        self._inspected = inspected
        return inspected

    def initial_state(self) -> State:
        return {
            name: Origin(f"parameter '{name}' (a sequence that may be empty)", line, 0.6)
            for name, line in _sequence_params(self.scope).items()
        }

    def source(self, expr: ast.AST | None, state: State) -> Origin | None:
        if isinstance(expr, ast.Name):
            return state.get(expr.id)
        if (
            isinstance(expr, ast.Attribute)
            and not self.argv_checked
            and (self.ctx.resolve(expr) or "") == "sys.argv"
        ):
            return Origin("sys.argv", expr.lineno, 0.85, frozenset({0}))
        if expr is not None and _filtered(expr):
            return Origin(expr, int(getattr(expr, "lineno", 0)), 0.75, suffix=" (filtered: may keep nothing)")
        if not isinstance(expr, ast.Call):
            return None
        name = self.ctx.resolve(expr.func) or ""
        short = expr
        roots = frozenset(n.id for n in ast.walk(expr.func) if isinstance(n, ast.Name))
        if isinstance(expr.func, ast.Attribute):
            roots |= {_receiver_key(expr.func.value)}
        if name in _FUNCS:
            return Origin(
                short,
                expr.lineno,
                0.85,
                roots=frozenset(n.id for a in expr.args for n in ast.walk(a) if isinstance(n, ast.Name)),
            )
        func = expr.func
        if not isinstance(func, ast.Attribute):
            return None
        if func.attr in ("split", "rsplit"):
            sep = (
                expr.args[0] if expr.args else next((k.value for k in expr.keywords if k.arg == "sep"), None)
            )
            if sep is None or (isinstance(sep, ast.Constant) and sep.value is None):
                return Origin(short, expr.lineno, 0.8, roots=roots)
            return Origin(short, expr.lineno, 0.85, frozenset({0, -1}), roots)
        if func.attr == "splitlines":
            return Origin(short, expr.lineno, 0.8, roots=roots)
        if func.attr in _QUERY_METHODS and (func.attr != "all" or not expr.args):
            if func.attr == "findall" and dotted(func.value) not in (None, "re") and not expr.args:
                return None
            return Origin(short, expr.lineno, 0.8, roots=roots)
        return None

    def compare_guards(self, node: ast.Compare, state: State) -> tuple[list[str], list[str]]:
        """Any comparison involving ``len(x)``, ``x`` itself, or a membership
        test on what ``x`` was split from, guards ``x`` on both branches: the
        code is visibly reasoning about its size."""
        names: list[str] = []
        parts = [node.left, *node.comparators]
        for part in parts:
            if isinstance(part, ast.Call) and dotted(part.func) == "len" and part.args:
                arg = part.args[0]
                if isinstance(arg, ast.Name):
                    names.append(arg.id)
            elif isinstance(part, ast.Name):
                names.append(part.id)
                names.extend(k for k, o in state.items() if part.id in o.roots)
        if any(isinstance(op, ast.In | ast.NotIn) for op in node.ops):
            for part in parts:
                for n in ast.walk(part):
                    if isinstance(n, ast.Name):
                        names.extend(k for k, o in state.items() if n.id in o.roots)
        return names, names

    def call_guards(self, node: ast.Call, state: State) -> list[str]:
        names = [n.id for a in node.args for n in ast.walk(a) if isinstance(n, ast.Name)]
        if isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name):
            names.append(node.func.value.id)  # s.startswith(...), s.count(...) > n
        return [k for k, o in state.items() if k in names or o.roots & set(names)]

    def cond(self, test: ast.AST, state: State) -> tuple[State, State]:
        t, f = super().cond(test, state)
        if isinstance(test, ast.Call) and not isinstance(test.func, ast.Name):
            guarded = self.call_guards(test, state)
            f = {k: v for k, v in f.items() if k not in guarded}
        return t, f

    def on_use(self, node: ast.AST, base: ast.AST, origin: Origin, name: str | None) -> None:
        if not isinstance(node, ast.Subscript):
            return
        index = _index(node)
        if index is None or index in origin.safe_indexes:
            return
        if name is None and origin.roots & self.inspected:
            return
        subject = f"'{name}' (from {origin.text}, line {origin.line})" if name else origin.text
        self.report(
            Hit(
                self.rule_id,
                self.scope,
                node.lineno,
                node.end_lineno or node.lineno,
                node.col_offset + 1,
                f"{subject} may have fewer than {index + 1 if index >= 0 else -index} element(s); "
                f"[{index}] raises IndexError without a length check",
                confidence=origin.confidence,
                metadata={"variable": name, "source": origin.text, "index": index},
            )
        )

    def drops_after_use(self, node: ast.AST) -> bool:
        # parts[0] succeeding says nothing about parts[1]: keep the fact.
        return False


def _filtered(expr: ast.AST) -> bool:
    """A comprehension with an ``if``, or ``sorted``/``list`` of one or of
    ``filter(...)``: the result may be empty whatever the input."""
    if isinstance(expr, ast.ListComp | ast.GeneratorExp):
        return any(gen.ifs for gen in expr.generators)
    if (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Name)
        and expr.args
        and expr.func.id in ("sorted", "list", "tuple")
    ):
        inner = expr.args[0]
        is_filter = (
            isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name) and inner.func.id == "filter"
        )
        return is_filter or _filtered(inner)
    return False


_SEQUENCE_ANNOTATION = frozenset(
    {"list", "List", "Sequence", "MutableSequence", "typing.List", "typing.Sequence"}
)


def _sequence_params(scope: Scope) -> dict[str, int]:
    """Parameters annotated as a list or sequence (which may be empty)."""
    node = scope.node
    out: dict[str, int] = {}
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        for p in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs):
            ann = p.annotation
            head = ann.value if isinstance(ann, ast.Subscript) else ann
            if head is not None and (dotted(head) or "") in _SEQUENCE_ANNOTATION:
                out[p.arg] = node.lineno
    return out


def _worth_running(scope: Scope) -> bool:
    if _sequence_params(scope) and scope.subscripts:
        return True
    if any(_filtered(a.value) for a in scope.assigns if a.value is not None):
        return True
    for call in scope.calls:
        f = call.func
        attr = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
        if attr in (
            "split",
            "rsplit",
            "splitlines",
            "findall",
            "fetchall",
            "fetchmany",
            "all",
            "filter",
            "glob",
            "listdir",
        ):
            return True
        if attr in ("sorted", "list", "tuple") and _filtered(call):
            return True
    return any(isinstance(s.value, ast.Attribute) and s.value.attr == "argv" for s in scope.subscripts)


def check(ctx: FileContext) -> Iterator[Hit]:
    if ctx.src.is_test:
        return  # a crash in a test is a failing test, not a production alert
    for scope in ctx.scopes:
        if scope.kind != "class" and _worth_running(scope):
            yield from IndexFlow(ctx, scope).run()
