"""The lifecycle moves of a campaign, which share their answers: submit for approval, approve or reject with
a comment, publish (live now, or scheduled), pause, resume, end, archive."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.documents.common import Status
from gateway.admin.mutations import ApprovalRequired, CampaignPublished, CampaignSaved, published, saved
from gateway.admin.workflow import Outcome, transition
from gateway.graph.context import AdminContext
from gateway.graph.problems import Forbidden, InvalidTransition, NotFound

Info = strawberry.Info[AdminContext, None]

StatusChangeResult = Annotated[
    CampaignSaved | InvalidTransition | NotFound | Forbidden, strawberry.union("StatusChangeResult")
]
PublishResult = Annotated[
    CampaignPublished | ApprovalRequired | InvalidTransition | NotFound | Forbidden, strawberry.union("PublishResult")
]


async def submit_campaign(info: Info, id: str) -> StatusChangeResult:
    """Send a draft to the approvers (PENDING_APPROVAL)."""
    answer = await transition(info.context, id, "campaign.submit", Status.PENDING_APPROVAL)
    return saved(answer) if isinstance(answer, Outcome) else answer


async def approve_campaign(info: Info, id: str, comment: str | None = None) -> PublishResult:
    """Approve a campaign pending approval: it goes live (or is scheduled). ADMIN and OWNER only."""
    answer = await transition(info.context, id, "campaign.approve", None, comment=comment)
    return published(answer) if isinstance(answer, Outcome) else answer


async def reject_campaign(info: Info, id: str, comment: str) -> StatusChangeResult:
    """Send a campaign pending approval back to DRAFT, saying why. ADMIN and OWNER only."""
    answer = await transition(info.context, id, "campaign.reject", Status.DRAFT, comment=comment)
    return saved(answer) if isinstance(answer, Outcome) else answer


async def publish_campaign(info: Info, id: str) -> PublishResult:
    """Make a campaign live: ACTIVE, or SCHEDULED when it starts later; PENDING_APPROVAL when the caller's
    work needs an approver."""
    answer = await transition(info.context, id, "campaign.publish", None)
    return published(answer) if isinstance(answer, Outcome) else answer


async def pause_campaign(info: Info, id: str) -> StatusChangeResult:
    answer = await transition(info.context, id, "campaign.pause", Status.PAUSED)
    return saved(answer) if isinstance(answer, Outcome) else answer


async def resume_campaign(info: Info, id: str) -> PublishResult:
    """Make a paused campaign live again (through an approver when the caller's work needs one)."""
    answer = await transition(info.context, id, "campaign.resume", None)
    return published(answer) if isinstance(answer, Outcome) else answer


async def end_campaign(info: Info, id: str) -> StatusChangeResult:
    answer = await transition(info.context, id, "campaign.end", Status.ENDED)
    return saved(answer) if isinstance(answer, Outcome) else answer


async def archive_campaign(info: Info, id: str) -> StatusChangeResult:
    answer = await transition(info.context, id, "campaign.archive", Status.ARCHIVED)
    return saved(answer) if isinstance(answer, Outcome) else answer
