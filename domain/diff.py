"""A field-by-field difference between two JSON documents (two versions of a campaign)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.errors import pointer

_MISSING: Any = object()


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One leaf that differs: its JSON pointer, and its value before and after (None when absent)."""

    pointer: str
    before: Any
    after: Any


def document_diff(before: Any, after: Any) -> list[FieldChange]:
    """Return the leaves that differ, in document order; objects are compared key by key, lists and
    scalars as whole values."""
    changes: list[FieldChange] = []
    _walk([], before, after, changes)
    return changes


def _walk(path: list[str], before: Any, after: Any, changes: list[FieldChange]) -> None:
    if isinstance(before, dict) and isinstance(after, dict):
        for key in [*before, *(key for key in after if key not in before)]:
            _walk([*path, key], before.get(key, _MISSING), after.get(key, _MISSING), changes)
        return
    if before != after:
        changes.append(
            FieldChange(pointer(path), None if before is _MISSING else before, None if after is _MISSING else after)
        )
