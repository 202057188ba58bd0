"""The documents of CONTRACT.md as GraphQL types: inputs that become the JSON documents the parsers validate,
and outputs built from the validated documents. Field names are the documents' own, in camelCase.

Localized texts and attribute maps (JSON objects) are lists of pairs here; money is a decimal string.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry

from domain.documents import Campaign, Policy, Result
from domain.documents import campaign as campaign_model
from domain.documents import offers as offer_model
from domain.documents import result as result_model
from domain.documents.common import (
    AmountMode,
    BenefitType,
    Calculation,
    FailMode,
    Kind,
    PartialBudget,
    SortDirection,
    Stacking,
    Status,
    Weekday,
)
from domain.errors import DocumentError, FieldError
from domain.money import RoundingMode, plain_text
from domain.reasons import CouponReason, SkipReason

# The domain's closed enums are the graph's: a value outside them fails GraphQL validation.
strawberry.enum(Weekday)
strawberry.enum(Kind, name="CampaignKind")
strawberry.enum(Status, name="CampaignStatus")
strawberry.enum(BenefitType)
strawberry.enum(Calculation)
strawberry.enum(SortDirection)
strawberry.enum(AmountMode)
strawberry.enum(FailMode)
strawberry.enum(PartialBudget)
strawberry.enum(Stacking)
strawberry.enum(RoundingMode)
strawberry.enum(SkipReason)
strawberry.enum(CouponReason)

UNSET: Any = strawberry.UNSET


# -- inputs --------------------------------------------------------------------------------------------------


@strawberry.input(description="A text in one language (a language tag such as `tr` or `en`).")
class LocalizedTextInput:
    language: str
    text: str


@strawberry.input(description="One key and value of an attribute map.")
class AttributeInput:
    key: str
    value: str


@strawberry.input
class WindowInput:
    days: list[Weekday]
    from_: str = strawberry.field(name="from", description='Local time "HH:MM", inclusive.')
    to: str = strawberry.field(description='Local time "HH:MM", exclusive.')


@strawberry.input
class ScheduleInput:
    starts_at: datetime | None = UNSET
    ends_at: datetime | None = UNSET
    timezone: str | None = UNSET
    windows: list[WindowInput] | None = UNSET


@strawberry.input
class AudienceInput:
    channels: list[str] | None = UNSET
    segments_any: list[str] | None = UNSET
    segments_none: list[str] | None = UNSET
    first_order: bool | None = UNSET
    min_orders: int | None = UNSET
    max_orders: int | None = UNSET
    min_total_spent: str | None = UNSET
    countries: list[str] | None = UNSET
    cities: list[str] | None = UNSET
    attributes: list[AttributeInput] | None = UNSET


@strawberry.input
class ExcludeInput:
    skus: list[str] | None = UNSET
    categories: list[str] | None = UNSET
    brands: list[str] | None = UNSET
    collections: list[str] | None = UNSET


@strawberry.input
class TargetInput:
    skus: list[str] | None = UNSET
    categories: list[str] | None = UNSET
    brands: list[str] | None = UNSET
    collections: list[str] | None = UNSET
    attributes: list[AttributeInput] | None = UNSET
    exclude: ExcludeInput | None = UNSET


@strawberry.input
class ConditionInput:
    min_quantity: int | None = UNSET
    min_order_total: str | None = UNSET
    target: TargetInput | None = UNSET


@strawberry.input
class GiftInput:
    sku: str
    quantity: int | None = UNSET
    name: list[LocalizedTextInput] | None = UNSET


@strawberry.input
class BenefitInput:
    type: BenefitType
    value: str | None = UNSET
    calculation: Calculation | None = UNSET
    sort_direction: SortDirection | None = UNSET
    repeatable: bool | None = UNSET
    step_index: int | None = UNSET
    get_quantity: int | None = UNSET
    bundle_size: int | None = UNSET
    amount_mode: AmountMode | None = UNSET
    max_units: int | None = UNSET
    max_applications: int | None = UNSET
    max_discount: str | None = UNSET
    gift: GiftInput | None = UNSET


@strawberry.input
class LimitsInput:
    total_redemptions: int | None = UNSET
    per_customer: int | None = UNSET
    per_customer_per_day: int | None = UNSET
    per_device: int | None = UNSET
    budget_discount: str | None = UNSET
    budget_order_value: str | None = UNSET
    fail_mode: FailMode | None = UNSET
    partial_budget: PartialBudget | None = UNSET


@strawberry.input(description="A campaign document; only id, name and benefit.type are required.")
class CampaignInput:
    id: str
    name: list[LocalizedTextInput]
    description: list[LocalizedTextInput] | None = UNSET
    labels: list[str] | None = UNSET
    kind: Kind | None = UNSET
    codes: list[str] | None = UNSET
    currency: str | None = UNSET
    status: Status | None = UNSET
    priority: int | None = UNSET
    exclusive: bool | None = UNSET
    schedule: ScheduleInput | None = UNSET
    audience: AudienceInput | None = UNSET
    target: TargetInput | None = UNSET
    condition: ConditionInput | None = UNSET
    benefit: BenefitInput
    limits: LimitsInput | None = UNSET


@strawberry.input
class CustomerInput:
    id: str | None = UNSET
    segments: list[str] | None = UNSET
    attributes: list[AttributeInput] | None = UNSET
    orders_count: int | None = UNSET
    total_spent: str | None = UNSET
    country: str | None = UNSET
    city: str | None = UNSET
    device_id: str | None = UNSET


@strawberry.input
class LineInput:
    id: str
    sku: str
    quantity: int
    unit_price: str
    categories: list[str] | None = UNSET
    brand: str | None = UNSET
    collections: list[str] | None = UNSET
    attributes: list[AttributeInput] | None = UNSET


@strawberry.input
class ShippingInput:
    method: str | None = UNSET
    amount: str


@strawberry.input(description="A cart document: what a customer is about to buy, priced as of `now`.")
class CartInput:
    currency: str
    channel: str | None = UNSET
    now: datetime | None = UNSET
    customer: CustomerInput | None = UNSET
    lines: list[LineInput] | None = UNSET
    shipping: ShippingInput | None = UNSET
    coupons: list[str] | None = UNSET


@strawberry.input(description="A policy document: how campaigns combine, in which phases, rounded how.")
class PolicyInput:
    stacking: Stacking | None = UNSET
    phase_order: list[BenefitType] | None = UNSET
    rounding: RoundingMode | None = UNSET


def campaign_document(value: CampaignInput) -> dict[str, Any]:
    """Return the campaign's JSON document (for `parse_campaign`); raise `DocumentError` on a repeated key."""
    return _document(value, "campaign")


