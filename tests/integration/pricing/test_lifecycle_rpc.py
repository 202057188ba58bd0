"""Reserve, Commit, Release, Return and ApplyCoupon over gRPC on a real pricing core: the answers, the
statuses and reasons of refusals, idempotency, the TTL sweeper, limits seen by every core at once, and the
coupon box's attempt limit."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2, status_pb2
from grpc import aio

from domain.documents.catalog import CouponCodeSpec
from domain.documents.common import Status
from kampanya.pricing.v1 import pricing_pb2 as pb
from tests.builders import campaign
from tests.integration.pricing.harness import Pricing, cart, line, running_pricing

SHIRT = line("l1", "SHIRT", "100.00", quantity=2)
TEN = {"type": "PERCENTAGE", "value": "10"}


def _buyer(customer: str, *lines: pb.Line) -> pb.Cart:
    return cart(*(lines or (SHIRT,)), customer=pb.Customer(id=customer))


def _reason(error: aio.AioRpcError) -> str:
    status = status_pb2.Status.FromString(dict(error.trailing_metadata())["grpc-status-details-bin"])
    for detail in status.details:
        info = error_details_pb2.ErrorInfo()
        if detail.Unpack(info):
            return str(info.reason)
    return ""


async def _refusal(call: Any) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(aio.AioRpcError) as refused:
        await call
    return refused.value.code(), _reason(refused.value)


async def _publish(pricing: Pricing, *documents: Any, codes: tuple[CouponCodeSpec, ...] = ()) -> None:
    for document in documents:
        await pricing.writer.campaigns.save(document, status=Status.ACTIVE)
    if codes:
        await pricing.writer.codes.add(list(codes))
    await pricing.server.catalog.refresh()


@pytest.fixture(params=[pytest.param("redis", marks=pytest.mark.redis), "sql"])
async def pricing(request: pytest.FixtureRequest, database_url: str, redis_url: str) -> Any:
    """A pricing core counting limits in Redis, then in the database (SQLite, PostgreSQL)."""
    async with running_pricing(database_url, redis_counters=redis_url if request.param == "redis" else None) as core:
        yield core


async def test_an_order_is_reserved_committed_and_partly_returned_with_every_step_in_the_ledger(
    pricing: Pricing,
) -> None:
    await _publish(pricing, campaign("ten", TEN, limits={"total_redemptions": 5}))

    reserved = await pricing.stub.Reserve(pb.ReserveRequest(order_id="o1", cart=_buyer("ayse")), timeout=5)
    committed = await pricing.stub.Commit(pb.CommitRequest(order_id="o1"), timeout=5)
    returned = await pricing.stub.Return(
        pb.ReturnRequest(order_id="o1", return_id="r1", lines=[pb.ReturnedLine(line_id="l1", quantity=1)]),
        timeout=5,
    )

    assert (reserved.order_id, reserved.result.total, reserved.result.applied[0].campaign_id) == ("o1", "180.00", "ten")
    assert reserved.expires_at.seconds > 0
    assert committed.status == pb.ORDER_STATUS_COMMITTED
    assert (returned.refund, [line.refund for line in returned.lines]) == ("90.00", ["90.00"])
    assert returned.status == pb.ORDER_STATUS_COMMITTED
    assert returned.kept.total == "90.00"
    ledger = await pricing.writer.orders.ledger("o1")
    assert [entry["kind"] for entry in ledger] == ["HOLD", "COMMIT", "RETURN"]


async def test_a_repeated_reserve_answers_the_same_and_another_payload_or_key_is_refused(pricing: Pricing) -> None:
    await _publish(pricing, campaign("ten", TEN, limits={"total_redemptions": 5}))
    request = pb.ReserveRequest(order_id="o1", cart=_buyer("ayse"), idempotency_key="k1")

    first = await pricing.stub.Reserve(request, timeout=5)
    again = await asyncio.gather(*(pricing.stub.Reserve(request, timeout=5) for _ in range(5)))
    other_cart = pb.ReserveRequest(
        order_id="o1", cart=_buyer("ayse", line("l1", "SHIRT", "90.00")), idempotency_key="k1"
    )
    other_key = pb.ReserveRequest(order_id="o1", cart=_buyer("ayse"), idempotency_key="k2")

    assert all(answer == first for answer in again)
    mismatch = (grpc.StatusCode.FAILED_PRECONDITION, "IDEMPOTENCY_MISMATCH")
    assert await _refusal(pricing.stub.Reserve(other_cart, timeout=5)) == mismatch
    assert await _refusal(pricing.stub.Reserve(other_key, timeout=5)) == mismatch
    assert [entry["kind"] for entry in await pricing.writer.orders.ledger("o1")] == ["HOLD"]


async def test_lifecycle_calls_out_of_order_are_refused_with_a_status_and_a_reason(pricing: Pricing) -> None:
    await _publish(pricing, campaign("ten", TEN, limits={"total_redemptions": 5}))
    await pricing.stub.Reserve(pb.ReserveRequest(order_id="paid", cart=_buyer("ayse")), timeout=5)
    await pricing.stub.Commit(pb.CommitRequest(order_id="paid"), timeout=5)

    assert await _refusal(pricing.stub.Commit(pb.CommitRequest(order_id="nowhere"), timeout=5)) == (
        grpc.StatusCode.NOT_FOUND,
        "ORDER_NOT_FOUND",
    )
    assert await _refusal(pricing.stub.Release(pb.ReleaseRequest(order_id="paid"), timeout=5)) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "ORDER_STATE",
    )
    too_many = pb.ReturnRequest(order_id="paid", return_id="r1", lines=[pb.ReturnedLine(line_id="l1", quantity=3)])
    assert await _refusal(pricing.stub.Return(too_many, timeout=5)) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_RETURN",
    )
    assert await _refusal(pricing.stub.Reserve(pb.ReserveRequest(order_id="", cart=_buyer("a")), timeout=5)) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_REQUEST",
    )
    assert await _refusal(pricing.stub.Commit(pb.CommitRequest(order_id="x", idempotency_key="k" * 201))) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_REQUEST",
    )


async def test_a_used_up_campaign_stops_applying_and_shows_limit_reached(pricing: Pricing) -> None:
    await _publish(pricing, campaign("once", TEN, limits={"total_redemptions": 1}))
    await pricing.stub.Reserve(pb.ReserveRequest(order_id="o1", cart=_buyer("a")), timeout=5)
    await pricing.stub.Commit(pb.CommitRequest(order_id="o1"), timeout=5)

    priced = await pricing.evaluate(_buyer("b"))
    reserved = await pricing.stub.Reserve(pb.ReserveRequest(order_id="o2", cart=_buyer("b")), timeout=5)

    assert priced.result.discount_total == reserved.result.discount_total == "0.00"
    assert [(skip.campaign_id, skip.reason) for skip in priced.result.skipped] == [
        ("once", pb.SKIP_REASON_LIMIT_REACHED)
    ]


async def test_a_used_up_campaign_is_no_longer_offered(pricing: Pricing) -> None:
    await _publish(pricing, campaign("once", TEN, limits={"total_redemptions": 1}), campaign("always", TEN))
    request = pb.ListOffersRequest(customer=pb.Customer(id="b"), language="en")
    before = await pricing.stub.ListOffers(request, timeout=5)
    await pricing.stub.Reserve(pb.ReserveRequest(order_id="o1", cart=_buyer("a")), timeout=5)

    after = await pricing.stub.ListOffers(request, timeout=5)

    assert [offer.campaign_id for offer in before.offers] == ["always", "once"]
    assert [offer.campaign_id for offer in after.offers] == ["always"]


async def test_the_server_expires_a_reservation_never_committed_and_its_slot_is_usable_again(
    database_url: str, redis_url: str
) -> None:
    async with running_pricing(
        database_url, redis_counters=redis_url, reservation_ttl=0.3, sweep_interval=0.1
    ) as pricing:
        await _publish(pricing, campaign("once", TEN, limits={"total_redemptions": 1}))
        await pricing.stub.Reserve(pb.ReserveRequest(order_id="slow", cart=_buyer("a")), timeout=5)
        assert (await pricing.evaluate(_buyer("b"))).result.discount_total == "0.00"

        async def applies_again() -> bool:
            return (await pricing.evaluate(_buyer("b"))).result.discount_total == "20.00"

        await pricing.seconds_until(applies_again, timeout=3)
        order = await pricing.writer.orders.get("slow")
        assert order is not None
        assert order.status.value == "EXPIRED"


async def test_a_limit_used_up_through_one_core_stops_the_campaign_on_every_core(
    database_url: str, redis_url: str
) -> None:
    prefix = f"kampanya-test-{secrets.token_hex(6)}"
    async with (
        running_pricing(database_url, redis_counters=redis_url, counters_prefix=prefix) as first,
        running_pricing(database_url, redis_counters=redis_url, counters_prefix=prefix) as second,
    ):
        await _publish(first, campaign("once", TEN, limits={"total_redemptions": 1}))
        await second.server.catalog.refresh()
        await first.stub.Reserve(pb.ReserveRequest(order_id="o1", cart=_buyer("a")), timeout=5)

        priced = await second.evaluate(_buyer("b"))

        assert [(skip.campaign_id, skip.reason) for skip in priced.result.skipped] == [
            ("once", pb.SKIP_REASON_LIMIT_REACHED)
        ]


async def test_refused_codes_get_one_answer_and_too_many_refusals_lock_the_customer_and_the_address(
    database_url: str, redis_url: str
) -> None:
    async with running_pricing(database_url, redis_counters=redis_url, coupon_attempts=3) as pricing:
        coupon = campaign("welcome", TEN, kind="COUPON")
        expired = campaign("old", TEN, kind="COUPON", schedule={"ends_at": "2020-01-01T00:00:00Z"})
        await _publish(
            pricing,
            coupon,
            expired,
            codes=(
                CouponCodeSpec(code="WELCOME10", campaign_id="welcome"),
                CouponCodeSpec(code="OLD", campaign_id="old"),
            ),
        )

        def attempt(code: str, *, customer: str = "ayse", address: str = "10.0.0.1") -> Any:
            request = pb.ApplyCouponRequest(cart=_buyer(customer), code=code, client_address=address)
            return pricing.stub.ApplyCoupon(request, timeout=5)

        good = await attempt("welcome10")
        refusals = [await attempt(code) for code in ("NOPE", "OLD", "GUESS")]
        locked = await _refusal(attempt("WELCOME10"))
        same_address = await _refusal(attempt("WELCOME10", customer="mehmet"))
        elsewhere = await attempt("WELCOME10", customer="mehmet", address="10.0.0.2")

        assert (good.accepted, good.result.discount_total) == (True, "20.00")
        assert {(answer.accepted, answer.message, answer.result.discount_total) for answer in refusals} == {
            (False, "This code cannot be used on this cart.", "0.00")
        }
        assert all(not answer.result.rejected_coupons for answer in refusals)
        assert locked == same_address == (grpc.StatusCode.RESOURCE_EXHAUSTED, "TOO_MANY_ATTEMPTS")
        assert elsewhere.accepted


async def test_a_coupon_attempt_without_a_client_address_is_refused(pricing: Pricing) -> None:
    request = pb.ApplyCouponRequest(cart=_buyer("a"), code="X")
    assert await _refusal(pricing.stub.ApplyCoupon(request, timeout=5)) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_REQUEST",
    )


async def test_a_shoppers_offers_count_the_codes_of_the_cart_as_attempts(database_url: str) -> None:
    async with running_pricing(database_url, coupon_attempts=3) as pricing:
        await _publish(pricing, campaign("welcome", TEN, kind="COUPON", codes=["WELCOME10"]))

        def offers(*codes: str, address: str = "10.0.0.1") -> Any:
            shopper = cart(SHIRT, customer=pb.Customer(id="ayse"), coupons=list(codes))
            request = pb.ListOffersRequest(customer=pb.Customer(id="ayse"), cart=shopper, client_address=address)
            return pricing.stub.ListOffers(request, timeout=5)

        known = [await offers("WELCOME10") for _ in range(5)]  # known codes are no failure
        guesses = [await offers(code) for code in ("NOPE", "GUESS", "OTHER")]
        locked = await _refusal(offers("WELCOME10"))
        trusted = await pricing.stub.ListOffers(  # a checkout service's call (no address) is not a shopper's
            pb.ListOffersRequest(cart=cart(SHIRT, coupons=["NOPE"])), timeout=5
        )
        bad_address = await _refusal(offers("NOPE", address="x" * 201))

    assert len(known) == 5
    assert len(guesses) == 3
    assert locked == (grpc.StatusCode.RESOURCE_EXHAUSTED, "TOO_MANY_ATTEMPTS")
    assert trusted.catalog_version > 0
    assert bad_address == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_REQUEST")
