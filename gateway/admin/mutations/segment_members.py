"""addSegmentMembers, removeSegmentMembers, importSegmentMembers: change the member list of a static
segment (a dynamic segment's rule decides its members)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

import strawberry

from domain.access import Operation
from domain.imports import member_ids
from domain.store import NotFound as StoreNotFound
from domain.store.errors import DynamicSegment
from gateway.admin.imports import RowProblem, lines_of
from gateway.admin.workflow import audit_entry, refused
from gateway.graph.context import AdminContext
from gateway.graph.problems import Forbidden, NotFound, ValidationFailed

MAX_IDS = 10_000


@strawberry.type(description="The member list changed: how many joined or left, the size now, rows left out.")
class SegmentMembersChanged:
    segment_id: str
    changed: int
    size: int
    errors: list[RowProblem]


SegmentMembersResult = Annotated[
    SegmentMembersChanged | NotFound | ValidationFailed | Forbidden, strawberry.union("SegmentMembersResult")
]


async def add_segment_members(
    info: strawberry.Info[AdminContext, None], segment_id: str, customer_ids: list[str]
) -> SegmentMembersResult:
    context = info.context
    return await _change(context, "segment.add", segment_id, customer_ids, [], context.store.segments.add_members)


async def remove_segment_members(
    info: strawberry.Info[AdminContext, None], segment_id: str, customer_ids: list[str]
) -> SegmentMembersResult:
    context = info.context
    return await _change(context, "segment.remove", segment_id, customer_ids, [], context.store.segments.remove_members)


async def import_segment_members(
    info: strawberry.Info[AdminContext, None], segment_id: str, data: str
) -> SegmentMembersResult:
    """One customer id a line (a CSV's first cell; a header `id` or `customer_id` is skipped)."""
    ids: list[str] = []
    errors: list[RowProblem] = []
    for item in member_ids(lines_of(data)):
        if isinstance(item, tuple):
            ids.append(item[1])
        else:
            errors.append(RowProblem(row=item.row, field=item.field, message=item.message))
    context = info.context
    return await _change(context, "segment.import", segment_id, ids, errors, context.store.segments.add_members)


async def _change(
    context: AdminContext,
    action: str,
    segment_id: str,
    customer_ids: list[str],
    errors: list[RowProblem],
    change: Callable[[str, list[str]], Awaitable[int]],
) -> SegmentMembersResult:
    if problem := refused(context, Operation.MANAGE_SEGMENTS):
        return problem
    if len(customer_ids) > MAX_IDS:
        return ValidationFailed.one("/customer_ids", f"at most {MAX_IDS} customers a call; import a file for more")
    if any(not customer_id or len(customer_id) > 200 for customer_id in customer_ids):
        return ValidationFailed.one("/customer_ids", "a customer id has 1 to 200 characters")
    store = context.store
    after: dict[str, object] = {"customers": len(customer_ids), "rejected": len(errors)}
    try:
        async with store.audit.recording(audit_entry(context, action, "segment", segment_id, None, after)):
            changed = await change(segment_id, customer_ids)
    except StoreNotFound:
        return NotFound.of("segment", segment_id)
    except DynamicSegment as error:
        return ValidationFailed.one("/segment_id", str(error))
    return SegmentMembersChanged(
        segment_id=segment_id, changed=changed, size=await store.segments.size(segment_id), errors=errors
    )
