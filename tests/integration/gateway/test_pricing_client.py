"""The gateway's pricing client against a real pricing core (SQLite, then PostgreSQL): carts priced as the
engine prices them, offers, coupon attempts, refusals with their reasons, and the bearer token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import grpc
import pytest
from grpc import aio

from domain.documents import Campaign, Cart, parse_cart
from domain.documents.cart import Customer
from domain.documents.catalog import CouponCodeSpec
from domain.documents.common import Status
from domain.engine.snapshot import Snapshot
from gateway.pricing import PricingClient, rpc_field_errors, rpc_reason
from tests.builders import MONDAY_1300, campaign
from tests.integration.pricing.harness import Pricing, running_pricing

TEN = campaign("ten", {"type": "PERCENTAGE", "value": "10"}, name={"tr": "Herkese %10", "en": "10% off"})
FIVE_FOR_FOUR = campaign(
    "b5p4",
    {"type": "FREE_UNITS", "value": "1", "calculation": "BUY_X_GET_Y"},
    condition={"min_quantity": 5},
    target={"categories": ["shirts"]},
)
BIG = campaign("big", {"type": "AMOUNT", "value": "100.00"}, condition={"min_order_total": "700.00"})
WELCOME = campaign("welcome", {"type": "AMOUNT", "value": "20.00"}, kind="COUPON")
CAMPAIGNS = [TEN, FIVE_FOR_FOUR, BIG, WELCOME]
WELCOME_CODES = (CouponCodeSpec(code="WELCOME20", campaign_id="welcome"),)
CART = parse_cart(
    {
        "currency": "TRY",
        "now": MONDAY_1300,
        "channel": "web",
        "customer": {"id": "ayse", "segments": ["vip"], "orders_count": 2},
        "lines": [
            {"id": "l1", "sku": "SHIRT", "quantity": 4, "unit_price": "100.00", "categories": ["shirts"]},
            {"id": "l2", "sku": "SOCKS", "quantity": 2, "unit_price": "49.90"},
        ],
        "shipping": {"method": "standard", "amount": "29.90"},
        "coupons": ["OLD10"],
    }
)


async def _publish(pricing: Pricing, *campaigns: Campaign, codes: tuple[CouponCodeSpec, ...] = ()) -> None:
    for document in campaigns:
        await pricing.writer.campaigns.save(document, status=Status.ACTIVE)
    if codes:
        await pricing.writer.codes.add(list(codes))
    await pricing.server.catalog.refresh()


@asynccontextmanager
async def _client(pricing: Pricing, *, token: str | None = None) -> AsyncIterator[PricingClient]:
    client = PricingClient.connect(f"127.0.0.1:{pricing.server.port}", token=token)
    try:
        yield client
    finally:
        await client.close()


@pytest.fixture
async def pricing(database_url: str) -> AsyncIterator[Pricing]:
    async with running_pricing(database_url) as running:
        await _publish(running, *CAMPAIGNS, codes=WELCOME_CODES)
        yield running


async def test_a_cart_is_priced_as_the_engine_prices_it_with_the_catalog_version(pricing: Pricing) -> None:
    expected = Snapshot.compile(CAMPAIGNS, codes=WELCOME_CODES)

    async with _client(pricing) as client:
        result, version = await client.evaluate(CART, request_id="req-1")

    assert result == expected.evaluate(CART)
    assert [entry.campaign_id for entry in result.applied] == ["ten"]
    assert [(skip.campaign_id, skip.reason) for skip in result.skipped] == [
        ("b5p4", "MIN_QUANTITY"),
        ("big", "MIN_ORDER_TOTAL"),
    ]
    assert [(coupon.code, coupon.reason) for coupon in result.rejected_coupons] == [("OLD10", "UNKNOWN")]
    assert version == await pricing.writer.catalog_version()


async def test_a_cart_priced_with_explain_carries_the_trace(pricing: Pricing) -> None:
    async with _client(pricing) as client:
        plain, _ = await client.evaluate(CART)
        explained, _ = await client.evaluate(CART, explain=True)

    assert plain.explain is None
    assert explained.explain is not None
    assert explained.explain[0].stage == "candidates"
    assert explained.model_copy(update={"explain": None}) == plain


async def test_a_draft_is_priced_as_a_preview_next_to_the_live_campaigns_and_replacing_its_namesake(
    pricing: Pricing,
) -> None:
    draft = campaign("draft", {"type": "AMOUNT", "value": "5.00"})
    stronger_ten = campaign("ten", {"type": "PERCENTAGE", "value": "50"})

    async with _client(pricing) as client:
        result, _ = await client.evaluate(CART, preview=[draft, stronger_ten])
        live, _ = await client.evaluate(CART)

    expected = Snapshot.compile([*CAMPAIGNS[1:], draft, stronger_ten], codes=WELCOME_CODES).evaluate(CART)
    assert result == expected
    assert [entry.campaign_id for entry in result.applied] == ["ten", "draft"]
    assert result.discount_of("ten") > live.discount_of("ten")


async def test_offers_are_listed_in_the_customers_language_with_hints_against_the_cart(pricing: Pricing) -> None:
    await pricing.writer.codes.add([CouponCodeSpec(code="SORRY-AYSE", campaign_id="welcome", customer_id="ayse")])
    await pricing.server.catalog.refresh()

    async with _client(pricing) as client:
        offers, version, more = await client.offers(
            customer=Customer(id="ayse"),
            channel="mobile",
            language="tr",
            currency="TRY",
            cart=CART,
            now=datetime.fromisoformat(MONDAY_1300),
        )
        anonymous, _, _ = await client.offers(customer=None, language="en")

    found = {offer.campaign_id: offer for offer in offers}
    assert sorted(found) == ["b5p4", "big", "ten", "welcome"]
    assert more is False
    assert found["ten"].name == "Herkese %10"
    assert found["welcome"].codes == ["SORRY-AYSE"]
    assert found["big"].hint is not None
    assert found["big"].hint.missing_amount is not None
    assert found["b5p4"].hint is not None
    assert (found["b5p4"].hint.missing_quantity, found["b5p4"].min_quantity) == (1, 5)
    assert (found["ten"].valid_from, found["ten"].min_order_total, found["ten"].hint) == (None, None, None)
    assert version == await pricing.writer.catalog_version()
    assert sorted(offer.campaign_id for offer in anonymous) == ["b5p4", "big", "ten"]
    assert anonymous[0].language == "en"


async def test_a_good_code_is_accepted_and_a_bad_one_refused_with_the_one_message(pricing: Pricing) -> None:
    async with _client(pricing) as client:
        accepted = await client.apply_coupon(CART, "welcome20", client_address="10.0.0.1")
        refused = await client.apply_coupon(CART, "GUESS", client_address="10.0.0.1")

    assert accepted.accepted
    assert [(entry.campaign_id, entry.coupon) for entry in accepted.result.applied] == [
        ("ten", None),
        ("welcome", "WELCOME20"),
    ]
    assert (refused.accepted, refused.message) == (False, "This code cannot be used on this cart.")
    assert [entry.campaign_id for entry in refused.result.applied] == ["ten"]
    assert accepted.catalog_version == refused.catalog_version == await pricing.writer.catalog_version()


async def test_a_bad_cart_is_refused_with_the_invalid_cart_reason_naming_the_field(pricing: Pricing) -> None:
    bad = Cart.model_construct(currency="ZZZ")  # unvalidated: the core is the one to refuse it

    async with _client(pricing) as client:
        with pytest.raises(aio.AioRpcError) as refused:
            await client.evaluate(bad)

    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert rpc_reason(refused.value) == "INVALID_CART"
    assert [error.pointer for error in rpc_field_errors(refused.value)] == ["/currency"]


async def test_a_coupon_attempt_without_a_client_address_is_an_invalid_request(pricing: Pricing) -> None:
    async with _client(pricing) as client:
        with pytest.raises(aio.AioRpcError) as refused:
            await client.apply_coupon(CART, "WELCOME20", client_address="")

    assert (refused.value.code(), rpc_reason(refused.value)) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_REQUEST")


async def test_a_call_past_its_deadline_is_refused_with_deadline_exceeded(pricing: Pricing) -> None:
    lines = [{"id": f"l{index}", "sku": f"SKU{index}", "quantity": 10, "unit_price": "1.00"} for index in range(1000)]
    big = parse_cart({"currency": "TRY", "lines": lines})

    async with _client(pricing) as client:
        with pytest.raises(aio.AioRpcError) as late:
            await client.evaluate(big, timeout=0.0005)

    assert late.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert rpc_reason(late.value) == ""


async def test_a_token_protected_core_answers_the_client_with_the_token_and_refuses_the_others(
    database_url: str,
) -> None:
    async with running_pricing(database_url, token="t") as pricing:
        async with _client(pricing, token="t") as client:
            result, _ = await client.evaluate(CART)
        async with _client(pricing) as anonymous:
            with pytest.raises(aio.AioRpcError) as refused:
                await anonymous.evaluate(CART)
        async with _client(pricing, token="guess") as guessing:
            with pytest.raises(aio.AioRpcError) as wrong:
                await guessing.offers(customer=None, language="en")

    assert result.subtotal == CART.lines[0].unit_price * 4 + CART.lines[1].unit_price * 2
    assert refused.value.code() == wrong.value.code() == grpc.StatusCode.UNAUTHENTICATED


class Recorder(aio.UnaryUnaryClientInterceptor):
    """Notes the method, metadata and timeout of every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[tuple[str, str]], float | None]] = []

    async def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        method = details.method.decode() if isinstance(details.method, bytes) else details.method
        self.calls.append((method, list(details.metadata or ()), details.timeout))
        return await continuation(details, request)


