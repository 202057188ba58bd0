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


async def _round(database_url: str, redis_url: str | None, prefix: str, number: int) -> int:
    limited = campaign(f"round-{number}", {"type": "PERCENTAGE", "value": "10"}, limits={"total_redemptions": LIMIT})
    documents = json.dumps([limited.model_dump(mode="json")])
    share = ORDERS // PROCESSES
    command = [sys.executable, "-m", "tests.integration.checkout.reserve_worker", "--database-url", database_url]
    if redis_url:
        command += ["--redis-url", redis_url, "--prefix", prefix]
    workers = [
        await asyncio.create_subprocess_exec(
            *command,
            "--campaigns",
            documents,
            "--campaign",
            limited.id,
            "--orders",
            f"{index * share}:{(index + 1) * share}",
            "--round",
            str(number),
            cwd=ROOT,
            stdout=subprocess.PIPE,
        )
        for index in range(PROCESSES)
    ]
    outputs = [await worker.communicate() for worker in workers]
    assert all(worker.returncode == 0 for worker in workers)
    return sum(int(stdout.decode().strip()) for stdout, _ in outputs)


@pytest.mark.parametrize("rounds", [20])
async def test_500_reservations_from_4_processes_on_a_limit_of_100_take_exactly_100_every_time_with_redis(
    postgres_url: str, redis_url: str, redis_prefix: str, rounds: int
) -> None:
    prefix = redis_prefix
    store = await Store.open(postgres_url)
    counters = RedisCounters.from_url(redis_url, ledger=store.orders, prefix=prefix)
    try:
        for number in range(rounds):
            granted = await _round(postgres_url, redis_url, prefix, number)
            rule = LimitRule(f"round-{number}", total_redemptions=LIMIT)
            assert granted == LIMIT, f"round {number}"
            assert await counters_usage(counters, rule) == await ledger_usage(store, rule) == Usage(uses=LIMIT)
    finally:
        await counters.close()
        await store.close()


@pytest.mark.parametrize("rounds", [5])
async def test_500_reservations_from_4_processes_on_a_limit_of_100_take_exactly_100_with_sql_counters(
    database_url: str, rounds: int
) -> None:
    store = await Store.open(database_url)
    counters = SqlCounters(store.database)
    try:
        for number in range(rounds):
            granted = await _round(database_url, None, "", number)
            rule = LimitRule(f"round-{number}", total_redemptions=LIMIT)
            assert granted == LIMIT, f"round {number}"
            assert await counters_usage(counters, rule) == await ledger_usage(store, rule) == Usage(uses=LIMIT)
    finally:
        await store.close()
