"""The gateway's documents: GraphQL inputs become the same JSON documents, outputs show every field of them,
and the pricing client's protobuf converters give back what the pricing core's converters sent."""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import pytest
import strawberry
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.documents import (
    DEFAULT_POLICY,
    Campaign,
    Cart,
    Policy,
    Result,
    parse_campaign,
    parse_cart,
    parse_policy,
)
from domain.documents.campaign import PRICE_PHASES
from domain.documents.cart import Customer
from domain.documents.catalog import CouponCodeSpec
from domain.documents.common import BenefitType
from domain.documents.offers import Offer as OfferDocument
from domain.engine.offers import list_offers
from domain.engine.snapshot import Snapshot
from domain.errors import DocumentError
from domain.money import currency_of
from domain.templates import template_document, template_names
from gateway.documents import (
    AttributeInput,
    BenefitInput,
    CampaignDocument,
    CampaignInput,
    CartInput,
    LineInput,
    LocalizedTextInput,
    Offer,
    PolicyInput,
    PricedCart,
    ShippingInput,
    campaign_document,
    campaign_output,
    cart_document,
    line_document,
    offer_output,
    policy_document,
    policy_output,
    priced_cart,
    shipping_document,
)
from gateway.pricing import cart_to_pb, customer_to_pb, offer_from_pb, result_from_pb
from kampanya.pricing.v1 import pricing_pb2 as pb
from pricing_core.convert import cart_from_pb, customer_from_pb, offer_to_pb, result_to_pb

NOW = "2026-11-23T13:00:00+03:00"  # a Monday

FULL: dict[str, Any] = {
    "id": "full-house",
    "name": {"tr": "Tam Paket", "en": "Full house"},
    "description": {"en": "Every field of the document"},
    "labels": ["Sepette", "VIP"],
    "kind": "COUPON",
    "codes": ["full10", "FULL20"],
    "currency": "TRY",
    "status": "SCHEDULED",
    "priority": 7,
    "exclusive": True,
    "schedule": {
        "starts_at": "2026-11-01T00:00:00",
        "ends_at": "2026-12-31T23:59:00+03:00",
        "timezone": "Europe/Istanbul",
        "windows": [
            {"days": ["MON", "TUE"], "from": "12:00", "to": "16:00"},
            {"days": ["SAT"], "from": "22:00", "to": "02:00"},
        ],
    },
    "audience": {
        "channels": ["web", "mobile"],
        "segments_any": ["vip"],
        "segments_none": ["blocked"],
        "first_order": False,
        "min_orders": 1,
        "max_orders": 50,
        "min_total_spent": "100.00",
        "countries": ["TR"],
        "cities": ["Istanbul"],
        "attributes": {"tier": "gold"},
    },
    "target": {
        "skus": ["PHONE-1"],
        "categories": ["phones"],
        "brands": ["acme"],
        "collections": ["new"],
        "attributes": {"color": "black"},
        "exclude": {"skus": ["PHONE-0"], "categories": ["refurbished"], "brands": ["other"], "collections": ["old"]},
    },
    "condition": {"min_quantity": 2, "min_order_total": "500.00", "target": {"categories": ["cases"]}},
    "benefit": {
        "type": "PERCENTAGE",
        "value": "25",
        "calculation": "BUY_X_GET_Y",
        "sort_direction": "DESC",
        "repeatable": True,
        "get_quantity": 1,
        "max_units": 4,
        "max_applications": 2,
        "max_discount": "300.00",
    },
    "limits": {
        "total_redemptions": 1000,
        "per_customer": 1,
        "per_customer_per_day": 1,
        "per_device": 2,
        "budget_discount": "50000.00",
        "budget_order_value": "900000.00",
        "fail_mode": "OPEN",
        "partial_budget": "SKIP",
    },
}
HAND_WRITTEN: list[dict[str, Any]] = [
    FULL,
    {
        "id": "tote-bag",
        "name": {"en": "A free tote"},
        "condition": {"min_order_total": "300"},
        "benefit": {
            "type": "GIFT",
            "repeatable": True,
            "gift": {"sku": "TOTE", "quantity": 2, "name": {"tr": "Çanta", "en": "Tote"}},
        },
    },
    {
        "id": "welcome",
        "name": {"en": "Welcome"},
        "kind": "COUPON",
        "codes": ["WELCOME10"],
        "benefit": {"type": "PERCENTAGE", "value": "10"},
    },
    {
        "id": "per-line",
        "name": {"en": "5 off each line"},
        "currency": "KWD",
        "target": {"attributes": {"material": "cotton", "fit": "slim"}},
        "benefit": {"type": "AMOUNT", "value": "5.125", "amount_mode": "PER_LINE"},
    },
    {
        "id": "half-shipping",
        "name": {"en": "Half shipping for a first order"},
        "audience": {"first_order": True},
        "benefit": {"type": "FREE_SHIPPING", "value": "50"},
    },
    {
        "id": "lunch-shipping",
        "name": {"tr": "Öğlen kargo bedava", "en": "Free shipping at lunch"},
        "schedule": {
            "starts_at": "2026-06-01T00:00:00Z",
            "ends_at": "2027-06-01T00:00:00Z",
            "windows": [{"days": ["MON", "TUE", "WED", "THU", "FRI"], "from": "12:00", "to": "14:00"}],
        },
        "condition": {"min_order_total": "1000"},
        "benefit": {"type": "FREE_SHIPPING"},
    },
    {
        "id": "every-third-10-off",
        "name": {"en": "10 off every third phone"},
        "target": {"categories": ["phones"]},
        "benefit": {"type": "AMOUNT", "value": "10.00", "calculation": "STEP", "step_index": 3, "repeatable": True},
    },
]
DOCUMENTS = [template_document(name) for name in template_names()] + HAND_WRITTEN
CAMPAIGNS = [parse_campaign(document) for document in DOCUMENTS]
SNAPSHOT = Snapshot.compile(
    CAMPAIGNS,
    codes=[
        CouponCodeSpec(code="ASSIGNED-1", campaign_id="welcome", customer_id="c-1"),
        CouponCodeSpec(code="FULL-C1", campaign_id="full-house", customer_id="c-1"),
    ],
)


