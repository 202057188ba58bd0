"""Properties of the pricing engine over random carts, random valid campaigns and random policies."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.documents import Campaign, Cart, Policy, Result, parse_campaign, parse_cart, parse_policy
from domain.documents.campaign import PRICE_PHASES
from domain.engine.snapshot import Snapshot, evaluate
from domain.money import currency_of

SKUS = ("A", "B", "C", "D")
CATEGORIES = ("x", "y", "z")
BRANDS = ("p", "q")
COLLECTIONS = ("new",)
COLORS = ("red", "blue")
CODES = ("SAVE", "VIP", "WOW")
CART_CURRENCIES = ("TRY", "JPY", "KWD")
NOW = "2026-11-23T13:00:00+03:00"


def money_text(minor: int, places: int) -> str:
    return format(Decimal(minor).scaleb(-places), "f")


# carts


@st.composite
def lines(draw: st.DrawFn, index: int, places: int) -> dict[str, Any]:
    tier = draw(st.integers(0, 7))  # free now and then, often small prices (rounding), else anything
    price = 0 if tier == 0 else draw(st.integers(1, 999 if tier < 4 else 200_000))
    line: dict[str, Any] = {
        "id": f"l{index}",
        "sku": draw(st.sampled_from(SKUS)),
        "quantity": draw(st.integers(1, 6)),
        "unit_price": money_text(price, places),
        "categories": draw(st.lists(st.sampled_from(CATEGORIES), max_size=2, unique=True)),
    }
    if draw(st.booleans()):
        line["brand"] = draw(st.sampled_from(BRANDS))
    if draw(st.integers(0, 3)) == 0:
        line["collections"] = list(COLLECTIONS)
    if draw(st.booleans()):
        line["attributes"] = {"color": draw(st.sampled_from(COLORS))}
    return line


@st.composite
def carts(draw: st.DrawFn, currency: str | None = None) -> Cart:
    code = currency or draw(st.sampled_from(CART_CURRENCIES))
    places = currency_of(code).exponent
    count = draw(st.integers(0, 8))
    document: dict[str, Any] = {
        "currency": code,
        "now": NOW,
        "lines": [draw(lines(index, places)) for index in range(count)],
        "coupons": draw(st.lists(st.sampled_from([*CODES, "NOPE"]), max_size=2, unique=True)),
    }
    if draw(st.booleans()):
        shipping = draw(st.one_of(st.just(0), st.integers(1, 10_000)))
        document["shipping"] = {"method": "standard", "amount": money_text(shipping, places)}
    return parse_cart(document)


# campaigns


def subset(draw: st.DrawFn, alphabet: tuple[str, ...], max_size: int = 2) -> list[str]:
    return draw(st.lists(st.sampled_from(alphabet), max_size=max_size, unique=True))


@st.composite
def targets(draw: st.DrawFn) -> dict[str, Any]:
    """A valid target over the small alphabet: nothing both targeted and excluded."""
    target: dict[str, Any] = {}
    exclude: dict[str, list[str]] = {}
    for field, alphabet in (("skus", SKUS), ("categories", CATEGORIES), ("brands", BRANDS)):
        chosen = subset(draw, alphabet) if draw(st.integers(0, 2)) == 0 else []
        if chosen:
            target[field] = chosen
        if draw(st.integers(0, 4)) == 0:
            rest = tuple(name for name in alphabet if name not in chosen)
            excluded = subset(draw, rest, max_size=1) if rest else []
            if excluded:
                exclude[field] = excluded
    if draw(st.integers(0, 6)) == 0:
        target["collections"] = list(COLLECTIONS)
    if draw(st.integers(0, 5)) == 0:
        target["attributes"] = {"color": draw(st.sampled_from(COLORS))}
    if exclude:
        target["exclude"] = exclude
    return target


@st.composite
def money_amounts(draw: st.DrawFn, places: int | None, low: int = 1, high: int = 50_000) -> str:
    """A money string; with no campaign currency it may have more places than the cart's currency."""
    scale = places if places is not None else draw(st.integers(0, 3))
    return money_text(draw(st.integers(low, high)), scale)


