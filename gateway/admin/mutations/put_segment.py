"""putSegment: create or change a segment; with a `rule` it is dynamic and its membership is recomputed."""

from __future__ import annotations

from typing import Annotated

import strawberry
from pydantic import ValidationError
from strawberry.scalars import JSON

from domain.access import Operation
from domain.documents.catalog import Segment
from domain.errors import DocumentError, field_errors
from gateway.admin.customers import SegmentView, segment_view
from gateway.admin.workflow import audit_entry, refused
from gateway.graph.context import AdminContext
from gateway.graph.problems import Forbidden, ValidationFailed


@strawberry.input(
    description="A segment. `rule` (a JSON document: {match: ALL|ANY, conditions: [{kind, …}]}) makes it dynamic; "
    "without it the segment is static."
)
class SegmentInput:
    id: str
    name: str
    description: str = ""
    rule: JSON | None = None


@strawberry.type(description="The segment as stored, with its first members.")
class SegmentSaved:
    segment: SegmentView


PutSegmentResult = Annotated[SegmentSaved | ValidationFailed | Forbidden, strawberry.union("PutSegmentResult")]


async def put_segment(info: strawberry.Info[AdminContext, None], segment: SegmentInput) -> PutSegmentResult:
    context = info.context
    if problem := refused(context, Operation.MANAGE_SEGMENTS):
        return problem
    document = {"id": segment.id, "name": segment.name, "description": segment.description, "rule": segment.rule}
    try:
        parsed = Segment.model_validate(document)
    except ValidationError as error:
        return ValidationFailed.of(DocumentError("segment", field_errors(error)))
    store = context.store
    before = await store.segments.get(parsed.id)
    entry = audit_entry(
        context,
        "segment.put",
        "segment",
        parsed.id,
        None if before is None else before.model_dump(mode="json"),
        parsed.model_dump(mode="json"),
    )
    async with store.audit.recording(entry):
        stored = await store.segments.upsert(parsed)
    return SegmentSaved(segment=await segment_view(store, stored, first=20, after=None))
