"""Stable finding fingerprints.

``finding_id`` hashes repo, path, enclosing symbol, rule and the finding's
code with whitespace and comments normalized away, never its line number: an
unrelated edit above the finding leaves the id unchanged, so history and
status (acknowledged, ignored ...) follow the finding across commits. Two
identical findings in one symbol are told apart by their order.
"""

from __future__ import annotations

import hashlib
import re

__all__ = ["fingerprint", "normalize_code"]

_COMMENT = re.compile(r"\s+#[^\n'\"]*$", re.MULTILINE)
_SPACE = re.compile(r"\s+")


def normalize_code(code: str) -> str:
    """Code without trailing comments and with all whitespace removed."""
    return _SPACE.sub("", _COMMENT.sub("", code))


def fingerprint(
    *, repo: str, file_path: str, symbol: str | None, rule_id: str, code: str, occurrence: int = 0
) -> str:
    """32 hex characters; ``occurrence`` counts earlier identical findings."""
    h = hashlib.blake2b(digest_size=16)
    for part in (repo, file_path, symbol or "<module>", rule_id, normalize_code(code), str(occurrence)):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()
