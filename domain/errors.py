"""Typed errors of the pure core: every invalid document names the offending field by JSON pointer."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError


@dataclass(frozen=True, slots=True)
class FieldError:
    pointer: str
    message: str

    def __str__(self) -> str:
        return f"{self.pointer or '/'}: {self.message}"


class FieldProblems(ValueError):
    """Raised by a model's own checks; pointers are relative to that model."""

    def __init__(self, problems: Sequence[FieldError]) -> None:
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = tuple(problems)


class DocumentError(ValueError):
    """A document failed validation; `errors` name each offending field."""

    def __init__(self, document: str, errors: Sequence[FieldError]) -> None:
        self.document = document
        self.errors = tuple(errors)
        super().__init__(f"invalid {document}: " + "; ".join(str(error) for error in self.errors))


def pointer(path: Iterable[str | int]) -> str:
    """Return the JSON pointer (RFC 6901) of a location path."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def field_errors(error: ValidationError, *, prefix: Sequence[str | int] = ()) -> list[FieldError]:
    """Return one `FieldError` per problem pydantic found, pointers prefixed by `prefix`."""
    found: list[FieldError] = []
    for detail in error.errors(include_url=False):
        base = pointer([*prefix, *detail["loc"]])
        cause = detail.get("ctx", {}).get("error")
        if isinstance(cause, FieldProblems):
            found.extend(FieldError(base + problem.pointer, problem.message) for problem in cause.problems)
        else:
            message = detail["msg"].removeprefix("Value error, ")
            found.append(FieldError(base, message))
    return found


UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
"""What no store holds in text: NUL (PostgreSQL refuses it in text and in JSON) and lone surrogates (not
encodable as UTF-8)."""

UNSTORABLE_TEXT = "text may not contain NUL (U+0000) nor lone surrogates (U+D800 to U+DFFF)"


def unstorable_at(value: Any, path: tuple[str | int, ...] = ()) -> str | None:
    """Return the JSON pointer of the first text of a JSON-like value (a key, or a string at any depth) that
    holds what `UNSTORABLE` matches, or None. A key that does is pointed at by the object holding it."""
    if isinstance(value, str):
        return pointer(path) if UNSTORABLE.search(value) is not None else None
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and UNSTORABLE.search(key) is not None:
                return pointer(path)
            found = unstorable_at(item, (*path, str(key)))
            if found is not None:
                return found
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = unstorable_at(item, (*path, index))
            if found is not None:
                return found
    return None


def storable(data: Any, document: str) -> Any:
    """Return `data`, or raise `DocumentError` naming the first text in it that no store can hold."""
    found = unstorable_at(data)
    if found is not None:
        raise DocumentError(document, [FieldError(found, UNSTORABLE_TEXT)])
    return data