# -- building inputs as the graph would ----------------------------------------------------------------------


def input_of(value: Any, kind: Any) -> Any:
    """Return what the graph hands a resolver for `value` — an output object or a JSON document — as `kind`.

    Output and input types share their field names; a JSON object is a list of pairs in the graph."""
    if value is None:
        return strawberry.UNSET
    if isinstance(kind, types.UnionType):
        kind = next(option for option in typing.get_args(kind) if option is not type(None))
    if typing.get_origin(kind) is list:
        (item,) = typing.get_args(kind)
        if isinstance(value, dict):
            first, second = (field.name for field in dataclasses.fields(item))
            return [item(**{first: key, second: text}) for key, text in value.items()]
        return [input_of(entry, item) for entry in value]
    if dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        fields = {}
        for field in dataclasses.fields(kind):
            key = field.name.removesuffix("_")
            given = value.get(key) if isinstance(value, dict) else getattr(value, field.name)
            fields[field.name] = input_of(given, hints[field.name])
        return kind(**fields)
    if isinstance(kind, type) and issubclass(kind, Enum):
        return kind(value)
    if kind is datetime and isinstance(value, str):
        return datetime.fromisoformat(value)
    return value


def document_of(value: Any, hint: Any = None) -> Any:
    """Return the JSON-like document an output object shows: lists of pairs as objects, enums as values."""
    if dataclasses.is_dataclass(value):
        hints = typing.get_type_hints(type(value))
        return {
            field.name.removesuffix("_"): document_of(getattr(value, field.name), hints[field.name])
            for field in dataclasses.fields(value)
        }
    if isinstance(value, list):
        item = _item(hint)
        if dataclasses.is_dataclass(item) and [field.name for field in dataclasses.fields(item)] in (
            ["language", "text"],
            ["key", "value"],
        ):
            first, second = (field.name for field in dataclasses.fields(item))
            return {getattr(pair, first): getattr(pair, second) for pair in value}
        return [document_of(entry, item) for entry in value]
    if isinstance(value, Enum):
        return value.value
    return value


