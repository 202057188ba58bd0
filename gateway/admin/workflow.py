"""The admin use cases on campaigns: each checks the caller's role, validates, writes the change with its
audit entry in one transaction, and answers the stored campaign or an expected problem (never raises for
those)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from domain.access import Operation, cap_problems, may, needs_approval
from domain.audit import AuditEntry
from domain.catalog import StoredCampaign
from domain.documents import Campaign, parse_campaign
from domain.documents.catalog import TenantSettings
from domain.documents.common import Status
from domain.errors import DocumentError, FieldError
from domain.lifecycle import LIVE
from domain.lifecycle import InvalidTransition as TransitionRefused
from domain.templates import UnknownTemplate, instantiate
from gateway.graph.context import AdminContext
from gateway.graph.problems import AlreadyExists, Forbidden, InvalidTransition, NotFound, ValidationFailed

JsonObject = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Outcome:
    """A campaign written, and whether it now waits for an approver instead of going live."""

    campaign: StoredCampaign
    awaiting_approval: bool = False


def forbidden(context: AdminContext, operation: Operation, message: str | None = None) -> Forbidden:
    return Forbidden.of(context.principal.role.value, operation.value, message)


def refused(context: AdminContext, operation: Operation) -> Forbidden | None:
    """Return Forbidden unless the caller's role may run `operation`."""
    return None if may(context.principal.role, operation) else forbidden(context, operation)


def audit_entry(
    context: AdminContext, action: str, target_type: str, target_id: str, before: Any, after: Any
) -> AuditEntry:
    return AuditEntry(
        actor=context.principal.subject,
        role=context.principal.role.value,
        action=action,
        target_type=target_type,
        target_id=target_id,
        before=before,
        after=after,
        request_id=context.request_id,
        at=datetime.now(UTC),
    )


def snapshot(stored: StoredCampaign | None) -> JsonObject | None:
    """What an audit entry keeps of a campaign as it is: status, version and document."""
    if stored is None:
        return None
    return {
        "status": stored.status.value,
        "version": stored.version,
        "document": stored.document.model_dump(mode="json"),
    }


def next_snapshot(stored: StoredCampaign | None, status: Status, document: Campaign, **extra: Any) -> JsonObject:
    """What an audit entry keeps of the campaign a change writes (its version is the next one)."""
    version = (stored.version if stored else 0) + 1
    return {"status": status.value, "version": version, "document": document.model_dump(mode="json"), **extra}


async def _write(
    context: AdminContext,
    action: str,
    campaign_id: str,
    before: StoredCampaign | None,
    status: Status,
    document: Campaign,
    write: Callable[[], Awaitable[StoredCampaign]],
    **extra: Any,
) -> StoredCampaign | InvalidTransition:
    after = next_snapshot(before, status, document, **extra)
    entry = audit_entry(context, action, "campaign", campaign_id, snapshot(before), after)
    try:
        async with context.store.audit.recording(entry):
            return await write()
    except TransitionRefused as error:
        return InvalidTransition(
            code="INVALID_TRANSITION", message=str(error), current=error.current.value, wanted=error.wanted.value
        )


def _caps(context: AdminContext, campaign: Campaign, settings: TenantSettings) -> Forbidden | None:
    problems = list(cap_problems(context.principal.role, campaign, settings))
    if not problems:
        return None
    return forbidden(context, Operation.WRITE_CAMPAIGNS, "; ".join(str(problem) for problem in problems))


def _parse(document: JsonObject) -> Campaign | ValidationFailed:
    try:
        campaign = parse_campaign(document)
    except DocumentError as error:
        return ValidationFailed.of(error)
    if campaign.status is not None:
        return ValidationFailed.of(
            DocumentError("campaign", [FieldError("/status", "set the status with the lifecycle mutations")])
        )
    return campaign


async def create(
    context: AdminContext, document: JsonObject, *, action: str = "campaign.create"
) -> Outcome | ValidationFailed | AlreadyExists | Forbidden:
    """Create a DRAFT campaign from its document."""
    if problem := refused(context, Operation.WRITE_CAMPAIGNS):
        return problem
    campaign = _parse(document)
    if isinstance(campaign, ValidationFailed):
        return campaign
    settings = await context.store.settings.get()
    if problem := _caps(context, campaign, settings):
        return problem
    if await context.store.campaigns.get(campaign.id) is not None:
        return AlreadyExists(
            code="ALREADY_EXISTS", message=f"campaign {campaign.id!r} already exists", kind="campaign", key=campaign.id
        )
    written = await _write(
        context,
        action,
        campaign.id,
        None,
        Status.DRAFT,
        campaign,
        lambda: context.store.campaigns.save(campaign, status=Status.DRAFT, author=context.principal.subject),
    )
    assert not isinstance(written, InvalidTransition)  # a new campaign starts as DRAFT
    return Outcome(written)


