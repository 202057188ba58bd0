"""The pricing service at its edge: statuses and reasons, auth, health, reflection, deadlines, drain,
metrics, request ids, offers."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from collections.abc import Awaitable, Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, cast

import grpc
import pytest
from google.rpc import error_details_pb2, status_pb2
from grpc import aio
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from domain.documents.catalog import CouponCodeSpec
from domain.documents.common import Status
from domain.limits import Claim, Counters, Usage
from kampanya.pricing.v1 import pricing_pb2 as pb
from kampanya.pricing.v1 import pricing_pb2_grpc
from tests.builders import campaign
from tests.integration.pricing.harness import TOKEN, Pricing, cart, line, running_pricing
from tests.integration.store.documents import percent_off

SHIRT = line("l1", "SHIRT", "100.00", categories=["shirts"])


def _details(error: aio.AioRpcError) -> tuple[list[str], str]:
    status = status_pb2.Status.FromString(dict(error.trailing_metadata())["grpc-status-details-bin"])
    fields: list[str] = []
    reason = ""
    for detail in status.details:
        bad_request, info = error_details_pb2.BadRequest(), error_details_pb2.ErrorInfo()
        if detail.Unpack(bad_request):
            fields.extend(violation.field for violation in bad_request.field_violations)
        elif detail.Unpack(info):
            reason = info.reason
    return fields, reason


async def test_a_cart_is_priced_with_its_result_and_the_catalog_version(pricing: Pricing) -> None:
    await pricing.writer.campaigns.save(percent_off("ten"), status=Status.ACTIVE)
    await pricing.server.catalog.refresh()

    response = await pricing.evaluate(cart(SHIRT, line("l2", "SOCKS", "49.90", 2)), explain=True)

    assert (response.result.subtotal, response.result.discount_total, response.result.total) == (
        "199.80",
        "19.98",
        "179.82",
    )
    assert response.catalog_version == await pricing.writer.catalog_version()
    assert response.result.explain[0].stage == "candidates"


@pytest.mark.parametrize(
    ("bad_cart", "pointers"),
    [
        (pb.Cart(currency="TRY", lines=[line("l1", "A", "-5.00")]), ["/lines/0/unit_price"]),
        (pb.Cart(currency="ZZZ"), ["/currency"]),
        (pb.Cart(currency="TRY", lines=[line("l1", "A", "1.00", 0)]), ["/lines/0/quantity"]),
        (pb.Cart(currency="TRY", lines=[line("l1", "A", "1.00"), line("l1", "B", "1.00")]), ["/lines/1/id"]),
    ],
)
async def test_a_bad_cart_is_refused_with_invalid_argument_naming_the_field(
    pricing: Pricing, bad_cart: pb.Cart, pointers: list[str]
) -> None:
    with pytest.raises(aio.AioRpcError) as refused:
        await pricing.evaluate(bad_cart)

    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert pointers[0] in (refused.value.details() or "")
    assert _details(refused.value) == (pointers, "INVALID_CART")


async def test_calls_without_the_right_token_are_refused_but_health_stays_open(database_url: str) -> None:
    async with running_pricing(database_url, token=TOKEN) as pricing:
        with pytest.raises(aio.AioRpcError) as anonymous:
            await pricing.evaluate(cart(SHIRT))
        with pytest.raises(aio.AioRpcError) as wrong:
            await pricing.evaluate(cart(SHIRT), metadata=[("authorization", "Bearer guess")])
        allowed = await pricing.evaluate(cart(SHIRT), metadata=[("authorization", f"Bearer {TOKEN}")])
        health = await health_pb2_grpc.HealthStub(pricing.channel).Check(health_pb2.HealthCheckRequest())

    assert anonymous.value.code() == wrong.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert allowed.result.subtotal == "100.00"
    assert health.status == health_pb2.HealthCheckResponse.SERVING


async def test_reflection_lists_the_pricing_service(pricing: Pricing) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(pricing.channel)
    request = reflection_pb2.ServerReflectionRequest(list_services="")

    replies = [reply async for reply in stub.ServerReflectionInfo(iter([request]))]

    names = {service.name for service in replies[0].list_services_response.service}
    assert {"kampanya.pricing.v1.PricingService", "grpc.health.v1.Health"} <= names


async def test_the_request_id_comes_back_in_the_trailers(pricing: Pricing) -> None:
    call = pricing.stub.EvaluateCart(pb.EvaluateCartRequest(cart=cart(SHIRT)), metadata=[("x-request-id", "abc-123")])
    await call

    assert ("x-request-id", "abc-123") in list(await call.trailing_metadata())


async def test_an_expired_deadline_is_answered_with_deadline_exceeded(pricing: Pricing) -> None:
    big = cart(*(line(f"l{index}", f"SKU{index}", "1.00", 10) for index in range(1000)))

    with pytest.raises(aio.AioRpcError) as late:
        await pricing.stub.EvaluateCart(pb.EvaluateCartRequest(cart=big), timeout=0.0005)

    assert late.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert (await pricing.evaluate(cart(SHIRT))).result.subtotal == "100.00"


class _HeldCounters:
    """The core's own counters, with every `usage` read held at a gate until the test opens it: the calls
    reading them are in flight for as long as the test wants."""

    def __init__(self, counters: Counters) -> None:
        self._counters = counters
        self.arrived = 0
        self.gate = asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._counters, name)

    async def usage(self, claims: Sequence[Claim]) -> Mapping[str, Usage]:
        self.arrived += 1
        await self.gate.wait()
        return await self._counters.usage(claims)


async def test_shutdown_lets_the_calls_in_flight_finish_and_refuses_new_ones(database_url: str) -> None:
    held: list[_HeldCounters] = []

    def hold(counters: Counters) -> Counters:
        held.append(_HeldCounters(counters))
        return cast(Counters, held[0])

    async with running_pricing(database_url, shutdown_delay=0, counters_around=hold) as pricing:
        await pricing.writer.campaigns.save(
            campaign("ten", {"type": "PERCENTAGE", "value": "10"}, limits={"total_redemptions": 5}),
            status=Status.ACTIVE,
        )
        await pricing.server.catalog.refresh()
        # 200 calls all inside the core's handler (each waiting on its limit counters) when the stop begins
        request = pb.EvaluateCartRequest(cart=cart(SHIRT))
        calls = [asyncio.ensure_future(pricing.stub.EvaluateCart(request, timeout=60)) for _ in range(200)]
        await pricing.seconds_until(_returns(lambda: held[0].arrived == 200), timeout=20)
        stopping = asyncio.ensure_future(pricing.server.stop(grace=20))
        await asyncio.sleep(0.3)
        with pytest.raises(aio.AioRpcError) as refused:
            await pricing_pb2_grpc.PricingServiceStub(pricing.channel).EvaluateCart(
                pb.EvaluateCartRequest(cart=cart(SHIRT)), timeout=5
            )
        still_running = not stopping.done()
        held[0].gate.set()
        answers = await asyncio.gather(*calls)
        await stopping

    assert still_running
    assert [answer.result.total for answer in answers] == ["90.00"] * 200
    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE


def _returns(check: Callable[[], bool]) -> Callable[[], Awaitable[bool]]:
    async def condition() -> bool:
        return check()

    return condition


async def test_a_stopping_core_reports_not_serving_while_it_drains(database_url: str) -> None:
    async with running_pricing(database_url, shutdown_delay=0.5) as pricing:
        health = health_pb2_grpc.HealthStub(pricing.channel)
        stopping = asyncio.ensure_future(pricing.server.stop(grace=5))
        await asyncio.sleep(0.1)
        during = await health.Check(health_pb2.HealthCheckRequest())
        still_pricing = await pricing.evaluate(cart(SHIRT))
        await stopping

    assert during.status == health_pb2.HealthCheckResponse.NOT_SERVING
    assert still_pricing.result.subtotal == "100.00"


async def test_metrics_expose_sub_millisecond_latency_buckets_and_the_snapshot(pricing: Pricing) -> None:
    await pricing.writer.campaigns.save(percent_off("ten"), status=Status.ACTIVE)
    await pricing.server.catalog.refresh()
    await pricing.evaluate(cart(SHIRT))
    with pytest.raises(aio.AioRpcError):
        await pricing.evaluate(pb.Cart(currency="NOPE"))

    refused = 'kampanya_pricing_rpc_seconds_count{code="INVALID_ARGUMENT",method="EvaluateCart"} 1.0'
    # the server counts a call as its handler ends, which may be just after the client has the answer
    text = await _metrics_with(pricing, refused, timeout=5)

    assert 'kampanya_pricing_rpc_seconds_bucket{code="OK",le="0.0001",method="EvaluateCart"}' in text
    assert refused in text
    version = await pricing.writer.catalog_version()
    assert f"kampanya_pricing_snapshot_version {float(version)}" in text, text
    assert "kampanya_pricing_campaigns_loaded 1.0" in text, text
    assert "kampanya_pricing_snapshot_age_seconds" in text
    assert 'kampanya_pricing_reloads_total{outcome="ok",trigger="start"} 1.0' in text


def _scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as reply:
        text: str = reply.read().decode()
        return text


async def _metrics_with(pricing: Pricing, line: str, *, timeout: float) -> str:
    """The metrics page once it shows `line` (or as it is when `timeout` runs out)."""
    deadline = time.monotonic() + timeout
    while True:
        text = await asyncio.to_thread(_scrape, pricing.server.metrics_port)
        if line in text or time.monotonic() > deadline:
            return text
        await asyncio.sleep(0.02)


async def test_offers_list_the_customers_campaigns_in_their_language_with_hints(pricing: Pricing) -> None:
    await pricing.writer.campaigns.import_all(
        [
            campaign("everyone", {"type": "PERCENTAGE", "value": "10"}, name={"tr": "Herkese %10", "en": "10% off"}),
            campaign("vip", {"type": "PERCENTAGE", "value": "20"}, audience={"segments_any": ["vip"]}),
            campaign("sorry", {"type": "AMOUNT", "value": "50.00"}, kind="COUPON"),
            campaign("big", {"type": "AMOUNT", "value": "100.00"}, condition={"min_order_total": "700.00"}),
        ]
    )
    await pricing.writer.codes.add([CouponCodeSpec(code="SORRY-AYSE", campaign_id="sorry", customer_id="ayse")])
    await pricing.server.catalog.refresh()

    reply = await pricing.stub.ListOffers(
        pb.ListOffersRequest(
            customer=pb.Customer(id="ayse"), channel="mobile", language="tr", cart=cart(line("l1", "A", "650.00"))
        )
    )

    offers = {offer.campaign_id: offer for offer in reply.offers}
    assert sorted(offers) == ["big", "everyone", "sorry"]
    assert offers["everyone"].name == "Herkese %10"
    assert list(offers["sorry"].codes) == ["SORRY-AYSE"]
    # 650.00 less the 10% of "everyone" (an earlier phase) is 585.00: 115.00 short of 700.00
    assert Decimal(offers["big"].hint.missing_amount) == Decimal("115.00")
    assert offers["big"].min_order_total == "700.00"


async def test_offers_refuse_an_unknown_currency(pricing: Pricing) -> None:
    with pytest.raises(aio.AioRpcError) as refused:
        await pricing.stub.ListOffers(pb.ListOffersRequest(currency="XXX"))

    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert _details(refused.value) == (["/currency"], "INVALID_REQUEST")


async def test_a_preview_prices_draft_campaigns_as_if_live_for_that_call_only(pricing: Pricing) -> None:
    await pricing.writer.campaigns.save(percent_off("ten"), status=Status.ACTIVE)
    await pricing.server.catalog.refresh()
    draft = campaign("draft", {"type": "AMOUNT", "value": "5.00"}).model_dump(mode="json", exclude_none=True)
    replaced = campaign("ten", {"type": "PERCENTAGE", "value": "50"}).model_dump(mode="json", exclude_none=True)
    request = pb.EvaluateCartRequest(
        cart=cart(SHIRT), explain=True, preview_campaigns=[json.dumps(draft), json.dumps(replaced)]
    )

    previewed = await pricing.stub.EvaluateCart(request, timeout=5)
    live = await pricing.evaluate(cart(SHIRT))

    assert [(entry.campaign_id, entry.discount) for entry in previewed.result.applied] == [
        ("ten", "50.00"),
        ("draft", "5.00"),
    ]
    assert previewed.result.explain
    assert [entry.campaign_id for entry in live.result.applied] == ["ten"]


async def test_an_invalid_preview_campaign_is_refused_naming_it(pricing: Pricing) -> None:
    broken = json.dumps({"id": "x", "name": {"en": "x"}, "benefit": {"type": "HALF_OFF"}})
    request = pb.EvaluateCartRequest(cart=cart(SHIRT), preview_campaigns=[broken, "{not json"])

    with pytest.raises(aio.AioRpcError) as refused:
        await pricing.stub.EvaluateCart(request, timeout=5)

    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert _details(refused.value)[0] == ["/preview_campaigns/1"]
