"""Turn the evaluator's integer outcome into the result document."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

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
from domain.engine.cart_view import CartView
from domain.engine.compiled import CompiledCampaign
from domain.engine.eligibility import Skip
from domain.engine.stacking import Priced
from domain.engine.trace import Trace
from domain.money import from_minor
from domain.reasons import CouponReason, SkipReason

COUPON_REASONS = {
    SkipReason.ENDED: CouponReason.EXPIRED,
    SkipReason.NOT_STARTED: CouponReason.NOT_STARTED,
    SkipReason.LIMIT_REACHED: CouponReason.USED_UP,
}


def build_result(
    view: CartView,
    priced: Priced,
    candidates: Sequence[CompiledCampaign],
    code_owners: Mapping[str, tuple[CompiledCampaign, ...]],
    trace: Trace,
) -> Result:
    """Return the result document: lines with adjustments, totals, applied, gifts, skipped, hints."""
    currency = view.currency
    lines = view.cart.lines
    discounts = [0] * len(lines)
    adjustments: list[list[Adjustment]] = [[] for _ in lines]
    for application in priced.applications:
        amounts: dict[int, int] = {}
        units: dict[int, int] = {}
        for unit, amount in application.shares:
            position = view.unit_line[unit]
            amounts[position] = amounts.get(position, 0) + amount
            units[position] = units.get(position, 0) + 1
        for position in sorted(amounts):
            discounts[position] += amounts[position]
            adjustments[position].append(
                Adjustment.model_construct(
                    campaign_id=application.campaign.id,
                    amount=from_minor(amounts[position], currency=currency),
                    units=units[position],
                )
            )
    line_results = []
    for index, line in enumerate(lines):
        subtotal = sum(view.unit_price[unit] for unit in view.line_units[index])
        line_results.append(
            LineResult.model_construct(
                id=line.id,
                sku=line.sku,
                quantity=line.quantity,
                subtotal=from_minor(subtotal, currency=currency),
                discount=from_minor(discounts[index], currency=currency),
                total=from_minor(subtotal - discounts[index], currency=currency),
                adjustments=adjustments[index],
            )
        )
    subtotal = sum(view.unit_price)
    discount_total = sum(discounts)
    shipping_discount = view.shipping - priced.state.shipping
    skips = [(campaign, priced.skips[campaign]) for campaign in candidates if campaign in priced.skips]
    return Result.model_construct(
        currency=currency.code,
        subtotal=from_minor(subtotal, currency=currency),
        discount_total=from_minor(discount_total, currency=currency),
        shipping=from_minor(view.shipping, currency=currency),
        shipping_discount=from_minor(shipping_discount, currency=currency),
        total=from_minor(subtotal - discount_total + view.shipping - shipping_discount, currency=currency),
        lines=line_results,
        applied=[
            Applied.model_construct(
                campaign_id=app.campaign.id,
                type=app.campaign.phase,
                discount=from_minor(app.discount, currency=currency),
                name=app.campaign.doc.name,
                labels=app.campaign.doc.labels,
                coupon=app.coupon,
                applications=app.applications,
            )
            for app in priced.applications
        ],
        gifts=[
            GiftLine.model_construct(
                campaign_id=app.campaign.id,
                sku=app.campaign.doc.benefit.gift.sku,
                quantity=app.gift_quantity,
                name=app.campaign.doc.benefit.gift.name,
            )
            for app in priced.applications
            if app.gift_quantity and app.campaign.doc.benefit.gift is not None
        ],
        skipped=[
            Skipped.model_construct(campaign_id=campaign.id, reason=skip.reason, detail=skip.detail)
            for campaign, skip in skips
        ],
        rejected_coupons=_rejected_coupons(view, priced, code_owners),
        hints=[_hint(view, campaign, skip) for campaign, skip in skips if skip.is_near_miss],
        explain=trace.entries if trace.enabled else None,
    )


def _hint(view: CartView, campaign: CompiledCampaign, skip: Skip) -> Hint:
    missing = skip.missing_amount
    return Hint.model_construct(
        campaign_id=campaign.id,
        missing_quantity=skip.missing_quantity,
        missing_amount=from_minor(missing, currency=view.currency) if missing is not None else None,
        name=campaign.doc.name,
    )


def _rejected_coupons(
    view: CartView, priced: Priced, code_owners: Mapping[str, tuple[CompiledCampaign, ...]]
) -> list[RejectedCoupon]:
    applied = {application.campaign for application in priced.applications}
    rejected: list[RejectedCoupon] = []
    for code in view.coupons:
        owners = code_owners.get(code, ())
        if not owners:
            rejected.append(
                RejectedCoupon.model_construct(
                    code=code, reason=CouponReason.UNKNOWN, detail="no campaign has this code"
                )
            )
            continue
        if any(owner in applied for owner in owners):
            continue
        owner = owners[0]
        skip = priced.skips.get(owner)
        reason = COUPON_REASONS.get(skip.reason, CouponReason.NOT_APPLICABLE) if skip else CouponReason.NOT_APPLICABLE
        detail = f"{skip.reason}: {skip.detail}" if skip else ""
        rejected.append(RejectedCoupon.model_construct(code=code, reason=reason, campaign_id=owner.id, detail=detail))
    return rejected
