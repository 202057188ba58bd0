"""Reserve, commit, release, expire, return: limits never exceeded, every step in the ledger, once."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest

from domain.checkout.errors import IdempotencyMismatch, OrderNotFound, OrderState, ReservationExpired
from domain.checkout.orders import OrderStatus
from domain.checkout.service import Checkout
from domain.reasons import SkipReason
from tests.builders import campaign, cart
from tests.integration.checkout.conftest import Lifecycle

TEN = {"type": "PERCENTAGE", "value": "10"}


def _buyer(customer: str, *prices: str, **fields: Any) -> Any:
    return cart(*prices, customer={"id": customer}, **fields)


async def test_a_limited_campaign_applies_until_its_limit_then_carts_are_priced_without_it(
    lifecycle: Lifecycle,
) -> None:
    lifecycle.catalog.load([campaign("first3", TEN, limits={"total_redemptions": 3})])

    reservations = [await lifecycle.checkout.reserve(f"o{index}", _buyer(f"c{index}", "100.00")) for index in range(4)]

    assert [reservation.result.discount_total for reservation in reservations] == [Decimal("10.00")] * 3 + [
        Decimal("0.00")
    ]
    assert [(skip.campaign_id, skip.reason) for skip in reservations[3].result.skipped] == [
        ("first3", SkipReason.LIMIT_REACHED)
    ]
    priced, _ = await lifecycle.checkout.price(_buyer("c9", "100.00"))
    assert priced.discount_total == Decimal("0.00")


async def test_reserving_the_same_order_again_answers_the_same_and_another_cart_is_refused(
    lifecycle: Lifecycle,
) -> None:
    lifecycle.catalog.load([campaign("first3", TEN, limits={"total_redemptions": 3})])
    order = _buyer("ayse", "100.00")

    first = await lifecycle.checkout.reserve("o1", order)
    again = await lifecycle.checkout.reserve("o1", order)
    with pytest.raises(IdempotencyMismatch):
        await lifecycle.checkout.reserve("o1", _buyer("ayse", "200.00"))

    assert again == first
    assert [entry["kind"] for entry in await lifecycle.store.orders.ledger("o1")] == ["HOLD"]


async def test_twenty_parallel_reserves_of_one_order_hold_once_with_identical_answers(lifecycle: Lifecycle) -> None:
    lifecycle.catalog.load([campaign("few", TEN, limits={"total_redemptions": 2})])
    order = _buyer("ayse", "100.00")

    answers = await asyncio.gather(*(lifecycle.checkout.reserve("o1", order) for _ in range(20)))
    answers += [await lifecycle.checkout.reserve("o1", order) for _ in range(20)]

    assert all(answer == answers[0] for answer in answers)
    assert [entry["kind"] for entry in await lifecycle.store.orders.ledger("o1")] == ["HOLD"]
    second = await lifecycle.checkout.reserve("o2", _buyer("b", "100.00"))
    third = await lifecycle.checkout.reserve("o3", _buyer("c", "100.00"))
    assert (second.result.discount_total, third.result.discount_total) == (Decimal("10.00"), Decimal("0.00"))


async def test_commit_then_release_is_refused_and_release_gives_the_slot_back_once(lifecycle: Lifecycle) -> None:
    lifecycle.catalog.load([campaign("one", TEN, limits={"total_redemptions": 1})])
    await lifecycle.checkout.reserve("paid", _buyer("a", "100.00"))
    await lifecycle.checkout.commit("paid")
    with pytest.raises(OrderState):
        await lifecycle.checkout.release("paid")
    lifecycle.catalog.load([campaign("one", TEN, limits={"total_redemptions": 2})])
    await lifecycle.checkout.reserve("abandoned", _buyer("b", "100.00"))

    await lifecycle.checkout.release("abandoned")
    await lifecycle.checkout.release("abandoned")
    later = await lifecycle.checkout.reserve("later", _buyer("c", "100.00"))

    assert later.result.discount_total == Decimal("10.00")
    assert [entry["kind"] for entry in await lifecycle.store.orders.ledger("abandoned")] == ["HOLD", "RELEASE"]
    with pytest.raises(OrderNotFound):
        await lifecycle.checkout.commit("nowhere")


async def test_a_reservation_never_committed_expires_and_its_slot_is_usable_again(lifecycle: Lifecycle) -> None:
    lifecycle.catalog.load([campaign("one", TEN, limits={"total_redemptions": 1})])
    short = lifecycle.with_ttl(0.3)
    await short.reserve("slow", _buyer("a", "100.00"))
    assert (await short.reserve("blocked", _buyer("b", "100.00"))).result.discount_total == Decimal("0.00")

    await asyncio.sleep(0.5)
    swept = await short.sweep()
    after = await short.reserve("after", _buyer("c", "100.00"))

    assert swept == 2
    assert after.result.discount_total == Decimal("10.00")
    assert (await lifecycle.store.orders.get("slow")).status is OrderStatus.EXPIRED  # type: ignore[union-attr]
    assert [entry["kind"] for entry in await lifecycle.store.orders.ledger("slow")] == ["HOLD", "EXPIRE"]
    with pytest.raises(ReservationExpired):
        await short.commit("slow")  # its slot went to "after"


async def test_a_late_commit_takes_the_limits_again_when_they_still_have_room(lifecycle: Lifecycle) -> None:
    lifecycle.catalog.load([campaign("two", TEN, limits={"total_redemptions": 2})])
    short = lifecycle.with_ttl(0.2)
    await short.reserve("late", _buyer("a", "100.00"))
    await asyncio.sleep(0.3)

    settled = await short.commit("late")  # not swept yet: its time is up all the same
    other = await short.reserve("other", _buyer("b", "100.00"))
    third = await short.reserve("third", _buyer("c", "100.00"))

    assert settled.status is OrderStatus.COMMITTED
    assert [entry["kind"] for entry in await lifecycle.store.orders.ledger("late")] == [
        "HOLD",
        "EXPIRE",
        "HOLD",
        "COMMIT",
    ]
    assert (other.result.discount_total, third.result.discount_total) == (Decimal("10.00"), Decimal("0.00"))


async def test_commit_return_and_the_same_return_again_restore_the_budget_exactly_once(lifecycle: Lifecycle) -> None:
    lifecycle.catalog.load(
        [campaign("budget", TEN, currency="TRY", limits={"total_redemptions": 1, "budget_discount": "30.00"})]
    )
    await lifecycle.checkout.reserve("o1", _buyer("a", "100.00", "100.00"))
    await lifecycle.checkout.commit("o1")
    assert (await lifecycle.checkout.reserve("o2", _buyer("b", "100.00"))).result.discount_total == Decimal("0.00")
    await lifecycle.checkout.release("o2")

    receipt = await lifecycle.checkout.return_units("o1", "r1", {"l0": 1, "l1": 1})
    again = await lifecycle.checkout.return_units("o1", "r1", {"l0": 1, "l1": 1})
    with pytest.raises(IdempotencyMismatch):
        await lifecycle.checkout.return_units("o1", "r1", {"l0": 1})

    assert again == receipt
    assert (receipt.refund, receipt.status) == (Decimal("180.00"), OrderStatus.RETURNED)
    priced, _ = await lifecycle.checkout.price(_buyer("c", "100.00"))
    assert priced.discount_total == Decimal("10.00")
    assert [entry["kind"] for entry in await lifecycle.store.orders.ledger("o1")] == ["HOLD", "COMMIT", "RETURN"]


async def test_returning_one_of_four_in_a_four_for_three_refunds_nothing(lifecycle: Lifecycle) -> None:
    four_for_three = campaign(
        "4for3", {"type": "FREE_UNITS", "value": "1", "calculation": "BUY_X_GET_Y"}, condition={"min_quantity": 4}
    )
    lifecycle.catalog.load([four_for_three])
    order = cart(lines=[{"id": "l1", "sku": "S", "quantity": 4, "unit_price": "100.00"}])
    reservation = await lifecycle.checkout.reserve("o1", order)
    await lifecycle.checkout.commit("o1")

    receipt = await lifecycle.checkout.return_units("o1", "r1", {"l1": 1})
    rest = await lifecycle.checkout.return_units("o1", "r2", {"l1": 3})

    assert reservation.result.total == Decimal("300.00")
    assert receipt.refund == Decimal("0.00")  # the kept three cost 300.00: the free unit's value is clawed back
    assert receipt.clawback == {"4for3": Decimal("100.00")}
    assert rest.refund == Decimal("300.00")
    assert rest.status is OrderStatus.RETURNED


async def test_concurrent_carts_never_spend_more_than_a_discount_budget(lifecycle: Lifecycle) -> None:
    lifecycle.catalog.load([campaign("budget", TEN, currency="TRY", limits={"budget_discount": "1000.00"})])
    prices = ["250.00", "99.90", "1234.50", "480.00", "75.25", "2000.00", "310.10"]

    def basket(index: int) -> Any:  # 1 to 5 lines of varied prices
        return _buyer(f"c{index}", *(prices[(index + line) % len(prices)] for line in range(1 + index % 5)))

    reservations = await asyncio.gather(
        *(lifecycle.checkout.reserve(f"o{index}", basket(index)) for index in range(60))
    )

    granted = sum(reservation.result.discount_total for reservation in reservations)
    assert Decimal("990.00") <= granted <= Decimal("1000.00")
    ledger = await lifecycle.store.orders.takings("budget", now=0)
    assert sum(taken.claim.discount for taken in ledger) == int(granted * 100)


class _TakenMeanwhile:
    """The real counter store of the test, except that just before the first reserve of `order_id` takes its
    limits, `meanwhile` runs (another checkout taking part of the same budget after this one read it)."""

    def __init__(self, counters: Any, order_id: str, meanwhile: Any) -> None:
        self._counters, self._order_id, self._meanwhile = counters, order_id, meanwhile

    def __getattr__(self, name: str) -> Any:
        return getattr(self._counters, name)

    async def reserve(self, order_id: str, claims: Any, *, ttl: float) -> Any:
        if order_id == self._order_id and self._meanwhile is not None:
            meanwhile, self._meanwhile = self._meanwhile, None
            await meanwhile()
        return await self._counters.reserve(order_id, claims, ttl=ttl)


async def test_a_budget_taken_meanwhile_is_priced_again_and_capped_to_what_is_left(lifecycle: Lifecycle) -> None:
    lifecycle.catalog.load([campaign("budget", TEN, currency="TRY", limits={"budget_discount": "100.00"})])
    other = lifecycle.with_ttl(900)
    wrapped = _TakenMeanwhile(lifecycle.counters, "late", lambda: other.reserve("early", _buyer("a", "800.00")))
    late = Checkout(lambda: lifecycle.catalog, wrapped, lifecycle.store.orders)  # type: ignore[arg-type]

    reservation = await late.reserve("late", _buyer("b", "500.00"))

    assert reservation.result.discount_total == Decimal("20.00")  # 50.00 wanted, 100.00 - 80.00 left
    assert [entry.campaign_id for entry in reservation.result.applied] == ["budget"]
    ledger = await lifecycle.store.orders.takings("budget", now=0)
    assert sorted(taken.claim.discount for taken in ledger) == [2000, 8000]