def cart_document(value: CartInput) -> dict[str, Any]:
    """Return the cart's JSON document (for `parse_cart`); raise `DocumentError` on a repeated key."""
    return _document(value, "cart")


def policy_document(value: PolicyInput) -> dict[str, Any]:
    """Return the policy's JSON document (for `parse_policy`)."""
    return _document(value, "policy")


def line_document(value: LineInput, *, pointer: str = "") -> dict[str, Any]:
    """Return one cart line's JSON document; raise `DocumentError` (pointers under `pointer`, e.g. "/lines/0")
    on a repeated attribute key."""
    return _document(value, "cart", pointer)


def shipping_document(value: ShippingInput) -> dict[str, Any]:
    """Return the cart's shipping as a JSON document."""
    return _document(value, "cart", "/shipping")


def _document(value: Any, name: str, pointer: str = "") -> dict[str, Any]:
    problems: list[FieldError] = []
    document = _given(value, pointer, problems)
    if problems:
        raise DocumentError(name, problems)
    return document


def _given(value: Any, pointer: str, problems: list[FieldError]) -> dict[str, Any]:
    """Only what the client gave: an unset (or null) field is left out, so the document's default applies."""
    document: dict[str, Any] = {}
    for name, key, item in _fields_of(type(value)):
        given = getattr(value, name)
        if given is UNSET or given is None:
            continue
        if type(given) in _AS_IS:
            document[key] = given
        else:
            document[key] = _plain(given, item, f"{pointer}/{key}", problems)
    return document


_AS_IS = frozenset({str, int, float, bool})
"""Values that go into a document as they are."""


