"""HIGH_COMPLEXITY and VERY_HIGH_COMPLEXITY from radon-compatible cyclomatic
complexity; cognitive complexity goes into the finding's metadata."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from hefesto_core.analyzer.complexity import cognitive, rank
from hefesto_core.analyzer.rules.base import FileContext, Hit
from hefesto_core.models import Severity

__all__ = ["RULE_IDS", "check"]

RULE_IDS = ("HIGH_COMPLEXITY", "VERY_HIGH_COMPLEXITY")


def check(ctx: FileContext) -> Iterator[Hit]:
    t = ctx.config.thresholds
    for scope in ctx.functions():
        cc = scope.complexity
        if cc < t.complexity_medium:
            continue
        node = scope.node
        assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        if cc >= t.complexity_critical:
            rule, severity = "VERY_HIGH_COMPLEXITY", None
        else:
            rule = "HIGH_COMPLEXITY"
            severity = None if cc >= t.complexity_high else Severity.MEDIUM
        cog = cognitive(node)
        yield Hit(
            rule,
            scope,
            node.lineno,
            node.end_lineno or node.lineno,
            node.col_offset + 1,
            f"{scope.name} has cyclomatic complexity {cc} (rank {rank(cc)}) and cognitive complexity {cog}",
            severity=severity,
            metadata={"cyclomatic": cc, "cognitive": cog, "rank": rank(cc)},
        )
