"""WEAK_CRYPTO, INSECURE_TLS and UNSAFE_DESERIALIZATION."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from hefesto_core.analyzer.rules.base import FileContext, Hit, dotted
from hefesto_core.analyzer.scopes import Scope

__all__ = ["RULE_IDS", "check"]

RULE_IDS = ("WEAK_CRYPTO", "INSECURE_TLS", "UNSAFE_DESERIALIZATION")

_WEAK_HASHES = frozenset({"hashlib.md5", "hashlib.sha1", "Crypto.Hash.MD5.new", "Crypto.Hash.SHA.new"})
_RANDOM = frozenset(
    {
        "random.random",
        "random.randint",
        "random.randrange",
        "random.choice",
        "random.choices",
        "random.getrandbits",
        "random.sample",
        "random.shuffle",
        "random.randbytes",
    }
)
# Where a value is used for security: names of what it becomes or of the function producing it.
_SECURITY_USE = re.compile(
    r"(?i)(passw|passwd|pwd|token|secret|salt|nonce|otp|csrf|session|api_?key|auth|"
    r"signature|sign|hmac|credential|reset|verification|private|crypt|cipher)"
)
_PICKLES = frozenset(
    {
        "pickle.load",
        "pickle.loads",
        "pickle.Unpickler",
        "_pickle.load",
        "_pickle.loads",
        "cPickle.load",
        "cPickle.loads",
        "dill.load",
        "dill.loads",
        "marshal.load",
        "marshal.loads",
        "jsonpickle.decode",
        "pandas.read_pickle",
        "shelve.open",
        "yaml.unsafe_load",
        "yaml.full_load",
    }
)
_SAFE_LOADERS = re.compile(r"(?:^|\.)(?:SafeLoader|CSafeLoader|BaseLoader)$")


def _context_names(scope: Scope, call: ast.Call) -> list[str]:
    """Names that say what ``call``'s value is for: assignment targets that
    receive it and the enclosing function."""
    names = [scope.name]
    for assign in scope.assigns:
        if assign.value is not None and any(n is call for n in ast.walk(assign.value)):
            targets = assign.targets if isinstance(assign, ast.Assign) else [assign.target]
            names.extend(dotted(t) or "" for t in targets)
    return names


def _weak(ctx: FileContext, scope: Scope, call: ast.Call, name: str) -> Iterator[Hit]:
    if any(k.arg == "usedforsecurity" for k in call.keywords):
        return
    algo = None
    if name in _WEAK_HASHES:
        algo = name.rsplit(".", 1)[-1]
    elif name == "hashlib.new" and call.args and isinstance(call.args[0], ast.Constant):
        if str(call.args[0].value).lower() in ("md5", "sha1", "md4"):
            algo = str(call.args[0].value).lower()
    elif name == "hmac.new" and len(call.args) >= 3 and (ctx.resolve(call.args[2]) or "") in _WEAK_HASHES:
        yield Hit.at("WEAK_CRYPTO", scope, call, "HMAC with a broken hash function")
        return
    if algo is not None and any(_SECURITY_USE.search(n) for n in _context_names(scope, call)):
        yield Hit.at(
            "WEAK_CRYPTO", scope, call, f"{algo} is broken for security use (passwords, tokens, signatures)"
        )
    elif name in _RANDOM and any(_SECURITY_USE.search(n) for n in _context_names(scope, call)):
        yield Hit.at(
            "WEAK_CRYPTO",
            scope,
            call,
            f"{name}() is predictable; it must not produce secrets or tokens",
            confidence=0.8,
        )


def _tls(ctx: FileContext, scope: Scope, call: ast.Call, name: str) -> Iterator[Hit]:
    for kw in call.keywords:
        if kw.arg == "verify" and isinstance(kw.value, ast.Constant) and kw.value.value is False:
            yield Hit.at(
                "INSECURE_TLS", scope, call, f"{name or 'call'}() with verify=False accepts any certificate"
            )
        elif kw.arg == "cert_reqs" and (ctx.resolve(kw.value) or "").endswith("CERT_NONE"):
            yield Hit.at("INSECURE_TLS", scope, call, "cert_reqs=CERT_NONE disables certificate verification")


def _tls_assignments(ctx: FileContext, scope: Scope) -> Iterator[Hit]:
    for assign in scope.assigns:
        targets = assign.targets if isinstance(assign, ast.Assign) else [assign.target]
        for t in targets:
            if isinstance(t, ast.Attribute) and assign.value is not None:
                value = ctx.resolve(assign.value) or ""
                if t.attr == "verify_mode" and value.endswith("CERT_NONE"):
                    yield Hit.at(
                        "INSECURE_TLS", scope, assign, "verify_mode = CERT_NONE disables verification"
                    )
                elif (
                    t.attr == "check_hostname"
                    and isinstance(assign.value, ast.Constant)
                    and assign.value.value is False
                ):
                    yield Hit.at(
                        "INSECURE_TLS",
                        scope,
                        assign,
                        "check_hostname = False accepts any host name",
                        confidence=0.8,
                    )


def _deserialization(ctx: FileContext, scope: Scope, call: ast.Call, name: str) -> Iterator[Hit]:
    if name in _PICKLES:
        yield Hit.at(
            "UNSAFE_DESERIALIZATION",
            scope,
            call,
            f"{name}() can execute arbitrary code when the data is not trusted",
        )
    elif name == "yaml.load":
        loader = next((k.value for k in call.keywords if k.arg == "Loader"), None)
        if loader is None and len(call.args) >= 2:
            loader = call.args[1]
        if loader is None or not _SAFE_LOADERS.search(ctx.resolve(loader) or ""):
            yield Hit.at("UNSAFE_DESERIALIZATION", scope, call, "yaml.load() without a safe Loader")
    elif name == "torch.load" and not any(
        k.arg == "weights_only" and isinstance(k.value, ast.Constant) and k.value.value is True
        for k in call.keywords
    ):
        yield Hit.at(
            "UNSAFE_DESERIALIZATION",
            scope,
            call,
            "torch.load() unpickles unless weights_only=True",
            confidence=0.8,
        )


_CRYPTO_LAST = frozenset({"md5", "sha1", "new", *(n.rsplit(".", 1)[-1] for n in _RANDOM)})
_DESER_LAST = frozenset({*(n.rsplit(".", 1)[-1] for n in _PICKLES), "load"})


def check(ctx: FileContext) -> Iterator[Hit]:
    for scope, call in ctx.calls_named(*_CRYPTO_LAST, *_DESER_LAST, "_create_unverified_context"):
        name = ctx.resolve(call.func) or ""
        if name.startswith(("hashlib.", "hmac.", "random.", "Crypto.")):
            yield from _weak(ctx, scope, call, name)
        elif name in _PICKLES or name in ("yaml.load", "torch.load"):
            yield from _deserialization(ctx, scope, call, name)
        elif name == "ssl._create_unverified_context":
            yield Hit.at("INSECURE_TLS", scope, call, "an unverified SSL context accepts any certificate")
    with_keywords = {id(c): (sc, c) for k in ("verify", "cert_reqs") for sc, c in ctx.calls_with_keyword(k)}
    for scope, call in sorted(with_keywords.values(), key=lambda sc: (sc[1].lineno, sc[1].col_offset)):
        yield from _tls(ctx, scope, call, ctx.resolve(call.func) or "")
    text = ctx.src.text
    if "CERT_NONE" in text or "check_hostname" in text:
        for scope in ctx.scopes:
            yield from _tls_assignments(ctx, scope)
