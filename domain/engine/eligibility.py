"""Is a campaign eligible for this cart at all: currency, schedule, channel, audience, coupon code."""

from __future__ import annotations

from typing import Final

from domain.documents.cart import Customer
from domain.engine.cart_view import CartView
from domain.engine.compiled import CompiledAudience, CompiledCampaign, CompiledSchedule
from domain.reasons import SkipReason


class Skip:
    """A campaign that did not apply, with what would have been missing to reach its thresholds
    (immutable, like the other hot-path values in `domain.engine.state`)."""

    __slots__ = ("detail", "missing_amount", "missing_quantity", "reason")

    def __init__(
        self,
        reason: SkipReason,
        detail: str = "",
        *,
        missing_quantity: int | None = None,
        missing_amount: int | None = None,
    ) -> None:
        self.reason: Final = reason
        self.detail: Final = detail
        self.missing_quantity: Final = missing_quantity
        self.missing_amount: Final = missing_amount

    @property
    def is_near_miss(self) -> bool:
        return self.missing_quantity is not None or self.missing_amount is not None


def eligibility(campaign: CompiledCampaign, view: CartView) -> Skip | None:
    """Return why the campaign cannot apply to this cart whatever its lines, or None if it may."""
    if campaign.currency is not None and campaign.currency != view.currency.code:
        return Skip(SkipReason.CURRENCY, f"the campaign is in {campaign.currency}, the cart in {view.currency.code}")
    skip = _timing(campaign.schedule, view)
    if skip is not None:
        return skip
    channels = campaign.audience.channels
    if channels and (view.cart.channel is None or view.cart.channel.casefold() not in channels):
        return Skip(SkipReason.CHANNEL, f"channel {view.cart.channel!r} is not one of {sorted(channels)}")
    problem = audience_problem(campaign.audience, view.cart.customer, view.segments)
    if problem is not None:
        return Skip(SkipReason.AUDIENCE, problem)
    if campaign.coupon and coupon_of(campaign, view) is None:
        return Skip(SkipReason.CODE_REQUIRED, "none of the campaign's codes is in the cart")
    return None


def coupon_of(campaign: CompiledCampaign, view: CartView) -> str | None:
    """Return the first usable code in the cart that belongs to this campaign."""
    return next((code for code, owner in view.valid_codes.items() if owner == campaign.id), None)


_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
"""What `%a` writes in the C locale, whatever the process's locale (and without formatting a time)."""


def _timing(schedule: CompiledSchedule, view: CartView) -> Skip | None:
    now = view.now
    if schedule.starts_at is not None and now < schedule.starts_at:
        return Skip(SkipReason.NOT_STARTED, f"starts at {schedule.starts_at.isoformat()}")
    if schedule.ends_at is not None and now >= schedule.ends_at:
        return Skip(SkipReason.ENDED, f"ended at {schedule.ends_at.isoformat()}")
    if schedule.windows:
        weekday, minute = view.local_clock(schedule.zone)
        if not any(window.contains(weekday, minute) for window in schedule.windows):
            clock = f"{_WEEKDAYS[weekday]} {minute // 60:02d}:{minute % 60:02d}"
            return Skip(SkipReason.OUTSIDE_WINDOW, f"{clock} is outside every window")
    return None


def audience_problem(audience: CompiledAudience, customer: Customer | None, segments: frozenset[str]) -> str | None:
    """Return what keeps the customer out of the audience, or None if they are in it."""
    if not segments.isdisjoint(audience.segments_none):
        return f"in an excluded segment ({sorted(segments & audience.segments_none)[0]})"
    if not audience.needs_customer:
        return None
    if customer is None:
        return "the audience needs a known customer"
    if audience.segments_any and segments.isdisjoint(audience.segments_any):
        return f"in none of the segments {sorted(audience.segments_any)}"
    orders = customer.orders_count
    if audience.first_order is not None and audience.first_order != (orders == 0):
        return "first orders only" if audience.first_order else "not for a first order"
    if audience.min_orders is not None and orders < audience.min_orders:
        return f"needs {audience.min_orders} previous orders, has {orders}"
    if audience.max_orders is not None and orders > audience.max_orders:
        return f"at most {audience.max_orders} previous orders, has {orders}"
    if audience.min_total_spent is not None and customer.total_spent < audience.min_total_spent:
        return f"needs {audience.min_total_spent} spent before, has {customer.total_spent}"
    if audience.countries and (customer.country or "").upper() not in audience.countries:
        return f"country {customer.country!r} is not one of {sorted(audience.countries)}"
    if audience.cities and (customer.city or "").casefold() not in audience.cities:
        return f"city {customer.city!r} is not one of the campaign's cities"
    for key, value in audience.attributes:
        if customer.attributes.get(key) != value:
            return f"customer attribute {key} is not {value!r}"
    return None
