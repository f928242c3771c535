"""Complexity agrees with radon; structure rules fire at their thresholds."""

from __future__ import annotations

import ast
import sysconfig
from pathlib import Path

from radon.complexity import cc_visit
from radon.visitors import Function

from hefesto_core.analyzer.complexity import cognitive, cyclomatic
from hefesto_core.analyzer.scopes import build_scopes

_STDLIB = Path(sysconfig.get_paths()["stdlib"])
_SAMPLE = [
    "argparse.py",
    "ast.py",
    "configparser.py",
    "difflib.py",
    "email/_header_value_parser.py",
    "inspect.py",
    "json/decoder.py",
    "pathlib.py",
    "re/_parser.py",
    "subprocess.py",
    "tarfile.py",
    "typing.py",
    "zipfile.py",
    "dataclasses.py",
    "asyncio/base_events.py",
]


def _radon_functions(blocks):
    for b in blocks:
        if isinstance(b, Function):
            yield b
            yield from _radon_functions(b.closures)
        else:
            yield from _radon_functions(b.methods)
            yield from _radon_functions(b.inner_classes)


def test_cyclomatic_matches_radon_on_stdlib():
    compared = 0
    for rel in _SAMPLE:
        src = (_STDLIB / rel).read_text(encoding="utf-8")
        ours = {
            (s.line_start, s.name): s.complexity
            for s in build_scopes(ast.parse(src), "m").walk()
            if s.kind == "function"
        }
        for fn in _radon_functions(cc_visit(src)):
            assert ours[(fn.lineno, fn.name)] == fn.complexity, f"{rel}:{fn.lineno} {fn.name}"
            compared += 1
    assert compared > 1000


def test_cyclomatic_counts_each_construct():
    code = (
        "def f(a, b, c):\n"
        "    if a and b or c:\n        pass\n"  # if +1, boolops +2
        "    elif b:\n        pass\n"  # elif +1
        "    x = [i for i in a if i]\n"  # comprehension +2
        "    y = 1 if a else 2\n"  # ifexp +1
        "    for i in a:\n        pass\n    else:\n        pass\n"  # for +2
        "    try:\n        pass\n    except ValueError:\n"
        "        pass\n    except KeyError:\n        pass\n"  # +2
        "    match a:\n        case 1:\n            pass\n        case _:\n            pass\n"  # +1
        "    while b:\n        break\n"  # +1
        "    assert c\n"  # +1
    )
    func = ast.parse(code).body[0]
    assert isinstance(func, ast.FunctionDef)
    assert cyclomatic(func) == 1 + 3 + 1 + 2 + 1 + 2 + 2 + 1 + 1 + 1
    assert cyclomatic(func) == cc_visit(code)[0].complexity


def test_cognitive_penalizes_nesting():
    flat = ast.parse("def f(a, b):\n    if a:\n        pass\n    if b:\n        pass\n").body[0]
    nested = ast.parse("def f(a, b):\n    if a:\n        if b:\n            pass\n").body[0]
    assert isinstance(flat, ast.FunctionDef)
    assert isinstance(nested, ast.FunctionDef)
    assert cognitive(flat) == 2
    assert cognitive(nested) == 3


def _branchy(n: int) -> str:
    body = "".join(f"    if x == {i}:\n        return {i}\n" for i in range(n))
    return f"def f(x):\n{body}    return -1\n"


def test_complexity_severity_tiers(analyze):
    assert analyze(_branchy(4), rule="HIGH_COMPLEXITY") == []
    medium = analyze(_branchy(6), rule="HIGH_COMPLEXITY")
    assert [(f.severity, f.metadata["cyclomatic"]) for f in medium] == [("MEDIUM", 7)]
    assert "cognitive" in medium[0].metadata
    assert analyze(_branchy(12), rule="HIGH_COMPLEXITY")[0].severity == "HIGH"
    critical = analyze(_branchy(25), rule="VERY_HIGH_COMPLEXITY")
    assert [(f.severity, f.line_start) for f in critical] == [("CRITICAL", 1)]


def test_deep_nesting(analyze):
    deep = (
        "def f(a):\n" + "".join("    " * (i + 1) + f"if a > {i}:\n" for i in range(5)) + "    " * 6 + "pass\n"
    )
    found = analyze(deep, rule="DEEP_NESTING")
    assert [(f.line_start, f.metadata["depth"]) for f in found] == [(6, 5)]
    ok = (
        "def f(a):\n" + "".join("    " * (i + 1) + f"if a > {i}:\n" for i in range(4)) + "    " * 5 + "pass\n"
    )
    assert analyze(ok, rule="DEEP_NESTING") == []


def test_long_function_and_parameters(analyze):
    body = "".join(f"    x{i} = {i}\n" for i in range(51))
    assert [f.line_start for f in analyze(f"def f():\n{body}", rule="LONG_FUNCTION")] == [1]
    assert analyze("def f():\n" + "".join(f"    x{i} = {i}\n" for i in range(49)), rule="LONG_FUNCTION") == []
    assert len(analyze("def f(a, b, c, d, e, g):\n    pass\n", rule="LONG_PARAMETER_LIST")) == 1
    assert (
        analyze("class C:\n    def f(self, a, b, c, d, e):\n        pass\n", rule="LONG_PARAMETER_LIST") == []
    )


def test_god_class(analyze):
    methods = "".join(f"    def m{i}(self):\n        self.a{i} = {i}\n" for i in range(25))
    found = analyze(f"class Big:\n{methods}", rule="GOD_CLASS")
    assert [f.function_name for f in found] == ["pkg.mod.Big"]
    small = "".join(f"    def m{i}(self):\n        return {i}\n" for i in range(8))
    assert analyze(f"class Small:\n{small}", rule="GOD_CLASS") == []
