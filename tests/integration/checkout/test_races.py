"""Lifecycle calls of one order that overlap: two returns, a late commit and the expiry sweep, a release while
a reserve prices again. Each interleaving is forced with a wrapper around the real counters; every test runs
on both counter stores and both databases."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest

from domain.checkout.coupons import REFUSED, CouponAttempt
from domain.checkout.errors import OrderState, TooManyAttempts
from domain.checkout.orders import OrderStatus
from domain.checkout.service import Checkout
from domain.documents.catalog import CouponCodeSpec
from domain.limits import Claim, Limit, Refusal
from domain.reasons import CouponReason
from tests.builders import campaign, cart
from tests.integration.checkout.conftest import Lifecycle

TEN = {"type": "PERCENTAGE", "value": "10"}


def _two_units(customer: str) -> Any:
    return cart(lines=[{"id": "l1", "sku": "S", "quantity": 2, "unit_price": "100.00"}], customer={"id": customer})


async def _uses(lifecycle: Lifecycle, campaign_id: str) -> int:
    return sum(taken.claim.uses for taken in await lifecycle.store.orders.takings(campaign_id, now=0))


async def test_two_returns_of_the_same_units_at_once_refund_them_once(lifecycle: Lifecycle) -> None:
    lifecycle.catalog.load([campaign("ten", TEN, limits={"total_redemptions": 5})])
    await lifecycle.checkout.reserve("o1", _two_units("a"))
    await lifecycle.checkout.commit("o1")

    answers = await asyncio.gather(
        lifecycle.checkout.return_units("o1", "r-a", {"l1": 2}),
        lifecycle.checkout.return_units("o1", "r-b", {"l1": 2}),
        return_exceptions=True,
    )

    refunds = [answer.refund for answer in answers if not isinstance(answer, BaseException)]
    refused = [answer for answer in answers if isinstance(answer, BaseException)]
    assert refunds == [Decimal("180.00")], answers
    assert len(refused) == 1, answers
    assert isinstance(refused[0], OrderState), refused  # the order is RETURNED by then
    kinds = [entry["kind"] for entry in await lifecycle.store.orders.ledger("o1")]
    assert kinds.count("RETURN") == 1, kinds
    assert await _uses(lifecycle, "ten") == 0
    await lifecycle.counters.resync(["ten"])  # a rebuild from the ledger (after a flush) counts it the same
    again = await lifecycle.checkout.reserve("o2", cart("100.00", customer={"id": "b"}))
    assert again.result.discount_total == Decimal("10.00")


async def test_two_partial_returns_at_once_are_priced_one_after_the_other(lifecycle: Lifecycle) -> None:
    lifecycle.catalog.load([campaign("ten", TEN)])
    await lifecycle.checkout.reserve("o1", _two_units("a"))
    await lifecycle.checkout.commit("o1")

    first, second = await asyncio.gather(
        lifecycle.checkout.return_units("o1", "r-a", {"l1": 1}),
        lifecycle.checkout.return_units("o1", "r-b", {"l1": 1}),
    )

    assert first.refund + second.refund == Decimal("180.00")
    assert {first.status, second.status} == {OrderStatus.COMMITTED, OrderStatus.RETURNED}
    order = await lifecycle.store.orders.get("o1")
    assert order is not None
    assert order.returned == {"l1": 2}


async def test_the_same_return_id_on_two_orders_gives_both_uses_back(lifecycle: Lifecycle) -> None:
    """Return ids are the client's, per order."""
    lifecycle.catalog.load([campaign("two", TEN, limits={"total_redemptions": 2})])
    for order_id in ("o1", "o2"):
        await lifecycle.checkout.reserve(order_id, cart("100.00", customer={"id": order_id}))
        await lifecycle.checkout.commit(order_id)
    for order_id in ("o1", "o2"):
        await lifecycle.checkout.return_units(order_id, "r1", {"l0": 1})

    assert await _uses(lifecycle, "two") == 0
    later = [await lifecycle.checkout.reserve(f"o{n}", cart("100.00", customer={"id": f"c{n}"})) for n in (3, 4)]
    assert [reservation.result.discount_total for reservation in later] == [Decimal("10.00")] * 2


