"""Who may do what in the admin graph: roles, the operations they may run, the caps of junior marketers and
support, and where a published campaign goes when approvals are required."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from domain.documents.campaign import Campaign
from domain.documents.catalog import TenantSettings
from domain.documents.common import BenefitType, Status
from domain.errors import FieldError


class Role(StrEnum):
    OWNER = "OWNER"
    ADMIN = "ADMIN"
    MARKETER = "MARKETER"
    JUNIOR_MARKETER = "JUNIOR_MARKETER"
    SUPPORT = "SUPPORT"
    ANALYST = "ANALYST"


class Operation(StrEnum):
    READ_CAMPAIGNS = "READ_CAMPAIGNS"
    WRITE_CAMPAIGNS = "WRITE_CAMPAIGNS"
    """Create, update, duplicate, submit for approval, preview, check overlaps."""
    PUBLISH = "PUBLISH"
    """Schedule, activate, pause, resume, end, archive."""
    APPROVE = "APPROVE"
    READ_SETTINGS = "READ_SETTINGS"
    WRITE_SETTINGS = "WRITE_SETTINGS"
    READ_CUSTOMERS = "READ_CUSTOMERS"
    WRITE_CUSTOMERS = "WRITE_CUSTOMERS"
    """Upsert and import customers, tell orders placed without the checkout."""
    MANAGE_SEGMENTS = "MANAGE_SEGMENTS"
    """Create and change segments and their rules, list and import members, recompute."""
    MANAGE_PRODUCTS = "MANAGE_PRODUCTS"
    """Upsert and import products."""
    ISSUE_SORRY_COUPON = "ISSUE_SORRY_COUPON"
    MANAGE_CODES = "MANAGE_CODES"
    """Disable and enable codes, assign them to customers, change their limits and validity."""
    READ_CODES = "READ_CODES"
    """Search codes, read their usage and batches, export them, draw their QR codes and barcodes."""
    ISSUE_CODES = "ISSUE_CODES"
    """Generate batches of codes, create one code, import codes."""
    READ_REPORTS = "READ_REPORTS"
    READ_AUDIT = "READ_AUDIT"
    MANAGE_USERS = "MANAGE_USERS"


_ALL = frozenset(Operation)
_MARKETING = frozenset(
    {
        Operation.READ_CAMPAIGNS,
        Operation.WRITE_CAMPAIGNS,
        Operation.READ_SETTINGS,
        Operation.READ_CUSTOMERS,
        Operation.MANAGE_CODES,
        Operation.READ_CODES,
        Operation.READ_REPORTS,
    }
)

GRANTS: dict[Role, frozenset[Operation]] = {
    Role.OWNER: _ALL,
    Role.ADMIN: _ALL,
    Role.MARKETER: _MARKETING
    | {
        Operation.PUBLISH,
        Operation.ISSUE_CODES,
        Operation.WRITE_CUSTOMERS,
        Operation.MANAGE_SEGMENTS,
        Operation.MANAGE_PRODUCTS,
    },
    Role.JUNIOR_MARKETER: _MARKETING - {Operation.MANAGE_CODES},
    Role.SUPPORT: frozenset(
        {
            Operation.READ_CAMPAIGNS,
            Operation.READ_CUSTOMERS,
            Operation.ISSUE_SORRY_COUPON,
            Operation.MANAGE_CODES,
            Operation.READ_CODES,
        }
    ),
    Role.ANALYST: frozenset({Operation.READ_CAMPAIGNS, Operation.READ_REPORTS}),
}
"""The role × operation matrix (README, "Roles")."""

APPROVERS = frozenset({Role.OWNER, Role.ADMIN})
LIVE_STATUSES = frozenset({Status.SCHEDULED, Status.ACTIVE})


def may(role: Role, operation: Operation) -> bool:
    """Return whether `role` may run `operation`."""
    return operation in GRANTS[role]


def may_grant(role: Role, granted: Role) -> bool:
    """Return whether a user of `role` may give another user (or an API key) the role `granted`."""
    return may(role, Operation.MANAGE_USERS) and (role is Role.OWNER or granted is not Role.OWNER)


def needs_approval(role: Role, settings: TenantSettings) -> bool:
    """Return whether what `role` publishes waits for an approver (always for junior marketers)."""
    if role in APPROVERS:
        return False
    return role is Role.JUNIOR_MARKETER or settings.access.approval_required


def cap_problems(role: Role, campaign: Campaign, settings: TenantSettings) -> Iterator[FieldError]:
    """Yield what makes `campaign` exceed the caps of `role` (only junior marketers have caps)."""
    if role is not Role.JUNIOR_MARKETER:
        return
    access = settings.access
    benefit = campaign.benefit
    value = benefit.value
    if benefit.type is BenefitType.PERCENTAGE and value is not None and value > access.junior_max_percent:
        yield FieldError("/benefit/value", f"a junior marketer may give at most {access.junior_max_percent}% off")
    if benefit.type is BenefitType.AMOUNT and value is not None and value > access.junior_max_amount:
        yield FieldError("/benefit/value", f"a junior marketer may give at most {access.junior_max_amount} off")
    if benefit.max_discount is not None and benefit.max_discount > access.junior_max_amount:
        yield FieldError("/benefit/max_discount", f"a junior marketer may cap at most {access.junior_max_amount}")
    uncapped = benefit.type in (BenefitType.FREE_UNITS, BenefitType.FIXED_PRICE, BenefitType.GIFT)
    if uncapped and (benefit.max_discount is None or benefit.max_discount > access.junior_max_amount):
        yield FieldError(
            "/benefit/max_discount",
            f"a junior marketer's {benefit.type} campaign needs a max_discount of at most {access.junior_max_amount}",
        )


def sorry_problems(amount: Decimal, settings: TenantSettings) -> Iterator[FieldError]:
    """Yield why a support agent may not issue a sorry coupon of `amount` off."""
    if amount > settings.access.support_max_coupon:
        yield FieldError("/amount", f"a sorry coupon is at most {settings.access.support_max_coupon} off")


@dataclass(frozen=True, slots=True)
class AdminUser:
    """A person of the admin graph: the subject of their JWT, and the role the owners gave them."""

    subject: str
    role: Role
    email: str | None = None
    disabled: bool = False


@dataclass(frozen=True, slots=True)
class ApiKey:
    """An API key (its secret is shown once, when created, and never kept)."""

    id: str
    name: str
    role: Role
    created_by: str
    created_at: datetime
    revoked_at: datetime | None = None