def _plain(value: Any, item: Any, pointer: str, problems: list[FieldError]) -> Any:
    """`item` is X when the field's type is `list[X]` (or `list[X] | None`)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        if item is LocalizedTextInput:
            return _pairs([(text.language, text.text) for text in value], pointer, "language", problems)
        if item is AttributeInput:
            return _pairs([(pair.key, pair.value) for pair in value], pointer, "key", problems)
        if item in _AS_IS:
            return list(value)
        return [_plain(entry, None, f"{pointer}/{index}", problems) for index, entry in enumerate(value)]
    if dataclasses.is_dataclass(value):
        return _given(value, pointer, problems)
    return value


def _fields_of(cls: type) -> list[tuple[str, str, Any]]:
    """An input class's fields once looked at: name, document key (from_ is the document's "from"), and the
    item type of a list field (None for the others)."""
    found = _FIELDS.get(cls)
    if found is None:
        hints = typing.get_type_hints(cls)
        found = _FIELDS[cls] = [
            (field.name, field.name.removesuffix("_"), _item_type(hints[field.name]))
            for field in dataclasses.fields(cls)
        ]
    return found


def _pairs(pairs: list[tuple[str, str]], pointer: str, noun: str, problems: list[FieldError]) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, text in pairs:
        if key in found:
            problems.append(FieldError(f"{pointer}/{key}", f"{noun} {key!r} is given twice"))
        found[key] = text
    return found


_FIELDS: dict[type, list[tuple[str, str, Any]]] = {}


def _item_type(hint: Any) -> Any:
    """Return X of `list[X]` or `list[X] | None`, None for other types."""
    options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    listed = next((option for option in options if typing.get_origin(option) is list), None)
    return typing.get_args(listed)[0] if listed is not None else None


# -- outputs -------------------------------------------------------------------------------------------------


@strawberry.type(description="A text in one language.")
class LocalizedText:
    language: str
    text: str


@strawberry.type(description="One key and value of an attribute map.")
class Attribute:
    key: str
    value: str


@strawberry.type
class Window:
    days: list[Weekday]
    from_: str = strawberry.field(name="from")
    to: str


@strawberry.type
class Schedule:
    starts_at: datetime | None
    ends_at: datetime | None
    timezone: str
    windows: list[Window]


@strawberry.type
class Audience:
    channels: list[str]
    segments_any: list[str]
    segments_none: list[str]
    first_order: bool | None
    min_orders: int | None
    max_orders: int | None
    min_total_spent: str | None
    countries: list[str]
    cities: list[str]
    attributes: list[Attribute]


@strawberry.type
class Exclude:
    skus: list[str]
    categories: list[str]
    brands: list[str]
    collections: list[str]


@strawberry.type
class Target:
    skus: list[str]
    categories: list[str]
    brands: list[str]
    collections: list[str]
    attributes: list[Attribute]
    exclude: Exclude


@strawberry.type
class Condition:
    min_quantity: int | None
    min_order_total: str | None
    target: Target | None


@strawberry.type
class Gift:
    sku: str
    quantity: int
    name: list[LocalizedText]


@strawberry.type
class Benefit:
    type: BenefitType
    value: str | None
    calculation: Calculation
    sort_direction: SortDirection
    repeatable: bool
    step_index: int | None
    get_quantity: int | None
    bundle_size: int | None
    amount_mode: AmountMode
    max_units: int | None
    max_applications: int | None
    max_discount: str | None
    gift: Gift | None


@strawberry.type
class Limits:
    total_redemptions: int | None
    per_customer: int | None
    per_customer_per_day: int | None
    per_device: int | None
    budget_discount: str | None
    budget_order_value: str | None
    fail_mode: FailMode
    partial_budget: PartialBudget


@strawberry.type(description="A campaign document, every field with its value or default.")
class CampaignDocument:
    id: str
    name: list[LocalizedText]
    description: list[LocalizedText]
    labels: list[str]
    kind: Kind
    codes: list[str]
    currency: str | None
    status: Status | None
    priority: int
    exclusive: bool
    schedule: Schedule
    audience: Audience
    target: Target
    condition: Condition
    benefit: Benefit
    limits: Limits


@strawberry.type(description="A policy document.")
class PolicyDocument:
    stacking: Stacking
    phase_order: list[BenefitType]
    rounding: RoundingMode


def campaign_output(document: Campaign) -> CampaignDocument:
    """Return the graph's form of a validated campaign document."""
    return CampaignDocument(
        id=document.id,
        name=_texts(document.name),
        description=_texts(document.description),
        labels=list(document.labels),
        kind=document.kind,
        codes=list(document.codes),
        currency=document.currency,
        status=document.status,
        priority=document.priority,
        exclusive=document.exclusive,
        schedule=_schedule(document.schedule),
        audience=_audience(document.audience),
        target=_target(document.target),
        condition=_condition(document.condition),
        benefit=_benefit(document.benefit),
        limits=_limits(document.limits),
    )


def policy_output(document: Policy) -> PolicyDocument:
    """Return the graph's form of a validated policy document."""
    return PolicyDocument(
        stacking=document.stacking, phase_order=list(document.phase_order), rounding=document.rounding
    )


