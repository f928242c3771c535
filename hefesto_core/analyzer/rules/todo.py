"""INCOMPLETE_TODO: ``TODO``/``FIXME``/``XXX``/``HACK`` markers in comments."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator

from hefesto_core.analyzer.rules.base import FileContext, Hit
from hefesto_core.analyzer.scopes import innermost
from hefesto_core.analyzer.source import NEWLINE
from hefesto_core.analyzer.suppress import is_comment

__all__ = ["RULE_IDS", "check"]

RULE_IDS = ("INCOMPLETE_TODO",)
_MARKER = re.compile(r"#[^\n]*?\b(TODO|FIXME|XXX|HACK)\b(?P<rest>[^\n]*)")
_TICKET = re.compile(r"(?i)(?:#\d+|[A-Z][A-Z0-9]+-\d+|https?://)")


def check(ctx: FileContext) -> Iterator[Hit]:
    text = ctx.src.text
    if "TODO" not in text and "FIXME" not in text and "XXX" not in text and "HACK" not in text:
        return
    offsets: list[int] = []
    for m in _MARKER.finditer(text):
        if not offsets:  # line starts only once a marker is found: most files have none
            offsets = [0, *(m.end() for m in NEWLINE.finditer(text))]
        lineno = bisect.bisect_right(offsets, m.start())
        line = ctx.src.line(lineno)
        col = m.start() - offsets[lineno - 1]
        if col < 0 or col >= len(line) or not is_comment(line, col):
            continue
        rest = m.group("rest").strip(" :-")
        if _TICKET.search(rest):
            continue  # tracked elsewhere: not incomplete, just referenced
        yield Hit(
            "INCOMPLETE_TODO",
            innermost(ctx.root, lineno),
            lineno,
            lineno,
            col + 1,
            f"{m.group(1)} left in code: {rest[:120] or '(no description)'}",
        )