class _SweepThenCommit:
    """The real counters, where the sweep's release of order `late` waits until a commit of it has started
    taking its limits again, and that commit's counters step waits until the release went through."""

    def __init__(self, counters: Any) -> None:
        self.counters = counters
        self.releasing = asyncio.Event()
        self.committing = asyncio.Event()
        self.released = asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.counters, name)

    async def release(self, order_id: str, campaign_ids: Sequence[str], *, ended_by: float | None = None) -> None:
        if order_id == "late" and not self.released.is_set():
            self.releasing.set()
            await self.committing.wait()
            await self.counters.release(order_id, campaign_ids, ended_by=ended_by)
            self.released.set()
            return
        await self.counters.release(order_id, campaign_ids, ended_by=ended_by)

    async def commit(self, order_id: str, campaign_ids: Sequence[str]) -> list[str]:
        if order_id == "late" and not self.committing.is_set():
            self.committing.set()
            await self.released.wait()
        lapsed: list[str] = await self.counters.commit(order_id, campaign_ids)
        return lapsed


async def test_a_late_commit_racing_the_sweep_keeps_its_use_counted(lifecycle: Lifecycle) -> None:
    """The sweep expires the reservation in the ledger; before it gives the hold back in the counters, a
    commit of the order holds it again (the counters still have the old hold) and commits in the ledger; then
    the sweep's release lands. The committed use must stay counted: the campaign's only slot is taken."""
    lifecycle.catalog.load([campaign("one", TEN, limits={"total_redemptions": 1})])
    counters = _SweepThenCommit(lifecycle.counters)
    checkout = Checkout(lambda: lifecycle.catalog, counters, lifecycle.store.orders, ttl=0.3)
    await checkout.reserve("late", cart("100.00", customer={"id": "a"}))
    await asyncio.sleep(0.4)

    async def commit_once_the_sweep_expired_it() -> Any:
        await counters.releasing.wait()
        return await checkout.commit("late")

    swept, committed = await asyncio.gather(checkout.sweep(), commit_once_the_sweep_expired_it())

    assert (swept, committed.status) == (1, OrderStatus.COMMITTED)
    other = await checkout.reserve("other", cart("100.00", customer={"id": "b"}))
    assert other.result.discount_total == Decimal("0.00")
    assert await _uses(lifecycle, "one") == 1


async def test_an_expired_reservation_is_still_given_back_by_the_sweep(lifecycle: Lifecycle) -> None:
    """The expiry's release only spares a hold taken again since: an order nobody commits frees its slot."""
    lifecycle.catalog.load([campaign("one", TEN, limits={"total_redemptions": 1})])
    checkout = lifecycle.with_ttl(0.3)
    await checkout.reserve("gone", cart("100.00", customer={"id": "a"}))
    await asyncio.sleep(0.4)

    assert await checkout.sweep() == 1
    after = await checkout.reserve("next", cart("100.00", customer={"id": "b"}))
    assert after.result.discount_total == Decimal("10.00")


class _ReleasedWhilePricing:
    """The real counters; the first reserve of order `o` finds the shopper's Release done meanwhile and the
    budget taken by another checkout (refused), so the reserve prices the cart again."""

    def __init__(self, counters: Any) -> None:
        self.counters = counters
        self.checkout: Checkout | None = None
        self.released: Any = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.counters, name)

    async def reserve(self, order_id: str, claims: Sequence[Claim], *, ttl: float) -> Refusal | None:
        if order_id == "o" and self.released is None and self.checkout is not None:
            self.released = await self.checkout.release("o")
            return Refusal("budget", Limit.BUDGET_DISCOUNT)
        refusal: Refusal | None = await self.counters.reserve(order_id, claims, ttl=ttl)
        return refusal


async def test_a_release_while_the_reserve_prices_again_is_not_undone(lifecycle: Lifecycle) -> None:
    lifecycle.catalog.load([campaign("budget", TEN, currency="TRY", limits={"budget_discount": "100.00"})])
    counters = _ReleasedWhilePricing(lifecycle.counters)
    checkout = Checkout(lambda: lifecycle.catalog, counters, lifecycle.store.orders)
    counters.checkout = checkout

    with pytest.raises(OrderState, match="RELEASED"):
        await checkout.reserve("o", cart("500.00", customer={"id": "a"}))

    assert counters.released.status is OrderStatus.RELEASED
    order = await lifecycle.store.orders.get("o")
    assert order is not None
    assert order.status is OrderStatus.RELEASED
    rule = lifecycle.catalog.snapshot.campaigns["budget"].limits
    usage = await lifecycle.counters.usage([Claim(rule, customer_id="a")])
    assert usage["budget"].discount == 0  # what the second pricing took went back with the refused reserve


