"""Redis losing its data in the middle of a load — flushed, or restarted without persistence — never lets
a limit be exceeded: counters are rebuilt from the ledger before the campaign takes another reservation."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from domain.checkout.service import Checkout
from domain.counters.redis import RedisCounters
from domain.limits import LimitRule
from domain.store import Store
from tests.builders import campaign, cart
from tests.integration.checkout.agreement import counters_usage, ledger_usage
from tests.integration.checkout.conftest import Catalog
from tests.integration.redis_servers import RedisProcess, forget_keys

LIMIT = 60
RULE = LimitRule("scarce", total_redemptions=LIMIT)


def _catalog() -> Catalog:
    catalog = Catalog()
    catalog.load([campaign("scarce", {"type": "PERCENTAGE", "value": "10"}, limits={"total_redemptions": LIMIT})])
    return catalog


async def _load(checkout: Checkout, orders: int, *, during: asyncio.Event) -> int:
    """Reserve `orders` orders (committing two in three, releasing the rest); return how many got it."""
    gate = asyncio.Semaphore(16)

    async def one(number: int) -> bool:
        async with gate:
            if number == orders // 3:
                during.set()
            reservation = await checkout.reserve(f"o{number}", cart("100.00", customer={"id": f"c{number}"}))
            granted = bool(reservation.result.applied)
            if number % 3:
                await checkout.commit(f"o{number}")
            else:
                await checkout.release(f"o{number}")
            return granted and number % 3 != 0

    return sum(await asyncio.gather(*(one(number) for number in range(orders))))


async def test_a_flush_in_the_middle_of_a_load_exceeds_no_limit_and_counters_equal_the_ledger(
    postgres_url: str, redis_url: str, redis_prefix: str
) -> None:
    store = await Store.open(postgres_url)
    counters = RedisCounters.from_url(redis_url, ledger=store.orders, prefix=redis_prefix)
    checkout = Checkout(_catalog, counters, store.orders)
    flushed = asyncio.Event()

    async def flush() -> None:
        await flushed.wait()
        await forget_keys(redis_url, redis_prefix)

    try:
        committed, _ = await asyncio.gather(_load(checkout, 240, during=flushed), flush())
        assert committed <= LIMIT
        assert await counters_usage(counters, RULE) == await ledger_usage(store, RULE)
        assert (await ledger_usage(store, RULE)).uses == committed
    finally:
        await counters.close()
        await store.close()


@pytest.fixture
async def private_store(postgres_url: str) -> AsyncIterator[Store]:
    async with await Store.open(postgres_url) as store:
        yield store


async def test_a_restart_without_persistence_in_the_middle_of_a_load_exceeds_no_limit(
    private_redis: RedisProcess, private_store: Store
) -> None:
    counters = RedisCounters.from_url(private_redis.url, ledger=private_store.orders)
    checkout = Checkout(_catalog, counters, private_store.orders)
    restarting = asyncio.Event()

    async def restart() -> None:
        await restarting.wait()
        private_redis.kill()
        await asyncio.sleep(0.3)
        await asyncio.to_thread(private_redis.start)

    try:
        committed, _ = await asyncio.gather(_load(checkout, 240, during=restarting), restart())
        assert committed <= LIMIT
        assert await counters_usage(counters, RULE) == await ledger_usage(private_store, RULE)
    finally:
        await counters.close()
