"""The order book's settlement: the database sums what an order holds per campaign and writes it back (and,
for a commit, as used) under the keys of the campaign's latest entry, in the transaction that moves the order;
a commit places the order for its customer from the facts the move reads off the stored document."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from domain.checkout.orders import Busy, Mismatch, Order, OrderStatus, Replay, Started
from domain.limits import Claim, LimitRule
from domain.store import Store

AT = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
SUMMER = LimitRule("summer", total_redemptions=100, budget_discount=1_000_000)
SHIPPING = LimitRule("shipping", per_customer=1)


def _order(order_id: str, claims: list[Claim], *, customer: str | None = "c-1") -> Order:
    cart: dict[str, object] = {"currency": "TRY", "channel": "web", "lines": []}
    if customer is not None:
        cart["customer"] = {"id": customer}
    return Order(
        order_id=order_id,
        status=OrderStatus.PENDING,
        cart=cart,
        result={
            "currency": "TRY",
            "subtotal": "100.00",
            "discount_total": "25.00",
            "shipping": "29.90",
            "shipping_discount": "29.90",
            "total": "75.00",
            "applied": [{"campaign_id": "summer", "discount": "25.00"}, {"campaign_id": "shipping"}],
        },
        campaigns=[],
        codes={},
        policy={},
        priced_at=AT,
        expires_at=AT + timedelta(minutes=15),
        claims=claims,
        catalog_version=1,
    )


def _steps(entries: list[dict[str, object]]) -> list[tuple[object, ...]]:
    return [(entry["kind"], entry["campaign_id"], entry["held"], entry["used"]) for entry in entries]


async def test_a_commit_turns_the_net_held_of_each_campaign_into_use_under_its_latest_keys(store: Store) -> None:
    first = [Claim(SUMMER, discount=1000, customer_id="c-1", day="2026-11-01"), Claim(SHIPPING, customer_id="c-1")]
    await store.orders.hold(_order("o-1", first), stored=False)
    assert await store.orders.settle("o-1", OrderStatus.PENDING, kind="RELEASE", expected={OrderStatus.PENDING})
    again = [Claim(SUMMER, discount=2500, order_value=7500, customer_id="c-1", day="2026-11-02")]
    await store.orders.hold(_order("o-1", again))

    moved = await store.orders.settle("o-1", OrderStatus.COMMITTED, kind="COMMIT", expected={OrderStatus.PENDING})

    assert moved
    assert _steps(list(await store.orders.ledger("o-1"))) == [
        ("HOLD", "summer", [1, 1000, 0], [0, 0, 0]),
        ("HOLD", "shipping", [1, 0, 0], [0, 0, 0]),
        ("RELEASE", "summer", [-1, -1000, 0], [0, 0, 0]),
        ("RELEASE", "shipping", [-1, 0, 0], [0, 0, 0]),
        ("HOLD", "summer", [1, 2500, 7500], [0, 0, 0]),
        ("COMMIT", "summer", [-1, -2500, -7500], [1, 2500, 7500]),
    ]
    assert list(await store.orders.net_used("o-1")) == again
    order = await store.orders.get("o-1")
    assert order is not None
    assert order.status is OrderStatus.COMMITTED


async def test_a_commit_places_the_order_for_its_customer_once(store: Store) -> None:
    await store.orders.hold(_order("o-2", [Claim(SUMMER, discount=2500, customer_id="c-2")], customer="c-2"))

    assert await store.orders.settle("o-2", OrderStatus.COMMITTED, kind="COMMIT", expected={OrderStatus.PENDING})
    assert not await store.orders.settle("o-2", OrderStatus.COMMITTED, kind="COMMIT", expected={OrderStatus.PENDING})

    [placed] = await store.customers.placed_orders("c-2")
    assert (placed.order_id, placed.currency, placed.total, placed.discount, placed.channel, placed.campaign_ids) == (
        "o-2",
        "TRY",
        Decimal("75.00"),
        Decimal("54.90"),
        "web",
        ["summer", "shipping"],
    )
    profile = await store.customers.get("c-2")
    assert profile is not None
    assert (profile.orders_count, profile.total_spent) == (1, Decimal("75.00"))
    assert profile.last_order_total == Decimal("75.00")


async def test_an_order_in_another_status_is_left_as_it_was(store: Store) -> None:
    await store.orders.hold(_order("o-3", [Claim(SUMMER, discount=1000, customer_id="c-3")], customer="c-3"))

    moved = await store.orders.settle("o-3", OrderStatus.COMMITTED, kind="COMMIT", expected={OrderStatus.RESERVED})
    released = await store.orders.settle("o-3", OrderStatus.RELEASED, kind="RELEASE", expected={OrderStatus.RESERVED})

    assert (moved, released) == (False, False)
    assert _steps(list(await store.orders.ledger("o-3"))) == [("HOLD", "summer", [1, 1000, 0], [0, 0, 0])]
    assert await store.customers.placed_orders("c-3") == []
    order = await store.orders.get("o-3")
    assert order is not None
    assert order.status is OrderStatus.PENDING


async def test_an_anonymous_cart_commits_without_placing_an_order(store: Store) -> None:
    await store.orders.hold(_order("o-4", [Claim(SUMMER, discount=1000)], customer=None), stored=False)

    assert await store.orders.settle("o-4", OrderStatus.COMMITTED, kind="COMMIT", expected={OrderStatus.PENDING})

    assert _steps(list(await store.orders.ledger("o-4")))[-1] == ("COMMIT", "summer", [-1, -1000, 0], [1, 1000, 0])


async def test_claiming_an_operation_reads_the_order_with_the_claim(store: Store) -> None:
    await store.orders.hold(_order("o-5", [Claim(SUMMER, discount=1000, customer_id="c-5")], customer="c-5"))

    claimed = await store.orders.begin("o-5", "commit", "", "digest", lease=30)
    unknown = await store.orders.begin("o-none", "commit", "", "digest", lease=30)
    running = await store.orders.begin("o-5", "commit", "", "digest", lease=30)
    other = await store.orders.begin("o-5", "commit", "", "another digest", lease=30)
    await store.orders.finish("o-5", "commit", "", {"status": "COMMITTED"})
    replayed = await store.orders.begin("o-5", "commit", "", "digest", lease=30)

    assert isinstance(claimed, Started)
    assert claimed.read
    assert claimed.order == await store.orders.get("o-5")
    assert unknown == Started(read=True, order=None)
    assert isinstance(running, Busy)
    assert isinstance(other, Mismatch)
    assert replayed == Replay({"status": "COMMITTED"})


async def test_a_reserve_records_its_answer_with_the_move_and_only_if_it_moved(store: Store) -> None:
    for order_id in ("o-6", "o-7"):
        await store.orders.hold(_order(order_id, [Claim(SUMMER, discount=1000)], customer=None), stored=False)
        await store.orders.begin(order_id, "reserve", "", "digest", lease=30)
    released = {OrderStatus.PENDING}
    assert await store.orders.settle("o-7", OrderStatus.RELEASED, kind="RELEASE", expected=released)

    moved = await store.orders.settle(
        "o-6", OrderStatus.RESERVED, kind="RESERVE", expected=released, answer=("reserve", "", {"order_id": "o-6"})
    )
    refused = await store.orders.settle(
        "o-7", OrderStatus.RESERVED, kind="RESERVE", expected=released, answer=("reserve", "", {"order_id": "o-7"})
    )

    assert (moved, refused) == (True, False)
    assert await store.orders.begin("o-6", "reserve", "", "digest", lease=30) == Replay({"order_id": "o-6"})
    assert isinstance(await store.orders.begin("o-7", "reserve", "", "digest", lease=30), Busy)  # still running
    reserved, still_released = await store.orders.get("o-6"), await store.orders.get("o-7")
    assert reserved is not None
    assert reserved.status is OrderStatus.RESERVED
    assert still_released is not None
    assert still_released.status is OrderStatus.RELEASED