def _item(hint: Any) -> Any:
    options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    listed = next(option for option in options if typing.get_origin(option) is list)
    return typing.get_args(listed)[0]


def through_the_graph(campaign: Campaign) -> Campaign:
    """The campaign as an admin client reads it and sends it back unchanged."""
    return parse_campaign(campaign_document(input_of(campaign_output(campaign), CampaignInput)))


def with_textual_trace(result: Result) -> Result:
    """The result as it travels: the figures of the trace are text (protobuf `map<string, string>`)."""
    if result.explain is None:
        return result
    entries = [
        entry.model_copy(update={"data": {key: str(value) for key, value in entry.data.items()}})
        for entry in result.explain
    ]
    return result.model_copy(update={"explain": entries})


# -- strategies ----------------------------------------------------------------------------------------------

SCHEDULES = [
    {"starts_at": "2026-01-01T00:00:00Z"},
    {"ends_at": "2027-01-01T00:00:00", "timezone": "Asia/Tokyo"},
    {"windows": [{"days": ["FRI", "SAT", "SUN"], "from": "18:00", "to": "24:00"}]},
]
AUDIENCES = [
    {"channels": ["pos"]},
    {"segments_none": ["churned"], "countries": ["TR", "DE"], "cities": ["Ankara"]},
    {"min_orders": 3, "max_orders": 3, "min_total_spent": "0.5", "attributes": {"club": "yes", "age": "30"}},
]
TARGETS = [
    {"brands": ["acme"], "exclude": {"skus": ["A"]}},
    {"collections": ["summer"], "attributes": {"size": "M"}},
]
LIMITS = [{"per_customer": 3, "fail_mode": "OPEN"}, {"total_redemptions": 1}]


@st.composite
def campaign_documents(draw: st.DrawFn) -> dict[str, Any]:
    """A base document with some sections replaced by other valid ones."""
    document = dict(draw(st.sampled_from(DOCUMENTS)))
    for section, choices in (("schedule", SCHEDULES), ("audience", AUDIENCES), ("limits", LIMITS)):
        if draw(st.booleans()):
            document[section] = draw(st.sampled_from(choices))
    if "condition" not in document or "target" not in document["condition"]:
        document["target"] = draw(st.sampled_from([document.get("target", {}), *TARGETS]))
    if draw(st.booleans()):
        document["priority"] = draw(st.integers(-1_000_000, 1_000_000))
        document["exclusive"] = draw(st.booleans())
        document["status"] = draw(st.sampled_from(["DRAFT", "ACTIVE", "ARCHIVED"]))
    return document


def money(minor: int, places: int) -> str:
    return format(Decimal(minor).scaleb(-places), "f")


@st.composite
def customers(draw: st.DrawFn, places: int) -> dict[str, Any]:
    customer: dict[str, Any] = {}
    if draw(st.booleans()):
        customer["id"] = draw(st.sampled_from(["c-1", "c-2"]))
    if draw(st.booleans()):
        customer["segments"] = draw(st.lists(st.sampled_from(["vip", "blocked", "new"]), max_size=2, unique=True))
    if draw(st.booleans()):
        customer["attributes"] = {"tier": draw(st.sampled_from(["gold", "silver"]))}
    customer["orders_count"] = draw(st.sampled_from([0, 0, 1, 3, 60]))
    if draw(st.booleans()):
        customer["total_spent"] = money(draw(st.integers(0, 10**7)), places)
    for field, options in (("country", ["TR", "DE"]), ("city", ["Istanbul", "Ankara"]), ("device_id", ["d-1"])):
        if draw(st.booleans()):
            customer[field] = draw(st.sampled_from(options))
    return customer


