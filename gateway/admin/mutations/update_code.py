"""updateCode: set a managed code's use limit, once-per-customer flag and validity."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access import Operation
from domain.code_batches import CodeTerms
from domain.documents.common import normalize_code
from domain.errors import DocumentError
from domain.store import NotFound as StoreNotFound
from gateway.admin.code_inputs import CodeTermsInput, terms_snapshot
from gateway.admin.codes import managed_code
from gateway.admin.mutations.create_code import CodeSaved
from gateway.admin.workflow import audit_entry, refused
from gateway.graph.context import AdminContext
from gateway.graph.problems import Forbidden, NotFound, ValidationFailed

UpdateCodeResult = Annotated[CodeSaved | ValidationFailed | NotFound | Forbidden, strawberry.union("UpdateCodeResult")]


async def update_code(info: strawberry.Info[AdminContext, None], code: str, terms: CodeTermsInput) -> UpdateCodeResult:
    context = info.context
    if problem := refused(context, Operation.MANAGE_CODES):
        return problem
    wanted = terms.value()
    if errors := wanted.problems():
        return ValidationFailed.of(DocumentError("code terms", errors))
    current = await context.store.codes.get(code)
    if current is None:
        return NotFound.of("code", code)
    spec = current.spec
    before = terms_snapshot(CodeTerms(spec.max_uses, spec.once_per_customer, spec.starts_at, spec.expires_at))
    entry = audit_entry(context, "code.update", "code", normalize_code(code), before, terms_snapshot(wanted))
    try:
        async with context.store.audit.recording(entry):
            stored = await context.store.code_admin.set_terms(code, wanted)
    except StoreNotFound:
        return NotFound.of("code", code)
    return CodeSaved(managed_code=managed_code(stored))
