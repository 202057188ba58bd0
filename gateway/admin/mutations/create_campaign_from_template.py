"""createCampaignFromTemplate: a DRAFT campaign from a standard template and a merge patch of overrides."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from gateway.admin.mutations import CampaignSaved, saved
from gateway.admin.workflow import Outcome, create_from_template
from gateway.graph.context import AdminContext
from gateway.graph.problems import AlreadyExists, Forbidden, NotFound, ValidationFailed

CreateFromTemplateResult = Annotated[
    CampaignSaved | ValidationFailed | NotFound | AlreadyExists | Forbidden,
    strawberry.union("CreateCampaignFromTemplateResult"),
]


async def create_campaign_from_template(
    info: strawberry.Info[AdminContext, None],
    template: str,
    id: str,
    overrides: Annotated[
        JSON | None,
        strawberry.argument(description="an RFC 7386 merge patch of the campaign document (snake_case fields)"),
    ] = None,
) -> CreateFromTemplateResult:
    if overrides is not None and not isinstance(overrides, dict):
        return ValidationFailed.one("/overrides", "the overrides are a JSON object (a merge patch)")
    answer = await create_from_template(info.context, template, id, overrides or {})
    return saved(answer) if isinstance(answer, Outcome) else answer