async def create_from_template(
    context: AdminContext, template: str, campaign_id: str, overrides: JsonObject
) -> Outcome | ValidationFailed | NotFound | AlreadyExists | Forbidden:
    """Create a DRAFT campaign from a template with a merge patch of overrides."""
    if problem := refused(context, Operation.WRITE_CAMPAIGNS):
        return problem
    try:
        campaign = instantiate(template, {**overrides, "id": campaign_id})
    except UnknownTemplate:
        return NotFound.of("template", template)
    except DocumentError as error:
        return ValidationFailed.of(error)
    return await create(context, campaign.model_dump(mode="json", exclude_none=True), action="campaign.create")


async def update(
    context: AdminContext, document: JsonObject
) -> Outcome | ValidationFailed | NotFound | InvalidTransition | Forbidden:
    """Write a new version of a campaign's document. When the caller's work needs an approver, a live
    campaign goes back to PENDING_APPROVAL (it stops applying until approved)."""
    if problem := refused(context, Operation.WRITE_CAMPAIGNS):
        return problem
    campaign = _parse(document)
    if isinstance(campaign, ValidationFailed):
        return campaign
    head = await context.store.campaigns.get(campaign.id)
    if head is None:
        return NotFound.of("campaign", campaign.id)
    settings = await context.store.settings.get()
    if problem := _caps(context, campaign, settings):
        return problem
    gated = head.status in LIVE | {Status.PAUSED} and needs_approval(context.principal.role, settings)
    status = Status.PENDING_APPROVAL if gated else head.status
    written = await _write(
        context,
        "campaign.update",
        campaign.id,
        head,
        status,
        campaign,
        lambda: context.store.campaigns.save(campaign, status=status, author=context.principal.subject),
    )
    return written if isinstance(written, InvalidTransition) else Outcome(written, awaiting_approval=gated)


async def duplicate(
    context: AdminContext, campaign_id: str, new_id: str
) -> Outcome | ValidationFailed | NotFound | AlreadyExists | Forbidden:
    """Create a DRAFT copy of a campaign under a new id."""
    if problem := refused(context, Operation.WRITE_CAMPAIGNS):
        return problem
    head = await context.store.campaigns.get(campaign_id)
    if head is None:
        return NotFound.of("campaign", campaign_id)
    document = head.document.model_dump(mode="json", exclude_none=True)
    document.pop("status", None)
    document["id"] = new_id
    return await create(context, document, action="campaign.duplicate")


async def transition(
    context: AdminContext, campaign_id: str, action: str, wanted: Status | None, *, comment: str | None = None
) -> Outcome | InvalidTransition | NotFound | Forbidden:
    """Move a campaign along its lifecycle. `wanted` None means "live": SCHEDULED when it starts later,
    else ACTIVE — or PENDING_APPROVAL when the caller's work needs an approver."""
    operation = Operation.WRITE_CAMPAIGNS if action == "campaign.submit" else Operation.PUBLISH
    if action in ("campaign.approve", "campaign.reject"):
        operation = Operation.APPROVE
    if problem := refused(context, operation):
        return problem
    head = await context.store.campaigns.get(campaign_id)
    if head is None:
        return NotFound.of("campaign", campaign_id)
    if operation is Operation.APPROVE and head.status is not Status.PENDING_APPROVAL:
        message = f"campaign {campaign_id!r} is {head.status}: only a campaign pending approval is approved or rejected"
        return InvalidTransition(
            code="INVALID_TRANSITION",
            message=message,
            current=head.status.value,
            wanted=(wanted or Status.ACTIVE).value,
        )
    if action == "campaign.submit" and head.status not in (Status.DRAFT, Status.PENDING_APPROVAL):
        message = f"campaign {campaign_id!r} is {head.status}: only a draft is submitted for approval"
        return InvalidTransition(
            code="INVALID_TRANSITION", message=message, current=head.status.value, wanted=Status.PENDING_APPROVAL.value
        )
    awaiting = False
    if wanted is None:
        settings = await context.store.settings.get()
        awaiting = operation is Operation.PUBLISH and needs_approval(context.principal.role, settings)
        wanted = Status.PENDING_APPROVAL if awaiting else _live_status(head.document)
    status = wanted
    written = await _write(
        context,
        action,
        campaign_id,
        head,
        status,
        head.document,
        lambda: context.store.campaigns.set_status(campaign_id, status, author=context.principal.subject),
        **({"comment": comment} if comment is not None else {}),
    )
    if isinstance(written, InvalidTransition):
        return written
    return Outcome(written, awaiting_approval=awaiting)


def _live_status(campaign: Campaign) -> Status:
    starts_at = campaign.schedule.starts_at
    if starts_at is None:
        return Status.ACTIVE
    if starts_at.tzinfo is None:
        starts_at = starts_at.replace(tzinfo=ZoneInfo(campaign.schedule.timezone))
    return Status.SCHEDULED if starts_at > datetime.now(UTC) else Status.ACTIVE
