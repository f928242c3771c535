"""Inline suppressions: ``# hefesto: ignore[RULE_ID, OTHER] reason``.

A suppressed finding is kept with status ``ignored`` (an ignored warning near
a crashing line is a strong correlation signal), not dropped. The comment
applies to its own line, or, when it stands alone on a line, to the next
code line. ``# hefesto: ignore`` without brackets applies to every rule.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass

__all__ = ["ALL_RULES", "Suppression", "find_suppressions", "is_comment"]

ALL_RULES = "*"
_DIRECTIVE = re.compile(
    r"#\s*hefesto\s*:\s*ignore(?:\[(?P<rules>[^\]]*)\])?(?P<reason>[^\n]*)", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class Suppression:
    line: int
    rules: frozenset[str]
    reason: str | None

    def covers(self, rule_id: str, issue_type: str) -> bool:
        return ALL_RULES in self.rules or rule_id.upper() in self.rules or issue_type in self.rules


def is_comment(line: str, column: int) -> bool:
    """True when the '#' at ``column`` starts a real comment, not text in a string."""
    try:
        for tok in tokenize.generate_tokens(io.StringIO(line).readline):
            if tok.type == tokenize.COMMENT:
                return tok.start[1] == column
    except (tokenize.TokenError, IndentationError, SyntaxError):
        # A line cut out of a multi-line construct may not tokenize alone;
        # the directive is then accepted when nothing but code precedes it.
        return line[:column].count('"') % 2 == 0 and line[:column].count("'") % 2 == 0
    return False


def find_suppressions(text: str, lines: list[str]) -> dict[int, Suppression]:
    """Suppressions by the line they apply to."""
    found: dict[int, Suppression] = {}
    if "hefesto" not in text:
        return found
    for lineno, line in enumerate(lines, start=1):
        if "hefesto" not in line:
            continue
        m = _DIRECTIVE.search(line)
        if m is None or not is_comment(line, m.start()):
            continue
        rules = frozenset(r.strip().upper() for r in (m.group("rules") or ALL_RULES).split(",") if r.strip())
        reason = m.group("reason").strip() or None
        target = lineno
        if not line[: m.start()].strip():
            # A standalone comment covers the next line that is not blank or a comment.
            for nxt in range(lineno, len(lines)):
                stripped = lines[nxt].strip()
                if stripped and not stripped.startswith("#"):
                    target = nxt + 1
                    break
        found[target] = Suppression(target, rules or frozenset({ALL_RULES}), reason)
    return found
