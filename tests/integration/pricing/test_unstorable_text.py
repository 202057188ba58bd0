"""Text that no store can hold (NUL: PostgreSQL refuses it in text and in JSON) sent to the lifecycle RPCs is
refused as a bad request naming the field, and nothing is written: not the order, not its operation, not a
hold in the counters."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from grpc import aio

from domain.documents.common import Status
from kampanya.pricing.v1 import pricing_pb2 as pb
from tests.builders import campaign
from tests.integration.pricing.harness import Pricing, cart, line, running_pricing
from tests.integration.pricing.test_lifecycle_rpc import _reason

TEN = {"type": "PERCENTAGE", "value": "10"}


@pytest.fixture
async def pricing(database_url: str) -> Any:
    async with running_pricing(database_url) as core:
        await core.writer.campaigns.save(campaign("ten", TEN, limits={"total_redemptions": 5}), status=Status.ACTIVE)
        await core.server.catalog.refresh()
        yield core


async def _refused(call: Any) -> tuple[grpc.StatusCode, str, str]:
    with pytest.raises(aio.AioRpcError) as refused:
        await call
    return refused.value.code(), _reason(refused.value), refused.value.details() or ""


async def _written(pricing: Pricing) -> tuple[int, int, int]:
    """Orders, operations and ledger rows in the store (a NUL cannot even be looked up on PostgreSQL)."""
    tables = pricing.writer.database.tables
    with pricing.writer.database.active():
        return (
            await tables.orders.all().count(),
            await tables.operations.all().count(),
            await tables.ledger.all().count(),
        )


def _cart(**customer: Any) -> pb.Cart:
    return cart(line("l1", "SHIRT", "100.00"), customer=pb.Customer(id="ayse", **customer))


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (pb.ReserveRequest(order_id="o\x001", cart=_cart()), "/order_id"),
        (pb.ReserveRequest(order_id="o-key", cart=_cart(), idempotency_key="k\x00"), "/idempotency_key"),
        (
            pb.ReserveRequest(
                order_id="o-customer", cart=cart(line("l1", "SHIRT", "1.00"), customer=pb.Customer(id="ay\x00se"))
            ),
            "/customer/id",
        ),
        (pb.ReserveRequest(order_id="o-segment", cart=_cart(segments=["vip\x00"])), "/customer/segments/0"),
        (pb.ReserveRequest(order_id="o-city", cart=_cart(city="\x00")), "/customer/city"),
    ],
    ids=["order id", "idempotency key", "customer id", "segment", "city"],
)
async def test_a_reserve_with_a_nul_is_refused_naming_the_field_and_writes_nothing(
    pricing: Pricing, request_: pb.ReserveRequest, field: str
) -> None:
    code, reason, message = await _refused(pricing.stub.Reserve(request_, timeout=5))

    assert (code, reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_REQUEST")
    assert field in message
    assert await _written(pricing) == (0, 0, 0)


async def test_commit_release_and_return_with_a_nul_are_refused(pricing: Pricing) -> None:
    await pricing.stub.Reserve(pb.ReserveRequest(order_id="o-1", cart=_cart()), timeout=5)
    await pricing.stub.Commit(pb.CommitRequest(order_id="o-1"), timeout=5)

    calls = [
        (pricing.stub.Commit(pb.CommitRequest(order_id="o-\x00"), timeout=5), "/order_id"),
        (
            pricing.stub.Release(pb.ReleaseRequest(order_id="o-1", idempotency_key="\x00"), timeout=5),
            "/idempotency_key",
        ),
        (
            pricing.stub.Return(
                pb.ReturnRequest(order_id="o-1", return_id="r\x00", lines=[pb.ReturnedLine(line_id="l1", quantity=1)]),
                timeout=5,
            ),
            "/return_id",
        ),
    ]
    for call, field in calls:
        code, reason, message = await _refused(call)
        assert (code, reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_REQUEST"), field
        assert field in message

    assert [entry["kind"] for entry in await pricing.writer.orders.ledger("o-1")] == ["HOLD", "COMMIT"]
    assert await _written(pricing) == (1, 2, 2)  # o-1, its reserve and commit, its hold and commit


async def test_pricing_offers_and_coupons_with_a_nul_are_refused(pricing: Pricing) -> None:
    calls = [
        (pricing.stub.EvaluateCart(pb.EvaluateCartRequest(cart=_cart(country="T\x00")), timeout=5), "/cart/customer"),
        (pricing.stub.ListOffers(pb.ListOffersRequest(customer=pb.Customer(id="\x00")), timeout=5), "/customer/id"),
        (
            pricing.stub.ApplyCoupon(
                pb.ApplyCouponRequest(cart=_cart(), code="HELLO\x00", client_address="10.0.0.1"), timeout=5
            ),
            "/code",
        ),
    ]
    for call, field in calls:
        code, reason, message = await _refused(call)
        assert (code, reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_REQUEST"), field
        assert field in message
    assert await _written(pricing) == (0, 0, 0)
