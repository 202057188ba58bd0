"""The lifecycle's requests at the pricing core's edge: refunds over successive returns never exceed what
was paid, every bad field of a request is named (BadRequest), no instant or preview document a client can
send ends in INTERNAL, and a refused return writes nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from google.rpc import error_details_pb2, status_pb2
from grpc import aio

from domain.documents.common import Status
from kampanya.pricing.v1 import pricing_pb2 as pb
from tests.builders import campaign
from tests.integration.pricing.harness import Pricing, cart, line, running_pricing

TEN = {"type": "PERCENTAGE", "value": "10"}
HUNDRED_OFF_FROM_200 = {"type": "AMOUNT", "value": "100"}


@pytest.fixture(params=[pytest.param("redis", marks=pytest.mark.redis), "sql"])
async def pricing(request: pytest.FixtureRequest, database_url: str, redis_url: str) -> Any:
    async with running_pricing(database_url, redis_counters=redis_url if request.param == "redis" else None) as core:
        yield core


async def _publish(pricing: Pricing, *documents: Any) -> None:
    for document in documents:
        await pricing.writer.campaigns.save(document, status=Status.ACTIVE)
    await pricing.server.catalog.refresh()


def _details(error: aio.AioRpcError) -> tuple[str, list[str]]:
    """The ErrorInfo reason and the BadRequest field pointers of a refusal."""
    metadata = dict(error.trailing_metadata() or ())
    reason, fields = "", []
    if "grpc-status-details-bin" in metadata:
        status = status_pb2.Status.FromString(metadata["grpc-status-details-bin"])
        for detail in status.details:
            info, bad = error_details_pb2.ErrorInfo(), error_details_pb2.BadRequest()
            if detail.Unpack(info):
                reason = info.reason
            elif detail.Unpack(bad):
                fields = [violation.field for violation in bad.field_violations]
    return reason, fields


async def _refused(call: Any) -> tuple[grpc.StatusCode, str, list[str]]:
    with pytest.raises(aio.AioRpcError) as refused:
        await call
    return (refused.value.code(), *_details(refused.value))


async def _paid_order(pricing: Pricing, order_id: str, *lines: pb.Line) -> pb.ReserveResponse:
    reserved = await pricing.stub.Reserve(
        pb.ReserveRequest(order_id=order_id, cart=cart(*lines, customer=pb.Customer(id="ayse"))), timeout=5
    )
    await pricing.stub.Commit(pb.CommitRequest(order_id=order_id), timeout=5)
    return reserved


def _return(order_id: str, return_id: str, *lines: tuple[str, int]) -> pb.ReturnRequest:
    return pb.ReturnRequest(
        order_id=order_id,
        return_id=return_id,
        lines=[pb.ReturnedLine(line_id=line_id, quantity=quantity) for line_id, quantity in lines],
    )


# -- money -------------------------------------------------------------------------------------------------


async def test_successive_returns_never_refund_more_than_the_order_was_paid(pricing: Pricing) -> None:
    """100.00 off an order of at least 200.00; A 150.00 + B 60.00 is paid 110.00. Returning B first
    refunds 0.00 (the kept A no longer earns the 100.00, so it is priced 150.00); returning A then refunds
    what is left of the 110.00 paid, not A's kept price."""
    await _publish(pricing, campaign("big", HUNDRED_OFF_FROM_200, condition={"min_order_total": "200"}))
    reserved = await _paid_order(pricing, "o1", line("a", "A", "150.00"), line("b", "B", "60.00"))
    assert reserved.result.total == "110.00"

    first = await pricing.stub.Return(_return("o1", "r1", ("b", 1)), timeout=5)
    second = await pricing.stub.Return(_return("o1", "r2", ("a", 1)), timeout=5)

    refunded = Decimal(first.refund) + Decimal(second.refund)
    assert second.status == pb.ORDER_STATUS_RETURNED
    assert refunded <= Decimal(reserved.result.total), (first.refund, second.refund)


async def test_the_order_of_two_returns_does_not_change_the_total_refund(pricing: Pricing) -> None:
    """The same two units returned one by one in either order, or together, give the same refund."""
    await _publish(pricing, campaign("big", HUNDRED_OFF_FROM_200, condition={"min_order_total": "200"}))
    lines = (line("a", "A", "150.00"), line("b", "B", "60.00"))
    await _paid_order(pricing, "together", *lines)
    await _paid_order(pricing, "b-first", *lines)

    together = await pricing.stub.Return(_return("together", "r1", ("a", 1), ("b", 1)), timeout=5)
    b_first = [
        await pricing.stub.Return(_return("b-first", "r1", ("b", 1)), timeout=5),
        await pricing.stub.Return(_return("b-first", "r2", ("a", 1)), timeout=5),
    ]

    assert together.refund == "110.00"
    assert sum(Decimal(answer.refund) for answer in b_first) == Decimal(together.refund)


# -- request checks ----------------------------------------------------------------------------------------


async def test_a_cart_instant_out_of_range_is_invalid_argument_not_internal(pricing: Pricing) -> None:
    """protobuf admits any int64 seconds, more than a calendar holds."""
    bad_now = Timestamp(seconds=2**40)
    priced = pb.EvaluateCartRequest(cart=cart(line("l1", "S", "10.00"), now=bad_now))
    reserved = pb.ReserveRequest(order_id="o1", cart=cart(line("l1", "S", "10.00"), now=bad_now))

    assert await _refused(pricing.stub.EvaluateCart(priced, timeout=5)) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_CART",
        ["/now"],
    )
    code, _, _ = await _refused(pricing.stub.Reserve(reserved, timeout=5))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert await pricing.writer.orders.get("o1") is None


