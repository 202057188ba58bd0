"""The storefront's cart preview counts the codes of the cart as coupon attempts, as applyCoupon does: a
shop's cart cannot be used to try codes past the limit."""

from __future__ import annotations

from typing import Any

from domain.documents.common import Status
from tests.builders import campaign
from tests.integration.gateway.harness import Gateway

PRICE = (
    "query($cart: ShopperCartInput!) { priceCart(cart: $cart) { __typename"
    " ... on PricedCartPayload { priced { total applied { campaignId } } } ... on Problem { code } } }"
)
APPLY = "mutation($code: String!, $cart: ShopperCartInput!) { applyCoupon(code: $code, cart: $cart) { __typename } }"


def _cart(*coupons: str) -> dict[str, Any]:
    return {"lines": [{"id": "l1", "sku": "S1", "quantity": 1, "unitPrice": "100.00"}], "coupons": list(coupons)}


async def _price(gateway: Gateway, *coupons: str) -> dict[str, Any]:
    data = await gateway.data(await gateway.storefront(PRICE, {"cart": _cart(*coupons)}, customer="c1"))
    answer: dict[str, Any] = data["priceCart"]
    return answer


async def test_guesses_in_a_previewed_cart_count_until_the_cart_is_refused(gateway: Gateway) -> None:
    welcome = campaign("welcome", {"type": "PERCENTAGE", "value": "10"}, kind="COUPON", codes=["WELCOME10"])
    await gateway.pricing.writer.campaigns.save(welcome, status=Status.ACTIVE)
    await gateway.pricing.server.catalog.refresh()

    first = await _price(gateway, "WELCOME10", *(f"GUESS{index}" for index in range(5)))
    second = await _price(gateway, *(f"GUESS{index}" for index in range(5, 10)))
    locked = await _price(gateway, "GUESS10")
    known = await _price(gateway, "WELCOME10")  # with the limit reached, a cart with any code is refused
    plain = await _price(gateway)
    tried = await gateway.data(await gateway.storefront(APPLY, {"code": "WELCOME10", "cart": _cart()}, customer="c1"))

    assert first == {
        "__typename": "PricedCartPayload",
        "priced": {"total": "90.00", "applied": [{"campaignId": "welcome"}]},
    }
    assert second["__typename"] == "PricedCartPayload"
    assert locked == {"__typename": "TooManyAttempts", "code": "TOO_MANY_ATTEMPTS"}
    assert known == {"__typename": "TooManyAttempts", "code": "TOO_MANY_ATTEMPTS"}
    assert plain == {"__typename": "PricedCartPayload", "priced": {"total": "100.00", "applied": []}}
    assert tried["applyCoupon"]["__typename"] == "TooManyAttempts"


OFFERS = (
    "query($cart: ShopperCartInput!) { offers(cart: $cart) { __typename"
    " ... on OfferList { offers { campaignId hint { missingAmount } } } ... on Problem { code } } }"
)


async def _offers(gateway: Gateway, *coupons: str) -> dict[str, Any]:
    cart = {"lines": [{"id": "l1", "sku": "S1", "quantity": 1, "unitPrice": "520.00"}], "coupons": list(coupons)}
    data = await gateway.data(await gateway.storefront(OFFERS, {"cart": cart}, customer="c1"))
    answer: dict[str, Any] = data["offers"]
    return answer


async def test_offers_hint_at_what_the_cart_codes_change_so_the_codes_count_as_attempts(gateway: Gateway) -> None:
    # HELLO (10%, an earlier phase) takes a 520.00 cart under big-basket's 500.00: its hint tells the code works
    hello = campaign("hello", {"type": "PERCENTAGE", "value": "10"}, kind="COUPON", codes=["HELLO"])
    big = campaign("big-basket", {"type": "AMOUNT", "value": "50.00"}, condition={"min_order_total": "500.00"})
    for document in (hello, big):
        await gateway.pricing.writer.campaigns.save(document, status=Status.ACTIVE)
    await gateway.pricing.server.catalog.refresh()

    with_code = await _offers(gateway, "HELLO")
    guesses = [await _offers(gateway, *(f"GUESS{index}" for index in range(start, start + 5))) for start in (0, 5)]
    locked = await _offers(gateway, "HELLO")
    plain = await _offers(gateway)

    assert with_code == {
        "__typename": "OfferList",
        "offers": [{"campaignId": "big-basket", "hint": {"missingAmount": "32.00"}}],
    }
    assert [answer["__typename"] for answer in guesses] == ["OfferList", "OfferList"]
    assert locked == {"__typename": "TooManyAttempts", "code": "TOO_MANY_ATTEMPTS"}
    assert plain == {"__typename": "OfferList", "offers": [{"campaignId": "big-basket", "hint": None}]}


SHOWN = (
    "query($cart: ShopperCartInput!) { priceCart(cart: $cart) { ... on PricedCartPayload { priced {"
    " skipped { campaignId reason } rejectedCoupons { code reason campaignId detail } hints { campaignId } } } } }"
)


async def test_a_shopper_sees_refused_codes_alike_and_no_campaign_meant_for_others(gateway: Gateway) -> None:
    documents = [
        campaign("churn-offer", {"type": "PERCENTAGE", "value": "10"}, audience={"segments_any": ["churn-risk"]}),
        campaign("over-500", {"type": "AMOUNT", "value": "50.00"}, condition={"min_order_total": "500.00"}),
        campaign(
            "big-spender",
            {"type": "PERCENTAGE", "value": "10"},
            kind="COUPON",
            codes=["BIGSPENDER"],
            condition={"min_order_total": "500.00"},
        ),
    ]
    for document in documents:
        await gateway.pricing.writer.campaigns.save(document, status=Status.ACTIVE)
    await gateway.pricing.server.catalog.refresh()

    data = await gateway.data(await gateway.storefront(SHOWN, {"cart": _cart("BIGSPENDER", "NOPE")}, customer="c1"))

    generic = "This code cannot be used on this cart."
    assert data["priceCart"]["priced"] == {
        "skipped": [{"campaignId": "over-500", "reason": "MIN_ORDER_TOTAL"}],
        "rejectedCoupons": [
            {"code": "BIGSPENDER", "reason": "NOT_APPLICABLE", "campaignId": None, "detail": generic},
            {"code": "NOPE", "reason": "NOT_APPLICABLE", "campaignId": None, "detail": generic},
        ],
        "hints": [{"campaignId": "over-500"}],
    }
