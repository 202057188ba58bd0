"""duplicateCampaign: a DRAFT copy of a campaign under a new id."""

from __future__ import annotations

from typing import Annotated

import strawberry

from gateway.admin.mutations import CampaignSaved, saved
from gateway.admin.workflow import Outcome, duplicate
from gateway.graph.context import AdminContext
from gateway.graph.problems import AlreadyExists, Forbidden, NotFound, ValidationFailed

DuplicateCampaignResult = Annotated[
    CampaignSaved | ValidationFailed | NotFound | AlreadyExists | Forbidden,
    strawberry.union("DuplicateCampaignResult"),
]


async def duplicate_campaign(
    info: strawberry.Info[AdminContext, None], id: str, new_id: str
) -> DuplicateCampaignResult:
    answer = await duplicate(info.context, id, new_id)
    return saved(answer) if isinstance(answer, Outcome) else answer