async def test_an_offers_instant_out_of_range_is_invalid_argument_not_internal(pricing: Pricing) -> None:
    request = pb.ListOffersRequest(now=Timestamp(seconds=0, nanos=-1))
    code, _, fields = await _refused(pricing.stub.ListOffers(request, timeout=5))
    assert (code, fields) == (grpc.StatusCode.INVALID_ARGUMENT, ["/now"])


async def test_the_last_representable_instant_with_a_limited_campaign_is_not_internal(pricing: Pricing) -> None:
    """9999-12-31T23:59:59Z is a valid Timestamp, but its day in a time zone east of UTC is past the
    calendar: a cart is priced as of the year 2 to 9998 (the tenant's day counts per-day limits)."""
    await _publish(pricing, campaign("ten", TEN, limits={"total_redemptions": 5}))
    last = Timestamp(seconds=253402300799)
    request = pb.EvaluateCartRequest(cart=cart(line("l1", "S", "10.00"), now=last))
    assert await _refused(pricing.stub.EvaluateCart(request, timeout=5)) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_CART",
        ["/now"],
    )


async def test_a_deeply_nested_preview_campaign_is_invalid_argument_not_internal(pricing: Pricing) -> None:
    """json.loads raises RecursionError (not JSONDecodeError) on deep nesting."""
    request = pb.EvaluateCartRequest(cart=cart(line("l1", "S", "10.00")), preview_campaigns=["[" * 100_000])
    code, _, fields = await _refused(pricing.stub.EvaluateCart(request, timeout=5))
    assert (code, fields) == (grpc.StatusCode.INVALID_ARGUMENT, ["/preview_campaigns/0"])


async def test_every_offending_field_of_a_return_is_listed(pricing: Pricing) -> None:
    """A BadRequest lists every offending field, not the first one checked."""
    request = pb.ReturnRequest(order_id="", return_id="", idempotency_key="k" * 201)
    code, reason, fields = await _refused(pricing.stub.Return(request, timeout=5))
    assert (code, reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_REQUEST")
    assert sorted(fields) == ["/idempotency_key", "/order_id", "/return_id"]


# -- returns -----------------------------------------------------------------------------------------------


async def test_an_invalid_return_names_the_offending_line_in_a_bad_request(pricing: Pricing) -> None:
    """INVALID_RETURN comes with a BadRequest naming the line (by its place in the request) and the field."""
    await _paid_order(pricing, "o1", line("l1", "S", "100.00", quantity=2))

    unknown = await _refused(pricing.stub.Return(_return("o1", "r1", ("l1", 1), ("nope", 1)), timeout=5))
    too_many = await _refused(pricing.stub.Return(_return("o1", "r2", ("l1", 3)), timeout=5))

    assert unknown == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_RETURN", ["/lines/1/line_id"])
    assert too_many == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_RETURN", ["/lines/0/quantity"])


async def test_a_line_named_twice_in_one_return_is_refused(pricing: Pricing) -> None:
    """A line named twice is refused (it was summed, and the answer had fewer lines than the request)."""
    await _publish(pricing, campaign("ten", TEN, limits={"total_redemptions": 5}))
    await _paid_order(pricing, "o1", line("l1", "S", "100.00", quantity=3))

    code, reason, _ = await _refused(pricing.stub.Return(_return("o1", "r1", ("l1", 1), ("l1", 1)), timeout=5))

    assert (code, reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_RETURN")
    assert [entry["kind"] for entry in await pricing.writer.orders.ledger("o1")] == ["HOLD", "COMMIT"]


async def test_a_zero_quantity_is_refused_even_beside_another_entry_of_its_line(pricing: Pricing) -> None:
    """("l1", 0) is refused alone and beside ("l1", 1) (which summed to 1 and let the zero through)."""
    await _publish(pricing, campaign("ten", TEN, limits={"total_redemptions": 5}))
    await _paid_order(pricing, "o1", line("l1", "S", "100.00", quantity=3))

    alone = await _refused(pricing.stub.Return(_return("o1", "r0", ("l1", 0)), timeout=5))
    code, reason, _ = await _refused(pricing.stub.Return(_return("o1", "r1", ("l1", 1), ("l1", 0)), timeout=5))

    assert alone[:2] == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_RETURN")
    assert (code, reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_RETURN")
    assert [entry["kind"] for entry in await pricing.writer.orders.ledger("o1")] == ["HOLD", "COMMIT"]


async def test_every_offending_field_of_a_commit_or_release_is_listed(pricing: Pricing) -> None:
    commit = pb.CommitRequest(order_id="", idempotency_key="k" * 201)
    release = pb.ReleaseRequest(order_id="o" * 201, idempotency_key="k" * 201)

    committed = await _refused(pricing.stub.Commit(commit, timeout=5))
    released = await _refused(pricing.stub.Release(release, timeout=5))

    for refused in (committed, released):
        assert refused[:2] == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_REQUEST")
        assert sorted(refused[2]) == ["/idempotency_key", "/order_id"]
