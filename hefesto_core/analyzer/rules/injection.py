"""SQL_INJECTION_RISK, COMMAND_INJECTION, EVAL_USAGE and PATH_TRAVERSAL:
dynamic strings or user input reaching an interpreter, a shell or the file
system."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from hefesto_core.analyzer.rules.base import FileContext, Hit, dotted, is_str_constant
from hefesto_core.analyzer.scopes import Scope
from hefesto_core.models import Severity

__all__ = ["RULE_IDS", "check", "dynamic_string"]

RULE_IDS = ("SQL_INJECTION_RISK", "COMMAND_INJECTION", "EVAL_USAGE", "PATH_TRAVERSAL")

_SQL_SINKS = frozenset(
    {"execute", "executemany", "executescript", "raw", "read_sql", "read_sql_query", "mogrify"}
)
_SQL_WORDS = re.compile(
    r"(?i)\b(select\s.+\sfrom|insert\s+into|update\s.+\sset|delete\s+from|"
    r"drop\s+table|create\s+table|alter\s+table|where\s|order\s+by|values\s*\()"
)
_SHELL_CALLS = frozenset(
    {
        "subprocess.run",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.check_output",
        "subprocess.Popen",
        "asyncio.create_subprocess_shell",
    }
)
_OS_SHELL = frozenset(
    {
        "os.system",
        "os.popen",
        "subprocess.getoutput",
        "subprocess.getstatusoutput",
        "commands.getoutput",
        "os.popen2",
        "os.popen3",
    }
)
_SAFE_WRAPPERS = frozenset({"shlex.quote", "pipes.quote", "int", "float", "len", "str.isdigit"})


def _const_parts(node: ast.AST) -> str:
    return " ".join(
        str(n.value) for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    )


def _constant_name(node: ast.AST) -> bool:
    """UPPER_CASE names are module constants: interpolating them is not input."""
    name = dotted(node)
    return name is not None and name.rsplit(".", 1)[-1].isupper()


def _interpolated(node: ast.AST) -> list[ast.AST]:
    """Non-constant parts of a string built by f-string, +, % or .format; an
    empty list when the string is not built dynamically."""
    if isinstance(node, ast.JoinedStr):
        return [v.value for v in node.values if isinstance(v, ast.FormattedValue)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        parts = [node.left, node.right]
        if any(is_str_constant(p) or isinstance(p, ast.JoinedStr | ast.BinOp) for p in parts):
            out: list[ast.AST] = []
            for p in parts:
                if isinstance(p, ast.JoinedStr | ast.BinOp):
                    out.extend(_interpolated(p))
                elif not is_str_constant(p):
                    out.append(p)
            return out
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and is_str_constant(node.left):
        right = node.right
        return list(right.elts) if isinstance(right, ast.Tuple) else [right]
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
        and is_str_constant(node.func.value)
    ):
        return [*node.args, *(k.value for k in node.keywords)]
    return []


def dynamic_string(ctx: FileContext, node: ast.AST) -> bool:
    """True when ``node`` builds a string from values that are not constants
    nor explicitly made safe (``shlex.quote``, ``int`` ...)."""
    for part in _interpolated(node):
        if isinstance(part, ast.Constant) or _constant_name(part):
            continue
        if isinstance(part, ast.Call) and ctx.resolve(part.func) in _SAFE_WRAPPERS:
            continue
        return True
    return False


def _local_values(scope: Scope) -> dict[str, ast.AST]:
    """The last value assigned to each plain name in the scope (one level of
    indirection: ``sql = f"..."; cur.execute(sql)``)."""
    values: dict[str, ast.AST] = {}
    for assign in sorted(scope.assigns, key=lambda a: a.lineno):
        targets = assign.targets if isinstance(assign, ast.Assign) else [assign.target]
        for target in targets:
            if isinstance(target, ast.Name) and assign.value is not None:
                values[target.id] = assign.value
    return values


def _sql(ctx: FileContext, scope: Scope, call: ast.Call, values: dict[str, ast.AST]) -> Iterator[Hit]:
    if not (isinstance(call.func, ast.Attribute) and call.func.attr in _SQL_SINKS and call.args):
        return
    query: ast.AST = call.args[0]
    via = None
    if isinstance(query, ast.Name) and query.id in values:
        via, query = query.id, values[query.id]
    unsafe = [p for p in _interpolated(query) if not _placeholders(p, values)]
    text = _const_parts(query)
    if not (unsafe and dynamic_string(ctx, query) and _SQL_WORDS.search(text)):
        return
    how = f" (built in '{via}')" if via else ""
    has_params = len(call.args) >= 2 or any(k.arg in ("parameters", "params", "args") for k in call.keywords)
    if has_params:
        # Values are bound as parameters; what is interpolated is most likely
        # identifiers or clause fragments: worth a look, not an alarm.
        yield Hit.at(
            "SQL_INJECTION_RISK",
            scope,
            call,
            f"SQL passed to {call.func.attr}() interpolates dynamic fragments{how}; values are bound",
            confidence=0.5,
            severity=Severity.MEDIUM,
        )
        return
    yield Hit.at(
        "SQL_INJECTION_RISK",
        scope,
        call,
        f"SQL passed to {call.func.attr}() is built from dynamic values{how}",
        confidence=0.9,
    )


_PLACEHOLDER_TEXT = re.compile(r"^[\s,?%s()$:0-9]*$")


def _placeholders(part: ast.AST, values: dict[str, ast.AST]) -> bool:
    """``marks = ",".join("?" * n)`` interpolated into SQL adds parameter
    placeholders, not data."""
    value = values.get(part.id) if isinstance(part, ast.Name) else part
    if not isinstance(value, ast.Call | ast.BinOp):
        return False
    consts = [n.value for n in ast.walk(value) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    return bool(consts) and all(_PLACEHOLDER_TEXT.match(c) for c in consts)


def _non_constant(ctx: FileContext, node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) or _constant_name(node):
        return False
    if isinstance(node, ast.JoinedStr | ast.BinOp) or (isinstance(node, ast.Call) and _interpolated(node)):
        return dynamic_string(ctx, node)
    if isinstance(node, ast.List | ast.Tuple):
        return any(_non_constant(ctx, e) for e in node.elts)
    return True


def _command(ctx: FileContext, scope: Scope, call: ast.Call, name: str) -> Iterator[Hit]:
    if not call.args:
        return
    cmd = call.args[0]
    if name in _OS_SHELL and _non_constant(ctx, cmd):
        yield Hit.at(
            "COMMAND_INJECTION", scope, call, f"{name}() runs a shell command built from non-constant input"
        )
    elif name in _SHELL_CALLS:
        shell = next((k.value for k in call.keywords if k.arg == "shell"), None)
        shell_on = name.endswith("_shell") or (isinstance(shell, ast.Constant) and shell.value is True)
        if shell_on and _non_constant(ctx, cmd):
            yield Hit.at(
                "COMMAND_INJECTION",
                scope,
                call,
                f"{name}() with shell=True runs a command built from non-constant input",
            )


def _eval(ctx: FileContext, scope: Scope, call: ast.Call, name: str) -> Iterator[Hit]:
    if (
        name in ("eval", "exec", "builtins.eval", "builtins.exec")
        and call.args
        and not isinstance(call.args[0], ast.Constant)
    ):
        yield Hit.at("EVAL_USAGE", scope, call, f"{name.rsplit('.', 1)[-1]}() of a non-literal value")


_USER_SOURCES = re.compile(
    r"^(?:request|req|flask\.request|self\.request)\.(?:args|form|values|files|GET|POST|"
    r"query_params|path_params|json|data|cookies|headers)\b|^input$|^sys\.argv$|^self\.path$"
)
_ROUTE_DECORATOR = re.compile(r"\.(?:route|get|post|put|patch|delete|api_route|websocket)$")
_SANITIZERS = frozenset(
    {
        "os.path.realpath",
        "os.path.abspath",
        "os.path.normpath",
        "os.path.basename",
        "os.path.commonpath",
        "werkzeug.utils.secure_filename",
        "secure_filename",
    }
)
_OPENERS = frozenset(
    {
        "open",
        "io.open",
        "builtins.open",
        "codecs.open",
        "flask.send_file",
        "send_file",
        "os.remove",
        "os.unlink",
        "shutil.rmtree",
        "os.listdir",
        "pathlib.Path",
        "Path",
    }
)
_JOINERS = frozenset({"os.path.join", "posixpath.join", "pathlib.Path", "Path", "pathlib.PurePath"})


def _user_names(ctx: FileContext, scope: Scope) -> set[str]:
    """Names holding user-supplied values in a function: route handler
    parameters and names assigned from request data, input() or argv."""
    node = scope.node
    names: set[str] = set()
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        decorators = [
            ctx.resolve(d.func if isinstance(d, ast.Call) else d) or "" for d in node.decorator_list
        ]
        if any(_ROUTE_DECORATOR.search(d) for d in decorators):
            names.update(
                a.arg for a in (*node.args.args, *node.args.kwonlyargs) if a.arg not in ("self", "request")
            )
    for assign in scope.assigns:
        value = assign.value
        if value is None:
            continue
        sources = [ctx.resolve(n) or "" for n in ast.walk(value) if isinstance(n, ast.Attribute | ast.Name)]
        if isinstance(value, ast.Call) and ctx.resolve(value.func) == "input":
            sources.append("input")
        if any(_USER_SOURCES.search(s) for s in sources) or any(
            isinstance(n, ast.Name) and n.id in names for n in ast.walk(value)
        ):
            targets = assign.targets if isinstance(assign, ast.Assign) else [assign.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def _mentions(node: ast.AST, names: set[str], ctx: FileContext) -> bool:
    for n in ast.walk(node):
        if isinstance(n, ast.Name) and n.id in names:
            return True
        if isinstance(n, ast.Attribute | ast.Subscript) and _USER_SOURCES.search(ctx.resolve(n) or ""):
            return True
    return False


def _path_traversal(ctx: FileContext, scope: Scope) -> Iterator[Hit]:
    if scope.kind != "function":
        return
    user = _user_names(ctx, scope)
    sanitized: set[str] = set()
    for call in scope.calls:
        name = ctx.resolve(call.func) or ""
        if name in _SANITIZERS or (
            isinstance(call.func, ast.Attribute)
            and call.func.attr in ("resolve", "is_relative_to", "relative_to", "startswith")
        ):
            for n in ast.walk(call):
                if isinstance(n, ast.Name):
                    sanitized.add(n.id)
    joined: set[str] = set()
    for assign in scope.assigns:
        value = assign.value
        is_join = isinstance(value, ast.Call) and ctx.resolve(value.func) in _JOINERS
        is_div = isinstance(value, ast.BinOp) and isinstance(value.op, ast.Div | ast.Add)
        if value is not None and (is_join or is_div) and _mentions(value, user, ctx):
            targets = assign.targets if isinstance(assign, ast.Assign) else [assign.target]
            joined.update(t.id for t in targets if isinstance(t, ast.Name))
    for call in scope.calls:
        name = ctx.resolve(call.func) or ""
        method = call.func.attr if isinstance(call.func, ast.Attribute) else ""
        if name in _OPENERS and call.args:
            target = call.args[0]
        elif method in _FILE_METHODS:
            target = call.func.value  # type: ignore[attr-defined]
        else:
            continue
        direct = (
            (isinstance(target, ast.Call) and ctx.resolve(target.func) in _JOINERS)
            or isinstance(target, ast.BinOp | ast.JoinedStr)
        ) and _mentions(target, user, ctx)
        via = isinstance(target, ast.Name) and target.id in joined
        if (direct or via) and not (_names(target) & sanitized):
            yield Hit.at(
                "PATH_TRAVERSAL",
                scope,
                call,
                "a path built from user input is opened without normalizing it and checking "
                "that it stays inside the base directory",
                confidence=0.8,
            )


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


# Any of these in the file hints that it handles user input. The literal ones
# are substring tests (C speed); only the decorator form needs the regex.
_INPUT_WORDS = ("request", "input(", "argv", ".route(", "self.path")
_ROUTE_HINT = re.compile(r"@\w+\.(?:get|post|put|patch|delete)\(")


def _user_input(text: str) -> bool:
    return any(w in text for w in _INPUT_WORDS) or ("@" in text and _ROUTE_HINT.search(text) is not None)


_FILE_METHODS = frozenset({"open", "read_text", "read_bytes", "write_text", "write_bytes"})


def check(ctx: FileContext) -> Iterator[Hit]:
    values: dict[int, dict[str, ast.AST]] = {}
    shell_last = {n.rsplit(".", 1)[-1] for n in (*_OS_SHELL, *_SHELL_CALLS)}
    for scope, call in ctx.calls_named(*_SQL_SINKS, *shell_last, "eval", "exec"):
        name = ctx.resolve(call.func) or ""
        if isinstance(call.func, ast.Attribute) and call.func.attr in _SQL_SINKS:
            if id(scope) not in values:
                values[id(scope)] = _local_values(scope)
            yield from _sql(ctx, scope, call, values[id(scope)])
        elif name in _OS_SHELL or name in _SHELL_CALLS:
            yield from _command(ctx, scope, call, name)
        elif name in ("eval", "exec", "builtins.eval", "builtins.exec"):
            yield from _eval(ctx, scope, call, name)
    openers = {n.rsplit(".", 1)[-1] for n in _OPENERS} | _FILE_METHODS
    candidates = {id(scope): scope for scope, _ in ctx.calls_named(*openers) if scope.kind == "function"}
    if candidates and _user_input(ctx.src.text):
        for scope in candidates.values():
            yield from _path_traversal(ctx, scope)