@st.composite
def line_documents(draw: st.DrawFn, index: int, places: int) -> dict[str, Any]:
    line: dict[str, Any] = {
        "id": f"l{index}",
        "sku": draw(st.sampled_from(["A", "B", "PHONE-1", "CASE-1", "TOTE"])),
        "quantity": draw(st.integers(1, 12)),
        "unit_price": money(draw(st.integers(0, 200_000)), places),
    }
    if draw(st.booleans()):
        line["categories"] = draw(st.lists(st.sampled_from(["phones", "cases", "shirts"]), max_size=2, unique=True))
    if draw(st.booleans()):
        line["brand"] = draw(st.sampled_from(["acme", "other"]))
    if draw(st.integers(0, 3)) == 0:
        line["collections"] = ["new"]
    if draw(st.booleans()):
        line["attributes"] = draw(st.sampled_from([{"color": "black"}, {"material": "cotton", "fit": "slim"}]))
    return line


@st.composite
def carts(draw: st.DrawFn) -> Cart:
    currency = draw(st.sampled_from(["TRY", "JPY", "KWD"]))
    places = currency_of(currency).exponent
    document: dict[str, Any] = {
        "currency": currency,
        "lines": [draw(line_documents(index, places)) for index in range(draw(st.integers(0, 6)))],
        "coupons": draw(st.lists(st.sampled_from(["welcome10", "FULL10", "NOPE", "ASSIGNED-1"]), max_size=3)),
    }
    if draw(st.booleans()):
        document["now"] = NOW
    if draw(st.booleans()):
        document["channel"] = draw(st.sampled_from(["web", "pos"]))
    if draw(st.booleans()):
        document["customer"] = draw(customers(places))
    if draw(st.booleans()):
        shipping: dict[str, Any] = {"amount": money(draw(st.integers(0, 10_000)), places)}
        if draw(st.booleans()):
            shipping["method"] = "standard"
        document["shipping"] = shipping
    return parse_cart(document)


policies = st.builds(
    lambda stacking, phases, rounding: parse_policy(
        {"stacking": stacking, "phase_order": phases, "rounding": rounding}
    ),
    st.sampled_from(["STACK", "SINGLE", "BEST"]),
    st.permutations([str(phase) for phase in PRICE_PHASES]),
    st.sampled_from(["HALF_UP", "HALF_EVEN", "DOWN"]),
)


@st.composite
def results(draw: st.DrawFn) -> Result:
    """A result the engine really gives for a cart, with or without its trace."""
    cart = draw(carts())
    return SNAPSHOT.evaluate(cart, draw(policies), explain=draw(st.booleans()), now=datetime.fromisoformat(NOW))


@st.composite
def offers(draw: st.DrawFn) -> list[OfferDocument]:
    customer = draw(customers(2))
    return list_offers(
        SNAPSHOT,
        customer=Customer.model_validate({**customer, "id": "c-1"}) if draw(st.booleans()) else None,
        currency="TRY",
        channel=draw(st.sampled_from([None, "web"])),
        language=draw(st.sampled_from(["tr", "en", "de"])),
        now=datetime.fromisoformat(NOW),
        cart=draw(carts()) if draw(st.booleans()) else None,
    )


# -- campaigns -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda document: document["id"])
def test_every_known_campaign_comes_back_the_same_through_the_graph_types(document: dict[str, Any]) -> None:
    campaign = parse_campaign(document)

    assert through_the_graph(campaign) == campaign


@settings(max_examples=150, deadline=None)
@given(campaign_documents())
def test_any_campaign_comes_back_the_same_through_the_graph_types(document: dict[str, Any]) -> None:
    campaign = parse_campaign(document)

    assert through_the_graph(campaign) == campaign
    assert parse_campaign(document_of(campaign_output(campaign))) == campaign


def test_the_campaign_output_shows_the_defaults_of_what_was_left_out() -> None:
    campaign = parse_campaign({"id": "c", "name": {"en": "C"}, "benefit": {"type": "GIFT", "gift": {"sku": "G"}}})

    output = campaign_output(campaign)

    assert document_of(output) == campaign.model_dump(mode="json")
    assert (output.kind.value, output.schedule.timezone, output.limits.fail_mode.value) == (
        "AUTOMATIC",
        "Europe/Istanbul",
        "CLOSED",
    )


