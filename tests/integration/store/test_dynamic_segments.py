"""Dynamic segments: membership follows the customer's changes (upsert, import, placed orders, a committed
checkout), follows time on a bulk recompute, and every change bumps the membership version that pricing
cores reload the changed customers by."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest

from domain.customers import PlacedOrder
from domain.documents.catalog import CustomerProfile, Segment
from domain.imports import ImportFormat, customer_rows
from domain.segments import parse_rule
from domain.store import Store
from domain.store.errors import DynamicSegment

LOYAL = parse_rule({"conditions": [{"kind": "orders_in_days", "days": 90, "at_least": 5}]})
BIG = parse_rule({"conditions": [{"kind": "total_spent", "more_than": "10000"}]})
LAPSED = parse_rule({"conditions": [{"kind": "last_order_before_days", "days": 30}]})
ANKARA_GOLD = parse_rule(
    {
        "match": "ALL",
        "conditions": [
            {"kind": "city_in", "cities": ["Ankara", "İzmir"]},
            {
                "kind": "group",
                "match": "ANY",
                "conditions": [
                    {"kind": "attribute_equals", "key": "tier", "value": "gold"},
                    {"kind": "consent", "channel": "sms"},
                ],
            },
        ],
    }
)


def order(order_id: str, customer_id: str, at: datetime, total: str = "100.00") -> PlacedOrder:
    return PlacedOrder(order_id=order_id, customer_id=customer_id, currency="TRY", total=total, at=at)


async def test_membership_follows_upserts_and_imports(store: Store) -> None:
    await store.segments.upsert(Segment(id="ankara-gold", name="Ankara gold", rule=ANKARA_GOLD))
    await store.customers.upsert(CustomerProfile(id="c-1", city="Ankara", attributes={"tier": "gold"}))
    await store.customers.upsert(CustomerProfile(id="c-2", city="Ankara"))
    assert await store.segments.members("ankara-gold") == ["c-1"]

    report = await store.customers.import_rows(
        customer_rows(io.StringIO("id,consent_sms\nc-2,yes\n"), ImportFormat.CSV)
    )
    moved = await store.customers.upsert(CustomerProfile(id="c-1", city="Bursa", attributes={"tier": "gold"}))

    assert report.stored == 1
    assert await store.segments.members("ankara-gold") == ["c-2"]
    assert moved.segments == []
    assert await store.segments.size("ankara-gold") == 1


async def test_membership_follows_orders_and_time(store: Store) -> None:
    now = datetime.now(UTC)
    for segment_id, rule in (("loyal", LOYAL), ("big", BIG), ("lapsed", LAPSED)):
        await store.segments.upsert(Segment(id=segment_id, name=segment_id, rule=rule))
    for index in range(4):
        await store.customers.place(order(f"o-{index}", "c-1", now - timedelta(days=10 + index)))
    assert await store.segments.of_customer("c-1") == []

    await store.customers.place(order("o-4", "c-1", now - timedelta(days=1), total="9700.00"))
    assert await store.segments.of_customer("c-1") == ["big", "loyal"]

    moved = await store.segments.recompute(now=now + timedelta(days=100))
    assert moved == 2
    assert await store.segments.of_customer("c-1") == ["big", "lapsed"]


async def test_a_changed_rule_recomputes_its_segment_over_every_customer(store: Store) -> None:
    for index in range(5):
        await store.customers.upsert(CustomerProfile(id=f"c-{index}", city="Ankara" if index % 2 else "İzmir"))
    await store.segments.upsert(
        Segment(id="city", name="City", rule=parse_rule({"conditions": [{"kind": "city_in", "cities": ["ANKARA"]}]}))
    )
    assert await store.segments.members("city") == ["c-1", "c-3"]

    await store.segments.upsert(
        Segment(id="city", name="City", rule=parse_rule({"conditions": [{"kind": "city_in", "cities": ["İzmir"]}]}))
    )

    assert await store.segments.members("city") == ["c-0", "c-2", "c-4"]
    assert await store.segments.members("city", after="c-0", limit=1) == ["c-2"]
    stored = await store.segments.get("city")
    assert stored is not None
    assert stored.rule is not None


async def test_members_of_a_dynamic_segment_cannot_be_listed_by_hand(store: Store) -> None:
    await store.segments.upsert(Segment(id="big", name="Big", rule=BIG))

    with pytest.raises(DynamicSegment):
        await store.segments.add_members("big", ["c-1"])
    with pytest.raises(DynamicSegment):
        await store.segments.remove_members("big", ["c-1"])


async def test_every_membership_change_bumps_the_version_and_names_the_changed_customers(store: Store) -> None:
    await store.segments.upsert(Segment(id="vip", name="VIP"))
    await store.segments.upsert(Segment(id="big", name="Big", rule=BIG))
    start = await store.segments.membership_version()

    await store.segments.add_members("vip", ["c-1", "c-2"])
    after_add = await store.segments.membership_version()
    await store.customers.upsert(CustomerProfile(id="c-3", total_spent="20000"))
    await store.customers.upsert(CustomerProfile(id="c-4"))
    after_upserts = await store.segments.membership_version()
    await store.segments.remove_members("vip", ["c-1"])

    changes = await store.segments.membership_since(after_add)
    everything = await store.segments.membership_since(None)
    assert after_add == start + 1
    assert after_upserts == after_add + 1, "an upsert that changes no membership bumps nothing"
    assert changes.segments == {"c-3": frozenset({"big"}), "c-1": frozenset()}
    assert everything.complete
    assert everything.segments == {"c-2": frozenset({"vip"}), "c-3": frozenset({"big"})}
    assert everything.version == changes.version == after_upserts + 1
