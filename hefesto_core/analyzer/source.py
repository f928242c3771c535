"""One source file as the rules see it: text, lines, module name, snippets."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

__all__ = ["NEWLINE", "SourceFile", "decode_source", "module_name", "path_matches", "split_lines"]

# Only the separators the tokenizer knows: str.splitlines() also splits on
# form feeds and Unicode separators, which would shift line numbers.
NEWLINE = re.compile(r"\r\n|\r|\n")


# The separators str.splitlines() knows beyond those: ASCII ones, and ones
# that only a non-ASCII text can contain. One-character substring tests run
# at memchr speed, far faster than a regex character class.
_ASCII_BREAKS = ("\x0b", "\x0c", "\x1c", "\x1d", "\x1e")
_WIDE_BREAKS = ("\x85", "\u2028", "\u2029")


def _other_breaks(text: str) -> bool:
    if any(c in text for c in _ASCII_BREAKS):
        return True
    return not text.isascii() and any(c in text for c in _WIDE_BREAKS)


def split_lines(text: str) -> list[str]:
    if not _other_breaks(text):
        return text.splitlines()  # same result when only \r, \n and \r\n occur, and much faster
    lines = NEWLINE.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def decode_source(data: bytes) -> str:
    """Decode like the interpreter does (PEP 263 cookie, BOM), so a file that
    Python can run is never reported as undecodable."""
    import io
    import tokenize

    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        encoding = "utf-8"
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return data.decode("utf-8", errors="replace")


def module_name(file_path: str) -> str:
    """``pkg/sub/mod.py`` → ``pkg.sub.mod``; ``pkg/__init__.py`` → ``pkg``;
    a leading ``src/`` layout folder is dropped."""
    parts = [p for p in file_path.split("/") if p]
    if parts and parts[0] == "src" and len(parts) > 1:
        parts = parts[1:]
    if parts and parts[-1].endswith(".py"):
        parts[-1] = parts[-1][:-3]
    if parts and parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts) or "__main__"


def path_matches(path: str, patterns: list[str]) -> bool:
    """Glob match of a repo-relative POSIX path (``**`` spans folders; a
    pattern ``**/x/**`` also matches ``x/...`` at the top)."""
    for pattern in patterns:
        if fnmatchcase(path, pattern):
            return True
        if pattern.startswith("**/") and fnmatchcase(path, pattern[3:]):
            return True
    return False


@dataclass(slots=True)
class SourceFile:
    text: str
    file_path: str
    is_test: bool = False
    tree: ast.Module | None = None
    _lines: list[str] | None = field(default=None, repr=False)
    _module: str | None = field(default=None, repr=False)

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = split_lines(self.text)
        return self._lines

    @property
    def module(self) -> str:
        if self._module is None:
            self._module = module_name(self.file_path)
        return self._module

    def line(self, lineno: int) -> str:
        lines = self.lines
        return lines[lineno - 1] if 0 < lineno <= len(lines) else ""

    def snippet(self, start: int, end: int, *, max_lines: int = 6) -> str:
        """Lines ``start``..``end`` (1-based, inclusive), at most ``max_lines``."""
        end = min(end, start + max_lines - 1)
        return "\n".join(self.lines[start - 1 : end])
