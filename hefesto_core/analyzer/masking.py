"""Mask secrets in code snippets before they leave the analyzer (findings go
to Kafka, SARIF files and history stores that more people can read than the
code itself)."""

from __future__ import annotations

import re

__all__ = [
    "SECRET_NAME",
    "TOKEN_HINTS",
    "TOKEN_PATTERNS",
    "has_secret_words",
    "mask_secrets",
    "present_token_kinds",
]

#: Well-known credential formats, by issuer.
TOKEN_PATTERNS: dict[str, re.Pattern[str]] = {
    "aws_access_key": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "github_token": re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b"),
    "gitlab_token": re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}\b"),
    "slack_token": re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b"),
    "stripe_key": re.compile(r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}\b"),
    "openai_key": re.compile(r"\bsk-(?:proj-)?[A-Za-z0-9_-]{32,}\b"),
    "google_api_key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
    "private_key": re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----"),
    "jwt": re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\b"),
}

#: Names that hold secrets (variables, attributes, dict keys, keyword arguments).
SECRET_NAME = re.compile(
    r"(?i)(?:passw(?:or)?d|passwd|pwd|secret|token|api_?key|apikey|access_?key|private_?key|"
    r"client_?secret|auth(?:_?token)?|credential|signing_?key|encryption_?key|bearer)"
)

#: Literal text each token format contains: a substring test (C speed)
#: decides whether the slower regex needs to run at all.
TOKEN_HINTS: dict[str, tuple[str, ...]] = {
    "aws_access_key": ("AKIA", "ASIA"),
    "github_token": ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
    "gitlab_token": ("glpat-",),
    "slack_token": ("xoxa-", "xoxb-", "xoxp-", "xoxo-", "xoxs-", "xoxr-"),
    "stripe_key": ("sk_live_", "sk_test_", "rk_live_", "rk_test_"),
    "openai_key": ("sk-",),
    "google_api_key": ("AIza",),
    "private_key": ("PRIVATE KEY-----",),
    "jwt": ("eyJ",),
}
SECRET_WORDS = (
    "passw",
    "pwd",
    "secret",
    "token",
    "api_key",
    "apikey",
    "access_key",
    "accesskey",
    "private_key",
    "privatekey",
    "credential",
    "auth",
    "bearer",
    "signing",
    "encryption",
)


# A substring every hint of the kind contains: when it is absent (most
# files), the kind's other substring tests are skipped.
_HINT_SCREENS: dict[str, str] = {"slack_token": "xox", "stripe_key": "k_"}


def present_token_kinds(text: str) -> list[str]:
    return [
        kind
        for kind, hints in TOKEN_HINTS.items()
        if (kind not in _HINT_SCREENS or _HINT_SCREENS[kind] in text) and any(h in text for h in hints)
    ]


def has_secret_words(text: str) -> bool:
    lowered = text.lower()
    return any(w in lowered for w in SECRET_WORDS)


_ASSIGNED_LITERAL = re.compile(
    r"""(?ix)
    (?P<name>(?:[A-Za-z_][\w.\-]*?)?(?:passw(?:or)?d|passwd|pwd|secret|token|api_?key|apikey|access_?key|
        private_?key|credential|signing_?key|encryption_?key|bearer)[\w\-]*['"]?\s*[:=]\s*)
    (?P<q>['"])(?P<value>[^'"\n]{4,})(?P=q)
    """
)


def _mask(value: str) -> str:
    keep = 4 if len(value) > 12 else 0
    return value[:keep] + "*" * 8


def mask_secrets(text: str) -> str:
    """Replace token-like literals and values assigned to secret-like names."""
    if not text:
        return text
    for kind in present_token_kinds(text):
        text = TOKEN_PATTERNS[kind].sub(lambda m: _mask(m.group(0)), text)
    if not has_secret_words(text):
        return text
    return _ASSIGNED_LITERAL.sub(
        lambda m: f"{m.group('name')}{m.group('q')}{_mask(m.group('value'))}{m.group('q')}", text
    )
