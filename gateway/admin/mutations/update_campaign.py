"""updateCampaign: a new version of a campaign's document (the id says which campaign)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.errors import DocumentError
from gateway.admin.mutations import ApprovalRequired, CampaignSaved, saved_or_awaiting
from gateway.admin.workflow import Outcome, update
from gateway.documents import CampaignInput, campaign_document
from gateway.graph.context import AdminContext
from gateway.graph.problems import Forbidden, InvalidTransition, NotFound, ValidationFailed

UpdateCampaignResult = Annotated[
    CampaignSaved | ApprovalRequired | ValidationFailed | NotFound | InvalidTransition | Forbidden,
    strawberry.union("UpdateCampaignResult"),
]


async def update_campaign(info: strawberry.Info[AdminContext, None], campaign: CampaignInput) -> UpdateCampaignResult:
    try:
        document = campaign_document(campaign)
    except DocumentError as error:
        return ValidationFailed.of(error)
    answer = await update(info.context, document)
    return saved_or_awaiting(answer) if isinstance(answer, Outcome) else answer