def _schedule(schedule: campaign_model.Schedule) -> Schedule:
    return Schedule(
        starts_at=schedule.starts_at,
        ends_at=schedule.ends_at,
        timezone=schedule.timezone,
        windows=[Window(days=list(window.days), from_=window.from_, to=window.to) for window in schedule.windows],
    )


def _audience(audience: campaign_model.Audience) -> Audience:
    return Audience(
        channels=list(audience.channels),
        segments_any=list(audience.segments_any),
        segments_none=list(audience.segments_none),
        first_order=audience.first_order,
        min_orders=audience.min_orders,
        max_orders=audience.max_orders,
        min_total_spent=_optional_money(audience.min_total_spent),
        countries=list(audience.countries),
        cities=list(audience.cities),
        attributes=attribute_list(audience.attributes),
    )


def _exclude(exclude: campaign_model.Exclude) -> Exclude:
    return Exclude(
        skus=list(exclude.skus),
        categories=list(exclude.categories),
        brands=list(exclude.brands),
        collections=list(exclude.collections),
    )


def _target(target: campaign_model.Target) -> Target:
    return Target(
        skus=list(target.skus),
        categories=list(target.categories),
        brands=list(target.brands),
        collections=list(target.collections),
        attributes=attribute_list(target.attributes),
        exclude=_exclude(target.exclude),
    )


def _condition(condition: campaign_model.Condition) -> Condition:
    return Condition(
        min_quantity=condition.min_quantity,
        min_order_total=_optional_money(condition.min_order_total),
        target=_target(condition.target) if condition.target is not None else None,
    )


def _benefit(benefit: campaign_model.Benefit) -> Benefit:
    gift = benefit.gift
    return Benefit(
        type=benefit.type,
        value=_optional_money(benefit.value),
        calculation=benefit.calculation,
        sort_direction=benefit.sort_direction,
        repeatable=benefit.repeatable,
        step_index=benefit.step_index,
        get_quantity=benefit.get_quantity,
        bundle_size=benefit.bundle_size,
        amount_mode=benefit.amount_mode,
        max_units=benefit.max_units,
        max_applications=benefit.max_applications,
        max_discount=_optional_money(benefit.max_discount),
        gift=Gift(sku=gift.sku, quantity=gift.quantity, name=_texts(gift.name)) if gift is not None else None,
    )


def _limits(limits: campaign_model.Limits) -> Limits:
    return Limits(
        total_redemptions=limits.total_redemptions,
        per_customer=limits.per_customer,
        per_customer_per_day=limits.per_customer_per_day,
        per_device=limits.per_device,
        budget_discount=_optional_money(limits.budget_discount),
        budget_order_value=_optional_money(limits.budget_order_value),
        fail_mode=limits.fail_mode,
        partial_budget=limits.partial_budget,
    )


@strawberry.type(description="What one campaign took off one line.")
class Adjustment:
    campaign_id: str
    amount: str
    units: int


@strawberry.type(description="A priced line: subtotal less discount is total.")
class PricedLine:
    id: str
    sku: str
    quantity: int
    subtotal: str
    discount: str
    total: str
    adjustments: list[Adjustment]


@strawberry.type(description="A campaign that applied; discount is items plus shipping.")
class AppliedCampaign:
    campaign_id: str
    type: BenefitType
    discount: str
    name: list[LocalizedText]
    labels: list[str]
    coupon: str | None
    applications: int


@strawberry.type(description="A free line added by a GIFT campaign.")
class GiftLine:
    campaign_id: str
    sku: str
    quantity: int
    name: list[LocalizedText]


@strawberry.type(description="A candidate campaign that did not apply, and why.")
class SkippedCampaign:
    campaign_id: str
    reason: SkipReason
    detail: str


@strawberry.type(description="A coupon code that gave nothing, and why.")
class RejectedCoupon:
    code: str
    reason: CouponReason
    campaign_id: str | None
    detail: str


@strawberry.type(description="What the cart lacks to reach a campaign's thresholds.")
class Hint:
    campaign_id: str
    missing_quantity: int | None
    missing_amount: str | None
    name: list[LocalizedText]


@strawberry.type(description="One step of the evaluation trace (for people; not a stable contract).")
class TraceEntry:
    stage: str
    campaign_id: str | None
    message: str
    data: list[Attribute]


