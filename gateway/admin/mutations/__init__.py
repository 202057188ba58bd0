"""The admin graph's mutations, one per module (the lifecycle moves share one), and what they answer."""

from __future__ import annotations

import strawberry

from gateway.admin.types import Campaign, campaign_of
from gateway.admin.workflow import Outcome
from gateway.graph.problems import Problem


@strawberry.type(description="The campaign as written (a new version).")
class CampaignSaved:
    campaign: Campaign


@strawberry.type(description="The campaign is live, or scheduled to start.")
class CampaignPublished:
    campaign: Campaign


@strawberry.type(
    description="The change is written but waits for an ADMIN or OWNER to approve it (status PENDING_APPROVAL). "
    "Code APPROVAL_REQUIRED."
)
class ApprovalRequired(Problem):
    campaign: Campaign


def saved(outcome: Outcome) -> CampaignSaved:
    """The answer of a change that never waits for an approver."""
    assert not outcome.awaiting_approval
    return CampaignSaved(campaign=campaign_of(outcome.campaign))


def saved_or_awaiting(outcome: Outcome) -> CampaignSaved | ApprovalRequired:
    return _awaiting(outcome) or CampaignSaved(campaign=campaign_of(outcome.campaign))


def published(outcome: Outcome) -> CampaignPublished | ApprovalRequired:
    return _awaiting(outcome) or CampaignPublished(campaign=campaign_of(outcome.campaign))


def _awaiting(outcome: Outcome) -> ApprovalRequired | None:
    if not outcome.awaiting_approval:
        return None
    message = f"campaign {outcome.campaign.id!r} waits for an approver before it goes live"
    return ApprovalRequired(code="APPROVAL_REQUIRED", message=message, campaign=campaign_of(outcome.campaign))
