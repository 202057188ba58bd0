"""How long campaign reports take on a large ledger (the reports of issue 6), on PostgreSQL.

A fresh database on the `--postgres` server (dropped afterwards) gets `--campaigns` live campaigns and one
real order per campaign through the checkout lifecycle (reserve, commit on the store with SQL counters), whose
order document and ledger rows are then copied to `--orders` orders spread over 30 days, 5,000 customers and
four channels: a HOLD and a COMMIT row each, except one order in five, which redeems nothing (62,500 orders:
100,000 ledger rows), and the tables are analyzed. Then `campaignReport` of one campaign over the 30 days
and `campaignRanking` over them are timed (`--repeat` runs each, the median printed).

    python loadtests/bench_reports.py --postgres postgres://postgres@127.0.0.1:5432
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import secrets
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
from figures import figure

from domain.checkout.service import Checkout
from domain.counters.sql import SqlCounters
from domain.documents import parse_campaign, parse_cart
from domain.documents.catalog import TenantSettings
from domain.documents.common import Status
from domain.engine.snapshot import Snapshot
from domain.store import Store, migrate
from domain.store.order_facts import order_facts

FIRST = date(2026, 3, 1)
DAYS = 30
CHANNELS = ("web", "mobile", "pos", None)


class Catalog:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.settings = TenantSettings()
        self.version = snapshot.version


def _campaign(index: int) -> Any:
    return parse_campaign(
        {
            "id": f"bench-{index}",
            "name": {"en": f"bench {index}"},
            "currency": "TRY",
            "target": {"categories": [f"cat-{index}"]},
            "benefit": {"type": "PERCENTAGE", "value": str(5 + index)},
            "limits": {"budget_discount": "100000000.00"},
        }
    )


def _cart(index: int) -> Any:
    lines = [
        {
            "id": f"l{line}",
            "sku": f"S{index}-{line}",
            "quantity": 1 + line,
            "unit_price": f"{100 + 37 * line}.00",
            "categories": [f"cat-{index}" if line < 2 else "other"],
        }
        for line in range(3)
    ]
    return parse_cart({"currency": "TRY", "channel": "web", "customer": {"id": "template"}, "lines": lines})


async def _templates(store: Store, campaigns: int) -> list[tuple[dict[str, Any], list[Any]]]:
    """Return one real committed order per campaign: its document and its ledger rows."""
    documents = [_campaign(index) for index in range(campaigns)]
    for document in documents:
        await store.campaigns.save(document, status=Status.ACTIVE)
    catalog = Catalog(Snapshot.compile(documents, version=1))
    checkout = Checkout(lambda: catalog, SqlCounters(store.database), store.orders)  # type: ignore[arg-type, return-value]
    templates = []
    tables = store.database.tables
    for index in range(campaigns):
        await checkout.reserve(f"template-{index}", _cart(index))
        await checkout.commit(f"template-{index}")
        with store.database.active():
            order = await tables.orders.get(order_id=f"template-{index}")
            rows = await tables.ledger.filter(order_id=f"template-{index}").order_by("id")
        templates.append((order.document, rows))
    return templates


async def _fill(store: Store, templates: list[tuple[dict[str, Any], list[Any]]], orders: int) -> int:
    tables = store.database.tables
    start = datetime.combine(FIRST, datetime.min.time(), UTC)
    written = 0
    batch_orders: list[Any] = []
    batch_ledger: list[Any] = []
    for number in range(orders):
        document, rows = templates[number % len(templates)]
        at = start + timedelta(seconds=(number * 86_400 * DAYS) // orders)
        order_id = f"o{number}"
        copied = copy.deepcopy(document)
        copied["cart"]["customer"]["id"] = f"c{number % 5_000}"
        copied["cart"]["channel"] = CHANNELS[number % len(CHANNELS)]
        batch_orders.append(
            tables.orders(
                order_id=order_id,
                status="COMMITTED",
                document=copied,
                expires_at=at,
                created_at=at,
                updated_at=at,
                **order_facts(copied),
            )
        )
        if number % 5 != 4:  # one order in five redeems nothing
            for row in rows:
                batch_ledger.append(
                    tables.ledger(
                        order_id=order_id,
                        campaign_id=row.campaign_id,
                        kind=row.kind,
                        held_uses=row.held_uses,
                        held_discount=row.held_discount,
                        held_value=row.held_value,
                        used_uses=row.used_uses,
                        used_discount=row.used_discount,
                        used_value=row.used_value,
                        claim=row.claim,
                        at=at,
                    )
                )
        if len(batch_orders) >= 2_000 or number == orders - 1:
            with store.database.active():
                await tables.orders.bulk_create(batch_orders)
                await tables.ledger.bulk_create(batch_ledger)
            written += len(batch_ledger)
            batch_orders, batch_ledger = [], []
    return written


async def _timed(repeat: int, work: Any) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        await work()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


async def _analyze(url: str) -> None:
    """Gather the planner's statistics, as autovacuum does for a table that has grown (a table bulk-filled a
    moment ago has none, and PostgreSQL then plans nested loops over every order)."""
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("ANALYZE checkout_order")
        await connection.execute("ANALYZE ledger")
    finally:
        await connection.close()


async def main(arguments: argparse.Namespace) -> None:
    name = f"kampanya_bench_reports_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(f"{arguments.postgres}/postgres")
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{arguments.postgres}/{name}"
    try:
        await migrate(url)
        async with await Store.open(url) as store:
            templates = await _templates(store, arguments.campaigns)
            began = time.perf_counter()
            rows = await _fill(store, templates, arguments.orders)
            print(f"{arguments.orders} orders, {rows} ledger rows written in {time.perf_counter() - began:.1f} s")
            await _analyze(url)
            period = await store.reports.period(FIRST, FIRST + timedelta(days=DAYS - 1))
            report_time = await _timed(arguments.repeat, lambda: store.reports.campaign("bench-0", period))
            ranking_time = await _timed(arguments.repeat, lambda: store.reports.ranking(period, threshold=Decimal(2)))
            report = await store.reports.campaign("bench-0", period)
            assert report is not None
            print(f"bench-0: {report.totals.redemptions} redemptions, {report.without.orders} orders without")
            ranked = await store.reports.ranking(period, threshold=Decimal(2))
            print(f"ranking: {len(ranked)} campaigns, first {ranked[0].campaign_id} ({ranked[0].return_on_discount})")
            print(f"campaignReport {report_time * 1000:.0f} ms, campaignRanking {ranking_time * 1000:.0f} ms")
            figure(
                "reports",
                f"campaignReport, {rows:,} ledger rows",
                report_time * 1000,
                "ms",
                target="< 300 ms",
                met=report_time < 0.3,
            )
            figure(
                "reports",
                f"campaignRanking, {rows:,} ledger rows",
                ranking_time * 1000,
                "ms",
                target="< 1000 ms",
                met=ranking_time < 1.0,
            )
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--orders", type=int, default=62_500)
    parser.add_argument("--campaigns", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    asyncio.run(main(parser.parse_args()))
