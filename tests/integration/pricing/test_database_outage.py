"""While the catalog database is unreachable, the pricing core keeps pricing carts from memory, answers the
calls that need the ledger with UNAVAILABLE (reason DATABASE_UNAVAILABLE: retry later or elsewhere), never
INTERNAL, and serves them again once the database is back."""

from __future__ import annotations

import time
from typing import Any

import grpc
import pytest
from grpc import aio

from domain.documents.common import Status
from domain.store import Store
from kampanya.pricing.v1 import pricing_pb2 as pb
from tests.builders import campaign
from tests.integration.pricing.harness import cart, line, running_pricing
from tests.integration.pricing.test_lifecycle_rpc import _refusal

SHIRT = line("l1", "SHIRT", "100.00", quantity=2)


def _reserve(order_id: str) -> pb.ReserveRequest:
    return pb.ReserveRequest(order_id=order_id, cart=cart(SHIRT, customer=pb.Customer(id="c1")))


@pytest.mark.postgres
async def test_an_unreachable_database_is_unavailable_not_internal_and_the_core_recovers(
    proxied_postgres: tuple[str, Any],
) -> None:
    url, proxy = proxied_postgres
    limited = campaign("limited", {"type": "PERCENTAGE", "value": "10"}, limits={"total_redemptions": 10})
    async with running_pricing(url) as pricing:
        await pricing.writer.campaigns.save(limited, status=Status.ACTIVE)
        await pricing.writer.campaigns.save(
            campaign("open", {"type": "PERCENTAGE", "value": "5"}), status=Status.ACTIVE
        )
        await pricing.server.catalog.refresh()
        await pricing.stub.Reserve(_reserve("before"), timeout=5)

        proxy.cut()
        priced = await pricing.evaluate(cart(SHIRT))
        code, reason = await _refusal(pricing.stub.Reserve(_reserve("during"), timeout=5))
        proxy.restore()

        # no limit to read: priced from memory (the limited one fails closed: its counters are in the database)
        assert [entry.campaign_id for entry in priced.result.applied] == ["open"]
        assert (code, reason) == (grpc.StatusCode.UNAVAILABLE, "DATABASE_UNAVAILABLE")
        answer, refusals = await _reserve_once_back(pricing.stub, _reserve("during"), seconds=10)
        assert refusals <= {grpc.StatusCode.UNAVAILABLE}
        assert sorted(entry.campaign_id for entry in answer.result.applied) == ["limited", "open"]
        assert {row["order_id"] for row in await _ledger(pricing.writer)} == {"before", "during"}


async def _reserve_once_back(
    stub: Any, request: pb.ReserveRequest, *, seconds: float
) -> tuple[pb.ReserveResponse, set[grpc.StatusCode]]:
    """Retry the reservation until the core answers it; return the answer and the codes of the refusals."""
    refusals: set[grpc.StatusCode] = set()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            answer: pb.ReserveResponse = await stub.Reserve(request, timeout=5)
            return answer, refusals
        except aio.AioRpcError as error:
            refusals.add(error.code())
    raise AssertionError(f"the core did not recover within {seconds} s (refusals: {refusals})")


async def _ledger(store: Store) -> list[dict[str, Any]]:
    rows = []
    for order_id in ("before", "during"):
        rows += [{"order_id": order_id, **row} for row in await store.orders.ledger(order_id)]
    return rows
