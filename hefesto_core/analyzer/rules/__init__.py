"""The rule families. Each module exposes ``RULE_IDS`` and
``check(ctx) -> Iterator[Hit]``; the engine runs a module only when one of
its rules is enabled."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import ModuleType

from hefesto_core.analyzer.rules import (
    complexity,
    crypto,
    exceptions,
    index,
    injection,
    none_deref,
    reliability,
    secrets,
    structure,
    todo,
)
from hefesto_core.analyzer.rules.base import FileContext, Hit
from hefesto_core.analyzer.rules.catalog import CATALOG, RuleInfo

__all__ = ["CATALOG", "FAMILIES", "FileContext", "Hit", "RuleInfo", "run_rules"]

FAMILIES: tuple[ModuleType, ...] = (
    complexity,
    structure,
    secrets,
    injection,
    crypto,
    none_deref,
    index,
    exceptions,
    reliability,
    todo,
)


def run_rules(ctx: FileContext, enabled: Callable[[str], bool]) -> Iterator[Hit]:
    for family in FAMILIES:
        if any(enabled(r) for r in family.RULE_IDS):
            for hit in family.check(ctx):
                if enabled(hit.rule_id):
                    yield hit
