"""Expected failures are values of the graph, not exceptions: each mutation answers a union of its success
type and the problems below, each with a stable `code`."""

from __future__ import annotations

import strawberry

from domain.errors import DocumentError


@strawberry.interface(description="An expected failure: a stable code and a sentence for people.")
class Problem:
    code: str
    message: str


@strawberry.type(description="A field of the input that is not acceptable, by JSON pointer into the document.")
class FieldProblem:
    pointer: str
    message: str


@strawberry.type(description="The input was refused; nothing was written. Code VALIDATION_FAILED.")
class ValidationFailed(Problem):
    errors: list[FieldProblem]

    @classmethod
    def of(cls, error: DocumentError) -> ValidationFailed:
        problems = [FieldProblem(pointer=problem.pointer, message=problem.message) for problem in error.errors]
        return cls(code="VALIDATION_FAILED", message=str(error), errors=problems)

    @classmethod
    def one(cls, pointer: str, message: str) -> ValidationFailed:
        return cls(code="VALIDATION_FAILED", message=message, errors=[FieldProblem(pointer=pointer, message=message)])


@strawberry.type(description="Nothing has this id. Code NOT_FOUND.")
class NotFound(Problem):
    kind: str
    key: str

    @classmethod
    def of(cls, kind: str, key: str) -> NotFound:
        return cls(code="NOT_FOUND", message=f"no {kind} {key!r}", kind=kind, key=key)


@strawberry.type(description="The caller's role may not do this. Code FORBIDDEN.")
class Forbidden(Problem):
    operation: str
    role: str

    @classmethod
    def of(cls, role: str, operation: str, message: str | None = None) -> Forbidden:
        text = message or f"a {role} may not {operation.lower().replace('_', ' ')}"
        return cls(code="FORBIDDEN", message=text, operation=operation, role=role)


@strawberry.type(description="The campaign may not go to that status from where it is. Code INVALID_TRANSITION.")
class InvalidTransition(Problem):
    current: str
    wanted: str


@strawberry.type(description="Something with this id exists already. Code ALREADY_EXISTS.")
class AlreadyExists(Problem):
    kind: str
    key: str


@strawberry.type(description="The pricing core could not answer. Code PRICING_UNAVAILABLE.")
class PricingUnavailable(Problem):
    reason: str
