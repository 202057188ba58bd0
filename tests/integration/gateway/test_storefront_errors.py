"""Bad shopper input to the storefront graph must come back as a typed GraphQL answer (a union member
naming the offending field), never as a masked INTERNAL error."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.gateway.harness import Gateway

PRICE = (
    "query($cart: ShopperCartInput!) { priceCart(cart: $cart) { __typename"
    " ... on ValidationFailed { errors { pointer } } } }"
)
OFFERS = "query { offers { __typename ... on ValidationFailed { errors { pointer } } } }"
APPLY = (
    "mutation($code: String!, $cart: ShopperCartInput!) { applyCoupon(code: $code, cart: $cart) { __typename"
    " ... on ValidationFailed { errors { pointer message } } } }"
)


def _cart() -> dict[str, Any]:
    return {"lines": [{"id": "l1", "sku": "S1", "quantity": 1, "unitPrice": "100.00"}]}


@pytest.mark.parametrize(
    ("query", "variables"),
    [(PRICE, {"cart": _cart()}), (OFFERS, {}), (APPLY, {"code": "WELCOME10", "cart": _cart()})],
    ids=["priceCart", "offers", "applyCoupon"],
)
async def test_a_long_device_id_header_is_refused_as_a_typed_error_not_an_internal_one(
    gateway: Gateway, query: str, variables: dict[str, Any]
) -> None:
    # X-Device-Id is the shopper's own header; the cart's customer.device_id holds at most 200 characters
    response = await gateway.storefront(query, variables, customer="c1", **{"x-device-id": "d" * 201})
    body = response.json()

    assert response.status_code < 500, body
    assert not body.get("errors"), body
    (answer,) = body["data"].values()
    assert answer["__typename"] == "ValidationFailed"
    assert [error["pointer"] for error in answer["errors"]] == ["/customer/device_id"]


async def test_a_too_long_coupon_code_is_reported_on_the_code_argument(gateway: Gateway) -> None:
    data = await gateway.data(await gateway.storefront(APPLY, {"code": "A" * 65, "cart": _cart()}, customer="c1"))

    answer = data["applyCoupon"]
    assert answer["__typename"] == "ValidationFailed"
    # the pricing core names /code (its BadRequest): the answer points there, not at the cart
    assert [error["pointer"] for error in answer["errors"]] == ["/code"], answer
