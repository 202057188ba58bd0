"""Turn the evaluator's integer outcome into the result document.

Documents here are built with `assemble` (no validation: the engine made every value), passing every
field in declaration order.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from domain.documents.result import (
    Adjustment,
    Applied,
    GiftLine,
    Hint,
    LineResult,
    RejectedCoupon,
    Result,
    Skipped,
)
from domain.engine.assemble import assemble
from domain.engine.cart_view import CartView
from domain.engine.compiled import CompiledCampaign
from domain.engine.eligibility import Skip
from domain.engine.stacking import Priced
from domain.engine.state import Application
from domain.engine.trace import Trace
from domain.money import Currency
from domain.reasons import CouponReason, SkipReason

COUPON_REASONS = {
    SkipReason.ENDED: CouponReason.EXPIRED,
    SkipReason.NOT_STARTED: CouponReason.NOT_STARTED,
    SkipReason.LIMIT_REACHED: CouponReason.USED_UP,
}


class _Amounts:
    """Minor units to `Decimal` with the currency's decimal places, memoized per evaluation."""

    __slots__ = ("cache", "quantum")

    def __init__(self, currency: Currency) -> None:
        self.quantum = Decimal(1).scaleb(-currency.exponent)
        self.cache: dict[int, Decimal] = {}

    def __call__(self, units: int) -> Decimal:
        found = self.cache.get(units)
        if found is None:
            found = self.cache[units] = Decimal(units) * self.quantum
        return found


def build_result(
    view: CartView,
    priced: Priced,
    candidates: Sequence[CompiledCampaign],
    trace: Trace,
) -> Result:
    """Return the result document: lines with adjustments, totals, applied, gifts, skipped, hints."""
    money = _Amounts(view.currency)
    discounts, adjustments = _line_adjustments(view, priced.applications, money)
    line_results = [
        assemble(
            LineResult,
            {
                "id": line.id,
                "sku": line.sku,
                "quantity": line.quantity,
                "subtotal": money(subtotal),
                "discount": money(discount),
                "total": money(subtotal - discount),
                "adjustments": line_adjustments,
            },
        )
        for line, subtotal, discount, line_adjustments in zip(
            view.cart.lines, view.line_subtotals, discounts, adjustments, strict=True
        )
    ]
    subtotal = sum(view.line_subtotals)
    discount_total = sum(discounts)
    shipping_discount = view.shipping - priced.state.shipping
    skips = [(campaign, priced.skips[campaign]) for campaign in candidates if campaign in priced.skips]
    return assemble(
        Result,
        {
            "currency": view.currency.code,
            "subtotal": money(subtotal),
            "discount_total": money(discount_total),
            "shipping": money(view.shipping),
            "shipping_discount": money(shipping_discount),
            "total": money(subtotal - discount_total + view.shipping - shipping_discount),
            "lines": line_results,
            "applied": [_applied(application, money) for application in priced.applications],
            "gifts": [
                assemble(
                    GiftLine,
                    {"campaign_id": app.campaign.id, "sku": gift.sku, "quantity": app.gift_quantity, "name": gift.name},
                )
                for app in priced.applications
                if app.gift_quantity and (gift := app.campaign.doc.benefit.gift) is not None
            ],
            "skipped": [
                assemble(Skipped, {"campaign_id": campaign.id, "reason": skip.reason, "detail": skip.detail})
                for campaign, skip in skips
            ],
            "rejected_coupons": _rejected_coupons(view, priced),
            "hints": [_hint(campaign, skip, money) for campaign, skip in skips if skip.is_near_miss],
            "explain": trace.entries if trace.enabled else None,
        },
    )


def _line_adjustments(
    view: CartView, applications: Sequence[Application], money: _Amounts
) -> tuple[list[int], list[list[Adjustment]]]:
    discounts = [0] * len(view.line_subtotals)
    adjustments: list[list[Adjustment]] = [[] for _ in discounts]
    unit_line = view.unit_line
    for application in applications:
        amounts: dict[int, list[int]] = {}
        for unit, amount in application.shares:
            line = unit_line[unit]
            found = amounts.get(line)
            if found is None:
                amounts[line] = [amount, 1]
            else:
                found[0] += amount
                found[1] += 1
        for line in sorted(amounts):
            amount, units = amounts[line]
            discounts[line] += amount
            adjustments[line].append(
                assemble(Adjustment, {"campaign_id": application.campaign.id, "amount": money(amount), "units": units})
            )
    return discounts, adjustments


def _applied(application: Application, money: _Amounts) -> Applied:
    campaign = application.campaign
    return assemble(
        Applied,
        {
            "campaign_id": campaign.id,
            "type": campaign.phase,
            "discount": money(application.discount),
            "name": campaign.doc.name,
            "labels": campaign.doc.labels,
            "coupon": application.coupon,
            "applications": application.applications,
        },
    )


def _hint(campaign: CompiledCampaign, skip: Skip, money: _Amounts) -> Hint:
    missing = skip.missing_amount
    return assemble(
        Hint,
        {
            "campaign_id": campaign.id,
            "missing_quantity": skip.missing_quantity,
            "missing_amount": money(missing) if missing is not None else None,
            "name": campaign.doc.name,
        },
    )


def _rejected_coupons(view: CartView, priced: Priced) -> list[RejectedCoupon]:
    if not view.coupons:
        return []
    applied = {application.campaign.id for application in priced.applications}
    skips = {campaign.id: skip for campaign, skip in priced.skips.items()}
    rejected: list[RejectedCoupon] = []
    for code in view.coupons:
        problem = view.code_problems.get(code)
        if problem is not None:
            rejected.append(_rejected(code, problem.reason, problem.campaign_id, problem.detail))
            continue
        owner = view.valid_codes[code]
        if owner in applied:
            continue
        skip = skips.get(owner)
        if skip is None:
            rejected.append(_rejected(code, CouponReason.NOT_APPLICABLE, owner, "the campaign did not apply"))
        else:
            reason = COUPON_REASONS.get(skip.reason, CouponReason.NOT_APPLICABLE)
            rejected.append(_rejected(code, reason, owner, f"{skip.reason}: {skip.detail}"))
    return rejected


def _rejected(code: str, reason: CouponReason, campaign_id: str | None, detail: str) -> RejectedCoupon:
    return assemble(RejectedCoupon, {"code": code, "reason": reason, "campaign_id": campaign_id, "detail": detail})