@strawberry.type(description="The priced cart: total = subtotal - discountTotal + shipping - shippingDiscount.")
class PricedCart:
    currency: str
    subtotal: str
    discount_total: str
    shipping: str
    shipping_discount: str
    total: str
    lines: list[PricedLine]
    applied: list[AppliedCampaign]
    gifts: list[GiftLine]
    skipped: list[SkippedCampaign]
    rejected_coupons: list[RejectedCoupon]
    hints: list[Hint]
    explain: list[TraceEntry] | None


@strawberry.type(description="A campaign offered to a customer, with texts in one language.")
class Offer:
    campaign_id: str
    name: str
    description: str
    language: str
    labels: list[str]
    kind: Kind
    type: BenefitType
    value: str | None
    valid_from: datetime | None
    valid_until: datetime | None
    windows: list[str]
    codes: list[str]
    min_quantity: int | None
    min_order_total: str | None
    hint: Hint | None


def priced_cart(result: Result) -> PricedCart:
    """Return the graph's form of a result document."""
    return PricedCart(
        currency=result.currency,
        subtotal=_money(result.subtotal),
        discount_total=_money(result.discount_total),
        shipping=_money(result.shipping),
        shipping_discount=_money(result.shipping_discount),
        total=_money(result.total),
        lines=[_line(line) for line in result.lines],
        applied=[_applied(entry) for entry in result.applied],
        gifts=[
            GiftLine(campaign_id=gift.campaign_id, sku=gift.sku, quantity=gift.quantity, name=_texts(gift.name))
            for gift in result.gifts
        ],
        skipped=[
            SkippedCampaign(campaign_id=skip.campaign_id, reason=skip.reason, detail=skip.detail)
            for skip in result.skipped
        ],
        rejected_coupons=[
            RejectedCoupon(code=item.code, reason=item.reason, campaign_id=item.campaign_id, detail=item.detail)
            for item in result.rejected_coupons
        ],
        hints=[_hint(hint) for hint in result.hints],
        explain=[_trace(entry) for entry in result.explain] if result.explain is not None else None,
    )


def offer_output(offer: offer_model.Offer) -> Offer:
    """Return the graph's form of an offer."""
    return Offer(
        campaign_id=offer.campaign_id,
        name=offer.name,
        description=offer.description,
        language=offer.language,
        labels=list(offer.labels),
        kind=offer.kind,
        type=offer.type,
        value=_optional_money(offer.value),
        valid_from=offer.valid_from,
        valid_until=offer.valid_until,
        windows=list(offer.windows),
        codes=list(offer.codes),
        min_quantity=offer.min_quantity,
        min_order_total=_optional_money(offer.min_order_total),
        hint=_hint(offer.hint) if offer.hint is not None else None,
    )


def _line(line: result_model.LineResult) -> PricedLine:
    return PricedLine(
        id=line.id,
        sku=line.sku,
        quantity=line.quantity,
        subtotal=_money(line.subtotal),
        discount=_money(line.discount),
        total=_money(line.total),
        adjustments=[
            Adjustment(campaign_id=item.campaign_id, amount=_money(item.amount), units=item.units)
            for item in line.adjustments
        ],
    )


def _applied(entry: result_model.Applied) -> AppliedCampaign:
    return AppliedCampaign(
        campaign_id=entry.campaign_id,
        type=entry.type,
        discount=_money(entry.discount),
        name=_texts(entry.name),
        labels=list(entry.labels),
        coupon=entry.coupon,
        applications=entry.applications,
    )


def _hint(hint: result_model.Hint) -> Hint:
    return Hint(
        campaign_id=hint.campaign_id,
        missing_quantity=hint.missing_quantity,
        missing_amount=_optional_money(hint.missing_amount),
        name=_texts(hint.name),
    )


def _trace(entry: result_model.TraceEntry) -> TraceEntry:
    """Figures are text, as on the wire (`str` of the value)."""
    data = [Attribute(key=key, value=str(value)) for key, value in entry.data.items()]
    return TraceEntry(stage=entry.stage, campaign_id=entry.campaign_id, message=entry.message, data=data)


def _texts(texts: dict[str, str]) -> list[LocalizedText]:
    return [LocalizedText(language=language, text=text) for language, text in texts.items()]


def attribute_list(attributes: Mapping[str, str]) -> list[Attribute]:
    """Return an attribute map as the graph's key/value list."""
    return [Attribute(key=key, value=value) for key, value in attributes.items()]


def _money(amount: Decimal) -> str:
    return plain_text(amount)


def _optional_money(amount: Decimal | None) -> str | None:
    return _money(amount) if amount is not None else None
