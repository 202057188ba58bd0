"""A checkout process for the concurrency tests: for each round it reads from standard input (one JSON line:
the campaign documents, the limited campaign's id, the round and the range of order numbers), it reserves
that range of orders against the campaign at once and prints how many got its discount. Started once for
all the rounds of a test (`python -m tests.integration.checkout.reserve_worker`); it ends at end of input."""

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


async def run_round(arguments: argparse.Namespace, counters: Any, store: Store, task: dict[str, Any]) -> int:
    catalog = Catalog(Snapshot.compile(parse_campaigns(task["campaigns"])))
    checkout = Checkout(lambda: catalog, counters, store.orders)
    start, end = task["orders"]
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
            reservation = await checkout.reserve(f"{task['round']}-{number}", cart)
        return any(entry.campaign_id == task["campaign"] for entry in reservation.result.applied)

    return sum(await asyncio.gather(*(reserve(number) for number in range(start, end))))


async def run(arguments: argparse.Namespace) -> None:
    store = await Store.open(arguments.database_url)
    counters: Any = (
        RedisCounters.from_url(arguments.redis_url, ledger=store.orders, prefix=arguments.prefix)
        if arguments.redis_url
        else SqlCounters(store.database)
    )
    loop = asyncio.get_running_loop()
    try:
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            print(await run_round(arguments, counters, store, json.loads(line)), flush=True)
    finally:
        if arguments.redis_url:
            await counters.close()
        await store.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url")
    parser.add_argument("--prefix", default="kampanya")
    parser.add_argument("--concurrency", type=int, default=64)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
