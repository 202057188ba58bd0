"""setCodeEnabled: switch a managed coupon code off (it reads DISABLED) or on again."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access import Operation
from domain.store import NotFound as StoreNotFound
from gateway.admin.workflow import audit_entry, refused
from gateway.graph.context import AdminContext
from gateway.graph.problems import Forbidden, NotFound


@strawberry.type
class CodeSwitched:
    code: str
    campaign_id: str
    enabled: bool


SetCodeEnabledResult = Annotated[CodeSwitched | NotFound | Forbidden, strawberry.union("SetCodeEnabledResult")]


async def set_code_enabled(info: strawberry.Info[AdminContext, None], code: str, enabled: bool) -> SetCodeEnabledResult:
    context = info.context
    if problem := refused(context, Operation.MANAGE_CODES):
        return problem
    action = "code.enable" if enabled else "code.disable"
    try:
        async with context.store.audit.recording(
            audit_entry(context, action, "code", code.strip().upper(), None, {"active": enabled})
        ):
            stored = await context.store.codes.set_active(code, enabled)
    except StoreNotFound:
        return NotFound.of("code", code)
    return CodeSwitched(code=stored.spec.code, campaign_id=stored.spec.campaign_id, enabled=stored.spec.active)
