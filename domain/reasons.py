"""The closed enums of reasons a campaign is skipped or a coupon rejected (CONTRACT.md, Result)."""

from __future__ import annotations

from enum import StrEnum


class SkipReason(StrEnum):
    """Why a candidate campaign did not apply to a cart."""

    NOT_STARTED = "NOT_STARTED"
    ENDED = "ENDED"
    OUTSIDE_WINDOW = "OUTSIDE_WINDOW"
    CHANNEL = "CHANNEL"
    AUDIENCE = "AUDIENCE"
    CURRENCY = "CURRENCY"
    CODE_REQUIRED = "CODE_REQUIRED"
    LIMIT_REACHED = "LIMIT_REACHED"
    NO_TARGET_UNITS = "NO_TARGET_UNITS"
    MIN_QUANTITY = "MIN_QUANTITY"
    UNITS_CONSUMED = "UNITS_CONSUMED"
    MIN_ORDER_TOTAL = "MIN_ORDER_TOTAL"
    NO_BENEFIT = "NO_BENEFIT"
    EXCLUSIVE_CONFLICT = "EXCLUSIVE_CONFLICT"
    NOT_SELECTED = "NOT_SELECTED"


SKIP_REASON_MEANING: dict[SkipReason, str] = {
    SkipReason.NOT_STARTED: "the schedule has not started at the cart's `now`",
    SkipReason.ENDED: "the schedule ended before the cart's `now`",
    SkipReason.OUTSIDE_WINDOW: "`now` is outside every recurring weekday/hour window",
    SkipReason.CHANNEL: "the cart's channel is not among the campaign's channels",
    SkipReason.AUDIENCE: "the customer does not match the audience (segments, order history, place, attributes)",
    SkipReason.CURRENCY: "the campaign is in another currency than the cart",
    SkipReason.CODE_REQUIRED: "a coupon campaign whose target is in the cart, but none of its codes is",
    SkipReason.LIMIT_REACHED: "a usage limit or budget of the campaign is used up",
    SkipReason.NO_TARGET_UNITS: "no cart unit matches the target (or the qualifying target)",
    SkipReason.MIN_QUANTITY: "fewer target units than `condition.min_quantity` (a hint says how many are missing)",
    SkipReason.UNITS_CONSUMED: "enough target units, but earlier quantity benefits consumed them",
    SkipReason.MIN_ORDER_TOTAL: "the running net subtotal is below `condition.min_order_total` (a hint says how much)",
    SkipReason.NO_BENEFIT: "the campaign would give nothing (units already free, bundle above the net, no shipping)",
    SkipReason.EXCLUSIVE_CONFLICT: "an exclusive campaign applied, or this exclusive one lost to another",
    SkipReason.NOT_SELECTED: "the stacking policy (SINGLE, BEST) chose other campaigns",
}


class CouponReason(StrEnum):
    """Why a coupon code in the cart gave nothing."""

    UNKNOWN = "UNKNOWN"
    EXPIRED = "EXPIRED"
    NOT_STARTED = "NOT_STARTED"
    USED_UP = "USED_UP"
    NOT_ASSIGNED = "NOT_ASSIGNED"
    NOT_APPLICABLE = "NOT_APPLICABLE"
    DISABLED = "DISABLED"


COUPON_REASON_MEANING: dict[CouponReason, str] = {
    CouponReason.UNKNOWN: "no live campaign has this code",
    CouponReason.EXPIRED: "the code, or its campaign, has expired",
    CouponReason.NOT_STARTED: "the code, or its campaign, has not started yet",
    CouponReason.USED_UP: "the code or its campaign reached a usage limit",
    CouponReason.NOT_ASSIGNED: "the code belongs to another customer",
    CouponReason.NOT_APPLICABLE: "the campaign exists but did not apply to this cart (`detail` says why)",
    CouponReason.DISABLED: "the code was disabled (e.g. by support)",
}
