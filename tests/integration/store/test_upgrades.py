"""A database that already holds data migrates to the current schema: columns added later need defaults the
database itself can fill into the rows already there (SQLite and PostgreSQL refuse a NOT NULL column
without one)."""

from __future__ import annotations

import sqlite3

import asyncpg

from domain.store import Store, migrate
from tests.integration.store.test_order_facts import _migrate_to

BEFORE_ISSUE_6 = "kampanya.0007_admin_users_keys_audit"
ROWS = [
    "INSERT INTO customer (id, attributes, orders_count, total_spent) VALUES ('c1', '{}', 3, 1500)",
    "INSERT INTO segment (id, name, description) VALUES ('vip', 'VIP', '')",
    "INSERT INTO segment_member (segment_id, customer_id) VALUES ('vip', 'c1')",
]


async def _write(url: str) -> None:
    if url.startswith("sqlite://"):
        connection = sqlite3.connect(url.removeprefix("sqlite://"))
        try:
            for statement in ROWS:
                connection.execute(statement)
            connection.commit()
        finally:
            connection.close()
        return
    remote = await asyncpg.connect(url)
    try:
        for statement in ROWS:
            await remote.execute(statement)
    finally:
        await remote.close()


async def test_a_database_with_customers_and_segments_migrates_to_the_current_schema(blank_database_url: str) -> None:
    await _migrate_to(blank_database_url, BEFORE_ISSUE_6)
    await _write(blank_database_url)

    applied = await migrate(blank_database_url)
    async with await Store.open(blank_database_url) as store:
        customer = await store.customers.get("c1")

    assert applied[0] == "0008_code_batches"
    assert customer is not None
    assert (customer.orders_count, customer.segments) == (3, ["vip"])
    assert customer.consents.email is False
