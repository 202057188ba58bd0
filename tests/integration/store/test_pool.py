"""The store's PostgreSQL pool hands a connection to its next user as it is: asyncpg's default would run
`SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL` on every release, a second round trip
for each statement outside a transaction (the store keeps no state in a session: see
`domain.store.database._keep_session`)."""

from __future__ import annotations

import asyncpg
import pytest

from domain.store import Store
from tests.integration.store.documents import percent_off

pytestmark = pytest.mark.postgres


async def _last_queries(url: str) -> list[str]:
    """The last statement each of the store's server sessions ran (PostgreSQL's own record)."""
    database = url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(url.rsplit("/", 1)[0] + "/postgres")
    try:
        rows = await admin.fetch(
            "SELECT query FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'", database
        )
    finally:
        await admin.close()
    return [row["query"] for row in rows]


async def test_a_released_connection_runs_no_reset_statements(postgres_url: str) -> None:
    async with await Store.open(postgres_url) as store:
        await store.campaigns.save(percent_off("pool-1"))  # a transaction
        assert await store.orders.get("no-such-order") is None
        last = await _last_queries(postgres_url)
        assert last  # the pool keeps its sessions open
        assert not [query for query in last if "RESET ALL" in query or "pg_advisory_unlock_all" in query]
        assert any("checkout_order" in query for query in last)  # the last thing done was the store's read
