"""The result document (CONTRACT.md): what a cart costs, line by line, and why."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from domain.documents.common import BenefitType, Document, LocalizedText, Money
from domain.reasons import CouponReason, SkipReason

JsonScalar = str | int | bool | None


class Adjustment(Document):
    campaign_id: str
    amount: Money
    units: int


class LineResult(Document):
    id: str
    sku: str
    quantity: int
    subtotal: Money
    discount: Money
    total: Money
    adjustments: list[Adjustment] = []


class Applied(Document):
    campaign_id: str
    type: BenefitType
    discount: Money = Field(description="items discount plus shipping discount given by this campaign")
    name: LocalizedText = {}
    labels: list[str] = []
    coupon: str | None = None
    applications: int = Field(1, description="groups, steps, bundles or threshold multiples applied")


class GiftLine(Document):
    campaign_id: str
    sku: str
    quantity: int
    name: LocalizedText = {}


class Skipped(Document):
    campaign_id: str
    reason: SkipReason
    detail: str = ""


class RejectedCoupon(Document):
    code: str
    reason: CouponReason
    campaign_id: str | None = None
    detail: str = ""


class Hint(Document):
    campaign_id: str
    missing_quantity: int | None = None
    missing_amount: Money | None = None
    name: LocalizedText = {}


class TraceEntry(Document):
    stage: str = Field(description="candidates | eligibility | condition | apply | policy")
    campaign_id: str | None = None
    message: str
    data: dict[str, JsonScalar] = {}


class Result(Document):
    """The priced cart: `total` = subtotal − discount_total + shipping − shipping_discount."""

    currency: str
    subtotal: Money
    discount_total: Money
    shipping: Money
    shipping_discount: Money
    total: Money
    lines: list[LineResult] = []
    applied: list[Applied] = []
    gifts: list[GiftLine] = []
    skipped: list[Skipped] = []
    rejected_coupons: list[RejectedCoupon] = []
    hints: list[Hint] = []
    explain: list[TraceEntry] | None = None

    def line(self, line_id: str) -> LineResult:
        """Return the priced line with this id."""
        return next(line for line in self.lines if line.id == line_id)

    def discount_of(self, campaign_id: str) -> Decimal:
        """Return what one campaign gave (zero if it did not apply)."""
        return next((entry.discount for entry in self.applied if entry.campaign_id == campaign_id), Decimal(0))
