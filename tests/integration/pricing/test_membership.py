"""Segment membership in the pricing core: loaded at start, reloaded incrementally by the membership version
after a customer changes (an order placed, a checkout committed, a static list edited), merged with the
segments the caller passes in the cart."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from domain.customers import PlacedOrder
from domain.documents.catalog import CustomerProfile, Segment
from domain.documents.common import Status
from domain.segments import parse_rule
from kampanya.pricing.v1 import pricing_pb2 as pb
from tests.builders import campaign
from tests.integration.pricing.harness import Pricing, cart, line, running_pricing

BIG_SPENDERS = parse_rule({"conditions": [{"kind": "total_spent", "more_than": "1000"}]})
SHIRT = line("l1", "SHIRT", "600.00", quantity=2)


def shopper(customer_id: str, *segments: str) -> pb.Cart:
    return cart(SHIRT, customer=pb.Customer(id=customer_id, segments=list(segments)))


async def _publish(pricing: Pricing, *documents: Any) -> None:
    for document in documents:
        await pricing.writer.campaigns.save(document, status=Status.ACTIVE)
    await pricing.server.catalog.refresh()


async def test_a_campaign_for_a_dynamic_segment_applies_once_the_customers_order_puts_them_in_it(
    database_url: str,
) -> None:
    async with running_pricing(database_url, poll_interval=0.05) as pricing:
        writer = pricing.writer
        await writer.segments.upsert(Segment(id="big", name="Big spenders", rule=BIG_SPENDERS))
        await _publish(
            pricing,
            campaign("big-10", {"type": "PERCENTAGE", "value": "10"}, audience={"segments_any": ["big"]}),
        )
        await writer.customers.upsert(CustomerProfile(id="c-1"))
        assert await pricing.applied(shopper("c-1")) == []

        await writer.customers.place(
            PlacedOrder(order_id="shop-1", customer_id="c-1", currency="TRY", total="1500.00", at=datetime.now(UTC))
        )

        async def applies() -> bool:
            return await pricing.applied(shopper("c-1")) == ["big-10"]

        assert await pricing.seconds_until(applies, timeout=3) < 1
        assert pricing.server.membership.of("c-1") == {"big"}


async def test_a_committed_checkout_counts_the_order_and_moves_the_customer_into_the_segment(
    database_url: str,
) -> None:
    async with running_pricing(database_url, poll_interval=0.05) as pricing:
        writer = pricing.writer
        await writer.segments.upsert(Segment(id="big", name="Big spenders", rule=BIG_SPENDERS))
        await _publish(
            pricing,
            campaign("big-10", {"type": "PERCENTAGE", "value": "10"}, audience={"segments_any": ["big"]}),
        )
        await pricing.stub.Reserve(pb.ReserveRequest(order_id="o-1", cart=shopper("c-2")), timeout=5)
        await pricing.stub.Commit(pb.CommitRequest(order_id="o-1"), timeout=5)
        await pricing.stub.Commit(pb.CommitRequest(order_id="o-1"), timeout=5)

        profile = await writer.customers.get("c-2")
        assert profile is not None
        assert (profile.orders_count, str(profile.total_spent), profile.segments) == (1, "1200.00", ["big"])
        placed = await writer.customers.placed_orders("c-2")
        assert [(order.order_id, order.currency, order.campaign_ids) for order in placed] == [("o-1", "TRY", [])]

        async def applies() -> bool:
            return await pricing.applied(shopper("c-2")) == ["big-10"]

        assert await pricing.seconds_until(applies, timeout=3) < 1


async def test_stored_membership_is_merged_with_the_segments_the_cart_names(database_url: str) -> None:
    async with running_pricing(database_url, poll_interval=0.05) as pricing:
        writer = pricing.writer
        await writer.segments.upsert(Segment(id="vip", name="VIP"))
        await writer.segments.add_members("vip", ["c-3"])
        await _publish(
            pricing,
            campaign("vip-students", {"type": "PERCENTAGE", "value": "10"}, audience={"segments_any": ["vip"]}),
            campaign("not-staff", {"type": "AMOUNT", "value": "5.00"}, audience={"segments_none": ["staff", "vip"]}),
        )
        await pricing.server.membership.refresh()

        assert await pricing.applied(shopper("c-3")) == ["vip-students"]
        assert await pricing.applied(shopper("c-4", "vip")) == ["vip-students"]
        assert await pricing.applied(shopper("c-4")) == ["not-staff"]

        await writer.segments.remove_members("vip", ["c-3"])
        await pricing.server.membership.refresh()

        assert await pricing.applied(shopper("c-3")) == ["not-staff"]
        assert len(pricing.server.membership) == 0


async def test_a_reserve_retried_after_the_customers_membership_changed_gets_its_first_answer(
    database_url: str,
) -> None:
    async with running_pricing(database_url, poll_interval=0.05) as pricing:
        writer = pricing.writer
        await writer.segments.upsert(Segment(id="big", name="Big spenders", rule=BIG_SPENDERS))
        await writer.segments.upsert(Segment(id="vip", name="VIP"))
        await _publish(
            pricing,
            campaign("big-10", {"type": "PERCENTAGE", "value": "10"}, audience={"segments_any": ["big", "vip"]}),
        )
        await writer.customers.upsert(CustomerProfile(id="c-5"))
        request = pb.ReserveRequest(order_id="o-5", cart=shopper("c-5", "students"), idempotency_key="k-5")
        first = await pricing.stub.Reserve(request, timeout=5)
        assert [entry.campaign_id for entry in first.result.applied] == []

        # the customer moves into a dynamic and a static segment between the call and its retry
        await writer.customers.place(
            PlacedOrder(order_id="shop-5", customer_id="c-5", currency="TRY", total="1500.00", at=datetime.now(UTC))
        )
        await writer.segments.add_members("vip", ["c-5"])
        await pricing.server.membership.refresh()  # (or the 50 ms poll was there first)
        assert pricing.server.membership.of("c-5") == {"big", "vip"}

        retried = await pricing.stub.Reserve(request, timeout=5)

        assert retried == first
        assert await pricing.applied(shopper("c-5")) == ["big-10"]
