"""createCampaign: a DRAFT campaign from its document."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.errors import DocumentError
from gateway.admin.mutations import CampaignSaved, saved
from gateway.admin.workflow import Outcome, create
from gateway.documents import CampaignInput, campaign_document
from gateway.graph.context import AdminContext
from gateway.graph.problems import AlreadyExists, Forbidden, ValidationFailed

CreateCampaignResult = Annotated[
    CampaignSaved | ValidationFailed | AlreadyExists | Forbidden, strawberry.union("CreateCampaignResult")
]


async def create_campaign(info: strawberry.Info[AdminContext, None], campaign: CampaignInput) -> CreateCampaignResult:
    try:
        document = campaign_document(campaign)
    except DocumentError as error:
        return ValidationFailed.of(error)
    answer = await create(info.context, document)
    return saved(answer) if isinstance(answer, Outcome) else answer
