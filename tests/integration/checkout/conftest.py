"""A checkout lifecycle on real services: the order book of a real store (SQLite, PostgreSQL) and a real
counter store (Redis rebuilding from that ledger, or SQL in the same database)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest
from redis.asyncio import Redis

from domain.checkout.service import Checkout
from domain.counters.redis import RedisCounters
from domain.counters.sql import SqlCounters
from domain.documents import Campaign
from domain.documents.catalog import CouponCodeSpec, TenantSettings
from domain.engine.snapshot import Snapshot
from domain.limits import CounterStore
from domain.store import Store


@dataclass
class Catalog:
    """The catalog a test prices against (what the pricing core's hot catalog provides)."""

    snapshot: Snapshot = field(default_factory=lambda: Snapshot.compile([]))
    settings: TenantSettings = field(default_factory=TenantSettings)

    @property
    def version(self) -> int:
        return self.snapshot.version

    def load(self, campaigns: Iterable[Campaign], codes: Iterable[CouponCodeSpec] = ()) -> None:
        self.snapshot = Snapshot.compile(campaigns, codes=codes, version=self.snapshot.version + 1)


@dataclass
class Lifecycle:
    checkout: Checkout
    catalog: Catalog
    store: Store
    counters: CounterStore

    def with_ttl(self, ttl: float) -> Checkout:
        return Checkout(lambda: self.catalog, self.counters, self.store.orders, ttl=ttl)


async def _redis(url: str, store: Store) -> tuple[RedisCounters, str]:
    prefix = f"kampanya-test-{secrets.token_hex(6)}"
    return RedisCounters.from_url(url, ledger=store.orders, prefix=prefix), prefix


async def _forget(url: str, prefix: str) -> None:
    client = Redis.from_url(url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}:*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


@pytest.fixture(params=[pytest.param("redis", marks=pytest.mark.redis), "sql"])
async def lifecycle(request: pytest.FixtureRequest, store: Store, redis_url: str) -> AsyncIterator[Lifecycle]:
    """The lifecycle with each counter store, on each database."""
    catalog = Catalog()
    counters: Any
    prefix = ""
    if request.param == "redis":
        counters, prefix = await _redis(redis_url, store)
    else:
        counters = SqlCounters(store.database)
    try:
        yield Lifecycle(Checkout(lambda: catalog, counters, store.orders), catalog, store, counters)
    finally:
        if prefix:
            await counters.close()
            await _forget(redis_url, prefix)
