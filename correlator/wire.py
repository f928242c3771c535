"""Building wire models on the hot path without re-validating them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel

__all__ = ["build"]

_M = TypeVar("_M", bound=BaseModel)

# BaseModel keeps these in __slots__; their descriptors set them directly,
# skipping object.__setattr__'s attribute lookup (this runs ~30 times per
# scored frame).
_slots: Mapping[str, Any] = vars(BaseModel)
_set_fields_set = _slots["__pydantic_fields_set__"].__set__
_set_extra = _slots["__pydantic_extra__"].__set__
_set_private = _slots["__pydantic_private__"].__set__
_new = object.__new__
_setattr = object.__setattr__


def build(cls: type[_M], fields: dict[str, Any]) -> _M:
    """An instance of ``cls`` from fields that are already valid.

    ``model_construct`` costs ~5 us per model, which for 50 candidates is
    more than all the scoring. Every field must be given (no defaults are
    filled in); a unit test checks that the result equals the validated
    model, so a pydantic upgrade that changes the internals fails loudly.
    """
    obj = _new(cls)
    _setattr(obj, "__dict__", fields)
    _set_fields_set(obj, set(fields))
    _set_extra(obj, None)
    _set_private(obj, None)
    return obj
