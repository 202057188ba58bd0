"""The admin graph's managed codes: search by code prefix, customer, campaign or batch (keyset pages), a
code's usage from the ledger, and a batch's progress and report."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from domain.access import Operation
from domain.catalog import StoredCode
from domain.code_batches import CodeBatch as Batch
from domain.money import currency_of, from_minor
from domain.store.code_admin import CodeFilter as Filter
from domain.store.code_admin import CodeUsage as Usage
from gateway.admin.workflow import refused
from gateway.graph.context import AdminContext
from gateway.graph.pagination import (
    MAX_PAGE,
    BadCursor,
    Connection,
    Edge,
    PageInfo,
    decode_cursor,
    encode_cursor,
)
from gateway.graph.problems import Forbidden, NotFound, ValidationFailed


@strawberry.type(description="A managed code: its campaign, customer, limits, validity and state.")
class ManagedCode:
    code: str
    campaign_id: str
    customer_id: str | None
    max_uses: int | None
    once_per_customer: bool
    starts_at: datetime | None
    expires_at: datetime | None
    enabled: bool


def managed_code(stored: StoredCode) -> ManagedCode:
    spec = stored.spec
    return ManagedCode(
        code=spec.code,
        campaign_id=spec.campaign_id,
        customer_id=spec.customer_id,
        max_uses=spec.max_uses,
        once_per_customer=spec.once_per_customer,
        starts_at=spec.starts_at,
        expires_at=spec.expires_at,
        enabled=spec.active,
    )


@strawberry.type(description="How a batch job went: codes stored, draws redrawn after a collision, resumes.")
class CodeBatchReport:
    stored: int
    redrawn: int
    resumed: int
    seconds: float
    codes_per_second: float
    error: str | None


@strawberry.type(description="A batch of generated codes: PENDING, RUNNING, DONE or FAILED; `done` of `requested`.")
class CodeBatch:
    id: str
    campaign_id: str
    status: str
    requested: int
    done: int
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    report: CodeBatchReport | None


def code_batch(batch: Batch) -> CodeBatch:
    report = batch.report
    ended = batch.finished_at is not None
    return CodeBatch(
        id=batch.id,
        campaign_id=batch.request.campaign_id,
        status=batch.status.value,
        requested=batch.request.count,
        done=batch.done,
        created_by=batch.created_by,
        created_at=batch.created_at,
        started_at=batch.started_at,
        finished_at=batch.finished_at,
        report=CodeBatchReport(
            stored=report.stored,
            redrawn=report.redrawn,
            resumed=report.resumed,
            seconds=report.seconds,
            codes_per_second=round(report.codes_per_second, 1),
            error=report.error,
        )
        if ended or report.stored
        else None,
    )


@strawberry.type(description="One ledger step of an order that came with the code; money in the campaign currency.")
class CodeUseStep:
    order_id: str
    kind: str
    customer_id: str | None
    uses: int
    held: int
    discount: str
    order_value: str
    at: datetime


@strawberry.type(description="What the ledger holds of a code: uses committed (net of returns) and held, money.")
class CodeUsage:
    code: ManagedCode
    uses: int
    held: int
    discount: str
    order_value: str
    customers: list[str]
    steps: list[CodeUseStep]


@strawberry.input(description="Which codes: all the conditions given hold.")
class CodeFilter:
    prefix: str | None = None
    customer_id: str | None = None
    campaign_id: str | None = None
    batch_id: str | None = None


CodesResult = Annotated[Connection[ManagedCode] | ValidationFailed | Forbidden, strawberry.union("CodesResult")]
CodeBatchResult = Annotated[CodeBatch | NotFound | Forbidden, strawberry.union("CodeBatchResult")]
CodeUsageResult = Annotated[CodeUsage | NotFound | Forbidden, strawberry.union("CodeUsageResult")]


async def _usage(context: AdminContext, usage: Usage) -> CodeUsage:
    stored = await context.store.campaigns.get(usage.code.spec.campaign_id)
    code = (stored.document.currency if stored else None) or (await context.store.settings.get()).currency
    currency = currency_of(code)

    def money(units: int) -> str:
        return str(from_minor(units, currency=currency))

    return CodeUsage(
        code=managed_code(usage.code),
        uses=usage.uses,
        held=usage.held,
        discount=money(usage.discount),
        order_value=money(usage.order_value),
        customers=list(usage.customers),
        steps=[
            CodeUseStep(
                order_id=step.order_id,
                kind=step.kind,
                customer_id=step.customer_id,
                uses=step.uses,
                held=step.held,
                discount=money(step.discount),
                order_value=money(step.order_value),
                at=step.at,
            )
            for step in usage.steps
        ],
    )


@strawberry.type
class CodeQueries:
    @strawberry.field(description="Managed codes by code, filtered; `first` at most 100 after the cursor `after`.")
    async def codes(
        self,
        info: strawberry.Info[AdminContext, None],
        filter: CodeFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> CodesResult:
        context = info.context
        if problem := refused(context, Operation.READ_CODES):
            return problem
        wanted = Filter(**vars(filter)) if filter else Filter()
        try:
            start = decode_cursor(after) if after is not None else None
        except BadCursor as error:
            return ValidationFailed.one("/after", str(error))
        count = min(MAX_PAGE, max(0, first if first is not None else 50))
        found = await context.store.code_admin.page(wanted, after=start, limit=count + 1)
        chosen = found[:count]
        edges = [Edge(cursor=encode_cursor(stored.spec.code), node=managed_code(stored)) for stored in chosen]
        return Connection(
            edges=edges,
            page_info=PageInfo(has_next_page=len(found) > count, end_cursor=edges[-1].cursor if edges else None),
            total_count=await context.store.code_admin.count(wanted),
        )

    @strawberry.field(description="A code's uses, held uses, discount and order value, from the ledger.")
    async def code_usage(self, info: strawberry.Info[AdminContext, None], code: str) -> CodeUsageResult:
        context = info.context
        if problem := refused(context, Operation.READ_CODES):
            return problem
        usage = await context.store.code_admin.usage(code)
        if usage is None:
            return NotFound.of("code", code)
        return await _usage(context, usage)

    @strawberry.field(description="A batch of generated codes: its progress, then its report.")
    async def code_batch(self, info: strawberry.Info[AdminContext, None], id: str) -> CodeBatchResult:
        context = info.context
        if problem := refused(context, Operation.READ_CODES):
            return problem
        batch = await context.store.code_batches.get(id)
        if batch is None:
            return NotFound.of("code batch", id)
        return code_batch(batch)
