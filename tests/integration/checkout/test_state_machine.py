"""A hypothesis state machine over the checkout lifecycle on real services: after every step of reserve,
commit, release, the clock running on, the sweep, returns, repeats and Redis losing a campaign, no limit is
exceeded in the ledger, the counters equal the ledger and every order has the status the model expects."""

from __future__ import annotations

import asyncio
import itertools
import secrets
import shutil
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol, TypeVar

import asyncpg
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from redis.asyncio import Redis

from domain.checkout.errors import IdempotencyMismatch, InvalidReturn, OrderState, ReservationExpired
from domain.checkout.orders import OrderStatus
from domain.checkout.service import Checkout, Reservation, ReturnReceipt, Settlement
from domain.counters.redis import RedisCounters
from domain.counters.sql import SqlCounters
from domain.documents import Cart
from domain.documents.catalog import ReturnsBudget, TenantSettings
from domain.limits import Claim, CounterStore, LimitRule, Taken, Usage, exhausted_limit
from domain.store import Store
from tests.builders import MONDAY_1300, campaign, cart
from tests.integration.checkout.conftest import Catalog
from tests.integration.conftest import POSTGRES_SERVER

T = TypeVar("T")

START = datetime.fromisoformat(MONDAY_1300).timestamp()
TTL = 60.0
GRACE = 30.0
CAMPAIGNS = [
    campaign("scarce", {"type": "PERCENTAGE", "value": "10"}, limits={"total_redemptions": 3}),
    campaign(
        "budget",
        {"type": "PERCENTAGE", "value": "20"},
        currency="TRY",
        limits={"budget_discount": "80.00", "per_customer": 1},
    ),
]
RULES = [LimitRule.of(limited) for limited in CAMPAIGNS]
CUSTOMERS = ("ayse", "bora", "cem")
BASKETS: tuple[tuple[tuple[str, int], ...], ...] = (
    (("100.00", 1),),
    (("250.00", 1), ("40.00", 2)),
    (("60.00", 3),),
)
"""Carts as (unit price, quantity) per line: lines l0, l1."""
STEPS = (1, 29, 30, 59, 60, 61, 90, 91, 200)
"""Seconds the clock runs on: around the reservations' TTL and their holds' grace."""
SETTINGS = settings(
    max_examples=20,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


class Databases(Protocol):
    """A fresh migrated database for every example, dropped at its end."""

    async def create(self) -> str: ...

    async def drop(self, url: str) -> None: ...


@dataclass
class SqliteCopies:
    template: Path
    numbers: Iterator[int] = field(default_factory=itertools.count)

    async def create(self) -> str:
        path = self.template.with_name(f"example-{next(self.numbers)}.sqlite3")
        shutil.copyfile(self.template, path)
        return f"sqlite://{path}"

    async def drop(self, url: str) -> None:
        path = Path(url.removeprefix("sqlite://"))
        for leftover in path.parent.glob(f"{path.name}*"):
            leftover.unlink()


@dataclass
class PostgresCopies:
    template: str

    async def create(self) -> str:
        name = f"kampanya_test_{secrets.token_hex(6)}"
        await self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        return f"{POSTGRES_SERVER}/{name}"

    async def drop(self, url: str) -> None:
        await self._admin(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')

    async def _admin(self, statement: str) -> None:
        admin = await asyncpg.connect(f"{POSTGRES_SERVER}/postgres")
        try:
            await admin.execute(statement)
        finally:
            await admin.close()


@dataclass(frozen=True)
class Services:
    databases: Databases
    redis_url: str | None = None
    """Redis counters when given, else SQL counters in the store's database."""


@dataclass
class Planned:
    """What the model expects of one order."""

    cart: Cart
    status: OrderStatus
    expires_at: float
    left: dict[str, int]
    """Units not returned yet, per line."""


@dataclass(frozen=True)
class Returned:
    order_id: str
    return_id: str
    returned: dict[str, int]
    receipt: ReturnReceipt = field(repr=False)


def _cart(customer: str, basket: int) -> Cart:
    lines = [
        {"id": f"l{index}", "sku": f"S{index}", "quantity": quantity, "unit_price": price}
        for index, (price, quantity) in enumerate(BASKETS[basket])
    ]
    return cart(customer={"id": customer}, lines=lines, now=None)  # priced at the checkout's clock


def _sum(takings: Sequence[Taken], claim: Claim) -> Usage:
    """Return what `takings` take under the keys of `claim` (every dimension, limited or not)."""

    def total(keep: Callable[[Claim], bool], amount: Callable[[Claim], int]) -> int:
        return sum(amount(taken.claim) for taken in takings if keep(taken.claim))

    def everyone(_: Claim) -> bool:
        return True

    def customer(other: Claim) -> bool:
        return claim.customer_id is not None and other.customer_id == claim.customer_id

    def day(other: Claim) -> bool:
        return customer(other) and other.day == claim.day

    return Usage(
        uses=total(everyone, lambda taken: taken.uses),
        discount=total(everyone, lambda taken: taken.discount),
        order_value=total(everyone, lambda taken: taken.order_value),
        customer_uses=total(customer, lambda taken: taken.uses),
        customer_day_uses=total(day, lambda taken: taken.uses),
    )


def _limited(limits: LimitRule, usage: Usage) -> Usage:
    """Keep only the campaign-wide and per-customer dimensions the rule limits (what counters count)."""
    return Usage(
        uses=usage.uses if limits.total_redemptions is not None else 0,
        discount=usage.discount if limits.budget_discount is not None else 0,
        order_value=usage.order_value if limits.budget_order_value is not None else 0,
        customer_uses=usage.customer_uses if limits.per_customer is not None else 0,
    )


class CheckoutMachine(RuleBasedStateMachine):
    orders = Bundle("orders")

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.stack = AsyncExitStack()
        self.now = START
        self.model: dict[str, Planned] = {}
        self.answers: dict[tuple[str, str], Reservation | Settlement] = {}
        self.returns: list[Returned] = []
        self.flusher: Redis | None = None
        try:
            self.run(self._open(services))
        except BaseException:
            self.teardown()
            raise

    async def _open(self, services: Services) -> None:
        url = await services.databases.create()
        self.stack.push_async_callback(services.databases.drop, url)
        self.store = await Store.open(url)
        self.stack.push_async_callback(self.store.close)
        self.counters: CounterStore
        if services.redis_url is None:
            self.counters = SqlCounters(self.store.database, clock=lambda: self.now, hold_grace=GRACE)
        else:
            prefix = f"kampanya-test-{secrets.token_hex(6)}"
            flusher = self.flusher = Redis.from_url(services.redis_url)
            self.stack.push_async_callback(flusher.aclose)
            self.stack.push_async_callback(self._forget, flusher, prefix)
            redis = RedisCounters.from_url(
                services.redis_url, ledger=self.store.orders, prefix=prefix, clock=lambda: self.now, hold_grace=GRACE
            )
            self.stack.push_async_callback(redis.close)
            self.counters = self.redis = redis
        catalog = Catalog(settings=TenantSettings(returns=ReturnsBudget.PROPORTIONAL))
        catalog.load(CAMPAIGNS)
        self.checkout = Checkout(
            lambda: catalog,
            self.counters,
            self.store.orders,
            ttl=TTL,
            clock=lambda: datetime.fromtimestamp(self.now, UTC),
        )

    @staticmethod
    async def _forget(client: Redis, prefix: str) -> None:
        keys = [key async for key in client.scan_iter(match=f"{prefix}:*")]
        if keys:
            await client.delete(*keys)

    def teardown(self) -> None:
        try:
            self.loop.run_until_complete(self.stack.aclose())
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.run_until_complete(self.loop.shutdown_default_executor())
        finally:
            self.loop.close()

    def run(self, work: Awaitable[T]) -> T:
        return self.loop.run_until_complete(work)

    # -- rules ------------------------------------------------------------------------------------------

    @rule(target=orders, customer=st.sampled_from(CUSTOMERS), basket=st.integers(0, len(BASKETS) - 1))
    def reserve(self, customer: str, basket: int) -> str:
        """A new order gets every limited campaign that still has room for it (they all stack), no other."""
        order_id = f"o{len(self.model)}"
        order = _cart(customer, basket)
        roomy = self.run(self._campaigns_with_room(customer))
        reservation = self.run(self.checkout.reserve(order_id, order))
        assert {applied.campaign_id for applied in reservation.result.applied} == roomy
        assert reservation.expires_at.timestamp() == self.now + TTL
        lines = {f"l{index}": quantity for index, (_, quantity) in enumerate(BASKETS[basket])}
        self.model[order_id] = Planned(order, OrderStatus.RESERVED, self.now + TTL, lines)
        self.answers[order_id, "reserve"] = reservation
        return order_id

    async def _campaigns_with_room(self, customer: str) -> set[str]:
        """Return the campaigns whose ledger leaves room for one more use of `customer` and some discount."""
        roomy = set()
        for limits in RULES:
            takings = await self.store.orders.takings(limits.campaign_id, now=self.now - GRACE)
            wanted = Claim(limits, discount=1, customer_id=customer)
            if exhausted_limit(wanted, _sum(takings, wanted)) is None:
                roomy.add(limits.campaign_id)
        return roomy

    @rule(order_id=orders, customer=st.sampled_from(CUSTOMERS), basket=st.integers(0, len(BASKETS) - 1))
    def reserve_an_order_again(self, order_id: str, customer: str, basket: int) -> None:
        """The same cart gets the first answer whatever happened since; another cart is refused."""
        order = _cart(customer, basket)
        if order != self.model[order_id].cart:
            with pytest.raises(IdempotencyMismatch):
                self.run(self.checkout.reserve(order_id, order))
        assert self.run(self.checkout.reserve(order_id, self.model[order_id].cart)) == self.answers[order_id, "reserve"]

    @rule(order_id=orders)
    def commit(self, order_id: str) -> None:
        planned = self.model[order_id]
        first = self.answers.get((order_id, "commit"))
        late = planned.status is OrderStatus.EXPIRED or (
            planned.status is OrderStatus.RESERVED and planned.expires_at <= self.now
        )
        refusal = self.run(self._refusal_of_a_late_commit(order_id)) if first is None and late else None
        try:
            settlement = self.run(self.checkout.commit(order_id))
        except OrderState:
            assert first is None
            assert planned.status is OrderStatus.RELEASED
            return
        except ReservationExpired:
            assert refusal is not None, "a late commit was refused though its limits had room"
            planned.status = OrderStatus.EXPIRED
            return
        if first is not None:
            assert settlement == first
            return
        assert refusal is None, f"a late commit went through though {refusal} was exhausted"
        assert planned.status in (OrderStatus.RESERVED, OrderStatus.EXPIRED)
        assert settlement == Settlement(order_id, OrderStatus.COMMITTED)
        planned.status = OrderStatus.COMMITTED
        self.answers[order_id, "commit"] = settlement

    async def _refusal_of_a_late_commit(self, order_id: str) -> str | None:
        """Return the campaign that has no room left for the order's claims as they were priced (what a late
        commit takes again), judged from the ledger without the order's own holds; None if all fit."""
        order = await self.store.orders.get(order_id)
        assert order is not None
        for claim in order.claims:
            if not claim.rule.counted:
                continue
            takings = await self.store.orders.takings(claim.campaign_id, now=self.now - GRACE)
            others = [taken for taken in takings if taken.order_id != order_id]
            if exhausted_limit(claim, _sum(others, claim)) is not None:
                return claim.campaign_id
        return None

    @rule(order_id=orders)
    def release(self, order_id: str) -> None:
        planned = self.model[order_id]
        first = self.answers.get((order_id, "release"))
        try:
            settlement = self.run(self.checkout.release(order_id))
        except OrderState:
            assert first is None
            assert planned.status in (OrderStatus.COMMITTED, OrderStatus.RETURNED)
            return
        if first is not None:
            assert settlement == first
            return
        if planned.status is OrderStatus.RESERVED:
            planned.status = OrderStatus.RELEASED
        assert settlement == Settlement(order_id, planned.status)
        assert planned.status in (OrderStatus.RELEASED, OrderStatus.EXPIRED)
        self.answers[order_id, "release"] = settlement

    def _committed(self) -> list[str]:
        return [order_id for order_id, planned in self.model.items() if planned.status is OrderStatus.COMMITTED]

    @precondition(lambda self: bool(self._committed()))
    @rule(data=st.data(), every_unit=st.booleans())
    def return_units(self, data: st.DataObject, every_unit: bool) -> None:
        """Return some or all of the units left on one line of a committed order."""
        order_id = data.draw(st.sampled_from(self._committed()), label="order")
        left = self.model[order_id].left
        line = data.draw(st.sampled_from(sorted(line for line, units in left.items() if units)), label="line")
        quantity = left[line] if every_unit else data.draw(st.integers(1, left[line]), label="quantity")
        self._return(order_id, {line: quantity})

    @rule(order_id=orders, line=st.sampled_from(["l0", "l1"]), quantity=st.integers(1, 3))
    def return_units_of_any_order(self, order_id: str, line: str, quantity: int) -> None:
        """Units of an order that is not committed, or more units than are left, are refused."""
        self._return(order_id, {line: quantity})

    def _return(self, order_id: str, returned: dict[str, int]) -> None:
        planned = self.model[order_id]
        return_id = f"r{len(self.returns)}"
        if planned.status is not OrderStatus.COMMITTED:
            with pytest.raises(OrderState):
                self.run(self.checkout.return_units(order_id, return_id, returned))
            return
        if any(quantity > planned.left.get(line, 0) for line, quantity in returned.items()):
            with pytest.raises(InvalidReturn):
                self.run(self.checkout.return_units(order_id, return_id, returned))
            return
        receipt = self.run(self.checkout.return_units(order_id, return_id, returned))
        for line, quantity in returned.items():
            planned.left[line] -= quantity
        full = not any(planned.left.values())
        assert receipt.status is (OrderStatus.RETURNED if full else OrderStatus.COMMITTED)
        assert receipt.refund == sum(refund for _, _, refund in receipt.lines) >= 0
        if full:
            planned.status = OrderStatus.RETURNED
        self.returns.append(Returned(order_id, return_id, returned, receipt))

    @precondition(lambda self: bool(self.returns))
    @rule(data=st.data(), another=st.booleans())
    def return_again(self, data: st.DataObject, another: bool) -> None:
        """A return repeated gets its first receipt; another payload under its return id is refused."""
        earlier = data.draw(st.sampled_from(self.returns), label="earlier return")
        if another:
            more = {line: quantity + 1 for line, quantity in earlier.returned.items()}
            with pytest.raises(IdempotencyMismatch):
                self.run(self.checkout.return_units(earlier.order_id, earlier.return_id, more))
            return
        receipt = self.run(self.checkout.return_units(earlier.order_id, earlier.return_id, earlier.returned))
        assert receipt == earlier.receipt

    @rule(seconds=st.sampled_from(STEPS))
    def time_passes(self, seconds: int) -> None:
        """The clock runs on with no sweep: reservations past their time stay open (a commit may still come)."""
        self.now += seconds

    @rule(seconds=st.sampled_from((0, *STEPS)))
    def sweep(self, seconds: int) -> None:
        """The clock runs on, then the sweep expires the reservations whose time is up."""
        self.now += seconds
        swept = self.run(self.checkout.sweep())
        expired = [
            planned
            for planned in self.model.values()
            if planned.status is OrderStatus.RESERVED and planned.expires_at < self.now
        ]
        for planned in expired:
            planned.status = OrderStatus.EXPIRED
        assert swept == len(expired)

    @precondition(lambda self: self.flusher is not None and bool(self.model))
    @rule(campaign_ids=st.sampled_from([("scarce",), ("budget",), ("scarce", "budget")]))
    def redis_loses_campaigns(self, campaign_ids: tuple[str, ...]) -> None:
        assert self.flusher is not None
        keys = [key for campaign_id in campaign_ids for key in self.redis.keys(campaign_id)]
        self.run(self.flusher.delete(*keys))

    # -- invariants -------------------------------------------------------------------------------------

    @invariant()
    def no_limit_is_exceeded_and_the_counters_equal_the_ledger(self) -> None:
        self.run(self._check_limits())

    async def _check_limits(self) -> None:
        for limits in RULES:
            # what the ledger says is used and held: holds count until their grace is over, as in the counters
            takings = await self.store.orders.takings(limits.campaign_id, now=self.now - GRACE)
            taken = _sum(takings, Claim(limits))
            if limits.total_redemptions is not None:
                assert taken.uses <= limits.total_redemptions, f"{limits.campaign_id}: {taken.uses} uses in the ledger"
            if limits.budget_discount is not None:
                assert taken.discount <= limits.budget_discount, f"{limits.campaign_id}: {taken.discount} in the ledger"
            customers = (None, *CUSTOMERS) if limits.per_customer is not None else (None,)
            for customer in customers:
                claim = Claim(limits, customer_id=customer)
                if customer is not None and limits.per_customer is not None:
                    uses = _sum(takings, claim).customer_uses
                    assert uses <= limits.per_customer, f"{limits.campaign_id}: {uses} uses of {customer}"
                counted = (await self.counters.usage([claim]))[limits.campaign_id]
                ledger = _limited(limits, _sum(takings, claim))
                assert counted == ledger, f"{limits.campaign_id}, customer {customer}: counters != ledger"

    @invariant()
    def every_order_has_the_status_the_model_expects(self) -> None:
        self.run(self._check_statuses())

    async def _check_statuses(self) -> None:
        for order_id, planned in self.model.items():
            order = await self.store.orders.get(order_id)
            assert order is not None
            assert order.status is planned.status, f"{order_id} is {order.status}, the model says {planned.status}"


def _run(services: Services) -> None:
    class Machine(CheckoutMachine):
        def __init__(self) -> None:
            super().__init__(services)

    run_state_machine_as_test(Machine, settings=SETTINGS)


@pytest.mark.redis
def test_redis_counters_on_sqlite_keep_every_limit_and_equal_the_ledger_after_every_step(
    sqlite_url: str, redis_url: str
) -> None:
    _run(Services(SqliteCopies(Path(sqlite_url.removeprefix("sqlite://"))), redis_url))


def test_sql_counters_on_sqlite_keep_every_limit_and_equal_the_ledger_after_every_step(sqlite_url: str) -> None:
    _run(Services(SqliteCopies(Path(sqlite_url.removeprefix("sqlite://")))))


@pytest.mark.redis
@pytest.mark.postgres
def test_redis_counters_on_postgres_keep_every_limit_and_equal_the_ledger_after_every_step(
    postgres_url: str, redis_url: str
) -> None:
    _run(Services(PostgresCopies(postgres_url.rsplit("/", 1)[1]), redis_url))
