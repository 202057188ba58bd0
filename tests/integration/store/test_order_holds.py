"""The order book's hold: an order the checkout did not find is inserted without looking first, and one stored
meanwhile (a reserve taken over while its first run still went on) is updated instead, never failing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from domain.checkout.orders import Order, OrderStatus
from domain.limits import Claim, LimitRule
from domain.store import Store

AT = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def _order(order_id: str, *, discount: int, channel: str) -> Order:
    rule = LimitRule("summer", total_redemptions=100, budget_discount=1_000_000)
    return Order(
        order_id=order_id,
        status=OrderStatus.PENDING,
        cart={"currency": "TRY", "channel": channel, "lines": []},
        result={"currency": "TRY", "subtotal": "100.00", "discount_total": f"{discount / 100:.2f}"},
        campaigns=[],
        codes={},
        policy={},
        priced_at=AT,
        expires_at=AT + timedelta(minutes=15),
        claims=[Claim(rule, discount=discount, customer_id="c-1")],
        catalog_version=1,
    )


async def test_a_new_order_is_inserted_with_its_holds(store: Store) -> None:
    await store.orders.hold(_order("o-new", discount=1000, channel="web"), stored=False)

    order = await store.orders.get("o-new")
    assert order is not None
    assert order.status is OrderStatus.PENDING
    assert order.cart["channel"] == "web"
    assert [(entry["kind"], entry["held"]) for entry in await store.orders.ledger("o-new")] == [("HOLD", [1, 1000, 0])]


async def test_an_order_stored_meanwhile_is_updated_instead_and_nothing_is_lost(store: Store) -> None:
    await store.orders.hold(_order("o-twice", discount=1000, channel="web"), stored=False)

    await store.orders.hold(_order("o-twice", discount=2500, channel="mobile"), stored=False)

    order = await store.orders.get("o-twice")
    assert order is not None
    assert order.cart["channel"] == "mobile"
    assert order.result["discount_total"] == "25.00"
    assert [entry["held"] for entry in await store.orders.ledger("o-twice")] == [[1, 1000, 0], [1, 2500, 0]]


async def test_an_order_that_claims_nothing_is_inserted_without_ledger_entries(store: Store) -> None:
    await store.orders.hold(replace(_order("o-free", discount=0, channel="web"), claims=[]), stored=False)

    order = await store.orders.get("o-free")
    assert order is not None
    assert (order.status, order.claims) == (OrderStatus.PENDING, [])
    assert await store.orders.ledger("o-free") == []


async def test_an_order_document_keeps_integers_beyond_64_bits_and_any_text_exactly(store: Store) -> None:
    # orjson writes the documents but cannot write an integer beyond 64 bits (json does, and reads it back
    # exactly); the customer's order count is not bounded by the contract
    huge = 2**70 + 1
    cart = {"currency": "TRY", "lines": [], "customer": {"orders_count": huge, "city": "İzmir ğüşöç 🎁 \u2028"}}
    order = replace(_order("o-huge", discount=1000, channel="web"), cart=cart)
    await store.orders.hold(order, stored=False)
    await store.orders.hold(replace(order, result={**order.result, "total": "90.00"}), stored=True)

    found = await store.orders.get("o-huge")
    assert found is not None
    assert found.cart == cart
    assert type(found.cart["customer"]["orders_count"]) is int
    assert found.result["total"] == "90.00"