async def test_reserve_takes_a_per_day_limit_by_the_servers_day_whatever_now_the_cart_says(
    lifecycle: Lifecycle,
) -> None:
    lifecycle.catalog.load([campaign("daily", TEN, limits={"per_customer_per_day": 1})])
    first = await lifecycle.checkout.reserve(
        "o1", cart("100.00", customer={"id": "a"}, now="2026-11-23T13:00:00+03:00")
    )
    await lifecycle.checkout.commit("o1")

    moved = await lifecycle.checkout.reserve(
        "o2", cart("100.00", customer={"id": "a"}, now="2025-01-01T14:00:00+03:00")
    )

    assert first.result.discount_total == Decimal("10.00")
    assert moved.result.discount_total == Decimal("0.00")


async def test_reserve_prices_by_the_servers_clock_an_ended_campaign_stays_ended(lifecycle: Lifecycle) -> None:
    lifecycle.catalog.load([campaign("old", TEN, schedule={"ends_at": "2020-01-01T00:00:00+03:00"})])

    previewed, _ = await lifecycle.checkout.price(cart("100.00", now="2019-06-01T12:00:00+03:00"))
    reserved = await lifecycle.checkout.reserve("o1", cart("100.00", now="2019-06-01T12:00:00+03:00"))

    assert previewed.discount_total == Decimal("10.00")  # a preview "as of" a moment still prices it then
    assert reserved.result.discount_total == Decimal("0.00")


async def test_a_burst_of_coupon_guesses_gets_no_more_tries_than_the_limit(lifecycle: Lifecycle) -> None:
    """Thirty wrong codes at once from one address: ten are looked at (and refused with the one message),
    the others are refused for too many attempts without being looked at; a right code later is too."""
    lifecycle.catalog.load([campaign("welcome", TEN, kind="COUPON", codes=["WELCOME10"])])
    limiter: Any = lifecycle.counters
    box = lifecycle.coupon_box(max_failures=10, window=60)

    answers = await asyncio.gather(
        *(box.apply(cart("100.00"), f"GUESS{index}", client_address="10.0.0.1") for index in range(30)),
        return_exceptions=True,
    )

    looked_at = [answer for answer in answers if isinstance(answer, CouponAttempt)]
    locked = [answer for answer in answers if isinstance(answer, TooManyAttempts)]
    assert (len(looked_at), len(locked)) == (10, 20), answers
    assert {(answer.accepted, answer.message) for answer in looked_at} == {(False, REFUSED)}
    assert await limiter.failures("address:10.0.0.1", window=60) == 10
    with pytest.raises(TooManyAttempts):
        await box.apply(cart("100.00"), "WELCOME10", client_address="10.0.0.1")
    accepted = await box.apply(cart("100.00"), "WELCOME10", client_address="10.0.0.2")
    assert accepted.accepted
    assert await limiter.failures("address:10.0.0.2", window=60) == 0  # a code that works is no failure


async def test_a_used_up_code_gives_way_to_the_carts_next_code_of_the_same_campaign(lifecycle: Lifecycle) -> None:
    """Two codes of one campaign in a cart, the first used up: the preview and the reserve both apply the
    campaign with the second (before, the limits of the wrong code were read and the reserve dropped it)."""
    codes = (
        CouponCodeSpec(code="ONCE", campaign_id="coupon", max_uses=1),
        CouponCodeSpec(code="SPARE", campaign_id="coupon", max_uses=5),
    )
    lifecycle.catalog.load([campaign("coupon", TEN, kind="COUPON")], codes=codes)
    await lifecycle.checkout.reserve("first", cart("100.00", customer={"id": "a"}, coupons=["ONCE"]))
    await lifecycle.checkout.commit("first")
    both = cart("100.00", customer={"id": "b"}, coupons=["ONCE", "SPARE"])

    previewed, _ = await lifecycle.checkout.price(both)
    reserved = await lifecycle.checkout.reserve("second", both)

    for result in (previewed, reserved.result):
        assert [(entry.campaign_id, entry.coupon) for entry in result.applied] == [("coupon", "SPARE")]
        assert [(rejected.code, rejected.reason) for rejected in result.rejected_coupons] == [
            ("ONCE", CouponReason.USED_UP)
        ]
