"""Build result documents without validation: the engine made every value, and this is the hot path.

`pydantic`'s `model_construct` validates nothing either, but costs several times more; here the values
must name every field of the model, in declaration order (the order serialization follows).
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

Model = TypeVar("Model", bound=BaseModel)

_FIELDS: dict[type[BaseModel], set[str]] = {}
_new = object.__new__
_setattr = object.__setattr__


def assemble(model: type[Model], values: dict[str, Any]) -> Model:
    """Return a `model` document holding `values` (every field, in declaration order), unvalidated."""
    document: Model = _new(model)
    _setattr(document, "__dict__", values)
    _setattr(document, "__pydantic_fields_set__", _every_field(model))
    _setattr(document, "__pydantic_extra__", None)
    _setattr(document, "__pydantic_private__", None)
    return document


def _every_field(model: type[BaseModel]) -> set[str]:
    """Return the shared set of a model's field names (an assembled document sets every field)."""
    found = _FIELDS.get(model)
    if found is None:
        found = _FIELDS[model] = set(model.model_fields)
    return found
