"""startCodeBatch: generate unique codes for a campaign in the background; `codeBatch(id)` follows it."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access import Operation
from domain.code_batches import BatchRequest
from domain.errors import DocumentError
from domain.store import NotFound as StoreNotFound
from domain.store.code_batches import new_batch_id
from gateway.admin.code_inputs import CodePatternInput, CodeTermsInput
from gateway.admin.codes import CodeBatch, code_batch
from gateway.admin.workflow import audit_entry, refused
from gateway.graph.context import AdminContext
from gateway.graph.problems import Forbidden, NotFound, ValidationFailed


@strawberry.input(description="A batch: how many codes, how they look, what each allows.")
class CodeBatchInput:
    campaign_id: str
    count: int
    pattern: CodePatternInput | None = None
    terms: CodeTermsInput | None = None


@strawberry.type(description="The batch is PENDING: the runner picks it up at once.")
class CodeBatchStarted:
    batch: CodeBatch


StartCodeBatchResult = Annotated[
    CodeBatchStarted | ValidationFailed | NotFound | Forbidden, strawberry.union("StartCodeBatchResult")
]


async def start_code_batch(info: strawberry.Info[AdminContext, None], batch: CodeBatchInput) -> StartCodeBatchResult:
    context = info.context
    if problem := refused(context, Operation.ISSUE_CODES):
        return problem
    request = BatchRequest(
        campaign_id=batch.campaign_id,
        count=batch.count,
        pattern=(batch.pattern or CodePatternInput()).value(),
        terms=(batch.terms or CodeTermsInput()).value(),
    )
    if errors := request.problems():
        return ValidationFailed.of(DocumentError("code batch", errors))
    batch_id = new_batch_id()
    entry = audit_entry(context, "codes.batch", "code_batch", batch_id, None, request.document())
    try:
        async with context.store.audit.recording(entry):
            started = await context.store.code_batches.create(
                request, created_by=context.principal.subject, batch_id=batch_id
            )
    except StoreNotFound as error:
        return NotFound.of(error.kind, error.key)
    if context.services.code_runner is not None:
        context.services.code_runner.wake()
    return CodeBatchStarted(batch=code_batch(started))
