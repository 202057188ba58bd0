"""The campaign document (CONTRACT.md): eligibility, target, condition, benefit, limits."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Self
from zoneinfo import ZoneInfo

from pydantic import Field, model_validator

from domain.documents.common import (
    AmountMode,
    BenefitType,
    Calculation,
    ClockTime,
    Count,
    CouponCode,
    CurrencyCode,
    Document,
    FailMode,
    Identifier,
    Kind,
    LocalizedText,
    Money,
    Name,
    NonNegativeCount,
    PartialBudget,
    PositiveMoney,
    SortDirection,
    Status,
    Timestamp,
    TimeZoneName,
    Weekday,
    clock_minutes,
)
from domain.errors import FieldError, FieldProblems
from domain.money import TooPrecise, currency_of, to_minor

Tag = Annotated[str, Field(strict=True, min_length=1, max_length=100)]
Tags = Annotated[list[Tag], Field(max_length=1000)]
Attributes = dict[
    Annotated[str, Field(strict=True, max_length=100)], Annotated[str, Field(strict=True, max_length=200)]
]


class Window(Document):
    """A recurring weekly window: on these weekdays, from `from` (inclusive) to `to` (exclusive), local time.
    A window whose `to` is not after `from` runs past midnight into the next day."""

    days: Annotated[list[Weekday], Field(min_length=1)]
    from_: ClockTime = Field(alias="from")
    to: ClockTime

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if self.from_ == "24:00":
            raise FieldProblems([FieldError("/from", "a window starts before 24:00")])
        if clock_minutes(self.from_) == clock_minutes(self.to):
            raise FieldProblems([FieldError("/to", "a window must not start and end at the same time")])
        return self


class Schedule(Document):
    starts_at: Timestamp | None = None
    ends_at: Timestamp | None = None
    timezone: TimeZoneName = "Europe/Istanbul"
    windows: Annotated[list[Window], Field(max_length=50)] = []

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.starts_at is not None and self.ends_at is not None:
            zone = ZoneInfo(self.timezone)
            if as_aware(self.starts_at, zone) >= as_aware(self.ends_at, zone):
                raise FieldProblems([FieldError("/ends_at", "must be later than starts_at")])
        return self


class Audience(Document):
    channels: Tags = []
    segments_any: Tags = []
    segments_none: Tags = []
    first_order: bool | None = None
    min_orders: NonNegativeCount | None = None
    max_orders: NonNegativeCount | None = None
    min_total_spent: Money | None = None
    countries: Tags = []
    cities: Tags = []
    attributes: Attributes = {}

    @model_validator(mode="after")
    def _possible(self) -> Self:
        problems: list[FieldError] = []
        if both := sorted(set(self.segments_any) & set(self.segments_none)):
            problems.append(FieldError("/segments_none", f"{both[0]!r} is also in segments_any"))
        if self.first_order and self.min_orders:
            problems.append(FieldError("/min_orders", "a first order has no previous orders"))
        if self.min_orders is not None and self.max_orders is not None and self.max_orders < self.min_orders:
            problems.append(FieldError("/max_orders", "must not be below min_orders"))
        if problems:
            raise FieldProblems(problems)
        return self


class Exclude(Document):
    skus: Tags = []
    categories: Tags = []
    brands: Tags = []
    collections: Tags = []


class Target(Document):
    """Cart units a campaign counts or discounts; empty lists match every unit."""

    skus: Tags = []
    categories: Tags = []
    brands: Tags = []
    collections: Tags = []
    attributes: Attributes = {}
    exclude: Exclude = Exclude()

    @model_validator(mode="after")
    def _possible(self) -> Self:
        problems = [
            FieldError(f"/exclude/{field}", f"{sorted(overlap)[0]!r} is both targeted and excluded")
            for field in ("skus", "categories", "brands", "collections")
            if (overlap := set(getattr(self, field)) & set(getattr(self.exclude, field)))
        ]
        if problems:
            raise FieldProblems(problems)
        return self

    @property
    def is_everything(self) -> bool:
        return not (self.skus or self.categories or self.brands or self.collections or self.attributes) and (
            self.exclude == Exclude()
        )


class Condition(Document):
    min_quantity: Count | None = None
    min_order_total: Money | None = None
    target: Target | None = None


class Gift(Document):
    sku: Tag
    quantity: Count = 1
    name: LocalizedText = {}


class Benefit(Document):
    type: BenefitType
    value: Money | None = None
    calculation: Calculation = Calculation.DEFAULT
    sort_direction: SortDirection = SortDirection.ASC
    repeatable: bool = False
    step_index: Count | None = None
    get_quantity: Count | None = None
    bundle_size: Count | None = None
    amount_mode: AmountMode = AmountMode.ORDER
    max_units: Count | None = None
    max_applications: Count | None = None
    max_discount: PositiveMoney | None = None
    gift: Gift | None = None


class Limits(Document):
    total_redemptions: Count | None = None
    per_customer: Count | None = None
    per_customer_per_day: Count | None = None
    per_device: Count | None = None
    budget_discount: PositiveMoney | None = None
    budget_order_value: PositiveMoney | None = None
    fail_mode: FailMode = FailMode.CLOSED
    partial_budget: PartialBudget = PartialBudget.CAP


class Campaign(Document):
    """A promotion: who and when (schedule, audience, kind), on what (target), if (condition),
    what it gives (benefit) and how much of it there is (limits)."""

    id: Identifier
    name: Annotated[LocalizedText, Field(min_length=1)]
    description: LocalizedText = {}
    labels: Annotated[list[Name], Field(max_length=20)] = []
    kind: Kind = Kind.AUTOMATIC
    codes: Annotated[list[CouponCode], Field(max_length=1000)] = []
    currency: CurrencyCode | None = None
    status: Status | None = None
    priority: Annotated[int, Field(strict=True, ge=-1_000_000, le=1_000_000)] = 0
    exclusive: bool = False
    schedule: Schedule = Schedule()
    audience: Audience = Audience()
    target: Target = Target()
    condition: Condition = Condition()
    benefit: Benefit
    limits: Limits = Limits()

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        problems = [*_benefit_problems(self), *_kind_problems(self), *_currency_problems(self)]
        if problems:
            raise FieldProblems(problems)
        return self


QUANTITY_TYPES = frozenset({BenefitType.FREE_UNITS, BenefitType.FIXED_PRICE})
PRICE_PHASES = (
    BenefitType.FREE_UNITS,
    BenefitType.FIXED_PRICE,
    BenefitType.PERCENTAGE,
    BenefitType.AMOUNT,
    BenefitType.FREE_SHIPPING,
)


def receiving_quantity(benefit: Benefit) -> int:
    """Return Y of a buy-X-get-Y group: `value` units for FREE_UNITS, else `get_quantity` (default 1)."""
    if benefit.type is BenefitType.FREE_UNITS and benefit.value is not None:
        return int(benefit.value)
    return benefit.get_quantity or 1


def _benefit_problems(campaign: Campaign) -> Iterator[FieldError]:
    benefit = campaign.benefit
    kind = benefit.type
    value = benefit.value
    if kind in (BenefitType.PERCENTAGE, BenefitType.FREE_SHIPPING) and value is not None and not 0 < value <= 100:
        yield FieldError("/benefit/value", "a percentage is greater than 0 and at most 100")
    if kind in (BenefitType.PERCENTAGE, BenefitType.AMOUNT, BenefitType.FREE_UNITS, BenefitType.FIXED_PRICE):
        if value is None:
            yield FieldError("/benefit/value", f"{kind} needs a value")
        elif kind is not BenefitType.FIXED_PRICE and value == 0:
            yield FieldError("/benefit/value", "must be greater than zero")
    if kind is BenefitType.FREE_UNITS and value is not None and value != value.to_integral_value():
        yield FieldError("/benefit/value", "FREE_UNITS counts whole units")
    yield from _calculation_problems(campaign)
    yield from _field_scope_problems(benefit)
    if benefit.repeatable and not _repeats(campaign):
        yield FieldError(
            "/benefit/repeatable",
            "repeats only BUY_X_GET_Y, STEP, FIXED_PRICE, and ORDER amounts or gifts with a threshold",
        )


def _calculation_problems(campaign: Campaign) -> Iterator[FieldError]:
    benefit = campaign.benefit
    calculation = benefit.calculation
    if calculation is Calculation.DEFAULT:
        return
    if benefit.type not in (BenefitType.FREE_UNITS, BenefitType.PERCENTAGE, BenefitType.AMOUNT):
        yield FieldError("/benefit/calculation", f"{calculation} works with FREE_UNITS, PERCENTAGE or AMOUNT")
        return
    if calculation is Calculation.BUY_X_GET_Y:
        group = campaign.condition.min_quantity
        if group is None:
            yield FieldError("/condition/min_quantity", "BUY_X_GET_Y needs X, the group size")
        elif campaign.condition.target is None and receiving_quantity(benefit) >= group:
            where = "/benefit/value" if benefit.type is BenefitType.FREE_UNITS else "/benefit/get_quantity"
            yield FieldError(where, f"the units received must be fewer than the group of {group}")
    if calculation is Calculation.STEP:
        if benefit.step_index is None:
            yield FieldError("/benefit/step_index", "STEP needs a step_index")
        if benefit.type is BenefitType.FREE_UNITS and benefit.value is not None and benefit.value != 1:
            yield FieldError("/benefit/value", "a STEP frees one unit per step: value must be 1")


def _field_scope_problems(benefit: Benefit) -> Iterator[FieldError]:
    kind, calculation = benefit.type, benefit.calculation
    if benefit.step_index is not None and calculation is not Calculation.STEP:
        yield FieldError("/benefit/step_index", "only a STEP calculation has a step_index")
    if benefit.get_quantity is not None and (
        calculation is not Calculation.BUY_X_GET_Y or kind is BenefitType.FREE_UNITS
    ):
        yield FieldError("/benefit/get_quantity", "only BUY_X_GET_Y with PERCENTAGE or AMOUNT has a get_quantity")
    if kind is BenefitType.FIXED_PRICE and benefit.bundle_size is None:
        yield FieldError("/benefit/bundle_size", "FIXED_PRICE needs a bundle_size")
    if kind is not BenefitType.FIXED_PRICE and benefit.bundle_size is not None:
        yield FieldError("/benefit/bundle_size", "only FIXED_PRICE has a bundle_size")
    if kind is BenefitType.GIFT and benefit.gift is None:
        yield FieldError("/benefit/gift", "GIFT needs a gift")
    if kind is not BenefitType.GIFT and benefit.gift is not None:
        yield FieldError("/benefit/gift", "only GIFT has a gift")
    if benefit.amount_mode is not AmountMode.ORDER and (
        kind is not BenefitType.AMOUNT or calculation is not Calculation.DEFAULT
    ):
        yield FieldError("/benefit/amount_mode", "PER_UNIT and PER_LINE apply to AMOUNT with DEFAULT calculation")


def _repeats(campaign: Campaign) -> bool:
    benefit = campaign.benefit
    if benefit.calculation is not Calculation.DEFAULT or benefit.type is BenefitType.FIXED_PRICE:
        return True
    has_threshold = campaign.condition.min_quantity is not None or campaign.condition.min_order_total is not None
    orderly = benefit.type is BenefitType.GIFT or (
        benefit.type is BenefitType.AMOUNT and benefit.amount_mode is AmountMode.ORDER
    )
    return orderly and has_threshold


def _kind_problems(campaign: Campaign) -> Iterator[FieldError]:
    if campaign.kind is Kind.AUTOMATIC and campaign.codes:
        yield FieldError("/codes", "an AUTOMATIC campaign has no codes; make it a COUPON campaign")
    seen: set[str] = set()
    for index, code in enumerate(campaign.codes):
        if code in seen:
            yield FieldError(f"/codes/{index}", f"{code} is listed twice (codes are case-insensitive)")
        seen.add(code)


def _currency_problems(campaign: Campaign) -> Iterator[FieldError]:
    if campaign.currency is None:
        for field in ("budget_discount", "budget_order_value"):
            if getattr(campaign.limits, field) is not None:
                yield FieldError(f"/limits/{field}", "a money budget needs the campaign's currency (/currency)")
        return
    currency = currency_of(campaign.currency)
    for where, amount in campaign_amounts(campaign):
        try:
            to_minor(amount, currency=currency)
        except TooPrecise as error:
            yield FieldError(where, str(error))


def campaign_amounts(campaign: Campaign) -> Iterator[tuple[str, Decimal]]:
    """Yield (pointer, amount) for every money amount of the campaign, for currency checks."""
    benefit = campaign.benefit
    if benefit.type in (BenefitType.AMOUNT, BenefitType.FIXED_PRICE) and benefit.value is not None:
        yield "/benefit/value", benefit.value
    candidates = {
        "/benefit/max_discount": benefit.max_discount,
        "/condition/min_order_total": campaign.condition.min_order_total,
        "/limits/budget_discount": campaign.limits.budget_discount,
        "/limits/budget_order_value": campaign.limits.budget_order_value,
    }
    for where, amount in candidates.items():
        if amount is not None:
            yield where, amount


def as_aware(moment: datetime, zone: ZoneInfo) -> datetime:
    """Return `moment` with a time zone: a naive date-time is read as local time in `zone`."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)
