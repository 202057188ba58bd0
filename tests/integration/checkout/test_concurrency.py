"""Under real concurrency — four checkout processes at once — a limit is never exceeded, and the counters
agree with the ledger."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from domain.counters.redis import RedisCounters
from domain.counters.sql import SqlCounters
from domain.limits import LimitRule, Usage
from domain.store import Store
from tests.builders import campaign
from tests.integration.checkout.agreement import counters_usage, ledger_usage

ROOT = Path(__file__).resolve().parents[3]
PROCESSES = 4
ORDERS = 500
LIMIT = 100


class Workers:
    """Four checkout processes, started once for all the rounds of a test (starting a Python process costs
    more than a round): each round, every one reserves its share of the orders at the same moment."""

    def __init__(self, processes: list[asyncio.subprocess.Process]) -> None:
        self._processes = processes

    @classmethod
    async def start(cls, database_url: str, redis_url: str | None, prefix: str) -> Workers:
        command = [sys.executable, "-m", "tests.integration.checkout.reserve_worker", "--database-url", database_url]
        if redis_url:
            command += ["--redis-url", redis_url, "--prefix", prefix]
        processes = [
            await asyncio.create_subprocess_exec(*command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            for _ in range(PROCESSES)
        ]
        return cls(processes)

    async def round(self, number: int) -> int:
        """Run round `number` on a new campaign limited to LIMIT uses; return how many orders got it."""
        limited = campaign(
            f"round-{number}", {"type": "PERCENTAGE", "value": "10"}, limits={"total_redemptions": LIMIT}
        )
        share = ORDERS // PROCESSES
        for index, process in enumerate(self._processes):
            task = {
                "campaigns": [limited.model_dump(mode="json")],
                "campaign": limited.id,
                "round": number,
                "orders": [index * share, (index + 1) * share],
            }
            assert process.stdin is not None
            process.stdin.write(json.dumps(task).encode() + b"\n")
            await process.stdin.drain()
        granted = 0
        for process in self._processes:
            assert process.stdout is not None
            line = await process.stdout.readline()
            assert line, f"a worker ended early (exit {await process.wait()})"
            granted += int(line.decode())
        return granted

    async def stop(self) -> None:
        for process in self._processes:
            assert process.stdin is not None
            process.stdin.close()
        codes = [await process.wait() for process in self._processes]
        assert codes == [0] * PROCESSES


@pytest.mark.parametrize("rounds", [20])
async def test_500_reservations_from_4_processes_on_a_limit_of_100_take_exactly_100_every_time_with_redis(
    postgres_url: str, redis_url: str, redis_prefix: str, rounds: int
) -> None:
    prefix = redis_prefix
    store = await Store.open(postgres_url)
    counters = RedisCounters.from_url(redis_url, ledger=store.orders, prefix=prefix)
    workers = await Workers.start(postgres_url, redis_url, prefix)
    try:
        for number in range(rounds):
            granted = await workers.round(number)
            rule = LimitRule(f"round-{number}", total_redemptions=LIMIT)
            assert granted == LIMIT, f"round {number}"
            assert await counters_usage(counters, rule) == await ledger_usage(store, rule) == Usage(uses=LIMIT)
    finally:
        await workers.stop()
        await counters.close()
        await store.close()


@pytest.mark.parametrize("rounds", [5])
async def test_500_reservations_from_4_processes_on_a_limit_of_100_take_exactly_100_with_sql_counters(
    database_url: str, rounds: int
) -> None:
    store = await Store.open(database_url)
    counters = SqlCounters(store.database)
    workers = await Workers.start(database_url, None, "")
    try:
        for number in range(rounds):
            granted = await workers.round(number)
            rule = LimitRule(f"round-{number}", total_redemptions=LIMIT)
            assert granted == LIMIT, f"round {number}"
            assert await counters_usage(counters, rule) == await ledger_usage(store, rule) == Usage(uses=LIMIT)
    finally:
        await workers.stop()
        await store.close()
