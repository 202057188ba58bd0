"""A campaign compiled once for fast evaluation: sets instead of lists, minor units, UTC instants."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from zoneinfo import ZoneInfo

from domain.documents.campaign import (
    QUANTITY_TYPES,
    Audience,
    Campaign,
    Schedule,
    Target,
    as_aware,
    receiving_quantity,
)
from domain.documents.cart import Line
from domain.documents.common import (
    AmountMode,
    BenefitType,
    Calculation,
    Kind,
    SortDirection,
    Weekday,
    clock_minutes,
)
from domain.money import CURRENCIES

WEEKDAYS = tuple(Weekday)
EXPONENTS = frozenset(currency.exponent for currency in CURRENCIES.values())


@dataclass(frozen=True, slots=True)
class TargetMatcher:
    """Which cart lines a target matches: any listed sku/category/brand/collection, every attribute pair,
    and nothing excluded."""

    skus: frozenset[str]
    categories: frozenset[str]
    brands: frozenset[str]
    collections: frozenset[str]
    attributes: tuple[tuple[str, str], ...]
    exclude_skus: frozenset[str]
    exclude_categories: frozenset[str]
    exclude_brands: frozenset[str]
    exclude_collections: frozenset[str]
    listed: bool
    excludes: bool

    @classmethod
    def of(cls, target: Target) -> TargetMatcher:
        exclude = target.exclude
        return cls(
            skus=frozenset(target.skus),
            categories=frozenset(target.categories),
            brands=frozenset(target.brands),
            collections=frozenset(target.collections),
            attributes=tuple(sorted(target.attributes.items())),
            exclude_skus=frozenset(exclude.skus),
            exclude_categories=frozenset(exclude.categories),
            exclude_brands=frozenset(exclude.brands),
            exclude_collections=frozenset(exclude.collections),
            listed=bool(target.skus or target.categories or target.brands or target.collections),
            excludes=bool(exclude.skus or exclude.categories or exclude.brands or exclude.collections),
        )

    def matches(self, line: Line) -> bool:
        if self.listed and not (
            line.sku in self.skus
            or (line.brand is not None and line.brand in self.brands)
            or not self.categories.isdisjoint(line.categories)
            or not self.collections.isdisjoint(line.collections)
        ):
            return False
        if self.attributes and any(line.attributes.get(key) != value for key, value in self.attributes):
            return False
        return not self.excludes or not (
            line.sku in self.exclude_skus
            or (line.brand is not None and line.brand in self.exclude_brands)
            or not self.exclude_categories.isdisjoint(line.categories)
            or not self.exclude_collections.isdisjoint(line.collections)
        )

    def index_keys(self) -> frozenset[str] | None:
        """Return keys a matching line must carry (see `line_keys`), or None if any line may match."""
        if self.listed:
            return frozenset(
                {
                    *("s:" + sku for sku in self.skus),
                    *("c:" + name for name in self.categories),
                    *("b:" + brand for brand in self.brands),
                    *("k:" + name for name in self.collections),
                }
            )
        if self.attributes:
            key, value = self.attributes[0]
            return frozenset({f"a:{key}={value}"})
        return None


def line_keys(line: Line) -> list[str]:
    """Return the index keys of a cart line (its sku, categories, brand, collections, attributes)."""
    keys = ["s:" + line.sku, *("c:" + name for name in line.categories), *("k:" + c for c in line.collections)]
    if line.brand is not None:
        keys.append("b:" + line.brand)
    keys.extend(f"a:{key}={value}" for key, value in line.attributes.items())
    return keys


@dataclass(frozen=True, slots=True)
class CompiledWindow:
    days: frozenset[int]
    start: int
    end: int

    def contains(self, weekday: int, minute: int) -> bool:
        if self.start < self.end:
            return weekday in self.days and self.start <= minute < self.end
        return (weekday in self.days and minute >= self.start) or ((weekday - 1) % 7 in self.days and minute < self.end)


@dataclass(frozen=True, slots=True)
class CompiledSchedule:
    starts_at: datetime | None
    ends_at: datetime | None
    zone: ZoneInfo
    windows: tuple[CompiledWindow, ...]

    @classmethod
    def of(cls, schedule: Schedule) -> CompiledSchedule:
        zone = ZoneInfo(schedule.timezone)
        return cls(
            starts_at=as_aware(schedule.starts_at, zone) if schedule.starts_at else None,
            ends_at=as_aware(schedule.ends_at, zone) if schedule.ends_at else None,
            zone=zone,
            windows=tuple(
                CompiledWindow(
                    days=frozenset(WEEKDAYS.index(day) for day in window.days),
                    start=clock_minutes(window.from_),
                    end=clock_minutes(window.to),
                )
                for window in schedule.windows
            ),
        )


@dataclass(frozen=True, slots=True)
class CompiledAudience:
    channels: frozenset[str]
    segments_any: frozenset[str]
    segments_none: frozenset[str]
    first_order: bool | None
    min_orders: int | None
    max_orders: int | None
    min_total_spent: Decimal | None
    countries: frozenset[str]
    cities: frozenset[str]
    attributes: tuple[tuple[str, str], ...]
    needs_customer: bool

    @classmethod
    def of(cls, audience: Audience) -> CompiledAudience:
        return cls(
            channels=frozenset(channel.casefold() for channel in audience.channels),
            segments_any=frozenset(audience.segments_any),
            segments_none=frozenset(audience.segments_none),
            first_order=audience.first_order,
            min_orders=audience.min_orders,
            max_orders=audience.max_orders,
            min_total_spent=audience.min_total_spent,
            countries=frozenset(country.upper() for country in audience.countries),
            cities=frozenset(city.casefold() for city in audience.cities),
            attributes=tuple(sorted(audience.attributes.items())),
            needs_customer=bool(
                audience.segments_any
                or audience.first_order is not None
                or audience.min_orders is not None
                or audience.max_orders is not None
                or audience.min_total_spent is not None
                or audience.countries
                or audience.cities
                or audience.attributes
            ),
        )


def _minor_by_exponent(amount: Decimal | None, rounding: str) -> dict[int, int] | None:
    if amount is None:
        return None
    return {exponent: int(amount.scaleb(exponent).to_integral_value(rounding)) for exponent in EXPONENTS}


@dataclass(frozen=True, slots=True, eq=False)
class CompiledCampaign:
    """A campaign with everything the evaluator needs precomputed. Identity-hashed."""

    doc: Campaign
    id: str
    phase: BenefitType
    priority: int
    exclusive: bool
    coupon: bool
    codes: frozenset[str]
    schedule: CompiledSchedule
    audience: CompiledAudience
    currency: str | None
    target: TargetMatcher
    qualifying: TargetMatcher | None
    calculation: Calculation
    descending: bool
    repeatable: bool
    quantity_benefit: bool
    min_quantity: int | None
    receive: int
    step: int
    bundle_size: int
    amount_mode: AmountMode
    max_units: int | None
    max_applications: int | None
    percent: tuple[int, int] = (0, 1)
    value_minor: dict[int, int] | None = None
    min_total_minor: dict[int, int] | None = None
    max_discount_minor: dict[int, int] | None = None
    gift_quantity: int = 0
    index_keys: frozenset[str] | None = field(default=None)

    @classmethod
    def of(cls, campaign: Campaign) -> CompiledCampaign:
        benefit = campaign.benefit
        kind = benefit.type
        value = benefit.value
        if kind is BenefitType.FREE_SHIPPING and value is None:
            value = Decimal(100)
        percent = value.as_integer_ratio() if value is not None else (0, 1)
        target = TargetMatcher.of(campaign.target)
        qualifying = TargetMatcher.of(campaign.condition.target) if campaign.condition.target else None
        min_quantity = campaign.condition.min_quantity
        if qualifying is not None and min_quantity is None:
            min_quantity = 1
        money_value = value if kind in (BenefitType.AMOUNT, BenefitType.FIXED_PRICE) else None
        return cls(
            doc=campaign,
            id=campaign.id,
            phase=kind,
            priority=campaign.priority,
            exclusive=campaign.exclusive,
            coupon=campaign.kind is Kind.COUPON,
            codes=frozenset(campaign.codes),
            schedule=CompiledSchedule.of(campaign.schedule),
            audience=CompiledAudience.of(campaign.audience),
            currency=campaign.currency,
            target=target,
            qualifying=qualifying,
            calculation=benefit.calculation,
            descending=benefit.sort_direction is SortDirection.DESC,
            repeatable=benefit.repeatable,
            quantity_benefit=kind in QUANTITY_TYPES or benefit.calculation is not Calculation.DEFAULT,
            min_quantity=min_quantity,
            receive=receiving_quantity(benefit) if kind is not BenefitType.FIXED_PRICE else 0,
            step=benefit.step_index or 0,
            bundle_size=benefit.bundle_size or 0,
            amount_mode=benefit.amount_mode,
            max_units=benefit.max_units,
            max_applications=benefit.max_applications,
            percent=percent,
            value_minor=_minor_by_exponent(
                money_value, ROUND_CEILING if kind is BenefitType.FIXED_PRICE else ROUND_FLOOR
            ),
            min_total_minor=_minor_by_exponent(campaign.condition.min_order_total, ROUND_CEILING),
            max_discount_minor=_minor_by_exponent(benefit.max_discount, ROUND_FLOOR),
            gift_quantity=benefit.gift.quantity if benefit.gift else 0,
            index_keys=_index_keys(target, qualifying),
        )


def _index_keys(target: TargetMatcher, qualifying: TargetMatcher | None) -> frozenset[str] | None:
    receiving = target.index_keys()
    if qualifying is None:
        return receiving
    qualifying_keys = qualifying.index_keys()
    if receiving is None or qualifying_keys is None:
        return receiving or qualifying_keys
    return receiving | qualifying_keys