def test_only_the_fields_the_client_gave_go_into_the_document() -> None:
    value = CampaignInput(
        id="c",
        name=[LocalizedTextInput(language="en", text="C")],
        benefit=BenefitInput(type=BenefitType.PERCENTAGE, value="10", calculation=None),
    )

    assert campaign_document(value) == {
        "id": "c",
        "name": {"en": "C"},
        "benefit": {"type": "PERCENTAGE", "value": "10"},
    }


def test_a_language_given_twice_is_refused_naming_the_field() -> None:
    value = input_of(parse_campaign(FULL), CampaignInput)
    value.name = [LocalizedTextInput(language="tr", text="A"), LocalizedTextInput(language="tr", text="B")]
    value.target.attributes = [AttributeInput(key="color", value="red"), AttributeInput(key="color", value="blue")]

    with pytest.raises(DocumentError) as refused:
        campaign_document(value)

    assert refused.value.document == "campaign"
    assert [error.pointer for error in refused.value.errors] == ["/name/tr", "/target/attributes/color"]


# -- carts and policies --------------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(carts())
def test_a_cart_comes_back_the_same_through_the_cart_input(cart: Cart) -> None:
    value = input_of(cart.model_dump(mode="json"), CartInput)

    assert parse_cart(cart_document(value)) == cart


def test_a_cart_input_with_only_the_required_fields_gives_the_cart_defaults() -> None:
    cart = parse_cart(cart_document(CartInput(currency="TRY")))

    assert cart == parse_cart({"currency": "TRY"})


def test_lines_and_shipping_make_the_parts_of_a_cart_document() -> None:
    line = LineInput(
        id="l1", sku="A", quantity=2, unit_price="10.00", attributes=[AttributeInput(key="color", value="red")]
    )
    shipping = ShippingInput(amount="29.90")

    parts = {
        "currency": "TRY",
        "lines": [line_document(line, pointer="/lines/0")],
        "shipping": shipping_document(shipping),
    }

    assert parts["lines"] == [
        {"id": "l1", "sku": "A", "quantity": 2, "unit_price": "10.00", "attributes": {"color": "red"}}
    ]
    assert parts == cart_document(CartInput(currency="TRY", lines=[line], shipping=shipping))


def test_an_attribute_key_given_twice_on_a_line_is_refused_under_the_lines_pointer() -> None:
    line = LineInput(
        id="l1",
        sku="A",
        quantity=1,
        unit_price="1",
        attributes=[AttributeInput(key="size", value="M"), AttributeInput(key="size", value="L")],
    )

    with pytest.raises(DocumentError) as refused:
        line_document(line, pointer="/lines/3")

    assert [error.pointer for error in refused.value.errors] == ["/lines/3/attributes/size"]


@given(policies)
def test_a_policy_comes_back_the_same_through_the_policy_input_and_output(policy: Policy) -> None:
    assert parse_policy(policy_document(input_of(policy.model_dump(mode="json"), PolicyInput))) == policy
    assert parse_policy(document_of(policy_output(policy))) == policy


def test_an_empty_policy_input_is_the_default_policy() -> None:
    assert parse_policy(policy_document(PolicyInput())) == DEFAULT_POLICY


# -- results and offers --------------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(results())
def test_the_priced_cart_shows_every_figure_of_the_result(result: Result) -> None:
    priced = priced_cart(result)

    assert Result.model_validate(document_of(priced)) == with_textual_trace(result)
    assert (priced.subtotal, priced.total) == (str(result.subtotal), str(result.total))


@settings(max_examples=60, deadline=None)
@given(offers())
def test_an_offer_shows_every_field_of_the_offer_document(found: list[OfferDocument]) -> None:
    assert [OfferDocument.model_validate(document_of(offer_output(offer))) for offer in found] == found