async def test_each_call_carries_the_token_the_request_id_and_a_deadline(pricing: Pricing) -> None:
    recorder = Recorder()
    channel = aio.insecure_channel(f"127.0.0.1:{pricing.server.port}", interceptors=[recorder])
    client = PricingClient(channel, token="t", timeout=1.5)
    try:
        await client.evaluate(CART, request_id="req-42")
        await client.offers(customer=None, language="en", timeout=0.5)
    finally:
        await client.close()

    (evaluate_method, evaluate_metadata, evaluate_timeout), (offers_method, offers_metadata, offers_timeout) = (
        recorder.calls
    )
    assert evaluate_method.endswith("/EvaluateCart")
    assert ("authorization", "Bearer t") in evaluate_metadata
    assert ("x-request-id", "req-42") in evaluate_metadata
    assert evaluate_timeout == pytest.approx(1.5)
    assert offers_method.endswith("/ListOffers")
    assert [key for key, _ in offers_metadata if key == "x-request-id"] == []
    assert offers_timeout == pytest.approx(0.5)


async def test_offers_stop_at_the_limit_and_say_there_are_more(pricing: Pricing) -> None:
    async with _client(pricing) as client:
        every, _, more_than_all = await client.offers(customer=Customer(id="ayse"), language="en", limit=500)
        first, _, more = await client.offers(customer=Customer(id="ayse"), language="en", limit=2)

    assert len(every) > 2
    assert more_than_all is False
    assert [offer.campaign_id for offer in first] == [offer.campaign_id for offer in every[:2]]
    assert more is True
