"""The admin graph's queries: campaigns (filtered, paged), one campaign with its history, templates, the
overlap check and the preview of a draft, settings, users, API keys and the audit log."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import grpc
import strawberry
from grpc import aio

from domain.access import GRANTS, Operation
from domain.catalog import StoredCampaign
from domain.documents import Campaign as CampaignDocumentModel
from domain.documents import parse_campaign, parse_cart
from domain.documents.common import BenefitType, Kind, Status
from domain.errors import DocumentError
from domain.lifecycle import LIVE
from domain.overlap import overlaps, target_values, unmatched_targets
from domain.templates import instantiate, template_names
from gateway.admin.types import (
    ApiKeyInfo,
    AuditRecord,
    Campaign,
    Overlap,
    Settings,
    TargetWarning,
    Template,
    User,
    api_key_of,
    audit_of,
    campaign_of,
    overlap_of,
    settings_of,
    user_of,
)
from gateway.admin.workflow import refused
from gateway.documents import (
    CampaignInput,
    CartInput,
    PricedCart,
    campaign_document,
    campaign_output,
    cart_document,
    priced_cart,
)
from gateway.graph.context import AdminContext
from gateway.graph.pagination import BadCursor, Connection, decode_cursor, page
from gateway.graph.problems import Forbidden, NotFound, PricingUnavailable, ValidationFailed
from gateway.pricing import rpc_reason

Info = strawberry.Info[AdminContext, None]


@strawberry.input(description="Filters of the campaign list (all given ones must hold).")
class CampaignFilter:
    statuses: list[Status] | None = None
    kind: Kind | None = None
    benefit_type: BenefitType | None = None
    label: str | None = None
    channel: str | None = None
    text: str | None = strawberry.field(default=None, description="in the id or any name, case-insensitive")
    live_from: datetime | None = strawberry.field(default=None, description="runs at some time after this")
    live_until: datetime | None = strawberry.field(default=None, description="runs at some time before this")


@strawberry.type(description="The caller and what their role lets them do.")
class Me:
    subject: str
    role: str
    operations: list[str]


CampaignsResult = Annotated[Connection[Campaign] | Forbidden | ValidationFailed, strawberry.union("CampaignsResult")]
CampaignResult = Annotated[Campaign | NotFound | Forbidden, strawberry.union("CampaignResult")]


@strawberry.type
class TemplateList:
    templates: list[Template]


@strawberry.type
class OverlapList:
    overlaps: list[Overlap]
    warnings: list[TargetWarning] = strawberry.field(
        description="Target values that match no product of the catalog (none while the catalog is empty)."
    )


@strawberry.type
class SettingsPayload:
    settings: Settings


@strawberry.type
class UserList:
    users: list[User]


@strawberry.type
class ApiKeyList:
    keys: list[ApiKeyInfo]


@strawberry.type(description="A draft priced against the live catalog by the pricing core, with the trace.")
class Preview:
    priced: PricedCart
    catalog_version: int


TemplateResult = Annotated[TemplateList | Forbidden, strawberry.union("TemplatesResult")]
OverlapResult = Annotated[OverlapList | ValidationFailed | NotFound | Forbidden, strawberry.union("OverlapResult")]
PreviewResult = Annotated[
    Preview | ValidationFailed | NotFound | Forbidden | PricingUnavailable, strawberry.union("PreviewResult")
]
SettingsResult = Annotated[SettingsPayload | Forbidden, strawberry.union("SettingsResult")]
UsersResult = Annotated[UserList | Forbidden, strawberry.union("UsersResult")]
ApiKeysResult = Annotated[ApiKeyList | Forbidden, strawberry.union("ApiKeysResult")]
AuditResult = Annotated[Connection[AuditRecord] | Forbidden | ValidationFailed, strawberry.union("AuditResult")]


@strawberry.type
class CampaignQueries:
    @strawberry.field(description="The caller, their role, and the operations it allows.")
    def me(self, info: Info) -> Me:
        principal = info.context.principal
        operations = sorted(operation.value for operation in GRANTS[principal.role])
        return Me(subject=principal.subject, role=principal.role.value, operations=operations)

    @strawberry.field(description="Campaigns (latest versions) by id, filtered, `first` after the cursor `after`.")
    async def campaigns(
        self, info: Info, filter: CampaignFilter | None = None, first: int | None = 50, after: str | None = None
    ) -> CampaignsResult:
        if problem := refused(info.context, Operation.READ_CAMPAIGNS):
            return problem
        found = [stored for stored in await info.context.store.campaigns.list() if _matches(stored, filter)]
        try:
            return page(found, key=lambda stored: stored.id, node=campaign_of, first=first, after=after)
        except BadCursor as error:
            return ValidationFailed.one("/after", str(error))

    @strawberry.field(description="One campaign with its version history.")
    async def campaign(self, info: Info, id: str) -> CampaignResult:
        if problem := refused(info.context, Operation.READ_CAMPAIGNS):
            return problem
        stored = await info.context.store.campaigns.get(id)
        return NotFound.of("campaign", id) if stored is None else campaign_of(stored)

    @strawberry.field(description="The standard templates.")
    def templates(self, info: Info) -> TemplateResult:
        if problem := refused(info.context, Operation.READ_CAMPAIGNS):
            return problem
        return TemplateList(
            templates=[Template(name=name, document=campaign_output(instantiate(name))) for name in template_names()]
        )

    @strawberry.field(
        description="Before publishing: the live campaigns whose targets and audiences intersect the draft "
        "(a document, or a stored campaign by id), and what the stacking policy would do when both apply."
    )
    async def overlaps(self, info: Info, campaign: CampaignInput | None = None, id: str | None = None) -> OverlapResult:
        if problem := refused(info.context, Operation.WRITE_CAMPAIGNS):
            return problem
        draft = await _draft(info.context, campaign, id)
        if not isinstance(draft, CampaignDocumentModel):
            return draft
        store = info.context.store
        live = [stored.document for stored in await store.campaigns.list(statuses=LIVE)]
        policy = (await store.settings.get()).policy
        catalog = await store.products.catalog_facts(target_values(draft.target))
        return OverlapList(
            overlaps=[overlap_of(found) for found in overlaps(draft, live, policy)],
            warnings=[
                TargetWarning(dimension=warning.dimension, value=warning.value, message=warning.message)
                for warning in unmatched_targets(draft.target, catalog)
            ],
        )

    @strawberry.field(
        description="A draft (a document, or a stored campaign by id) priced on a sample cart by the pricing "
        "core next to the live campaigns, with the evaluation trace; nothing is written or taken."
    )
    async def preview(
        self, info: Info, cart: CartInput, campaign: CampaignInput | None = None, id: str | None = None
    ) -> PreviewResult:
        if problem := refused(info.context, Operation.WRITE_CAMPAIGNS):
            return problem
        draft = await _draft(info.context, campaign, id)
        if not isinstance(draft, CampaignDocumentModel):
            return draft
        try:
            sample = parse_cart(cart_document(cart))
        except DocumentError as error:
            return ValidationFailed.of(error)
        try:
            result, version = await info.context.services.pricing.evaluate(
                sample, explain=True, preview=[draft], request_id=info.context.request_id
            )
        except aio.AioRpcError as error:
            if error.code() is grpc.StatusCode.INVALID_ARGUMENT:
                return ValidationFailed.one("/cart", error.details() or "invalid")
            return PricingUnavailable(
                code="PRICING_UNAVAILABLE",
                message="the pricing core could not price the cart",
                reason=rpc_reason(error),
            )
        return Preview(priced=priced_cart(result), catalog_version=version)

    @strawberry.field(description="The tenant settings.")
    async def settings(self, info: Info) -> SettingsResult:
        if problem := refused(info.context, Operation.READ_SETTINGS):
            return problem
        return SettingsPayload(settings=settings_of(await info.context.store.settings.get()))

    @strawberry.field(description="The people of the admin graph.")
    async def users(self, info: Info) -> UsersResult:
        if problem := refused(info.context, Operation.MANAGE_USERS):
            return problem
        return UserList(users=[user_of(user) for user in await info.context.store.users.list()])

    @strawberry.field(description="The API keys (never their secrets).")
    async def api_keys(self, info: Info) -> ApiKeysResult:
        if problem := refused(info.context, Operation.MANAGE_USERS):
            return problem
        return ApiKeyList(keys=[api_key_of(key) for key in await info.context.store.api_keys.list()])

    @strawberry.field(description="The audit log, newest first, by actor, target and time (`until` exclusive).")
    async def audit_log(
        self,
        info: Info,
        actor: str | None = None,
        target_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        first: int | None = 50,
        after: str | None = None,
    ) -> AuditResult:
        if problem := refused(info.context, Operation.READ_AUDIT):
            return problem
        try:
            before_id = int(decode_cursor(after)) if after else None
            if before_id is not None and not 0 < before_id < 2**63:
                raise ValueError(before_id)
        except (BadCursor, ValueError):
            return ValidationFailed.one("/after", f"not a cursor of the audit log: {after!r}")
        count = min(100, max(0, first if first is not None else 50))
        entries = await info.context.store.audit.entries(
            actor=actor, target_id=target_id, since=since, until=until, before_id=before_id, limit=count + 1
        )
        connection = page(entries, key=lambda entry: str(entry.id), node=audit_of, first=count, after=None)
        connection.total_count = len(entries[:count])
        return connection


async def _draft(
    context: AdminContext, campaign: CampaignInput | None, campaign_id: str | None
) -> CampaignDocumentModel | ValidationFailed | NotFound:
    if (campaign is None) == (campaign_id is None):
        return ValidationFailed.one("/campaign", "give either a campaign document or the id of a stored campaign")
    if campaign_id is not None:
        stored = await context.store.campaigns.get(campaign_id)
        return NotFound.of("campaign", campaign_id) if stored is None else stored.document
    assert campaign is not None
    try:
        return parse_campaign(campaign_document(campaign))
    except DocumentError as error:
        return ValidationFailed.of(error)


def _matches(stored: StoredCampaign, wanted: CampaignFilter | None) -> bool:
    if wanted is None:
        return True
    document = stored.document
    checks = [
        wanted.statuses is None or stored.status in wanted.statuses,
        wanted.kind is None or document.kind is wanted.kind,
        wanted.benefit_type is None or document.benefit.type is wanted.benefit_type,
        wanted.label is None or wanted.label in document.labels,
        wanted.channel is None
        or not document.audience.channels
        or wanted.channel.lower() in {channel.lower() for channel in document.audience.channels},
        wanted.text is None or _mentions(document, wanted.text),
        _runs_between(document, wanted.live_from, wanted.live_until),
    ]
    return all(checks)


def _mentions(document: CampaignDocumentModel, text: str) -> bool:
    needle = text.lower()
    return needle in document.id.lower() or any(needle in name.lower() for name in document.name.values())


def _runs_between(document: CampaignDocumentModel, start: datetime | None, end: datetime | None) -> bool:
    schedule = document.schedule
    ends, starts = schedule.ends_at, schedule.starts_at
    if start is not None and ends is not None and _aware(ends) <= _aware(start):
        return False
    return not (end is not None and starts is not None and _aware(starts) >= _aware(end))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
