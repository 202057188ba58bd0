"""Counter stores on the real services: Redis (keys under a prefix of their own, deleted after) and SQL
on SQLite and PostgreSQL (fresh databases). The ledger the Redis store rebuilds from is given as data."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import pytest

from domain.counters.redis import RedisCounters
from domain.counters.sql import SqlCounters
from domain.limits import Taken
from domain.store import Store


class GivenLedger:
    """A `LedgerReader` holding the takings a test gives it."""

    def __init__(self) -> None:
        self.entries: dict[str, list[Taken]] = {}

    async def takings(self, campaign_id: str, *, now: float) -> Sequence[Taken]:
        return [
            taken for taken in self.entries.get(campaign_id, []) if taken.expires_at is None or taken.expires_at > now
        ]


@pytest.fixture
def ledger() -> GivenLedger:
    return GivenLedger()


@pytest.fixture
async def redis_counters(redis_url: str, redis_prefix: str, ledger: GivenLedger) -> AsyncIterator[RedisCounters]:
    counters = RedisCounters.from_url(redis_url, ledger=ledger, prefix=redis_prefix, hold_grace=0)
    try:
        yield counters
    finally:
        await counters.close()


@pytest.fixture
async def sql_sqlite_counters(sqlite_url: str) -> AsyncIterator[SqlCounters]:
    async with await Store.open(sqlite_url) as store:
        yield SqlCounters(store.database, hold_grace=0)


@pytest.fixture
async def sql_postgres_counters(postgres_url: str) -> AsyncIterator[SqlCounters]:
    async with await Store.open(postgres_url) as store:
        yield SqlCounters(store.database, hold_grace=0)


@pytest.fixture(
    params=[
        pytest.param("redis", marks=pytest.mark.redis),
        pytest.param("sql_sqlite", id="sql-sqlite"),
        pytest.param("sql_postgres", id="sql-postgres", marks=pytest.mark.postgres),
    ]
)
def counters(request: pytest.FixtureRequest) -> object:
    """Every counter store: Redis, then SQL on SQLite and on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_counters")
