"""The schema: migrations applied once, a store refusing an unmigrated database, and databases of both
dialects open side by side in one process."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
from tortoise.connection import get_connections
from tortoise.context import TortoiseContext
from tortoise.migrations.api import migrate as run_migrations

from domain.documents.catalog import CouponCodeSpec, CustomerProfile
from domain.documents.common import Status
from domain.store import (
    DEFAULT_DATABASE_URL,
    SchemaMissing,
    Store,
    UnsupportedDatabase,
    database_url,
    migrate,
)
from domain.store.config import tortoise_config
from tests.integration.store.documents import percent_off

MIGRATIONS = sorted(path.stem for path in (Path(__file__).parents[3] / "domain" / "store" / "migrations").glob("0*.py"))


async def test_migrate_applies_every_migration_once(blank_database_url: str) -> None:
    assert await migrate(blank_database_url) == MIGRATIONS
    assert await migrate(blank_database_url) == []


async def test_migrate_creates_the_sqlite_file(tmp_path: Path) -> None:
    await migrate(f"sqlite://{tmp_path / 'new.sqlite3'}")

    assert (tmp_path / "new.sqlite3").is_file()


async def test_a_store_refuses_an_unmigrated_database(blank_database_url: str) -> None:
    with pytest.raises(SchemaMissing, match=rf"{len(MIGRATIONS)} migration\(s\) not applied.*run `kampanya migrate`"):
        await Store.open(blank_database_url)


async def test_a_store_refuses_a_database_it_cannot_speak_to() -> None:
    with pytest.raises(UnsupportedDatabase, match="'mysql'"):
        await Store.open("mysql://root@127.0.0.1/kampanya")


def test_the_database_is_a_sqlite_file_in_the_working_directory_unless_configured() -> None:
    assert database_url({}) == DEFAULT_DATABASE_URL == "sqlite://kampanya.sqlite3"
    assert database_url({"KAMPANYA_DATABASE_URL": "postgres://db/kampanya"}) == "postgres://db/kampanya"


@pytest.mark.postgres
async def test_sqlite_and_postgresql_stores_work_side_by_side_in_one_process(
    sqlite_url: str, postgres_url: str
) -> None:
    async with await Store.open(sqlite_url) as embedded, await Store.open(postgres_url) as server:
        for turn, store in enumerate([server, embedded, server, embedded]):
            await store.campaigns.save(percent_off("spring", str(turn + 1)), status=Status.ACTIVE)
            await store.codes.add([CouponCodeSpec(code=f"SPRING-{turn}", campaign_id="spring")])
            await store.customers.upsert(CustomerProfile(id=f"c-{turn}", total_spent="1.50"))

        for store, codes in ((server, ["SPRING-0", "SPRING-2"]), (embedded, ["SPRING-1", "SPRING-3"])):
            changes = await store.changes_since(None)
            assert [(stored.id, stored.version) for stored in changes.campaigns] == [("spring", 2)]
            assert [stored.spec.code for stored in changes.codes] == codes


async def test_the_sweepers_look_for_stalled_calls_reads_an_index_not_every_call(database_url: str) -> None:
    async with await Store.open(database_url) as store:
        for number in range(200):
            await store.orders.begin(f"o-{number}", "commit", "", "digest", lease=30)
            await store.orders.finish(f"o-{number}", "commit", "", {})
        await store.orders.begin("o-stalled", "commit", "", "digest", lease=30)

        plan = await _plan(store, "SELECT order_id FROM checkout_operation WHERE status = 'RUNNING'")
        stalled = await store.orders.stalled(datetime.now(UTC) + timedelta(seconds=1))

    assert stalled == [("o-stalled", "commit", "")]
    assert "Index" in plan or "INDEX" in plan, plan
    assert "status" in plan, plan


async def _plan(store: Store, query: str) -> str:
    database = store.database
    with database.active():
        client = get_connections().get(database.tables.connection)
        if database.tables.dialect == "sqlite":
            _, rows = await client.execute_query(f"EXPLAIN QUERY PLAN {query}")
            return " ".join(str(row["detail"]) for row in rows)
        async with database.transaction() as transaction:  # a table this small is read whole when it may be
            await transaction.execute_script("SET LOCAL enable_seqscan = off")
            _, rows = await transaction.execute_query(f"EXPLAIN {query}")
        return " ".join(str(row["QUERY PLAN"]) for row in rows)


async def test_returns_given_back_are_unique_per_order_after_migration_0012(blank_database_url: str) -> None:
    """Migration 0012 keeps the returns recorded before it, and lets two orders use the same return id."""
    context = TortoiseContext()
    with context:
        try:
            await run_migrations(
                config=tortoise_config(blank_database_url),
                target="kampanya.0011_stalled_operations_index",
                direction="forward",
            )
        finally:
            await context.close_connections()
    insert = "INSERT INTO counter_return (campaign_id, order_id, return_id) VALUES ('c1', '{}', 'r1')"
    await _raw(blank_database_url, insert.format("o1"))
    with pytest.raises((sqlite3.IntegrityError, asyncpg.UniqueViolationError)):  # before: one "r1" per campaign
        await _raw(blank_database_url, insert.format("o2"))

    assert await migrate(blank_database_url) == ["0012_returns_per_order"]

    await _raw(blank_database_url, insert.format("o2"))
    with pytest.raises((sqlite3.IntegrityError, asyncpg.UniqueViolationError)):
        await _raw(blank_database_url, insert.format("o2"))
    rows = await _raw(blank_database_url, "SELECT order_id, return_id FROM counter_return ORDER BY order_id")
    assert rows == [("o1", "r1"), ("o2", "r1")]


async def _raw(url: str, statement: str) -> list[tuple[object, ...]]:
    """Run one statement on the database with its plain driver (no store: the schema may be behind)."""
    if url.startswith("sqlite://"):
        with closing(sqlite3.connect(url.removeprefix("sqlite://"))) as connection, connection:
            return [tuple(row) for row in connection.execute(statement).fetchall()]
    connection = await asyncpg.connect(url)
    try:
        return [tuple(row) for row in await connection.fetch(statement)]
    finally:
        await connection.close()
