"""The facts of each order that reports aggregate live in columns of its row: written by the order book with
every write of the document, and filled in by migration 0010 for the orders that were there before it."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import asyncpg
from tortoise.context import TortoiseContext
from tortoise.migrations.api import migrate as run_migrations

from domain.store import Store, migrate
from domain.store.config import dialect_of, tortoise_config
from tests.integration.report_history import HISTORY, place

BEFORE = "kampanya.0009_customers_segments_products"
AT = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def _cents(amount: str) -> int:
    return int(Decimal(amount) * 100)


async def _rows(store: Store) -> dict[str, tuple[Any, ...]]:
    with store.database.active():
        rows = await store.database.tables.orders.all().values_list(
            "order_id", "channel", "customer_id", "currency", "order_value", "return_count"
        )
    return {str(row[0]): tuple(row[1:]) for row in rows}


async def test_the_order_book_writes_the_facts_of_every_order_with_its_document(store: Store) -> None:
    await place(store, HISTORY)

    rows = await _rows(store)

    for placed in HISTORY:
        order = await store.orders.get(placed.order_id)
        assert order is not None
        value = _cents(order.result["subtotal"]) - _cents(order.result["discount_total"])
        assert rows[placed.order_id] == (
            placed.channel,
            placed.customer,
            placed.currency,
            value,
            len(placed.returns),
        ), placed.order_id


def _document(number: int) -> dict[str, Any]:
    """An order document as the order book wrote them before migration 0010 (what the facts are read from)."""
    yen = number % 3 == 2
    receipts = {f"r{index}": {"receipt": {"refund": "1.00", "clawback": {}}} for index in range(number % 3)}
    return {
        "cart": {
            "currency": "JPY" if yen else "TRY",
            "channel": None if number % 2 else "web",
            "customer": {"id": f"c{number}"} if number % 5 else None,
            "lines": [],
        },
        "result": {
            "currency": "JPY" if yen else "TRY",
            "subtotal": f"{number}" if yen else f"{number}.50",
            "discount_total": "1" if yen else "0.25",
        },
        "receipts": receipts,
    }


def _expected(number: int) -> tuple[Any, ...]:
    yen = number % 3 == 2
    return (
        None if number % 2 else "web",
        f"c{number}" if number % 5 else None,
        "JPY" if yen else "TRY",
        number - 1 if yen else number * 100 + 25,
        number % 3,
    )


async def _migrate_to(url: str, target: str) -> None:
    context = TortoiseContext()
    with context:
        try:
            await run_migrations(config=tortoise_config(url), target=target, direction="forward")
        finally:
            await context.close_connections()


async def _insert_orders(url: str, count: int) -> None:
    """Write `count` orders straight into `checkout_order`, as a database migrated to 0009 holds them."""
    sqlite = dialect_of(url) == "sqlite"
    at = AT.isoformat(sep=" ") if sqlite else AT
    rows = [(f"o{number:05}", "COMMITTED", json.dumps(_document(number)), at, at, at) for number in range(count)]
    if sqlite:
        with sqlite3.connect(url.removeprefix("sqlite://")) as connection:
            connection.executemany(
                "INSERT INTO checkout_order (order_id, status, document, expires_at, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
        return
    connection = await asyncpg.connect(url)
    try:
        await connection.executemany(
            "INSERT INTO checkout_order (order_id, status, document, expires_at, created_at, updated_at)"
            " VALUES ($1, $2, $3::jsonb, $4, $5, $6)",
            rows,
        )
    finally:
        await connection.close()


async def test_migrating_fills_in_the_facts_of_the_orders_already_there(blank_database_url: str) -> None:
    await _migrate_to(blank_database_url, BEFORE)
    await _insert_orders(blank_database_url, 1_003)  # more than one batch of the migration

    assert "0010_order_facts" in await migrate(blank_database_url)

    async with await Store.open(blank_database_url) as store:
        rows = await _rows(store)
    assert len(rows) == 1_003
    assert all(rows[f"o{number:05}"] == _expected(number) for number in range(1_003))
