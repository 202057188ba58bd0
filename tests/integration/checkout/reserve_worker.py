"""A checkout process for the concurrency tests: reserves a range of orders against one campaign at once
and prints how many got its discount. Run as `python -m tests.integration.checkout.reserve_worker`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from domain.checkout.service import Checkout
from domain.counters.redis import RedisCounters
from domain.counters.sql import SqlCounters
from domain.documents import parse_campaigns, parse_cart
from domain.documents.catalog import TenantSettings
from domain.engine.snapshot import Snapshot
from domain.store import Store


class Catalog:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.settings = TenantSettings()
        self.version = 1


async def run(arguments: argparse.Namespace) -> int:
    snapshot = Snapshot.compile(parse_campaigns(json.loads(arguments.campaigns)))
    catalog = Catalog(snapshot)
    store = await Store.open(arguments.database_url)
    counters: Any = (
        RedisCounters.from_url(arguments.redis_url, ledger=store.orders, prefix=arguments.prefix)
        if arguments.redis_url
        else SqlCounters(store.database)
    )
    checkout = Checkout(lambda: catalog, counters, store.orders)
    start, end = (int(part) for part in arguments.orders.split(":"))
    gate = asyncio.Semaphore(arguments.concurrency)

    async def reserve(number: int) -> bool:
        cart = parse_cart(
            {
                "currency": "TRY",
                "customer": {"id": f"c{number}"},
                "lines": [{"id": "l", "sku": "S", "quantity": 1, "unit_price": "100.00"}],
            }
        )
        async with gate:
            reservation = await checkout.reserve(f"{arguments.round}-{number}", cart)
        return any(entry.campaign_id == arguments.campaign for entry in reservation.result.applied)

    try:
        granted = await asyncio.gather(*(reserve(number) for number in range(start, end)))
    finally:
        if arguments.redis_url:
            await counters.close()
        await store.close()
    return sum(granted)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url")
    parser.add_argument("--prefix", default="kampanya")
    parser.add_argument("--campaigns", required=True, help="JSON array of campaign documents")
    parser.add_argument("--campaign", required=True, help="the limited campaign's id")
    parser.add_argument("--orders", required=True, help="start:end of the order numbers")
    parser.add_argument("--round", required=True)
    parser.add_argument("--concurrency", type=int, default=64)
    granted = asyncio.run(run(parser.parse_args()))
    print(granted)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
