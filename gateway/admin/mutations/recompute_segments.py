"""recomputeSegments: recompute dynamic segment membership over every customer now (one segment or all)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access import Operation
from domain.store import NotFound as StoreNotFound
from gateway.admin.workflow import audit_entry, refused
from gateway.graph.context import AdminContext
from gateway.graph.problems import Forbidden, NotFound


@strawberry.type(description="Memberships added or removed by the recompute.")
class SegmentsRecomputed:
    changed: int


RecomputeSegmentsResult = Annotated[
    SegmentsRecomputed | NotFound | Forbidden, strawberry.union("RecomputeSegmentsResult")
]


async def recompute_segments(
    info: strawberry.Info[AdminContext, None], segment_id: str | None = None
) -> RecomputeSegmentsResult:
    context = info.context
    if problem := refused(context, Operation.MANAGE_SEGMENTS):
        return problem
    store = context.store
    after: dict[str, object] = {}
    target = segment_id or "*"
    try:
        async with store.audit.recording(audit_entry(context, "segment.recompute", "segment", target, None, after)):
            changed = await store.segments.recompute(segment_id)
    except StoreNotFound:
        return NotFound.of("segment", target)
    return SegmentsRecomputed(changed=changed)
