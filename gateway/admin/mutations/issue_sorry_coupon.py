"""issueSorryCoupon: support gives one customer a single-use code worth an amount off their next order (up
to the cap in the settings), valid for 90 days."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated

import strawberry

from domain.access import Operation, sorry_problems
from domain.documents import parse_campaign
from domain.documents.catalog import CouponCodeSpec
from domain.documents.common import Status
from domain.errors import DocumentError
from gateway.admin.workflow import audit_entry, forbidden, refused
from gateway.graph.context import AdminContext
from gateway.graph.problems import Forbidden, ValidationFailed

VALID_FOR = timedelta(days=90)
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@strawberry.type(description="The code the customer can use, and until when.")
class SorryCouponIssued:
    code: str
    campaign_id: str
    customer_id: str
    amount: str
    expires_at: datetime


IssueSorryCouponResult = Annotated[
    SorryCouponIssued | ValidationFailed | Forbidden, strawberry.union("IssueSorryCouponResult")
]


async def issue_sorry_coupon(
    info: strawberry.Info[AdminContext, None], customer_id: str, amount: str, reason: str
) -> IssueSorryCouponResult:
    context = info.context
    if problem := refused(context, Operation.ISSUE_SORRY_COUPON):
        return problem
    try:
        value = Decimal(amount)
    except InvalidOperation:
        return ValidationFailed.one("/amount", f"not a decimal amount: {amount!r}")
    store = context.store
    settings = await store.settings.get()
    if problems := [str(problem) for problem in sorry_problems(value, settings)]:
        return forbidden(context, Operation.ISSUE_SORRY_COUPON, "; ".join(problems))
    if await store.customers.get(customer_id) is None:
        return ValidationFailed.one("/customer_id", f"no customer {customer_id!r}")
    code = "SORRY-" + "".join(secrets.choice(ALPHABET) for _ in range(10))
    campaign_id = f"sorry-{code[6:].lower()}"
    expires_at = datetime.now(UTC) + VALID_FOR
    try:
        campaign = parse_campaign(
            {
                "id": campaign_id,
                "name": {"en": "A gift from us", "tr": "Bizden bir hediye"},
                "kind": "COUPON",
                "currency": settings.currency,
                "labels": ["sorry"],
                "benefit": {"type": "AMOUNT", "value": str(value), "amount_mode": "ORDER"},
                "limits": {"total_redemptions": 1},
            }
        )
        spec = CouponCodeSpec(
            code=code, campaign_id=campaign_id, customer_id=customer_id, max_uses=1, expires_at=expires_at
        )
    except DocumentError as error:
        return ValidationFailed.of(error)
    after = {"code": code, "campaign_id": campaign_id, "amount": str(value), "reason": reason}
    async with store.audit.recording(audit_entry(context, "coupon.sorry", "customer", customer_id, None, after)):
        await store.campaigns.save(campaign, status=Status.ACTIVE, author=context.principal.subject)
    await store.codes.add([spec])
    return SorryCouponIssued(
        code=code, campaign_id=campaign_id, customer_id=customer_id, amount=str(value), expires_at=expires_at
    )
