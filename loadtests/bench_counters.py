"""Throughput and latency of the limit counters and the checkout lifecycle, each next to a baseline on the
same machine in the same run (the budgets issue).

(a) In process, on the local Redis: `RedisCounters.reserve` of one realistic claim (a campaign limited by
    `total_redemptions`, `budget_discount` and `per_customer`, a new order id and a new customer on every
    call, so nothing is ever refused) next to a trivial Lua script (`return 1` on one key of the same hash
    tag) called through the same redis.asyncio client. Also shown, for information: reserve followed by
    commit of the same order. Target: reserve at least 50% of the raw script rate.

(b) Over gRPC, against the pricing core started as its own process (`kampanya pricing`) on a catalog of
    `--campaigns` live campaigns, two of which concern the cart (one of them limited as in (a), with a
    money budget), the rest noise: `Reserve` (a new order id and customer each time) then `Commit` of that
    order, next to `EvaluateCart` of the same cart on the same server. Target: Reserve+Commit pairs at
    least 60% of the EvaluateCart rate. It runs once with the counters in Redis (`KAMPANYA_REDIS_URL` on
    logical database `--redis-db`, which must be empty: it is flushed afterwards) and once with the SQL
    counters (no Redis), each on a fresh catalog database: a SQLite file in a temporary directory, or a
    new PostgreSQL database on the `--postgres` server (dropped afterwards).

One load client (this process, on uvloop like the pricing core) keeps `--concurrency` operations in flight
for `--seconds` per round, alternating the measured operations round by round (after a short warm-up of
each) so drift hits both alike. Latencies are client side; percentiles are nearest-rank over all rounds.
The CPU column is the CPU time per operation of the process doing the work: this one in (a), the pricing
core in (b) (from /proc, all its threads). It prints a table per part and configuration with PASS/FAIL;
exit 1 on any FAIL unless --no-fail (`--counters redis` judges only the production setup of (b)).

    python loadtests/bench_counters.py                                  # both parts, both counter stores
    python loadtests/bench_counters.py --part b --counters redis --postgres postgres://postgres@127.0.0.1:5432
    "$(scripts/compiled-venv)/bin/python" loadtests/bench_counters.py --part b   # the compiled engine

Attach a profiler to the pricing core while it runs: its pid is printed (`py-spy record --pid PID`).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import redis
import uvloop
from bench_engine import (
    SEED,
    build_catalog,
    cart_campaigns,
    cart_document,
    engine_build,
    noise_campaigns,
    noise_pools,
    pick_cart_products,
)
from bench_pricing import free_port, percentile, request_bytes, start
from figures import figure
from google.protobuf.internal import api_implementation
from grpc import aio

from domain.counters.redis import RedisCounters
from domain.documents import parse_campaigns
from domain.limits import Claim, LimitRule, Taken
from domain.store import Store, migrate
from kampanya.pricing.v1 import pricing_pb2 as pb

SERVICE = "/kampanya.pricing.v1.PricingService"
EVALUATE, RESERVE, COMMIT = f"{SERVICE}/EvaluateCart", f"{SERVICE}/Reserve", f"{SERVICE}/Commit"
TARGET_COUNTERS = 0.50
TARGET_CHECKOUT = 0.60
WARM_UP = 1.5
"""Seconds of each operation before the timed rounds."""

LIMITED = "cart-00-pct-category"
"""The cart campaign given limits (a 10% discount on the first line's category)."""
UNLIMITED = "cart-10-free-shipping"
BIG = 1_000_000_000
LIMITS: dict[str, Any] = {
    "total_redemptions": BIG,
    "budget_discount": "10000000000.00",
    "per_customer": 1,
}
RULE = LimitRule("bench-counters", total_redemptions=BIG, budget_discount=10**15, per_customer=1)
"""What part (a) claims from (in minor units: a budget of 10,000 billion)."""

Step = Callable[[int], Awaitable[Mapping[str, float]]]
"""One operation of the load, given a number unique in the run; returns the latencies (µs) of its parts."""
WHOLE: Mapping[str, float] = {}
CpuClock = Callable[[], float]
"""The CPU seconds used so far by the process doing the work (the CPU column: its cost per operation)."""


@dataclass
class Round:
    calls: int
    seconds: float
    latencies_us: list[float]
    cpu_seconds: float
    parts_us: dict[str, list[float]] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.calls / self.seconds


@dataclass(frozen=True)
class Row:
    name: str
    rate: float | None
    p50: float
    p99: float
    calls: int
    cpu_us: float | None = None
    per_round: str = ""


@dataclass(frozen=True)
class Verdict:
    title: str
    rows: list[Row]
    ratio: float
    target: float
    label: str
    cpu: str
    """Whose CPU the CPU column counts."""

    @property
    def passed(self) -> bool:
        return self.ratio >= self.target


# -- the load ------------------------------------------------------------------------------------------------


async def run_round(step: Step, numbers: Iterator[int], cpu: CpuClock, *, concurrency: int, seconds: float) -> Round:
    """Keep `concurrency` runs of `step` in flight for `seconds`."""
    latencies: list[float] = []
    parts: dict[str, list[float]] = defaultdict(list)
    stop_at = time.perf_counter() + seconds

    async def worker() -> None:
        while time.perf_counter() < stop_at:
            started = time.perf_counter_ns()
            split = await step(next(numbers))
            latencies.append((time.perf_counter_ns() - started) / 1000)
            for name, value in split.items():
                parts[name].append(value)

    started, cpu_started = time.perf_counter(), cpu()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Round(len(latencies), time.perf_counter() - started, latencies, cpu() - cpu_started, dict(parts))


async def alternate(
    steps: Mapping[str, Step], cpu: CpuClock, *, rounds: int, seconds: float, concurrency: int
) -> dict[str, list[Round]]:
    """Warm each step up, then run `rounds` timed rounds of each, alternating."""
    numbers = itertools.count()
    for step in steps.values():
        await run_round(step, numbers, cpu, concurrency=concurrency, seconds=WARM_UP)
    results: dict[str, list[Round]] = {name: [] for name in steps}
    for _ in range(rounds):
        for name, step in steps.items():
            results[name].append(await run_round(step, numbers, cpu, concurrency=concurrency, seconds=seconds))
    return results


def summarize(name: str, rounds: Sequence[Round]) -> Row:
    latencies = [value for one in rounds for value in one.latencies_us]
    rate = sum(one.calls for one in rounds) / sum(one.seconds for one in rounds)
    per_round = ", ".join(f"{one.rate:,.0f}" for one in rounds)
    cpu = sum(one.cpu_seconds for one in rounds) * 1e6 / len(latencies)
    return Row(name, rate, statistics.median(latencies), percentile(latencies, 0.99), len(latencies), cpu, per_round)


def part_rows(rounds: Sequence[Round]) -> list[Row]:
    """The latencies of the parts of a composite step (no rate of their own: they run in its pairs)."""
    names = rounds[0].parts_us.keys()
    rows = []
    for name in names:
        values = [value for one in rounds for value in one.parts_us[name]]
        rows.append(Row(f"  ↳ {name}", None, statistics.median(values), percentile(values, 0.99), len(values)))
    return rows


def verdict(
    title: str, results: Mapping[str, list[Round]], measured: str, baseline: str, target: float, *, cpu: str
) -> Verdict:
    rows: list[Row] = []
    for name, rounds in results.items():
        rows.append(summarize(name, rounds))
        if rounds[0].parts_us:
            rows += part_rows(rounds)
    rates = {row.name: row.rate or 0.0 for row in rows}
    return Verdict(title, rows, rates[measured] / rates[baseline], target, f"{measured} / {baseline}", cpu)


def print_verdict(result: Verdict) -> None:
    print(f"\n### {result.title}\n")
    print(f"| operation | calls/s | p50 µs | p99 µs | calls | CPU µs/call ({result.cpu}) | per round (calls/s) |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for row in result.rows:
        rate = "" if row.rate is None else f"{row.rate:,.0f}"
        cpu = "" if row.cpu_us is None else f"{row.cpu_us:,.0f}"
        print(f"| {row.name} | {rate} | {row.p50:,.0f} | {row.p99:,.0f} | {row.calls:,} | {cpu} | {row.per_round} |")
    outcome = "PASS" if result.passed else "FAIL"
    print(f"\n**{result.label} = {result.ratio:.2f} — {outcome}** (target ≥ {result.target:.2f})", flush=True)
    figure(
        "counters and checkout",
        f"{result.title}: {result.label}",
        round(result.ratio, 3),
        "ratio",
        target=f">= {result.target}",
        met=result.passed,
    )


# -- (a) the counter port in process --------------------------------------------------------------------------


class EmptyLedger:
    """The ledger of a campaign never counted before: the counters start empty."""

    async def takings(self, campaign_id: str, *, now: float) -> Sequence[Taken]:
        return []


async def counters_part(arguments: argparse.Namespace) -> Verdict:
    prefix = f"bench-counters-{secrets.token_hex(4)}"
    counters = RedisCounters.from_url(arguments.redis, ledger=EmptyLedger(), prefix=prefix)
    client: Any = counters._client
    trivial = client.register_script("return 1")
    trivial_keys = [f"{counters.keys(RULE.campaign_id)[0]}:trivial"]
    run = secrets.token_hex(4)
    today = date.today().isoformat()

    def claim(number: int) -> Claim:
        return Claim(RULE, discount=1_500, order_value=25_000, customer_id=f"customer-{run}-{number}", day=today)

    async def script(number: int) -> Mapping[str, float]:
        await trivial(keys=trivial_keys, args=[])
        return WHOLE

    async def reserve(number: int) -> Mapping[str, float]:
        if await counters.reserve(f"order-{run}-{number}", [claim(number)], ttl=900.0) is not None:
            raise RuntimeError("part (a): a reserve was refused")
        return WHOLE

    async def reserve_commit(number: int) -> Mapping[str, float]:
        order_id = f"order-{run}-{number}"
        started = time.perf_counter_ns()
        if await counters.reserve(order_id, [claim(number)], ttl=900.0) is not None:
            raise RuntimeError("part (a): a reserve was refused")
        held = time.perf_counter_ns()
        if await counters.commit(order_id, [RULE.campaign_id]):
            raise RuntimeError("part (a): a commit found its hold expired")
        return {"reserve": (held - started) / 1000, "commit": (time.perf_counter_ns() - held) / 1000}

    try:
        print(f"  (a) Redis {arguments.redis}, key prefix {prefix!r}", flush=True)
        results = await alternate(
            {
                "trivial script (return 1)": script,
                "RedisCounters.reserve": reserve,
                "reserve + commit (info)": reserve_commit,
            },
            time.process_time,
            rounds=arguments.rounds,
            seconds=arguments.seconds,
            concurrency=arguments.concurrency,
        )
    finally:
        keys = [key async for key in client.scan_iter(match=f"{prefix}:*", count=1000)]
        if keys:
            await client.delete(*keys)
        await counters.close()
    return verdict(
        f"(a) counter port in process vs a trivial Lua script — same client, {arguments.concurrency} in flight",
        results,
        "RedisCounters.reserve",
        "trivial script (return 1)",
        TARGET_COUNTERS,
        cpu="this process",
    )


# -- (b) the checkout over gRPC ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bench:
    documents: list[dict[str, Any]]
    cart: dict[str, Any]


def bench_catalog(campaigns: int) -> Bench:
    """The campaigns (two concern the cart, one of them limited) and the cart (without coupons)."""
    rng = random.Random(SEED)
    catalog = build_catalog(rng)
    products = pick_cart_products(catalog, rng)
    chosen = {document["id"]: document for document in cart_campaigns(products)}
    limited = dict(chosen[LIMITED], currency="TRY", limits=LIMITS)
    noise = noise_campaigns(campaigns - 2, rng, noise_pools(catalog, products))
    cart = dict(cart_document(products), coupons=[])
    return Bench([limited, chosen[UNLIMITED], *noise], cart)


@asynccontextmanager
async def catalog_database(bench: Bench, directory: Path, name: str, postgres: str | None) -> AsyncIterator[str]:
    """A fresh, migrated catalog database holding the bench campaigns; dropped afterwards."""
    if postgres is None:
        url = f"sqlite://{directory / f'{name}.sqlite3'}"
        await _load(url, bench)
        yield url
        return
    parts = urlsplit(postgres)
    database = f"kampanya_bench_{name}_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(urlunsplit((parts.scheme, parts.netloc, "/postgres", "", "")))
    try:
        await admin.execute(f'CREATE DATABASE "{database}"')
        try:
            url = urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, ""))  # e.g. ?maxsize=20
            await _load(url, bench)
            yield url
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    finally:
        await admin.close()


