"""While the database is unreachable the gateway says so — 503 with code UNAVAILABLE and Retry-After when it
cannot even authenticate the caller, a masked UNAVAILABLE error from a resolver — never a 500 or INTERNAL,
and it answers normally again once the database is back."""

from __future__ import annotations

import time
from typing import Any

import pytest

from domain.access import Role
from tests.integration.gateway.harness import Gateway, running_gateway

LIST = "query { campaigns(first: 5) { __typename } }"
PRICE = "query($cart: ShopperCartInput!) { priceCart(cart: $cart) { __typename } }"
CART = {"lines": [{"id": "l1", "sku": "SHIRT", "quantity": 1, "unitPrice": "100.00"}]}


async def _until_answered(gateway: Gateway, token: str, seconds: float) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        response = await gateway.admin(LIST, token=token)
        if response.status_code == 200 and not response.json().get("errors"):
            body: dict[str, Any] = response.json()
            return body
    raise AssertionError(f"the gateway did not recover within {seconds} s")


@pytest.mark.postgres
async def test_an_unreachable_database_is_unavailable_never_internal(proxied_postgres: tuple[str, Any]) -> None:
    url, proxy = proxied_postgres
    async with running_gateway(url) as gateway:
        token = await gateway.user("olga", Role.OWNER)
        assert (await gateway.admin(LIST, token=token)).status_code == 200

        proxy.cut()
        admin = await gateway.admin(LIST, token=token)
        shopper = await gateway.storefront(PRICE, {"cart": CART}, customer="c1")
        proxy.restore()

        assert admin.status_code == 503
        assert admin.headers["retry-after"] == "1"
        assert [error["extensions"]["code"] for error in admin.json()["errors"]] == ["UNAVAILABLE"]
        assert shopper.status_code in (200, 503)
        assert [error["extensions"]["code"] for error in shopper.json()["errors"]] == ["UNAVAILABLE"]
        assert "Traceback" not in admin.text + shopper.text
        assert (await _until_answered(gateway, token, 10))["data"]["campaigns"]["__typename"]
