"""Protobuf <-> documents: carts come in validated with JSON-pointer errors, results go out complete."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from domain.engine.snapshot import evaluate
from domain.errors import DocumentError
from kampanya.pricing.v1 import pricing_pb2 as pb
from pricing_core.convert import cart_from_pb, result_to_pb, unstorable_field
from pricing_core.servicer import invalid_argument
from tests.builders import campaign


def _cart(**fields: object) -> pb.Cart:
    message = pb.Cart(
        currency="TRY",
        channel="web",
        lines=[
            pb.Line(
                id="l1",
                sku="SHIRT",
                quantity=2,
                unit_price="250.00",
                categories=["shirts", "tops"],
                brand="acme",
                collections=["summer"],
            ),
            pb.Line(id="l2", sku="SOCKS", quantity=1, unit_price="49.90", attributes={"colour": "red"}),
        ],
        shipping=pb.Shipping(method="standard", amount="29.90"),
        coupons=["welcome10"],
        customer=pb.Customer(
            id="c-1",
            segments=["vip", "b2b"],
            attributes={"tier": "gold"},
            orders_count=3,
            total_spent="1500.00",
            country="TR",
        ),
    )
    message.now.FromDatetime(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    for key, value in fields.items():
        setattr(message, key, value)
    return message


def test_a_protobuf_cart_becomes_the_same_cart_document() -> None:
    cart = cart_from_pb(_cart())

    assert cart.currency == "TRY"
    assert cart.channel == "web"
    assert cart.now == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    assert [(line.id, line.quantity, line.unit_price, line.brand) for line in cart.lines] == [
        ("l1", 2, Decimal("250.00"), "acme"),
        ("l2", 1, Decimal("49.90"), None),
    ]
    assert (cart.lines[0].categories, cart.lines[0].collections, cart.lines[0].attributes) == (
        ["shirts", "tops"],
        ["summer"],
        {},
    )
    assert (cart.lines[1].categories, cart.lines[1].attributes) == ([], {"colour": "red"})
    assert cart.shipping is not None
    assert cart.shipping.amount == Decimal("29.90")
    assert cart.coupons == ["WELCOME10"]
    assert cart.customer is not None
    assert (cart.customer.id, cart.customer.device_id) == ("c-1", None)
    assert (cart.customer.segments, cart.customer.attributes) == (["vip", "b2b"], {"tier": "gold"})


def test_unset_optional_parts_stay_unset() -> None:
    cart = cart_from_pb(pb.Cart(currency="JPY", lines=[pb.Line(id="l", sku="A", quantity=1, unit_price="500")]))

    assert (cart.channel, cart.now, cart.customer, cart.shipping) == (None, None, None, None)


@pytest.mark.parametrize(
    ("broken", "pointer"),
    [
        (pb.Cart(currency="XXX"), "/currency"),
        (pb.Cart(currency="TRY", lines=[pb.Line(id="l", sku="A", quantity=0, unit_price="1")]), "/lines/0/quantity"),
        (pb.Cart(currency="TRY", lines=[pb.Line(id="l", sku="A", quantity=1, unit_price="-1")]), "/lines/0/unit_price"),
        (pb.Cart(currency="TRY", lines=[pb.Line(id="l", sku="A", quantity=1)]), "/lines/0/unit_price"),
        (pb.Cart(currency="TRY", shipping=pb.Shipping(amount="1.234")), "/shipping/amount"),
    ],
)
def test_an_invalid_protobuf_cart_names_the_field(broken: pb.Cart, pointer: str) -> None:
    with pytest.raises(DocumentError) as error:
        cart_from_pb(broken)

    assert pointer in [problem.pointer for problem in error.value.errors]


def test_the_invalid_argument_status_carries_field_violations_and_a_reason() -> None:
    from google.rpc import error_details_pb2

    with pytest.raises(DocumentError) as error:
        cart_from_pb(pb.Cart(currency="TRY", lines=[pb.Line(id="l", sku="A", quantity=0, unit_price="x")]))

    status = invalid_argument(error.value)
    bad_request = error_details_pb2.BadRequest()
    info = error_details_pb2.ErrorInfo()
    assert status.details[0].Unpack(bad_request)
    assert status.details[1].Unpack(info)
    assert {violation.field for violation in bad_request.field_violations} == {
        "/lines/0/quantity",
        "/lines/0/unit_price",
    }
    assert (info.reason, info.domain) == ("INVALID_CART", "kampanya.pricing")


def test_a_result_goes_out_with_every_part() -> None:
    five_for_four = campaign(
        "b5p4", {"type": "FREE_UNITS", "value": "1", "calculation": "BUY_X_GET_Y"}, condition={"min_quantity": 5}
    )
    coupon = campaign("welcome", {"type": "PERCENTAGE", "value": "10"}, kind="COUPON", codes=["WELCOME10"])
    shipping = campaign("ship", {"type": "FREE_SHIPPING"}, condition={"min_order_total": "1000.00"})
    gift = campaign("tote", {"type": "GIFT", "gift": {"sku": "TOTE"}})
    cart = cart_from_pb(_cart())

    result = evaluate([five_for_four, coupon, shipping, gift], cart, explain=True)
    message = result_to_pb(result)

    assert (message.subtotal, message.discount_total, message.total) == (
        "549.90",
        "54.99",
        "524.81",
    )  # + 29.90 shipping
    assert [entry.campaign_id for entry in message.applied] == ["welcome", "tote"]
    assert message.applied[0].coupon == "WELCOME10"
    assert message.applied[0].type == pb.BENEFIT_TYPE_PERCENTAGE
    assert [(skip.campaign_id, skip.reason) for skip in message.skipped] == [
        ("b5p4", pb.SKIP_REASON_MIN_QUANTITY),
        ("ship", pb.SKIP_REASON_MIN_ORDER_TOTAL),
    ]
    assert [(hint.campaign_id, hint.missing_quantity, hint.HasField("missing_amount")) for hint in message.hints] == [
        ("b5p4", 2, False),
        ("ship", 0, True),
    ]
    assert message.gifts[0].sku == "TOTE"
    assert sum(Decimal(line.discount) for line in message.lines) == Decimal(message.discount_total)
    assert message.explain[0].stage == "candidates"


def _request(**cart: object) -> pb.ReserveRequest:
    fields: dict[str, object] = {"lines": [pb.Line(id="l1", sku="SHIRT", quantity=1, unit_price="1.00")], **cart}
    return pb.ReserveRequest(order_id="o-1", cart=pb.Cart(currency="TRY", **fields))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("request_", "where"),
    [
        (pb.ReserveRequest(order_id="o\x00"), "/order_id"),
        (_request(customer=pb.Customer(id="c", segments=["vip", "gold\x00"])), "/cart/customer/segments/1"),
        (
            _request(lines=[pb.Line(id="l1"), pb.Line(id="l2", attributes={"colour": "re\x00d"})]),
            "/cart/lines/1/attributes/colour",
        ),
        (_request(lines=[pb.Line(id="l1", attributes={"col\x00our": "red"})]), "/cart/lines/0/attributes"),
        (_request(coupons=["HELLO\x00"]), "/cart/coupons/0"),
    ],
    ids=["field", "repeated", "map value", "map key", "coupon"],
)
def test_a_nul_anywhere_in_a_request_is_found_with_its_pointer(request_: pb.ReserveRequest, where: str) -> None:
    assert unstorable_field(request_) == where


def test_zero_and_empty_values_are_not_taken_for_a_nul() -> None:
    request = _request(channel="", coupons=[""], customer=pb.Customer(id="c", orders_count=0, segments=[""]))
    request.cart.lines[0].attributes[""] = ""

    assert b"\x00" in request.SerializeToString()  # the encoding shows 0x00 bytes, none of them in a text
    assert unstorable_field(request) is None
    assert unstorable_field(_request()) is None
