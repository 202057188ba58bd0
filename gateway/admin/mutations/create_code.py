"""createCode: one managed code — a public one (no customer, many uses) or one assigned to a customer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from pydantic import ValidationError

from domain.access import Operation
from domain.documents.catalog import CouponCodeSpec
from domain.errors import DocumentError, field_errors
from domain.store import AlreadyExists as StoreAlreadyExists
from domain.store import NotFound as StoreNotFound
from gateway.admin.codes import ManagedCode, managed_code
from gateway.admin.workflow import audit_entry, refused
from gateway.graph.context import AdminContext
from gateway.graph.problems import AlreadyExists, Forbidden, NotFound, ValidationFailed


@strawberry.input(description="A code of a campaign; without a customer and a use limit anyone may use it.")
class CodeInput:
    code: str
    campaign_id: str
    customer_id: str | None = None
    max_uses: int | None = None
    once_per_customer: bool = False
    starts_at: datetime | None = None
    expires_at: datetime | None = None


@strawberry.type(description="The code as stored now.")
class CodeSaved:
    managed_code: ManagedCode


CreateCodeResult = Annotated[
    CodeSaved | ValidationFailed | AlreadyExists | NotFound | Forbidden, strawberry.union("CreateCodeResult")
]


async def create_code(info: strawberry.Info[AdminContext, None], code: CodeInput) -> CreateCodeResult:
    context = info.context
    if problem := refused(context, Operation.ISSUE_CODES):
        return problem
    try:
        spec = CouponCodeSpec.model_validate(vars(code))
    except ValidationError as error:
        return ValidationFailed.of(DocumentError("code", field_errors(error)))
    entry = audit_entry(context, "code.create", "code", spec.code, None, spec.model_dump(mode="json"))
    try:
        async with context.store.audit.recording(entry):
            [stored] = await context.store.codes.add([spec])
    except StoreAlreadyExists as error:
        return AlreadyExists(code="ALREADY_EXISTS", message=str(error), kind=error.kind, key=error.key)
    except StoreNotFound as error:
        return NotFound.of(error.kind, error.key)
    return CodeSaved(managed_code=managed_code(stored))
