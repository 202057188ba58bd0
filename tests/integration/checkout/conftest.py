"""A checkout lifecycle on real services: the order book of a real store (SQLite, PostgreSQL) and a real
counter store (Redis rebuilding from that ledger, or SQL in the same database)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest

from domain.checkout.coupons import CouponBox
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

    def coupon_box(self, *, max_failures: int = 10, window: float = 600.0) -> CouponBox:
        """The storefront's coupon box over this lifecycle, knowing the codes of the catalog loaded now."""
        limiter: Any = self.counters
        return CouponBox(
            self.checkout,
            limiter,
            known=lambda code: self.catalog.snapshot.codes.get(code) is not None,
            max_failures=max_failures,
            window=window,
        )


@pytest.fixture(params=[pytest.param("redis", marks=pytest.mark.redis), "sql"])
async def lifecycle(
    request: pytest.FixtureRequest, store: Store, redis_url: str, redis_prefix: str
) -> AsyncIterator[Lifecycle]:
    """The lifecycle with each counter store, on each database."""
    catalog = Catalog()
    redis = request.param == "redis"
    counters: Any = (
        RedisCounters.from_url(redis_url, ledger=store.orders, prefix=redis_prefix)
        if redis
        else SqlCounters(store.database)
    )
    try:
        yield Lifecycle(Checkout(lambda: catalog, counters, store.orders), catalog, store, counters)
    finally:
        if redis:
            await counters.close()
