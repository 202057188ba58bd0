"""The admin graph's types: stored campaigns with their versions and diffs, templates, settings, users, API
keys, audit entries, overlaps."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from domain.access import AdminUser, ApiKey, Role
from domain.audit import AuditEntry
from domain.catalog import StoredCampaign
from domain.diff import document_diff
from domain.documents.catalog import TenantSettings
from domain.documents.common import Status
from domain.overlap import Outcome
from domain.overlap import Overlap as OverlapRecord
from gateway.documents import CampaignDocument, PolicyDocument, campaign_output, policy_output
from gateway.graph.context import AdminContext
from gateway.graph.problems import NotFound

strawberry.enum(Role)
strawberry.enum(Outcome, name="OverlapOutcome")


@strawberry.type(description="One leaf of the campaign document that differs between two versions.")
class FieldChange:
    pointer: str
    before: JSON | None
    after: JSON | None


@strawberry.type(description="What changed from one version to another.")
class VersionDiff:
    from_version: int
    to_version: int
    changes: list[FieldChange]


DiffResult = Annotated[VersionDiff | NotFound, strawberry.union("DiffResult")]


@strawberry.type(description="One version of a campaign, exactly as it was written.")
class CampaignVersion:
    version: int
    status: Status
    author: str | None
    created_at: datetime
    document: CampaignDocument


@strawberry.type(description="A campaign: its latest version, with its history.")
class Campaign:
    id: str
    status: Status
    version: int
    author: str | None
    updated_at: datetime
    document: CampaignDocument
    stored: strawberry.Private[StoredCampaign]

    @strawberry.field(description="Every version, oldest first.")
    async def versions(self, info: strawberry.Info[AdminContext, None]) -> list[CampaignVersion]:
        return [version_of(stored) for stored in await info.context.history.load(self.id)]

    @strawberry.field(description="The field-by-field difference between two versions (default: the latest).")
    async def diff(
        self, info: strawberry.Info[AdminContext, None], from_version: int, to_version: int | None = None
    ) -> DiffResult:
        history = {stored.version: stored for stored in await info.context.history.load(self.id)}
        target = to_version if to_version is not None else self.version
        for wanted in (from_version, target):
            if wanted not in history:
                return NotFound.of("version", f"{self.id}@{wanted}")
        before, after = (history[number].document.model_dump(mode="json") for number in (from_version, target))
        changes = [FieldChange(pointer=c.pointer, before=c.before, after=c.after) for c in document_diff(before, after)]
        return VersionDiff(from_version=from_version, to_version=target, changes=changes)


def campaign_of(stored: StoredCampaign) -> Campaign:
    return Campaign(
        id=stored.id,
        status=stored.status,
        version=stored.version,
        author=stored.author,
        updated_at=stored.created_at,
        document=campaign_output(stored.document),
        stored=stored,
    )


def version_of(stored: StoredCampaign) -> CampaignVersion:
    return CampaignVersion(
        version=stored.version,
        status=stored.status,
        author=stored.author,
        created_at=stored.created_at,
        document=campaign_output(stored.document),
    )


@strawberry.type(description="A standard campaign template (instantiate it with createCampaignFromTemplate).")
class Template:
    name: str
    document: CampaignDocument


@strawberry.type(description="Who may do what in the admin graph.")
class AccessPolicy:
    approval_required: bool
    junior_max_percent: str
    junior_max_amount: str
    support_max_coupon: str


@strawberry.type(description="The tenant settings: pricing policy, currency, time zone, returns, access.")
class Settings:
    policy: PolicyDocument
    currency: str
    timezone: str
    returns: str
    access: AccessPolicy


def settings_of(settings: TenantSettings) -> Settings:
    access = settings.access
    return Settings(
        policy=policy_output(settings.policy),
        currency=settings.currency,
        timezone=settings.timezone,
        returns=settings.returns.value,
        access=AccessPolicy(
            approval_required=access.approval_required,
            junior_max_percent=str(access.junior_max_percent),
            junior_max_amount=str(access.junior_max_amount),
            support_max_coupon=str(access.support_max_coupon),
        ),
    )


@strawberry.type(description="A person of the admin graph (by the subject of their JWT).")
class User:
    subject: str
    email: str | None
    role: Role
    disabled: bool


def user_of(user: AdminUser) -> User:
    return User(subject=user.subject, email=user.email, role=user.role, disabled=user.disabled)


@strawberry.type(description="An API key (its secret is shown once, when it is created).")
class ApiKeyInfo:
    id: str
    name: str
    role: Role
    created_by: str
    created_at: datetime
    revoked_at: datetime | None


def api_key_of(key: ApiKey) -> ApiKeyInfo:
    return ApiKeyInfo(
        id=key.id,
        name=key.name,
        role=key.role,
        created_by=key.created_by,
        created_at=key.created_at,
        revoked_at=key.revoked_at,
    )


@strawberry.type(description="One admin mutation: who, in which role, did what to what, before and after.")
class AuditRecord:
    id: str
    at: datetime
    actor: str
    role: str
    action: str
    target_type: str
    target_id: str
    before: JSON | None
    after: JSON | None
    request_id: str


def audit_of(entry: AuditEntry) -> AuditRecord:
    return AuditRecord(
        id=str(entry.id),
        at=entry.at,
        actor=entry.actor,
        role=entry.role,
        action=entry.action,
        target_type=entry.target_type,
        target_id=entry.target_id,
        before=None if entry.before is None else JSON(entry.before),
        after=None if entry.after is None else JSON(entry.after),
        request_id=entry.request_id,
    )


@strawberry.type(description="A live campaign that can apply to the same carts as the draft.")
class Overlap:
    campaign_id: str
    shared: list[str]
    outcome: Outcome
    detail: str
    certain: bool


@strawberry.type(
    description="A value of the draft's target (dimension: skus, categories, brands or collections) that no "
    "product of the catalog carries: it selects nothing today."
)
class TargetWarning:
    dimension: str
    value: str
    message: str


def overlap_of(overlap: OverlapRecord) -> Overlap:
    return Overlap(
        campaign_id=overlap.campaign_id,
        shared=list(overlap.shared),
        outcome=overlap.outcome,
        detail=overlap.detail,
        certain=overlap.certain,
    )