def test_the_offers_of_the_strategy_cover_dates_windows_codes_and_hints() -> None:
    cart = parse_cart({"currency": "TRY", "lines": [{"id": "l1", "sku": "A", "quantity": 1, "unit_price": "10"}]})
    customer = parse_cart(
        {
            "currency": "TRY",
            "customer": {
                "id": "c-1",
                "segments": ["vip"],
                "attributes": {"tier": "gold"},
                "orders_count": 3,
                "country": "TR",
                "city": "Istanbul",
                "total_spent": "900",
            },
        }
    ).customer

    found = list_offers(
        SNAPSHOT,
        customer=customer,
        currency="TRY",
        channel="web",
        language="tr",
        now=datetime.fromisoformat(NOW),
        cart=cart,
    )

    full = next(offer for offer in found if offer.campaign_id == "full-house")
    assert (full.valid_from, full.valid_until) == (
        datetime.fromisoformat("2026-11-01T00:00:00+03:00"),
        datetime.fromisoformat("2026-12-31T23:59:00+03:00"),
    )
    assert full.windows == ["MON,TUE 12:00-16:00 Europe/Istanbul", "SAT 22:00-02:00 Europe/Istanbul"]
    assert full.codes == ["FULL-C1"]
    assert any(offer.hint is not None for offer in found)
    assert offer_from_pb(offer_to_pb(full)) == full


# -- protobuf ------------------------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(carts())
def test_a_cart_sent_to_the_pricing_core_is_the_cart_it_reads(cart: Cart) -> None:
    assert cart_from_pb(cart_to_pb(cart)) == cart
    if cart.customer is not None:
        assert customer_from_pb(customer_to_pb(cart.customer)) == cart.customer


@settings(max_examples=150, deadline=None)
@given(results())
def test_a_result_the_pricing_core_sends_is_the_result_the_gateway_reads(result: Result) -> None:
    assert result_from_pb(result_to_pb(result)) == with_textual_trace(result)


@settings(max_examples=60, deadline=None)
@given(offers())
def test_an_offer_the_pricing_core_sends_is_the_offer_the_gateway_reads(found: list[OfferDocument]) -> None:
    assert [offer_from_pb(offer_to_pb(offer)) for offer in found] == found


def test_unset_optional_protobuf_fields_are_none_not_empty_text() -> None:
    message = pb.Result(
        currency="TRY",
        subtotal="0",
        discount_total="0",
        shipping="0",
        shipping_discount="0",
        total="0",
        applied=[pb.Applied(campaign_id="a", type=pb.BENEFIT_TYPE_GIFT, discount="0", applications=1)],
        rejected_coupons=[pb.RejectedCoupon(code="X", reason=pb.COUPON_REASON_UNKNOWN)],
        hints=[pb.Hint(campaign_id="h")],
        explain=[pb.TraceEntry(stage="candidates", message="m")],
    )

    result = result_from_pb(message)

    assert result.applied[0].coupon is None
    assert result.rejected_coupons[0].campaign_id is None
    assert (result.hints[0].missing_quantity, result.hints[0].missing_amount) == (None, None)
    assert result.explain is not None
    assert result.explain[0].campaign_id is None
    message.ClearField("explain")
    assert result_from_pb(message).explain is None


def test_an_offer_without_a_value_dates_thresholds_or_hint_has_none_of_them() -> None:
    offer = offer_from_pb(
        pb.Offer(campaign_id="o", kind=pb.CAMPAIGN_KIND_AUTOMATIC, type=pb.BENEFIT_TYPE_GIFT, language="en")
    )

    assert (offer.value, offer.valid_from, offer.valid_until, offer.min_quantity, offer.min_order_total) == (
        None,
        None,
        None,
        None,
        None,
    )
    assert offer.hint is None


def test_a_cart_without_optional_parts_goes_out_without_them() -> None:
    lines = [{"id": "l", "sku": "A", "quantity": 1, "unit_price": "500"}]

    message = cart_to_pb(parse_cart({"currency": "JPY", "lines": lines}))

    assert [message.HasField(field) for field in ("channel", "now", "customer", "shipping")] == [False] * 4
    assert not message.lines[0].HasField("brand")


def test_an_aware_now_goes_out_as_the_same_instant() -> None:
    message = cart_to_pb(parse_cart({"currency": "TRY", "now": NOW}))

    assert message.now.ToDatetime(tzinfo=UTC) == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


# -- a schema made of these types ----------------------------------------------------------------------------


