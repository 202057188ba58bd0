"""Customers: profile and attributes as written, segments from membership, order statistics that add up."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from domain.documents.catalog import CustomerProfile, Segment
from domain.store import Store

ISTANBUL = timezone(timedelta(hours=3))


async def test_a_profile_reads_back_with_the_segments_of_its_memberships(store: Store) -> None:
    await store.segments.upsert(Segment(id="vip", name="VIP"))
    await store.segments.add_members("vip", ["c-ayse"])
    profile = CustomerProfile(
        id="c-ayse",
        name="Ayşe",
        email="ayse@example.com",
        country="TR",
        city="İstanbul",
        attributes={"tier": "gold"},
        segments=["ignored"],
        orders_count=3,
        total_spent="1500.50",
        last_order_at=datetime(2026, 11, 20, 18, 30, tzinfo=ISTANBUL),
    )

    stored = await store.customers.upsert(profile)

    assert stored == profile.model_copy(update={"segments": ["vip"]})
    assert await store.customers.get("c-ayse") == stored


async def test_upsert_replaces_the_profile(store: Store) -> None:
    await store.customers.upsert(CustomerProfile(id="c-ayse", city="Ankara", attributes={"tier": "gold"}))

    stored = await store.customers.upsert(CustomerProfile(id="c-ayse", city="İzmir"))

    assert (stored.city, stored.attributes) == ("İzmir", {})


async def test_an_unknown_customer_is_none(store: Store) -> None:
    assert await store.customers.get("ghost") is None


async def test_recording_an_order_counts_it_and_creates_an_unknown_customer(store: Store) -> None:
    placed = datetime(2026, 11, 22, 13, 0, tzinfo=ISTANBUL)

    first = await store.customers.record_order("c-new", total=Decimal("99.90"), at=placed)
    second = await store.customers.record_order("c-new", total=Decimal("0.10"), at=placed + timedelta(days=1))

    assert (first.orders_count, first.total_spent, first.last_order_at) == (1, Decimal("99.90"), placed)
    assert (second.orders_count, second.total_spent) == (2, Decimal("100.00"))
    assert second.last_order_at == placed + timedelta(days=1)
    assert await store.customers.get("c-new") == second


async def test_an_order_recorded_late_does_not_move_the_last_order_back(store: Store) -> None:
    latest = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    await store.customers.record_order("c-ayse", total=Decimal("10"), at=latest)

    stored = await store.customers.record_order("c-ayse", total=Decimal("7.25"), at=latest - timedelta(hours=1))

    assert (stored.orders_count, stored.total_spent, stored.last_order_at) == (2, Decimal("17.25"), latest)
    assert stored.last_order_total == Decimal("10")


async def test_twenty_concurrent_orders_add_up_exactly(store: Store) -> None:
    await store.customers.upsert(CustomerProfile(id="c-busy", total_spent="0.01"))
    placed = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)

    await asyncio.gather(
        *(
            store.customers.record_order("c-busy", total=Decimal(f"{index}.01"), at=placed + timedelta(seconds=index))
            for index in range(20)
        )
    )

    stored = await store.customers.get("c-busy")
    assert stored is not None
    assert (stored.orders_count, stored.total_spent) == (20, Decimal("190.21"))
    assert stored.last_order_at == placed + timedelta(seconds=19)
