"""Propagation: time from a committed campaign change to its effect in EvaluateCart.

A pricing core runs as its own process (`kampanya pricing`, poll interval 2 s) on a catalog database; this
process saves a new ACTIVE campaign targeting a SKU nobody else targets and, from the moment the save has
committed, calls EvaluateCart every millisecond with a cart holding that SKU until the campaign applies.
Once with Redis (the store announces each committed version on pub/sub) and once without (polling only).
Targets: p99 under 200 ms with Redis; under the poll interval + 200 ms without. Exit 1 on FAIL unless
--no-fail.

    python loadtests/bench_propagation.py [--postgres postgres://postgres@127.0.0.1:5432] [--redis-url ...]

With --postgres the catalog is a scratch database created on that server and dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import asyncpg
from figures import figure
from grpc import aio

from domain.documents.common import Status
from domain.store import RedisCatalogNotifier, Store, migrate
from domain.templates import instantiate
from kampanya.pricing.v1 import pricing_pb2 as pb
from kampanya.pricing.v1 import pricing_pb2_grpc

POLL_INTERVAL = 2.0
REDIS_TARGET = 0.200
POLL_TARGET = POLL_INTERVAL + 0.200


def _drain(stream: IO[str]) -> None:
    for _ in iter(stream.readline, ""):
        pass


def start_pricing(url: str, redis_url: str | None, cwd: Path) -> tuple[subprocess.Popen[str], int]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("KAMPANYA_")}
    environment.update(KAMPANYA_DATABASE_URL=url, KAMPANYA_ENV="test", KAMPANYA_POLL_INTERVAL=str(POLL_INTERVAL))
    if redis_url:
        environment["KAMPANYA_REDIS_URL"] = redis_url
    process = subprocess.Popen(
        [sys.executable, "-m", "kampanya", "pricing", "--port", "0", "--metrics-port", "0"],
        env=environment,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
    )
    assert process.stderr is not None
    for line in iter(process.stderr.readline, ""):
        if '"serving"' in line:
            threading.Thread(target=_drain, args=(process.stderr,), daemon=True).start()
            return process, int(json.loads(line)["address"].rsplit(":", 1)[1])
    raise SystemExit("the pricing core did not start")


async def measure(url: str, redis_url: str | None, port: int, changes: int, label: str) -> list[float]:
    notifier = RedisCatalogNotifier.from_url(redis_url) if redis_url else None
    delays: list[float] = []
    async with await Store.open(url, notifier=notifier) as store, aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub: Any = pricing_pb2_grpc.PricingServiceStub(channel)
        await asyncio.sleep(0.5)  # the core subscribes to notices
        for number in range(changes):
            sku = f"PROPAGATION-{label}-{number}-{time.time_ns()}"
            campaign = instantiate("percent10", {"id": f"prop-{label}-{number}", "target": {"skus": [sku]}})
            cart = pb.Cart(currency="TRY", lines=[pb.Line(id="l", sku=sku, quantity=1, unit_price="100.00")])
            request = pb.EvaluateCartRequest(cart=cart)
            await store.campaigns.save(campaign, status=Status.ACTIVE)
            committed = time.perf_counter()
            while True:
                reply = await stub.EvaluateCart(request, timeout=5)
                if reply.result.applied:
                    delays.append(time.perf_counter() - committed)
                    break
                if time.perf_counter() - committed > 10:
                    raise SystemExit(f"change {number} did not arrive within 10 s")
                await asyncio.sleep(0.001)
    if notifier is not None:
        await notifier.close()
    return delays


def report(label: str, delays: list[float], target: float) -> bool:
    ordered = sorted(delays)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    passed = p99 < target
    print(
        f"  {label:<28} n={len(ordered):<4} p50 {statistics.median(ordered) * 1000:7.1f} ms  "
        f"p99 {p99 * 1000:7.1f} ms  max {ordered[-1] * 1000:7.1f} ms  "
        f"{'PASS' if passed else 'FAIL'} (p99 < {target * 1000:.0f} ms)"
    )
    figure(
        "propagation of a change",
        f"{label} p99",
        round(p99 * 1000, 1),
        "ms",
        target=f"< {target * 1000:.0f} ms",
        met=passed,
    )
    return passed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0] if __doc__ else None)
    parser.add_argument("--postgres", help="PostgreSQL server for a scratch catalog database (default: SQLite)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--changes", type=int, default=100, help="changes measured with Redis")
    parser.add_argument("--poll-changes", type=int, default=20, help="changes measured without Redis")
    parser.add_argument("--no-fail", action="store_true")
    arguments = parser.parse_args(argv)
    print(f"Kampanya propagation: committed change -> effect in EvaluateCart (poll interval {POLL_INTERVAL:.0f} s)")
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        url = asyncio.run(scratch_postgres(arguments.postgres)) if arguments.postgres else None
        url = url or f"sqlite://{directory / 'propagation.sqlite3'}"
        print(f"  database: {url.split('@')[-1]}")
        asyncio.run(migrate(url))
        try:
            results = run_both(arguments, url, directory)
        finally:
            if arguments.postgres:
                asyncio.run(drop_postgres(arguments.postgres, url.rsplit("/", 1)[1]))
    return 0 if all(results) or arguments.no_fail else 1


async def scratch_postgres(server: str) -> str:
    name = f"kampanya_bench_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(f"{server}/postgres")
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return f"{server}/{name}"


async def drop_postgres(server: str, name: str) -> None:
    admin = await asyncpg.connect(f"{server}/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def run_both(arguments: argparse.Namespace, url: str, directory: Path) -> list[bool]:
    results = []
    for label, redis_url, changes, target in (
        ("with Redis pub/sub", arguments.redis_url, arguments.changes, REDIS_TARGET),
        ("polling only (no Redis)", None, arguments.poll_changes, POLL_TARGET),
    ):
        process, port = start_pricing(url, redis_url, directory)
        try:
            delays = asyncio.run(measure(url, redis_url, port, changes, "redis" if redis_url else "poll"))
        finally:
            process.terminate()
            process.wait(timeout=30)
        results.append(report(label, delays, target))
    return results


if __name__ == "__main__":
    raise SystemExit(main())
