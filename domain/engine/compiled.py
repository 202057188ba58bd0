"""A campaign compiled once for fast evaluation: sets instead of lists, minor units, UTC instants."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from functools import lru_cache
from typing import Final
from zoneinfo import ZoneInfo

from domain.documents.campaign import (
    QUANTITY_TYPES,
    Audience,
    Benefit,
    Campaign,
    Schedule,
    Target,
    as_aware,
    receiving_quantity,
)
from domain.documents.cart import Line
from domain.documents.common import (
    BenefitType,
    Calculation,
    Kind,
    PartialBudget,
    SortDirection,
    Weekday,
    clock_minutes,
)
from domain.limits import LimitRule
from domain.money import CURRENCIES

WEEKDAYS = tuple(Weekday)
EXPONENTS = frozenset(currency.exponent for currency in CURRENCIES.values())


LineKey = tuple[str, ...]
"""A fact about a cart line: ("s", sku), ("c", category), ("b", brand), ("k", collection), ("a", key, value)."""


def _listed_keys(
    skus: list[str], categories: list[str], brands: list[str], collections: list[str]
) -> frozenset[LineKey]:
    return frozenset(
        [
            *(("s", sku) for sku in skus),
            *(("c", name) for name in categories),
            *(("b", brand) for brand in brands),
            *(("k", name) for name in collections),
        ]
    )


class TargetMatcher:
    """Which cart lines a target matches: a line carrying any listed key (sku, category, brand,
    collection; none listed = every line), every attribute pair, and no excluded key.

    Matchers are interned (`TargetMatcher.of`): equal targets share one matcher, so an evaluation matches
    each target once however many campaigns use it, and identity is equality."""

    __slots__ = ("attributes", "everything", "excluded", "listed")

    def __init__(
        self, listed: frozenset[LineKey], attributes: frozenset[LineKey], excluded: frozenset[LineKey]
    ) -> None:
        self.listed: Final = listed
        self.attributes: Final = attributes
        self.excluded: Final = excluded
        self.everything: Final = not (listed or attributes or excluded)

    @staticmethod
    def of(target: Target) -> TargetMatcher:
        exclude = target.exclude
        return _interned(
            _listed_keys(target.skus, target.categories, target.brands, target.collections),
            frozenset(("a", key, value) for key, value in target.attributes.items()),
            _listed_keys(exclude.skus, exclude.categories, exclude.brands, exclude.collections),
        )

    def matches(self, keys: frozenset[LineKey]) -> bool:
        """Return whether a line with these keys (see `line_keys`) is in the target."""
        return (
            (not self.listed or not self.listed.isdisjoint(keys))
            and self.attributes <= keys
            and self.excluded.isdisjoint(keys)
        )

    def index_keys(self) -> frozenset[LineKey] | None:
        """Return keys of which a matching line carries at least one, or None if any line may match."""
        if self.listed:
            return self.listed
        if self.attributes:
            return frozenset([min(self.attributes)])
        return None


@lru_cache(maxsize=1 << 16)
def _interned(
    listed: frozenset[LineKey], attributes: frozenset[LineKey], excluded: frozenset[LineKey]
) -> TargetMatcher:
    return TargetMatcher(listed, attributes, excluded)


def line_keys(line: Line) -> frozenset[LineKey]:
    """Return the keys of a cart line: its sku, categories, brand, collections and attribute pairs."""
    keys: list[LineKey] = [("s", line.sku)]
    keys.extend(("c", name) for name in line.categories)
    keys.extend(("k", name) for name in line.collections)
    if line.brand is not None:
        keys.append(("b", line.brand))
    keys.extend(("a", key, value) for key, value in line.attributes.items())
    return frozenset(keys)


class CompiledWindow:
    """A weekly window in minutes of the local day; `end` <= `start` runs past midnight."""

    __slots__ = ("days", "end", "start")

    def __init__(self, days: frozenset[int], start: int, end: int) -> None:
        self.days: Final = days
        self.start: Final = start
        self.end: Final = end

    def contains(self, weekday: int, minute: int) -> bool:
        if self.start < self.end:
            return weekday in self.days and self.start <= minute < self.end
        return (weekday in self.days and minute >= self.start) or ((weekday - 1) % 7 in self.days and minute < self.end)


class CompiledSchedule:
    """Start and end as aware instants; windows in the campaign's time zone."""

    __slots__ = ("ends_at", "starts_at", "windows", "zone")

    def __init__(self, schedule: Schedule) -> None:
        zone = ZoneInfo(schedule.timezone)
        self.zone: Final = zone
        self.starts_at: Final = as_aware(schedule.starts_at, zone) if schedule.starts_at else None
        self.ends_at: Final = as_aware(schedule.ends_at, zone) if schedule.ends_at else None
        self.windows: Final = tuple(
            CompiledWindow(
                frozenset(WEEKDAYS.index(day) for day in window.days),
                clock_minutes(window.from_),
                clock_minutes(window.to),
            )
            for window in schedule.windows
        )


