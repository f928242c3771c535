"""MUTABLE_DEFAULT_ARGUMENT, RESOURCE_LEAK and ASSERT_IN_PRODUCTION."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from hefesto_core.analyzer.rules.base import FileContext, Hit
from hefesto_core.analyzer.scopes import Scope

__all__ = ["RULE_IDS", "check"]

RULE_IDS = ("MUTABLE_DEFAULT_ARGUMENT", "RESOURCE_LEAK", "ASSERT_IN_PRODUCTION")

_MUTABLE_CALLS = frozenset(
    {
        "list",
        "dict",
        "set",
        "bytearray",
        "collections.defaultdict",
        "collections.OrderedDict",
        "collections.deque",
        "collections.Counter",
    }
)
_RESOURCES = frozenset(
    {
        "open",
        "io.open",
        "builtins.open",
        "codecs.open",
        "socket.socket",
        "socket.create_connection",
        "sqlite3.connect",
        "psycopg2.connect",
        "pymysql.connect",
        "MySQLdb.connect",
        "urllib.request.urlopen",
        "tempfile.NamedTemporaryFile",
        "tempfile.TemporaryFile",
        "zipfile.ZipFile",
        "tarfile.open",
        "gzip.open",
        "bz2.open",
        "lzma.open",
        "subprocess.Popen",
        "ftplib.FTP",
        "smtplib.SMTP",
        "telnetlib.Telnet",
    }
)
_CLOSERS = frozenset(
    {"close", "shutdown", "detach", "release", "__exit__", "terminate", "kill", "wait", "communicate", "quit"}
)


def _mutable_default(ctx: FileContext, node: ast.AST) -> bool:
    if isinstance(node, ast.List | ast.Dict | ast.Set | ast.ListComp | ast.DictComp | ast.SetComp):
        return True
    return isinstance(node, ast.Call) and (ctx.resolve(node.func) or "") in _MUTABLE_CALLS


def _defaults(ctx: FileContext, scope: Scope) -> Iterator[Hit]:
    node = scope.node
    assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    a = node.args
    positional = [*a.posonlyargs, *a.args]
    pairs = list(zip(positional[len(positional) - len(a.defaults) :], a.defaults, strict=True))
    pairs += [(arg, d) for arg, d in zip(a.kwonlyargs, a.kw_defaults, strict=True) if d is not None]
    for arg, default in pairs:
        if _mutable_default(ctx, default):
            yield Hit.at(
                "MUTABLE_DEFAULT_ARGUMENT",
                scope,
                default,
                f"parameter '{arg.arg}' of {scope.name} has a mutable default shared by every call",
                metadata={"parameter": arg.arg},
            )


def _in_with(scope: Scope, call: ast.Call) -> bool:
    for w in scope.withs:
        for item in w.items:
            if any(n is call for n in ast.walk(item.context_expr)):
                return True
    return False


def _bare(node: ast.AST, name: str) -> bool:
    """``name`` appears as a value in ``node``, not only as ``name.attr``."""
    bases = {id(n.value) for n in ast.walk(node) if isinstance(n, ast.Attribute)}
    return any(isinstance(n, ast.Name) and n.id == name and id(n) not in bases for n in ast.walk(node))


def _escapes(scope: Scope, name: str) -> bool:
    """The resource is closed, returned, yielded, stored or handed over: its
    lifetime is managed elsewhere."""
    for call in scope.calls:
        f = call.func
        if (
            isinstance(f, ast.Attribute)
            and isinstance(f.value, ast.Name)
            and f.value.id == name
            and f.attr in _CLOSERS
        ):
            return True
        if any(
            isinstance(a, ast.Name) and a.id == name for a in (*call.args, *(k.value for k in call.keywords))
        ):
            return True  # passed on: closing.closing(f), register(f), stack.enter_context(f) ...
    for ret in scope.returns:
        if ret.value is not None and _bare(ret.value, name):
            return True
    for assign in scope.assigns:
        if assign.value is not None and _bare(assign.value, name):
            return True  # stored in an attribute, a container or another name
    for w in scope.withs:
        if any(
            isinstance(n, ast.Name) and n.id == name for item in w.items for n in ast.walk(item.context_expr)
        ):
            return True
    return bool(scope.has_yield)


_RESOURCE_LAST = frozenset(n.rsplit(".", 1)[-1] for n in _RESOURCES)


def _leaks(ctx: FileContext, scope: Scope, calls: list[ast.Call]) -> Iterator[Hit]:
    assigned: dict[int, str] = {}
    for assign in scope.assigns:
        if isinstance(assign.value, ast.Call):
            targets = assign.targets if isinstance(assign, ast.Assign) else [assign.target]
            if len(targets) == 1 and isinstance(targets[0], ast.Name):
                assigned[id(assign.value)] = targets[0].id
            else:
                assigned[id(assign.value)] = ""  # stored in an attribute: owned by the object
    chained: set[int] = set()
    for call in scope.calls:
        f = call.func
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Call):
            chained.add(id(f.value))
    for call in calls:
        name = ctx.resolve(call.func) or ""
        if name not in _RESOURCES or _in_with(scope, call):
            continue
        if any(k.arg == "start_new_session" for k in call.keywords):
            continue  # a detached daemon process: outliving this function is the point
        if id(call) in assigned:
            var = assigned[id(call)]
            if var and not _escapes(scope, var):
                yield Hit.at(
                    "RESOURCE_LEAK",
                    scope,
                    call,
                    f"'{var}' = {name}(...) is never closed on this path; use `with`",
                    metadata={"resource": name},
                )
        elif id(call) in chained and scope.kind == "function":
            yield Hit.at(
                "RESOURCE_LEAK",
                scope,
                call,
                f"{name}(...) is used and dropped without being closed",
                confidence=0.6,
                metadata={"resource": name},
            )


def check(ctx: FileContext) -> Iterator[Hit]:
    resources: dict[int, list[ast.Call]] = {}
    for scope, call in ctx.calls_named(*_RESOURCE_LAST):
        resources.setdefault(id(scope), []).append(call)
    for scope in ctx.scopes:
        if scope.kind == "function":
            yield from _defaults(ctx, scope)
        if id(scope) in resources:
            yield from _leaks(ctx, scope, resources[id(scope)])
        if not ctx.src.is_test:
            for node in scope.asserts:
                yield Hit.at(
                    "ASSERT_IN_PRODUCTION",
                    scope,
                    node,
                    "assert is stripped under `python -O`; this check disappears in optimized runs",
                    confidence=0.9,
                )