@strawberry.type
class Query:
    @strawberry.field
    def offers(self, language: str) -> list[Offer]:
        found = list_offers(
            SNAPSHOT, customer=Customer(id="c-1"), currency="TRY", language=language, now=datetime.fromisoformat(NOW)
        )
        return [offer_output(offer) for offer in found]


@strawberry.type
class Mutation:
    @strawberry.mutation
    def echo(self, campaign: CampaignInput) -> CampaignDocument:
        return campaign_output(parse_campaign(campaign_document(campaign)))

    @strawberry.mutation
    def price(self, cart: CartInput, policy: PolicyInput | None = None, explain: bool = False) -> PricedCart:
        rules = parse_policy(policy_document(policy)) if policy is not None else DEFAULT_POLICY
        return priced_cart(SNAPSHOT.evaluate(parse_cart(cart_document(cart)), rules, explain=explain))


SCHEMA = strawberry.Schema(query=Query, mutation=Mutation)

TEXTS = "{ language text }"
PAIRS = "{ key value }"
TARGET = f"skus categories brands collections attributes {PAIRS} exclude {{ skus categories brands collections }}"
CAMPAIGN = f"""
  id name {TEXTS} description {TEXTS} labels kind codes currency status priority exclusive
  schedule {{ startsAt endsAt timezone windows {{ days from to }} }}
  audience {{ channels segmentsAny segmentsNone firstOrder minOrders maxOrders minTotalSpent countries cities
             attributes {PAIRS} }}
  target {{ {TARGET} }}
  condition {{ minQuantity minOrderTotal target {{ {TARGET} }} }}
  benefit {{ type value calculation sortDirection repeatable stepIndex getQuantity bundleSize amountMode maxUnits
            maxApplications maxDiscount gift {{ sku quantity name {TEXTS} }} }}
  limits {{ totalRedemptions perCustomer perCustomerPerDay perDevice budgetDiscount budgetOrderValue failMode
           partialBudget }}
"""
ECHO = f"mutation Echo($campaign: CampaignInput!) {{ echo(campaign: $campaign) {{ {CAMPAIGN} }} }}"
PRICE = f"""
mutation Price($cart: CartInput!, $policy: PolicyInput) {{
  price(cart: $cart, policy: $policy, explain: true) {{
    currency subtotal discountTotal shipping shippingDiscount total
    lines {{ id sku quantity subtotal discount total adjustments {{ campaignId amount units }} }}
    applied {{ campaignId type discount name {TEXTS} labels coupon applications }}
    gifts {{ campaignId sku quantity name {TEXTS} }}
    skipped {{ campaignId reason detail }}
    rejectedCoupons {{ code reason campaignId detail }}
    hints {{ campaignId missingQuantity missingAmount name {TEXTS} }}
    explain {{ stage campaignId message data {PAIRS} }}
  }}
}}
"""
OBJECTS = {"name", "description", "attributes", "data"}
"""Fields whose JSON objects are lists of pairs in the graph."""


def variables_of(document: Any, key: str = "") -> Any:
    """Return a JSON document as GraphQL variables: camelCase names, objects of texts as lists of pairs."""
    if isinstance(document, dict) and key in OBJECTS:
        first, second = ("key", "value") if key in ("attributes", "data") else ("language", "text")
        return [{first: name, second: text} for name, text in document.items()]
    if isinstance(document, dict):
        return {
            re.sub(r"_([a-z])", lambda m: m[1].upper(), name): variables_of(v, name) for name, v in document.items()
        }
    if isinstance(document, list):
        return [variables_of(entry) for entry in document]
    return document


def document_of_data(data: Any, key: str = "") -> Any:
    """Return GraphQL response data as a JSON document: snake_case names, lists of pairs as objects."""
    if isinstance(data, list) and key in OBJECTS:
        return {pair.get("language", pair.get("key")): pair.get("text", pair.get("value")) for pair in data}
    if isinstance(data, dict):
        return {
            re.sub(r"[A-Z]", lambda m: "_" + m[0].lower(), name): document_of_data(value, name)
            for name, value in data.items()
        }
    if isinstance(data, list):
        return [document_of_data(entry) for entry in data]
    return data