async def _load(url: str, bench: Bench) -> None:
    await migrate(url)
    async with await Store.open(url) as store:
        await store.campaigns.import_all(parse_campaigns(bench.documents))


def start_core(url: str, redis_url: str | None, directory: Path) -> tuple[subprocess.Popen[str], int]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("KAMPANYA_")}
    environment.update(
        KAMPANYA_DATABASE_URL=url, KAMPANYA_ENV="test", KAMPANYA_SHUTDOWN_DELAY="0", KAMPANYA_METRICS_PORT="none"
    )
    if redis_url is not None:
        environment["KAMPANYA_REDIS_URL"] = redis_url
    port = free_port()
    command = [sys.executable, "-m", "kampanya", "pricing", "--port", str(port)]
    process, _ = start(command, '"serving"', environment, "stderr", directory)
    return process, port


def process_cpu(pid: int) -> float:
    """The CPU seconds (user + system, every thread) process `pid` used so far (Linux; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


async def checkout_load(arguments: argparse.Namespace, port: int, cpu: CpuClock, bench: Bench, title: str) -> Verdict:
    evaluate_payload = request_bytes(bench.cart)
    # a ReserveRequest carrying the cart; each call appends its order id and customer id (concatenated
    # serializations merge: scalars are replaced, the nested cart and customer are merged field by field)
    reserve_base = pb.ReserveRequest(cart=pb.EvaluateCartRequest.FromString(evaluate_payload).cart).SerializeToString()
    run = secrets.token_hex(4)
    async with aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        evaluate_call: Any = channel.unary_unary(EVALUATE)
        reserve_call: Any = channel.unary_unary(RESERVE)
        commit_call: Any = channel.unary_unary(COMMIT)

        async def evaluate(number: int) -> Mapping[str, float]:
            await evaluate_call(evaluate_payload, timeout=30)
            return WHOLE

        async def reserve_commit(number: int) -> Mapping[str, float]:
            order_id = f"bench-{run}-{number}"
            customer = pb.Cart(customer=pb.Customer(id=f"customer-{run}-{number}"))
            request = reserve_base + pb.ReserveRequest(order_id=order_id, cart=customer).SerializeToString()
            started = time.perf_counter_ns()
            await reserve_call(request, timeout=30)
            reserved = time.perf_counter_ns()
            await commit_call(pb.CommitRequest(order_id=order_id).SerializeToString(), timeout=30)
            return {"Reserve": (reserved - started) / 1000, "Commit": (time.perf_counter_ns() - reserved) / 1000}

        await _check(evaluate_call, reserve_call, commit_call, evaluate_payload, reserve_base, run)
        results = await alternate(
            {"EvaluateCart": evaluate, "Reserve + Commit": reserve_commit},
            cpu,
            rounds=arguments.rounds,
            seconds=arguments.seconds,
            concurrency=arguments.concurrency,
        )
    return verdict(title, results, "Reserve + Commit", "EvaluateCart", TARGET_CHECKOUT, cpu="pricing core")


async def _check(
    evaluate_call: Any, reserve_call: Any, commit_call: Any, evaluate_payload: bytes, reserve_base: bytes, run: str
) -> None:
    """One call of each, decoded: the limited campaign applies, the pair reserves and commits."""
    evaluated = pb.EvaluateCartResponse.FromString(await evaluate_call(evaluate_payload, timeout=30))
    applied = [entry.campaign_id for entry in evaluated.result.applied]
    if LIMITED not in applied:
        raise SystemExit(f"the limited campaign does not apply to the cart (applied: {applied})")
    order_id = f"bench-{run}-check"  # its own customer: the cart's stays free to take the limited campaign
    customer = pb.Cart(customer=pb.Customer(id=f"customer-{run}-check"))
    request = reserve_base + pb.ReserveRequest(order_id=order_id, cart=customer).SerializeToString()
    reserved = pb.ReserveResponse.FromString(await reserve_call(request, timeout=30))
    committed = pb.CommitResponse.FromString(
        await commit_call(pb.CommitRequest(order_id=order_id).SerializeToString(), timeout=30)
    )
    status = pb.OrderStatus.Name(committed.status)
    print(
        f"  cart: {len(evaluated.result.applied)} campaigns applied ({', '.join(applied)}); request "
        f"{len(evaluate_payload)} bytes; Reserve answers {reserved.ByteSize()} bytes; Commit -> {status}",
        flush=True,
    )


def checkout_part(arguments: argparse.Namespace) -> list[Verdict]:
    bench = bench_catalog(arguments.campaigns)
    redis_url = _database_url(arguments.redis, arguments.redis_db)
    stores = ["redis", "sql"] if arguments.counters == "both" else [arguments.counters]
    catalog = "PostgreSQL" if arguments.postgres else "SQLite"
    verdicts: list[Verdict] = []
    with tempfile.TemporaryDirectory() as scratch:
        for counters in stores:
            url_of_redis = redis_url if counters == "redis" else None
            if url_of_redis is not None:
                _check_empty(url_of_redis)
            try:
                result = uvloop.run(
                    _one_configuration(arguments, bench, Path(scratch), counters, url_of_redis, catalog)
                )
            finally:
                if url_of_redis is not None:
                    with redis.Redis.from_url(url_of_redis) as client:
                        client.flushdb()
            print_verdict(result)
            verdicts.append(result)
    return verdicts


async def _one_configuration(
    arguments: argparse.Namespace,
    bench: Bench,
    directory: Path,
    counters: str,
    redis_url: str | None,
    catalog: str,
) -> Verdict:
    where = f"Redis ({redis_url})" if redis_url else f"SQL ({catalog}, the catalog database)"
    async with catalog_database(bench, directory, counters, arguments.postgres) as url:
        process, port = start_core(url, redis_url, directory)
        try:
            print(f"\n  (b) counters: {where}; ledger: {catalog}; pricing core pid {process.pid}", flush=True)
            title = (
                f"(b) Reserve + Commit vs EvaluateCart over gRPC — counters {where}, ledger {catalog}, "
                f"{arguments.campaigns} live campaigns, {arguments.concurrency} in flight"
            )
            return await checkout_load(arguments, port, partial(process_cpu, process.pid), bench, title)
        finally:
            stop(process)


def _database_url(url: str, database: int) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, ""))


def _check_empty(url: str) -> None:
    with redis.Redis.from_url(url) as client:
        size = client.dbsize()
    if size:
        raise SystemExit(f"{url} holds {size} keys: part (b) flushes its Redis database, give an empty --redis-db")


# -- main ------------------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0] if __doc__ else None)
    parser.add_argument("--part", choices=("a", "b", "both"), default="both")
    parser.add_argument("--counters", choices=("redis", "sql", "both"), default="both", help="(b) counter stores")
    parser.add_argument("--seconds", type=float, default=5.0, help="per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per operation, alternating")
    parser.add_argument("--concurrency", type=int, default=32, help="operations in flight")
    parser.add_argument("--campaigns", type=int, default=100, help="(b) live campaigns in the catalog")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0", help="(a) the Redis server (own key prefix)")
    parser.add_argument("--redis-db", type=int, default=9, help="(b) an empty Redis logical database for the core")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="(b) a PostgreSQL server (postgres://user@host:port[?maxsize=N]): the catalog on a new database there",
    )
    parser.add_argument("--no-fail", action="store_true", help="exit 0 even when a target is missed")
    arguments = parser.parse_args(argv)

    print("Kampanya counters and checkout benchmark, same machine, same run")
    print(f"  Python {sys.version.split()[0]}, protobuf backend: {api_implementation.Type()}, engine: {engine_build()}")
    with redis.Redis.from_url(arguments.redis) as client:
        server = client.info("server")
    print(
        f"  CPUs: {os.cpu_count()}; Redis {server['redis_version']}; {arguments.concurrency} in flight; "
        f"{arguments.rounds} x {arguments.seconds:g} s per operation (after {WARM_UP:g} s of warm-up)",
        flush=True,
    )
    verdicts: list[Verdict] = []
    if arguments.part in ("a", "both"):
        verdicts.append(uvloop.run(counters_part(arguments)))
        print_verdict(verdicts[-1])
    if arguments.part in ("b", "both"):
        verdicts += checkout_part(arguments)
    if len(verdicts) > 1:
        print("\n### Summary\n")
        for result in verdicts:
            print(f"- {result.title}: {result.label} = {result.ratio:.2f} {'PASS' if result.passed else 'FAIL'}")
    return 0 if arguments.no_fail or all(result.passed for result in verdicts) else 1


if __name__ == "__main__":
    raise SystemExit(main())
