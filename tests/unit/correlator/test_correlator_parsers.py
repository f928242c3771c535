from __future__ import annotations

import traceback

from correlator.frames import Language
from correlator.parsers import parse_trace

from .conftest import PY_TRACE


def _raise_chained() -> str:
    def inner(d: dict[str, str]) -> object:
        return d.get("x").upper()  # type: ignore[union-attr]

    try:
        try:
            inner({})
        except AttributeError as exc:
            raise RuntimeError("wrapped") from exc
    except RuntimeError:
        return traceback.format_exc()
    raise AssertionError("unreachable")


def test_python_frames_innermost_last_with_error() -> None:
    parsed = parse_trace(PY_TRACE)
    assert parsed is not None
    assert parsed.language is Language.PYTHON
    assert [(f.runtime_path, f.line_number, f.function_name) for f in parsed.frames] == [
        ("/srv/app/shop/api.py", 20, "handle"),
        ("/srv/app/shop/processor.py", 42, "charge"),
    ]
    assert parsed.error_type == "AttributeError"
    assert parsed.error_message == "'NoneType' object has no attribute 'card'"
    assert parsed.cause is None


def test_python_chained_exception_keeps_the_cause() -> None:
    parsed = parse_trace(_raise_chained())
    assert parsed is not None
    assert parsed.error_type == "RuntimeError"
    assert parsed.error_message == "wrapped"
    assert parsed.cause is not None
    assert parsed.cause.error_type == "AttributeError"
    assert parsed.cause.frames[-1].function_name == "inner"
    assert [t.error_type for t in parsed.chain()] == ["RuntimeError", "AttributeError"]


def test_python_library_frames_are_not_in_app() -> None:
    text = """Traceback (most recent call last):
  File "/app/svc/client.py", line 9, in fetch
    return requests.get(url, timeout=1)
  File "/usr/local/lib/python3.11/site-packages/requests/api.py", line 73, in get
    return request("get", url, params=params, **kwargs)
  File "/usr/lib/python3.11/socket.py", line 962, in getaddrinfo
    for res in _socket.getaddrinfo(host, port, family, type, proto, flags):
  File "<frozen importlib._bootstrap>", line 1204, in _gcd_import
socket.gaierror: [Errno -3] Temporary failure in name resolution
"""
    parsed = parse_trace(text)
    assert parsed is not None
    assert [f.in_app for f in parsed.frames] == [True, False, False, False]
    assert parsed.error_type == "socket.gaierror"


def test_python_log_prefix_and_multiline_message() -> None:
    text = "2026-03-02 ERROR request failed\n" + PY_TRACE.replace(
        "object has no attribute 'card'", "object has no attribute 'card'\nsecond line"
    )
    parsed = parse_trace(text)
    assert parsed is not None
    assert parsed.error_message == "'NoneType' object has no attribute 'card'\nsecond line"


def test_java_caused_by_chain_and_library_packages() -> None:
    text = (
        'Exception in thread "main" java.lang.IllegalStateException: order failed\n'
        "\tat com.acme.orders.OrderService.place(OrderService.java:88)\n"
        "\tat org.springframework.web.Foo.bar(Foo.java:1)\n"
        'Caused by: java.lang.NullPointerException: Cannot invoke "String.length()" because "s" is null\n'
        "\tat com.acme.orders.Validator$Rules.check(Validator.java:42)\n"
        "\t... 3 more\n"
    )
    parsed = parse_trace(text)
    assert parsed is not None
    assert parsed.language is Language.JAVA
    assert parsed.error_type == "java.lang.IllegalStateException"
    assert [f.in_app for f in parsed.frames] == [False, True]
    assert parsed.frames[-1].runtime_path == "com/acme/orders/OrderService.java"
    assert parsed.cause is not None
    assert parsed.cause.error_type == "java.lang.NullPointerException"
    assert parsed.cause.frames[0].runtime_path == "com/acme/orders/Validator.java"
    assert parsed.cause.frames[0].function_name == "Validator.check"


def test_node_frames_and_error() -> None:
    text = (
        "TypeError: Cannot read properties of undefined (reading 'id')\n"
        "    at getUser (/app/src/users.js:10:5)\n"
        "    at async Promise.all (index 0)\n"
        "    at /app/src/routes/x.js:3:1\n"
        "    at Module._compile (node:internal/modules/cjs/loader:1256:14)\n"
        "    at Layer.handle (/app/node_modules/express/lib/router/layer.js:95:5)\n"
    )
    parsed = parse_trace(text)
    assert parsed is not None
    assert parsed.language is Language.NODE
    assert parsed.error_type == "TypeError"
    assert [(f.runtime_path, f.line_number, f.in_app) for f in parsed.frames] == [
        ("/app/node_modules/express/lib/router/layer.js", 95, False),
        ("node:internal/modules/cjs/loader", 1256, False),
        ("/app/src/routes/x.js", 3, True),
        ("/app/src/users.js", 10, True),
    ]


def test_go_panic_reads_only_the_panicking_goroutine() -> None:
    text = (
        "panic: runtime error: index out of range [0] with length 0\n\n"
        "goroutine 7 [running]:\n"
        "github.com/acme/svc/internal/route.(*Planner).first(0xc000010000)\n"
        "\t/build/internal/route/plan.go:33 +0x1d\n"
        "main.main()\n"
        "\t/build/cmd/svc/main.go:10 +0x25\n\n"
        "goroutine 1 [IO wait]:\n"
        "internal/poll.runtime_pollWait(0x7f1a2c1e0e28, 0x72)\n"
        "\t/usr/local/go/src/runtime/netpoll.go:343 +0x85\n"
    )
    parsed = parse_trace(text)
    assert parsed is not None
    assert parsed.language is Language.GO
    assert parsed.error_type == "panic"
    assert parsed.error_message == "runtime error: index out of range [0] with length 0"
    assert [(f.runtime_path, f.function_name) for f in parsed.frames] == [
        ("/build/cmd/svc/main.go", "main"),
        ("/build/internal/route/plan.go", "Planner.first"),
    ]
    assert all(f.in_app for f in parsed.frames)


def test_go_runtime_frames_are_not_in_app() -> None:
    text = (
        "fatal error: runtime: out of memory\n\n"
        "goroutine 1 [running]:\n"
        "runtime.throw({0x6f1c3e, 0x16})\n"
        "\t/usr/local/go/src/runtime/panic.go:1077 +0x5c\n"
    )
    parsed = parse_trace(text)
    assert parsed is not None
    assert parsed.error_type == "fatal error"
    assert not any(f.in_app for f in parsed.frames)


def test_text_without_frames_gives_none() -> None:
    assert parse_trace("") is None
    assert parse_trace("Container killed: OOMKilled (exit code 137)") is None
    assert parse_trace("Traceback (most recent call last):\nValueError: x") is None