def test_a_schema_of_every_document_type_builds_with_the_contract_names_in_camel_case() -> None:
    sdl = SCHEMA.as_str()

    for expected in (
        "input CampaignInput",
        "input CartInput",
        "input PolicyInput",
        "type PricedCart",
        "type Offer",
        "enum SkipReason",
        "enum CouponReason",
        "enum CampaignKind",
        "segmentsAny: [String!]",
        "from: String!",
        "rejectedCoupons: [RejectedCoupon!]!",
        "phaseOrder: [BenefitType!]",
    ):
        assert expected in sdl


async def test_a_campaign_sent_as_variables_comes_back_as_the_same_document() -> None:
    answer = await SCHEMA.execute(ECHO, variable_values={"campaign": variables_of(FULL)})

    assert answer.errors is None
    assert answer.data is not None
    assert parse_campaign(document_of_data(answer.data["echo"])) == parse_campaign(FULL)


async def test_a_cart_priced_through_the_graph_shows_the_engines_result() -> None:
    cart = {
        "currency": "TRY",
        "now": NOW,
        "channel": "web",
        "customer": {"id": "c-1", "segments": ["vip"], "orders_count": 2, "attributes": {"tier": "gold"}},
        "lines": [
            {"id": "l1", "sku": "PHONE-1", "quantity": 5, "unit_price": "250.00", "categories": ["phones"]},
            {"id": "l2", "sku": "CASE-1", "quantity": 2, "unit_price": "19.90", "categories": ["cases"]},
        ],
        "shipping": {"method": "standard", "amount": "29.90"},
        "coupons": ["welcome10", "NOPE"],
    }
    policy = {"stacking": "STACK", "phase_order": [str(phase) for phase in PRICE_PHASES], "rounding": "HALF_EVEN"}

    answer = await SCHEMA.execute(PRICE, variable_values={"cart": variables_of(cart), "policy": variables_of(policy)})

    assert answer.errors is None
    assert answer.data is not None
    expected = SNAPSHOT.evaluate(parse_cart(cart), parse_policy(policy), explain=True)
    assert Result.model_validate(document_of_data(answer.data["price"])) == with_textual_trace(expected)
    assert [len(part) > 0 for part in (expected.applied, expected.skipped, expected.rejected_coupons)] == [True] * 3


async def test_offers_come_out_of_the_graph() -> None:
    answer = await SCHEMA.execute('{ offers(language: "tr") { campaignId name kind type value validFrom codes } }')

    assert answer.errors is None
    assert answer.data is not None
    offers = {offer["campaignId"]: offer for offer in answer.data["offers"]}
    assert offers["percent10"] == {
        "campaignId": "percent10",
        "name": "%10 İndirim",
        "kind": "AUTOMATIC",
        "type": "PERCENTAGE",
        "value": "10",
        "validFrom": None,
        "codes": [],
    }
    assert offers["welcome"]["codes"] == ["ASSIGNED-1"]


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("benefit", "type"), "HALF_OFF"),
        (("kind",), "SOMETIMES"),
        (("schedule", "windows"), [{"days": ["MONDAY"], "from": "12:00", "to": "13:00"}]),
        (("priority",), "high"),
        (("exclusive",), "yes"),
        (("schedule", "startsAt"), 20261101),
        (("limits", "unknownField"), 1),
        (("name",), None),
    ],
)
async def test_a_value_outside_the_schema_is_a_graphql_error_not_an_exception(
    path: tuple[str, ...], value: Any
) -> None:
    variables = variables_of(FULL)
    parent = variables
    for name in path[:-1]:
        parent = parent[name]
    parent[path[-1]] = value

    answer = await SCHEMA.execute(ECHO, variable_values={"campaign": variables})

    assert answer.errors
    assert answer.data is None


async def test_a_campaign_without_its_benefit_is_refused_by_the_graph() -> None:
    variables = variables_of(FULL)
    del variables["benefit"]

    answer = await SCHEMA.execute(ECHO, variable_values={"campaign": variables})

    assert answer.errors
    assert "benefit" in answer.errors[0].message
