"""Coupon codes as the evaluator sees them: which campaign a code activates, and whether the code itself
is usable by this cart (enabled, within its dates, assigned to this customer)."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from domain.documents.cart import Cart
from domain.documents.catalog import CouponCodeSpec
from domain.reasons import CouponReason


class CodeEntry:
    """One code of a live campaign: a public code from the campaign document, or a managed one."""

    __slots__ = (
        "active",
        "campaign_id",
        "code",
        "customer_id",
        "expires_at",
        "max_uses",
        "once_per_customer",
        "starts_at",
    )

    def __init__(
        self,
        code: str,
        campaign_id: str,
        *,
        customer_id: str | None = None,
        starts_at: datetime | None = None,
        expires_at: datetime | None = None,
        active: bool = True,
        max_uses: int | None = None,
        once_per_customer: bool = False,
    ) -> None:
        self.code: Final = code
        self.campaign_id: Final = campaign_id
        self.customer_id: Final = customer_id
        self.starts_at: Final = starts_at
        self.expires_at: Final = expires_at
        self.active: Final = active
        self.max_uses: Final = max_uses
        self.once_per_customer: Final = once_per_customer

    @classmethod
    def of(cls, spec: CouponCodeSpec) -> CodeEntry:
        return cls(
            spec.code,
            spec.campaign_id,
            customer_id=spec.customer_id,
            starts_at=spec.starts_at,
            expires_at=spec.expires_at,
            active=spec.active,
            max_uses=spec.max_uses,
            once_per_customer=spec.once_per_customer,
        )

    def usable_now(self, now: datetime) -> bool:
        return (
            self.active
            and (self.starts_at is None or now >= self.starts_at)
            and (self.expires_at is None or now < self.expires_at)
        )


class CodeProblem:
    """Why a code in the cart activates nothing."""

    __slots__ = ("campaign_id", "detail", "reason")

    def __init__(self, reason: CouponReason, detail: str, campaign_id: str | None = None) -> None:
        self.reason: Final = reason
        self.detail: Final = detail
        self.campaign_id: Final = campaign_id


def check_code(entry: CodeEntry | None, cart: Cart, now: datetime) -> CodeProblem | None:
    """Return what makes the code unusable for this cart, or None if it activates its campaign."""
    if entry is None:
        return CodeProblem(CouponReason.UNKNOWN, "no live campaign has this code")
    owner = entry.campaign_id
    if not entry.active:
        return CodeProblem(CouponReason.DISABLED, "the code was disabled", owner)
    if entry.starts_at is not None and now < entry.starts_at:
        return CodeProblem(CouponReason.NOT_STARTED, f"the code is valid from {entry.starts_at.isoformat()}", owner)
    if entry.expires_at is not None and now >= entry.expires_at:
        return CodeProblem(CouponReason.EXPIRED, f"the code expired at {entry.expires_at.isoformat()}", owner)
    if entry.customer_id is not None and (cart.customer is None or cart.customer.id != entry.customer_id):
        return CodeProblem(CouponReason.NOT_ASSIGNED, "the code belongs to another customer", owner)
    return None
