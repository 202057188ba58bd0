"""Documents the catalog keeps besides campaigns: coupon codes, customers, products, segments, settings."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Self

from pydantic import Field, model_validator

from domain.documents.campaign import Attributes, Tag, Tags
from domain.documents.common import (
    AwareTimestamp,
    Count,
    CouponCode,
    CurrencyCode,
    Document,
    Identifier,
    Money,
    NonNegativeCount,
    TimeZoneName,
)
from domain.documents.policy import Policy
from domain.errors import FieldError, FieldProblems
from domain.segments import SegmentRule

CustomerId = Annotated[str, Field(strict=True, min_length=1, max_length=200)]


class CouponCodeSpec(Document):
    """A code stored for a campaign: public codes live on the campaign document, these are managed ones
    (unique codes, codes assigned to a customer, codes with their own limits)."""

    code: CouponCode
    campaign_id: Identifier
    customer_id: CustomerId | None = None
    max_uses: Count | None = None
    once_per_customer: bool = False
    starts_at: AwareTimestamp | None = None
    expires_at: AwareTimestamp | None = None
    active: bool = True

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.starts_at and self.expires_at and self.starts_at >= self.expires_at:
            raise FieldProblems([FieldError("/expires_at", "must be later than starts_at")])
        return self


class Consents(Document):
    """The marketing channels the customer agreed to."""

    email: bool = False
    sms: bool = False
    push: bool = False

    def channels(self) -> frozenset[str]:
        return frozenset(name for name in ("email", "sms", "push") if getattr(self, name))


class CustomerProfile(Document):
    """What the catalog knows of a customer; `segments` are the segments (static and dynamic) they are in,
    `attributes` their custom attributes, and the order statistics are kept by the orders they place."""

    id: CustomerId
    name: Annotated[str, Field(strict=True, max_length=200)] | None = None
    email: Annotated[str, Field(strict=True, max_length=320)] | None = None
    phone: Annotated[str, Field(strict=True, max_length=40)] | None = None
    country: Annotated[str, Field(strict=True, max_length=2)] | None = None
    city: Annotated[str, Field(strict=True, max_length=100)] | None = None
    postal_code: Annotated[str, Field(strict=True, max_length=20)] | None = None
    created_at: AwareTimestamp | None = None
    consents: Consents = Field(default_factory=Consents)  # factories: a default is deep-copied per document
    attributes: Attributes = Field(default_factory=dict)
    segments: Tags = Field(default_factory=list)
    orders_count: NonNegativeCount = 0
    total_spent: Money = Decimal("0")
    last_order_at: AwareTimestamp | None = None
    last_order_total: Money | None = None


class Product(Document):
    sku: Tag
    name: Annotated[str, Field(strict=True, max_length=300)] | None = None
    categories: Tags = []
    brand: Tag | None = None
    collections: Tags = []
    attributes: Attributes = {}
    price: Money
    currency: CurrencyCode


class Segment(Document):
    """A segment: static (a named list of customers) or, with a `rule`, dynamic (the customers the rule
    matches, kept by the store)."""

    id: Identifier
    name: Annotated[str, Field(strict=True, min_length=1, max_length=200)]
    description: Annotated[str, Field(strict=True, max_length=2000)] = ""
    rule: SegmentRule | None = None


class ReturnsBudget(StrEnum):
    """What a return gives back to a campaign's limits."""

    FULL_RETURN = "FULL_RETURN"
    """Only a full return gives the use, the discount and the order value back (the default)."""
    PROPORTIONAL = "PROPORTIONAL"
    """Every return gives back the discount the kept units no longer earn and the returned order value;
    a full return also gives the use back."""
    NEVER = "NEVER"
    """Returns give nothing back."""


class AccessPolicy(Document):
    """What the admin graph lets people do: whether what marketers publish waits for an approver, the caps
    of junior marketers (money in the tenant's currency) and of support's sorry coupons."""

    approval_required: bool = False
    junior_max_percent: Annotated[Decimal, Field(ge=0, le=100)] = Decimal(20)
    junior_max_amount: Money = Decimal("200.00")
    support_max_coupon: Money = Decimal("100.00")


class TenantSettings(Document):
    """The tenant's pricing policy, its default currency, its time zone (for per-day limits), what returns
    give back to budgets, and the access policy of the admin graph."""

    policy: Policy = Policy()
    currency: CurrencyCode = "TRY"
    timezone: TimeZoneName = "Europe/Istanbul"
    returns: ReturnsBudget = ReturnsBudget.FULL_RETURN
    access: AccessPolicy = AccessPolicy()