class CompiledAudience:
    """The audience as sets, normalized for case-insensitive comparison."""

    __slots__ = (
        "attributes",
        "channels",
        "cities",
        "countries",
        "first_order",
        "max_orders",
        "min_orders",
        "min_total_spent",
        "needs_customer",
        "segments_any",
        "segments_none",
    )

    def __init__(self, audience: Audience) -> None:
        self.channels: Final = frozenset(channel.casefold() for channel in audience.channels)
        self.segments_any: Final = frozenset(audience.segments_any)
        self.segments_none: Final = frozenset(audience.segments_none)
        self.first_order: Final = audience.first_order
        self.min_orders: Final = audience.min_orders
        self.max_orders: Final = audience.max_orders
        self.min_total_spent: Final = audience.min_total_spent
        self.countries: Final = frozenset(country.upper() for country in audience.countries)
        self.cities: Final = frozenset(city.casefold() for city in audience.cities)
        self.attributes: Final = tuple(sorted(audience.attributes.items()))
        self.needs_customer: Final = bool(
            audience.segments_any
            or audience.first_order is not None
            or audience.min_orders is not None
            or audience.max_orders is not None
            or audience.min_total_spent is not None
            or audience.countries
            or audience.cities
            or audience.attributes
        )


def _minor_by_exponent(amount: Decimal | None, rounding: str) -> dict[int, int] | None:
    if amount is None:
        return None
    return {exponent: int(amount.scaleb(exponent).to_integral_value(rounding)) for exponent in EXPONENTS}


class CompiledCampaign:
    """A campaign with everything the evaluator needs precomputed. Identity is equality.

    Money in the campaign is kept in minor units per currency exponent (`value_minor[2]` for TRY):
    amounts off are floored, prices and thresholds ceiled, so a campaign never gives more than it says."""

    __slots__ = (
        "amount_mode",
        "audience",
        "bundle_size",
        "calculation",
        "cap_partial_budget",
        "codes",
        "coupon",
        "currency",
        "descending",
        "doc",
        "exclusive",
        "gift_quantity",
        "id",
        "index_keys",
        "limits",
        "max_applications",
        "max_discount_minor",
        "max_units",
        "min_quantity",
        "min_total_minor",
        "percent",
        "phase",
        "priority",
        "qualifying",
        "quantity_benefit",
        "receive",
        "repeatable",
        "required",
        "schedule",
        "step",
        "target",
        "value_minor",
    )

    def __init__(self, campaign: Campaign) -> None:
        benefit = campaign.benefit
        kind = benefit.type
        value = benefit.value
        if kind is BenefitType.FREE_SHIPPING and value is None:
            value = Decimal(100)
        target = TargetMatcher.of(campaign.target)
        qualifying = TargetMatcher.of(campaign.condition.target) if campaign.condition.target else None
        min_quantity = campaign.condition.min_quantity
        if qualifying is not None and min_quantity is None:
            min_quantity = 1
        money_value = value if kind in (BenefitType.AMOUNT, BenefitType.FIXED_PRICE) else None
        self.doc: Final = campaign
        self.id: Final = campaign.id
        self.phase: Final = kind
        self.priority: Final = campaign.priority
        self.exclusive: Final = campaign.exclusive
        self.coupon: Final = campaign.kind is Kind.COUPON
        self.codes: Final = frozenset(campaign.codes)
        self.schedule: Final = CompiledSchedule(campaign.schedule)
        self.audience: Final = CompiledAudience(campaign.audience)
        self.currency: Final = campaign.currency
        self.target: Final = target
        self.qualifying: Final = qualifying
        self.calculation: Final = benefit.calculation
        self.descending: Final = benefit.sort_direction is SortDirection.DESC
        self.repeatable: Final = benefit.repeatable
        self.quantity_benefit: Final = kind in QUANTITY_TYPES or benefit.calculation is not Calculation.DEFAULT
        self.min_quantity: Final = min_quantity
        self.receive: Final = receiving_quantity(benefit) if kind is not BenefitType.FIXED_PRICE else 0
        self.step: Final = benefit.step_index or 0
        self.bundle_size: Final = benefit.bundle_size or 0
        self.amount_mode: Final = benefit.amount_mode
        self.max_units: Final = benefit.max_units
        self.max_applications: Final = benefit.max_applications
        self.percent: Final = value.as_integer_ratio() if value is not None else (0, 1)
        self.value_minor: Final = _minor_by_exponent(
            money_value, ROUND_CEILING if kind is BenefitType.FIXED_PRICE else ROUND_FLOOR
        )
        self.min_total_minor: Final = _minor_by_exponent(campaign.condition.min_order_total, ROUND_CEILING)
        self.max_discount_minor: Final = _minor_by_exponent(benefit.max_discount, ROUND_FLOOR)
        self.gift_quantity: Final = benefit.gift.quantity if benefit.gift else 0
        self.required: Final = _required_units(benefit, min_quantity, kind in QUANTITY_TYPES)
        self.index_keys: Final = _index_keys(target, qualifying)
        self.cap_partial_budget: Final = campaign.limits.partial_budget is PartialBudget.CAP
        self.limits: Final = LimitRule.of(campaign)


def _required_units(benefit: Benefit, min_quantity: int | None, quantity_type: bool) -> int:
    """Return how many qualifying units the campaign needs before it can give anything."""
    needed = min_quantity or 0
    if benefit.calculation is Calculation.STEP:
        needed = max(needed, benefit.step_index or 0)
    if benefit.type is BenefitType.FIXED_PRICE:
        needed = max(needed, benefit.bundle_size or 0)
    if quantity_type or benefit.calculation is not Calculation.DEFAULT:
        needed = max(needed, 1)
    return needed


def _index_keys(target: TargetMatcher, qualifying: TargetMatcher | None) -> frozenset[LineKey] | None:
    receiving = target.index_keys()
    if qualifying is None:
        return receiving
    qualifying_keys = qualifying.index_keys()
    if receiving is None or qualifying_keys is None:
        return receiving or qualifying_keys
    return receiving | qualifying_keys