percents = st.one_of(
    st.integers(1, 100).map(str),
    st.sampled_from(["12.5", "33.33", "66.67", "0.5", "99.99", "14.285714"]),
)


@st.composite
def benefits(draw: st.DrawFn, places: int | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return (benefit, condition): every benefit type and calculation, with the fields each allows."""
    kind = draw(st.sampled_from(["PERCENTAGE", "AMOUNT", "FREE_UNITS", "FIXED_PRICE", "FREE_SHIPPING", "GIFT"]))
    benefit: dict[str, Any] = {"type": kind, "sort_direction": draw(st.sampled_from(["ASC", "DESC"]))}
    condition: dict[str, Any] = {}
    if draw(st.integers(0, 4)) == 0:
        condition["min_order_total"] = draw(money_amounts(places, low=0, high=100_000))
    separate_qualifiers = draw(st.integers(0, 4)) == 0
    if separate_qualifiers:
        condition["target"] = draw(targets())
    calculation = "DEFAULT"
    if kind in ("PERCENTAGE", "AMOUNT", "FREE_UNITS"):
        calculation = draw(st.sampled_from(["DEFAULT", "BUY_X_GET_Y", "STEP"]))
    benefit["calculation"] = calculation
    if kind == "PERCENTAGE":
        benefit["value"] = draw(percents)
    elif kind == "AMOUNT":
        benefit["value"] = draw(money_amounts(places))
        if calculation == "DEFAULT":
            benefit["amount_mode"] = draw(st.sampled_from(["ORDER", "PER_UNIT", "PER_LINE"]))
    elif kind == "FREE_UNITS":
        benefit["value"] = "1" if calculation == "STEP" else str(draw(st.integers(1, 3)))
    elif kind == "FIXED_PRICE":
        benefit["value"] = draw(money_amounts(places, low=0))
        benefit["bundle_size"] = draw(st.integers(1, 4))
    elif kind == "FREE_SHIPPING":
        if draw(st.booleans()):
            benefit["value"] = draw(percents)
    else:
        benefit["gift"] = {"sku": "GIFT-1", "quantity": draw(st.integers(1, 3))}
    if calculation == "BUY_X_GET_Y":
        receive = int(benefit["value"]) if kind == "FREE_UNITS" else draw(st.integers(1, 3))
        if kind != "FREE_UNITS" and draw(st.booleans()):
            benefit["get_quantity"] = receive
        elif kind != "FREE_UNITS":
            receive = 1
        low = 1 if separate_qualifiers else receive + 1
        condition["min_quantity"] = draw(st.integers(low, max(low, 5)))
    elif draw(st.integers(0, 2)) == 0:
        condition["min_quantity"] = draw(st.integers(1, 6))
    if calculation == "STEP":
        benefit["step_index"] = draw(st.integers(1, 4))
    repeats = (
        calculation != "DEFAULT"
        or kind == "FIXED_PRICE"
        or (
            (kind == "GIFT" or (kind == "AMOUNT" and benefit.get("amount_mode", "ORDER") == "ORDER"))
            and ("min_quantity" in condition or "min_order_total" in condition)
        )
    )
    if repeats:
        benefit["repeatable"] = draw(st.booleans())
    if draw(st.integers(0, 3)) == 0:
        benefit["max_units"] = draw(st.integers(1, 6))
    if draw(st.integers(0, 3)) == 0:
        benefit["max_applications"] = draw(st.integers(1, 3))
    if draw(st.integers(0, 2)) == 0:
        benefit["max_discount"] = draw(money_amounts(places, high=20_000))
    return benefit, condition


@st.composite
def campaign_documents(draw: st.DrawFn, index: int) -> dict[str, Any]:
    currency = draw(st.sampled_from(CART_CURRENCIES)) if draw(st.integers(0, 5)) == 0 else None
    places = currency_of(currency).exponent if currency is not None else None
    benefit, condition = draw(benefits(places))
    document: dict[str, Any] = {
        "id": f"c{index}",
        "name": {"en": f"campaign {index}"},
        "priority": draw(st.integers(-2, 2)),
        "exclusive": draw(st.integers(0, 4)) == 0,
        "target": draw(targets()),
        "benefit": benefit,
    }
    if condition:
        document["condition"] = condition
    if currency is not None:
        document["currency"] = currency
    if draw(st.integers(0, 4)) == 0:
        document["kind"] = "COUPON"
        document["codes"] = [draw(st.sampled_from(CODES)).lower()]
    return document


@st.composite
def campaign_sets(draw: st.DrawFn, min_size: int = 0, max_size: int = 6) -> list[Campaign]:
    """Valid campaigns with unique ids and no coupon code shared between two of them."""
    count = draw(st.integers(min_size, max_size))
    documents = [draw(campaign_documents(index)) for index in range(count)]
    owned: set[str] = set()
    for document in documents:
        if document.get("kind") == "COUPON":
            code = document["codes"][0].upper()
            if code in owned:
                document["kind"] = "AUTOMATIC"
                del document["codes"]
            owned.add(code)
    return [parse_campaign(document) for document in documents]


@st.composite
def policies(draw: st.DrawFn, stacking: str | None = None) -> Policy:
    return parse_policy(
        {
            "stacking": stacking or draw(st.sampled_from(["STACK", "SINGLE", "BEST"])),
            "phase_order": draw(st.permutations([str(phase) for phase in PRICE_PHASES])),
            "rounding": draw(st.sampled_from(["HALF_UP", "HALF_EVEN", "DOWN"])),
        }
    )


def restacked(policy: Policy, stacking: str) -> Policy:
    """Return the same phase order and rounding under another stacking policy."""
    return parse_policy({**policy.model_dump(mode="json"), "stacking": stacking})


# checks


def places_of(amount: Decimal) -> int:
    exponent = amount.as_tuple().exponent
    assert isinstance(exponent, int)
    return -exponent


def money_values(result: Result) -> list[tuple[str, Decimal]]:
    values = [
        ("subtotal", result.subtotal),
        ("discount_total", result.discount_total),
        ("shipping", result.shipping),
        ("shipping_discount", result.shipping_discount),
        ("total", result.total),
    ]
    for line in result.lines:
        values += [
            (f"lines/{line.id}/subtotal", line.subtotal),
            (f"lines/{line.id}/discount", line.discount),
            (f"lines/{line.id}/total", line.total),
        ]
        values += [(f"lines/{line.id}/adjustments/{a.campaign_id}", a.amount) for a in line.adjustments]
    values += [(f"applied/{entry.campaign_id}", entry.discount) for entry in result.applied]
    values += [(f"hints/{hint.campaign_id}", hint.missing_amount) for hint in result.hints if hint.missing_amount]
    return values


def assert_priced_consistently(campaigns: list[Campaign], cart: Cart, result: Result) -> None:
    places = currency_of(cart.currency).exponent
    assert result.currency == cart.currency
    for where, amount in money_values(result):
        assert places_of(amount) == places, f"{where} = {amount} does not have {places} decimal places"
        assert amount >= 0, f"{where} = {amount} is negative"

    assert [line.id for line in result.lines] == [line.id for line in cart.lines]
    for line, priced in zip(cart.lines, result.lines, strict=True):
        assert priced.subtotal == line.unit_price * line.quantity
        assert 0 <= priced.discount <= priced.subtotal
        assert priced.total == priced.subtotal - priced.discount
        assert sum((a.amount for a in priced.adjustments), Decimal(0)) == priced.discount
        assert all(a.amount > 0 for a in priced.adjustments)
    assert result.subtotal == sum((line.subtotal for line in result.lines), Decimal(0))
    assert result.discount_total == sum((line.discount for line in result.lines), Decimal(0))

    expected_shipping = cart.shipping.amount if cart.shipping else Decimal(0)
    assert result.shipping == expected_shipping
    assert 0 <= result.shipping_discount <= result.shipping
    assert result.total == result.subtotal - result.discount_total + result.shipping - result.shipping_discount
    assert result.total >= 0

    applied = [entry.campaign_id for entry in result.applied]
    skipped = [entry.campaign_id for entry in result.skipped]
    assert len(set(applied)) == len(applied)
    assert len(set(skipped)) == len(skipped)
    assert set(applied).isdisjoint(skipped)
    assert sum((entry.discount for entry in result.applied), Decimal(0)) == (
        result.discount_total + result.shipping_discount
    )
    given_by = {entry.campaign_id: Decimal(0) for entry in result.applied}
    for priced_line in result.lines:
        for adjustment in priced_line.adjustments:
            assert adjustment.campaign_id in given_by, f"{adjustment.campaign_id} adjusts a line but is not applied"
            given_by[adjustment.campaign_id] += adjustment.amount
    for entry in result.applied:
        if entry.type != "FREE_SHIPPING":
            assert given_by[entry.campaign_id] == entry.discount

    by_id = {campaign.id: campaign for campaign in campaigns}
    for entry in result.applied:
        cap = by_id[entry.campaign_id].benefit.max_discount
        if cap is not None:
            assert entry.discount <= cap, f"{entry.campaign_id} gave {entry.discount}, max_discount {cap}"


def evaluated(campaigns: list[Campaign], cart: Cart, policy: Policy) -> dict[str, Any]:
    return evaluate(campaigns, cart, policy).model_dump()


def customer_benefit(result: Result) -> Decimal:
    return result.discount_total + result.shipping_discount


# properties


@settings(max_examples=300, deadline=None)
@given(campaigns=campaign_sets(), cart=carts(), policy=policies())
def test_every_priced_cart_adds_up_to_the_minor_unit(campaigns: list[Campaign], cart: Cart, policy: Policy) -> None:
    result = evaluate(campaigns, cart, policy)

    assert_priced_consistently(campaigns, cart, result)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), campaigns=campaign_sets(), cart=carts(), policy=policies())
def test_the_result_does_not_depend_on_the_order_the_campaigns_are_given_in(
    data: st.DataObject, campaigns: list[Campaign], cart: Cart, policy: Policy
) -> None:
    shuffled = data.draw(st.permutations(campaigns), label="shuffled")

    assert evaluated(shuffled, cart, policy) == evaluated(campaigns, cart, policy)


@settings(max_examples=200, deadline=None)
@given(campaigns=campaign_sets(), cart=carts(), policy=policies())
def test_evaluating_twice_gives_the_same_result(campaigns: list[Campaign], cart: Cart, policy: Policy) -> None:
    snapshot = Snapshot.compile(campaigns)

    first = snapshot.evaluate(cart, policy).model_dump()

    assert snapshot.evaluate(cart, policy).model_dump() == first
    assert evaluated(campaigns, cart, policy) == first


@settings(max_examples=200, deadline=None)
@given(campaigns=campaign_sets(), cart=carts(), policy=policies(stacking="BEST"))
def test_best_gives_at_least_as_much_as_single(campaigns: list[Campaign], cart: Cart, policy: Policy) -> None:
    single = restacked(policy, "SINGLE")

    best_result = evaluate(campaigns, cart, policy)
    single_result = evaluate(campaigns, cart, single)

    assert customer_benefit(best_result) >= customer_benefit(single_result)
    assert_priced_consistently(campaigns, cart, best_result)
    assert_priced_consistently(campaigns, cart, single_result)


@settings(max_examples=200, deadline=None)
@given(campaigns=campaign_sets(min_size=1, max_size=1), cart=carts(), policy=policies(stacking="STACK"))
def test_stacking_one_campaign_is_the_same_as_that_campaign_alone(
    campaigns: list[Campaign], cart: Cart, policy: Policy
) -> None:
    single = restacked(policy, "SINGLE")

    assert evaluated(campaigns, cart, policy) == evaluated(campaigns, cart, single)
