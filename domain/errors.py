"""Typed errors of the pure core: every invalid document names the offending field by JSON pointer."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

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
