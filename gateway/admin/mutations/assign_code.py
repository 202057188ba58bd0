"""assignCode: give a managed code to one customer (only they may use it), or to nobody again."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access import Operation
from domain.documents.common import normalize_code
from domain.store import NotFound as StoreNotFound
from gateway.admin.codes import managed_code
from gateway.admin.mutations.create_code import CodeSaved
from gateway.admin.workflow import audit_entry, refused
from gateway.graph.context import AdminContext
from gateway.graph.problems import Forbidden, NotFound

AssignCodeResult = Annotated[CodeSaved | NotFound | Forbidden, strawberry.union("AssignCodeResult")]


async def assign_code(
    info: strawberry.Info[AdminContext, None], code: str, customer_id: str | None
) -> AssignCodeResult:
    context = info.context
    if problem := refused(context, Operation.MANAGE_CODES):
        return problem
    current = await context.store.codes.get(code)
    if current is None:
        return NotFound.of("code", code)
    before = {"customer_id": current.spec.customer_id}
    entry = audit_entry(context, "code.assign", "code", normalize_code(code), before, {"customer_id": customer_id})
    try:
        async with context.store.audit.recording(entry):
            stored = await context.store.code_admin.assign(code, customer_id)
    except StoreNotFound:
        return NotFound.of("code", code)
    return CodeSaved(managed_code=managed_code(stored))
