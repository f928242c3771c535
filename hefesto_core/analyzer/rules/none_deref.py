"""POSSIBLE_NONE_DEREFERENCE: an attribute access, call or subscript on a
value that may be None on some path, with no guard on that path.

Sources of None: ``dict.get(k)`` / ``os.environ.get`` / ``os.getenv``
without a default, ``re.match``/``search``/``fullmatch`` (and the same
methods of compiled patterns), ``getattr(o, n, None)``, ``next(it, None)``,
``shutil.which``, ``x if c else None``, local functions and methods that
are annotated Optional or return None on some path, parameters annotated
Optional or defaulting to None, and ``x = None`` itself.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from hefesto_core.analyzer.rules.base import FileContext, Hit, dotted
from hefesto_core.analyzer.rules.flow import Flow, Origin, State, terminates
from hefesto_core.analyzer.scopes import Scope
from hefesto_core.models import Severity

__all__ = ["RULE_IDS", "check", "maybe_none_functions"]

RULE_IDS = ("POSSIBLE_NONE_DEREFERENCE",)

_OPTIONAL_STDLIB = frozenset(
    {
        "shutil.which",
        "importlib.util.find_spec",
        "inspect.getmodule",
        "inspect.getdoc",
        "os.getenv",
        "os.environ.get",
        "re.match",
        "re.search",
        "re.fullmatch",
        "mimetypes.guess_extension",
        "ctypes.util.find_library",
    }
)
# Receivers whose ``.get(x)`` is an HTTP call, a queue pop or an ORM fetch, not a mapping lookup.
_NOT_MAPPING = re.compile(
    r"(?i)(?:^|_)(?:requests?|https?|httpx|session|client|api|app|router|queue|q|pool|"
    r"future|futures|result|async_result|conn|connection|self|cls|super|cfg|parser|"
    r"config_?parser|objects|query|browser|driver|page|event|lock|semaphore)$"
)
_MATCHERS = frozenset({"match", "search", "fullmatch"})
_NONE_COMPARE = (ast.Is, ast.IsNot, ast.Eq, ast.NotEq)


def _is_none(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _optional_annotation(annotation: ast.AST | None) -> bool:
    """``X | None``, ``Optional[X]``, ``Union[X, None]`` (also as a string);
    a None nested inside another type (``dict[str | None, int]``) is not."""
    if annotation is None:
        return False
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            annotation = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return False
    if _is_none(annotation):
        return True
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        return _optional_annotation(annotation.left) or _optional_annotation(annotation.right)
    if isinstance(annotation, ast.Subscript):
        head = (dotted(annotation.value) or "").rsplit(".", 1)[-1]
        if head == "Optional":
            return True
        if head == "Union":
            items = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
            return any(_optional_annotation(i) for i in items)
    return False


def _returns_none_sometimes(ctx: FileContext, scope: Scope) -> bool:
    node = scope.node
    assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    if node.returns is not None:
        return _optional_annotation(node.returns)
    if scope.has_yield or isinstance(node, ast.AsyncFunctionDef):
        return False
    values = [r for r in scope.returns if r.value is not None and not _is_none(r.value)]
    if not values:
        return False
    explicit_none = any(r.value is None or _is_none(r.value) for r in scope.returns)
    return explicit_none or not terminates(node.body, ctx)


def maybe_none_functions(ctx: FileContext) -> dict[Scope | None, set[str]]:
    """Functions that may return None, by enclosing class scope (None: module level)."""
    out: dict[Scope | None, set[str]] = {}
    for scope in ctx.functions():
        parent = scope.parent
        if parent is None or parent.kind == "function":
            continue
        decorators = {dotted(d) for d in getattr(scope.node, "decorator_list", [])}
        if decorators & {
            "property",
            "functools.cached_property",
            "cached_property",
            "overload",
            "typing.overload",
            "abstractmethod",
            "abc.abstractmethod",
        }:
            continue
        if _returns_none_sometimes(ctx, scope):
            out.setdefault(parent if parent.kind == "class" else None, set()).add(scope.name)
    return out


def _compiled_patterns(ctx: FileContext) -> set[str]:
    names: set[str] = set()
    for scope in ctx.scopes:
        for assign in scope.assigns:
            if isinstance(assign.value, ast.Call) and ctx.resolve(assign.value.func) == "re.compile":
                targets = assign.targets if isinstance(assign, ast.Assign) else [assign.target]
                names.update(n for n in (dotted(t) for t in targets) if n)
    return names


class NoneFlow(Flow):
    rule_id = "POSSIBLE_NONE_DEREFERENCE"
    checks_operands = True
    caught_by = frozenset({"Exception", "BaseException", "AttributeError", "TypeError"})

    def __init__(
        self, ctx: FileContext, scope: Scope, functions: dict[Scope | None, set[str]], patterns: set[str]
    ) -> None:
        super().__init__(ctx, scope)
        self.functions = functions
        self.patterns = patterns
        self.cls = scope.enclosing_class()
        self._tested: set[str] | None = None

    @property
    def tested(self) -> set[str]:
        """Dumps of the call expressions the function tests in a condition
        (computed on first need: direct dereferences are rare)."""
        if self._tested is None:
            tests = [
                n.test
                for n in ast.walk(self.scope.node)
                if isinstance(n, ast.If | ast.While | ast.IfExp | ast.Assert)
            ]
            self._tested = {ast.dump(c) for t in tests for c in ast.walk(t) if isinstance(c, ast.Call)}
        return self._tested

    def initial_state(self) -> State:
        node = self.scope.node
        state: State = {}
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            return state
        a = node.args
        positional = [*a.posonlyargs, *a.args]
        defaults = dict(
            zip([p.arg for p in positional[len(positional) - len(a.defaults) :]], a.defaults, strict=True)
        )
        defaults.update({p.arg: d for p, d in zip(a.kwonlyargs, a.kw_defaults, strict=True) if d is not None})
        for p in (*positional, *a.kwonlyargs):
            if _optional_annotation(p.annotation):
                state[p.arg] = Origin(f"parameter '{p.arg}' (annotated Optional)", node.lineno, 0.85)
            elif p.annotation is None and _is_none(defaults.get(p.arg)):
                state[p.arg] = Origin(f"parameter '{p.arg}' (defaults to None)", node.lineno, 0.75)
        return state

    def source(self, expr: ast.AST | None, state: State) -> Origin | None:
        if expr is None:
            return None
        line = int(getattr(expr, "lineno", 0))
        if _is_none(expr):
            return Origin("None", line, 0.7)
        if isinstance(expr, ast.IfExp):
            if _is_none(expr.body) or _is_none(expr.orelse):
                return Origin("a conditional expression with a None branch", line, 0.85)
            return None
        if isinstance(expr, ast.BoolOp) and isinstance(expr.op, ast.Or):
            last = expr.values[-1]
            return self.source(last, state)  # `x or default` is None only when the default may be
        if isinstance(expr, ast.Name):
            return state.get(expr.id)
        if not isinstance(expr, ast.Call):
            return None
        name = self.ctx.resolve(expr.func) or ""
        short = expr
        nargs = len(expr.args)
        if name in ("os.environ.get", "os.getenv"):
            if nargs == 1 or (nargs == 2 and _is_none(expr.args[1])):
                return Origin(short, line, 0.9)
            return None
        if name in _OPTIONAL_STDLIB:
            return Origin(short, line, 0.95)
        if name == "getattr" and nargs == 3 and _is_none(expr.args[2]):
            return Origin(short, line, 0.85)
        if name == "next" and nargs == 2 and _is_none(expr.args[1]):
            return Origin(short, line, 0.9)
        func = expr.func
        if isinstance(func, ast.Attribute):
            receiver = dotted(func.value)
            if (
                func.attr == "get"
                and not expr.keywords
                and (nargs == 1 or (nargs == 2 and _is_none(expr.args[1])))
            ):
                return self._mapping_get(expr, receiver, short, line)
            if (
                func.attr in _MATCHERS
                and receiver is not None
                and (receiver in self.patterns or re.search(r"(?:_RE|_PATTERN|_REGEX|_PAT)$", receiver))
            ):
                return Origin(short, line, 0.9)
            if (
                receiver in ("self", "cls")
                and self.cls is not None
                and func.attr in self.functions.get(self.cls, ())
            ):
                return Origin(short, line, 0.8, suffix=" (may return None)")
        elif isinstance(func, ast.Name) and func.id in self.functions.get(None, ()):
            return Origin(short, line, 0.8, suffix=" (may return None)")
        return self._by_convention(expr, short, line)

    def _always_one_row(self, cursor: ast.AST) -> bool:
        """``cursor`` is ``execute(<sql>)`` (directly or through a local
        name) whose SQL always yields one row."""
        if isinstance(cursor, ast.Name):
            for assign in sorted(self.scope.assigns, key=lambda a: a.lineno, reverse=True):
                targets = assign.targets if isinstance(assign, ast.Assign) else [assign.target]
                if (
                    any(isinstance(t, ast.Name) and t.id == cursor.id for t in targets)
                    and assign.value is not None
                ):
                    cursor = assign.value
                    break
        if not (isinstance(cursor, ast.Call) and isinstance(cursor.func, ast.Attribute) and cursor.args):
            return False
        if cursor.func.attr not in ("execute", "exec_driver_sql"):
            return False
        sql = cursor.args[0]
        text = "".join(
            str(v.value) if isinstance(v, ast.Constant) else "{}"
            for v in (sql.values if isinstance(sql, ast.JoinedStr) else [sql])
        )
        return bool(_ONE_ROW.match(text)) and "group by" not in text.lower()

    def _by_convention(self, expr: ast.Call, short: ast.AST, line: int) -> Origin | None:
        """APIs that return None by contract when there is nothing: DB-API
        ``fetchone()``, ORM ``first()``/``one_or_none()``, and functions
        named ``find_*``/``lookup_*``/``*_or_none`` (from other modules,
        whose annotations this file cannot see)."""
        func = expr.func
        last = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if last == "fetchone" and not expr.args:
            if isinstance(func, ast.Attribute) and self._always_one_row(func.value):
                return None
            return Origin(short, line, 0.85, suffix=" (None when there is no row)")
        if last in ("first", "one_or_none", "scalar_one_or_none", "scalar") and not expr.args:
            return Origin(short, line, 0.8, suffix=" (None when there is no row)")
        if last.endswith("_or_none") or _FINDER.match(last):
            return Origin(short, line, 0.7, suffix=" (a lookup that may find nothing)")
        return None

    def _mapping_get(self, expr: ast.Call, receiver: str | None, short: ast.AST, line: int) -> Origin | None:
        key = expr.args[0]
        if (
            isinstance(key, ast.Constant)
            and isinstance(key.value, str)
            and key.value.startswith(("/", "http"))
        ):
            return None  # a URL: this is an HTTP client
        leaf = (receiver or "").rsplit(".", 1)[-1]
        if receiver is None:
            if isinstance(expr.func, ast.Attribute) and isinstance(expr.func.value, ast.Call):
                inner = self.ctx.resolve(expr.func.value.func) or ""
                if inner.endswith(("json.loads", "json.load", ".json", "dict", "vars", "globals", "locals")):
                    return Origin(short, line, 0.85)
            return None
        if _NOT_MAPPING.search(leaf):
            return None
        return Origin(short, line, 0.85)

    def compare_guards(self, node: ast.Compare, state: State) -> tuple[list[str], list[str]]:
        if len(node.ops) != 1:
            return [], []
        op, left, right = node.ops[0], node.left, node.comparators[0]
        # `(m := re.match(...)) is not None` tests the walrus target.
        left = left.target if isinstance(left, ast.NamedExpr) else left
        right = right.target if isinstance(right, ast.NamedExpr) else right
        name = left.id if isinstance(left, ast.Name) else right.id if isinstance(right, ast.Name) else None
        if name is None or name not in state:
            return [], []
        other = right if isinstance(left, ast.Name) and left.id == name else left
        if isinstance(op, _NONE_COMPARE) and _is_none(other):
            return ([name], []) if isinstance(op, ast.IsNot | ast.NotEq) else ([], [name])
        if isinstance(op, ast.Eq | ast.Is | ast.In) and not _is_none(other):
            return [name], []  # equal to (or in) something that is not None
        if isinstance(op, ast.NotEq | ast.IsNot | ast.NotIn) and not _is_none(other):
            return [], [name]
        if isinstance(op, ast.Lt | ast.LtE | ast.Gt | ast.GtE):
            return [name], [name]  # ordering None raises TypeError first
        return [], []

    def call_guards(self, node: ast.Call, state: State) -> list[str]:
        name = self.ctx.resolve(node.func) or ""
        if name in ("isinstance", "callable", "bool", "hasattr", "len", "issubclass") and node.args:
            first = node.args[0]
            if isinstance(first, ast.Name):
                return [first.id]
        return []

    def on_use(self, node: ast.AST, base: ast.AST, origin: Origin, name: str | None) -> None:
        what = (
            "used in arithmetic"
            if isinstance(node, ast.BinOp)
            else "called"
            if isinstance(node, ast.Call)
            else "subscripted"
            if isinstance(node, ast.Subscript)
            else (f"accessed (.{node.attr})" if isinstance(node, ast.Attribute) else "used")
        )
        if name is None and ast.dump(base) in self.tested:
            return  # `if pat.search(s): ... pat.search(s).group()`: the same call was checked
        if name is None and self.ctx.src.is_test:
            return  # `re.match(...).group()` in a test: a failing test, not a production crash
        subject = f"'{name}' (from {origin.text}, line {origin.line})" if name else origin.text
        line = int(getattr(node, "lineno", 1))
        self.report(
            Hit(
                self.rule_id,
                self.scope,
                line,
                int(getattr(node, "end_lineno", None) or line),
                int(getattr(node, "col_offset", 0)) + 1,
                f"{subject} may be None here and is {what} without a check",
                confidence=origin.confidence,
                # Weak origins (a None default, `x = None`) are often fine by contract: MEDIUM.
                severity=None if origin.confidence >= 0.8 else Severity.MEDIUM,
                metadata={"variable": name, "source": origin.text, "source_line": origin.line},
            )
        )


# Lookups of one thing by key: None when there is no such thing.
_FINDER = re.compile(r"^(?:find_by_\w+|find_one\w*|find_first\w*|lookup_\w+|get_\w+_or_none)$")
# Statements that always produce exactly one row: PRAGMA, and an aggregate
# without GROUP BY (SELECT COUNT(*) FROM t WHERE ... returns 0, not nothing).
_ONE_ROW = re.compile(r"(?is)^\s*(?:pragma\b|select\s+(?:count|sum|max|min|avg|total|exists)\s*\()")
_SOURCE_CALLS = frozenset(
    {
        "fetchone",
        "first",
        "one_or_none",
        "scalar_one_or_none",
        "scalar",
        "get",
        "match",
        "search",
        "fullmatch",
        "getattr",
        "next",
        "which",
        "getenv",
        "find_spec",
        "getmodule",
        "getdoc",
        "guess_extension",
        "find_library",
    }
)


def _worth_running(scope: Scope, functions: dict[Scope | None, set[str]], flow: NoneFlow) -> bool:
    """Skip the flow pass when nothing in the scope can introduce None (most
    functions): the same findings, for a fraction of the time."""
    node = scope.node
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        a = node.args
        if any(_is_none(d) for d in (*a.defaults, *a.kw_defaults)):
            return True
        if any(_optional_annotation(p.annotation) for p in (*a.posonlyargs, *a.args, *a.kwonlyargs)):
            return True
    local = functions.get(None, set()) | functions.get(scope.enclosing_class(), set())
    for call in scope.calls:
        f = call.func
        name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
        maybe = name in _SOURCE_CALLS or name in local or name.endswith("_or_none") or _FINDER.match(name)
        if maybe and flow.source(call, {}) is not None:
            return True
    return any(_is_none(assign.value) or isinstance(assign.value, ast.IfExp) for assign in scope.assigns)


def check(ctx: FileContext) -> Iterator[Hit]:
    if ctx.src.is_test:
        return  # a crash in a test is a failing test, not a production alert
    functions = maybe_none_functions(ctx)
    patterns = _compiled_patterns(ctx)
    for scope in ctx.scopes:
        if scope.kind == "class":
            continue
        flow = NoneFlow(ctx, scope, functions, patterns)
        if _worth_running(scope, functions, flow):
            yield from flow.run()
