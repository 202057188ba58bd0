"""Generating and storing a batch of unique coupon codes on PostgreSQL, then what it costs a pricing core to
take the batch in (the coupon codes issue).

On a new database of the `--postgres` server (migrated, dropped afterwards): one live COUPON campaign, a
batch of `--count` codes (`KMP-` and 12 characters of the unambiguous alphanumeric set, one use each, an
expiry) run by the same `CodeBatchRunner` the gateway runs, in chunks of `--chunk` (each one INSERT … ON
CONFLICT DO NOTHING and one catalog version). Target: 100,000 codes in under 30 s. Then a pricing core's
`CatalogLoader`, loaded before the batch, refreshes incrementally (`changes_since` of its version: the
batch's codes) and, for comparison, loads everything from scratch; then one more code is added and the
refresh after it timed (the steady state after a big batch). Exit 1 when the target is missed unless
--no-fail.

    python loadtests/bench_codes.py
    python loadtests/bench_codes.py --count 1000000 --postgres postgres://postgres@127.0.0.1:5432
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
from figures import figure

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from domain.code_batches import BatchRequest, BatchStatus, CodeTerms
from domain.codegen import CodePattern
from domain.documents import parse_campaign
from domain.documents.catalog import CouponCodeSpec
from domain.documents.common import Status
from domain.store import Store, migrate
from domain.store.code_runner import CodeBatchRunner
from pricing_core.catalog import CatalogLoader
from pricing_core.metrics import PricingMetrics

TARGET_SECONDS = 30.0
TARGET_COUNT = 100_000


async def bench(server: str, count: int, chunk: int) -> bool:
    name = f"kampanya_bench_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(f"{server}/postgres")
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    url = f"{server}/{name}"
    try:
        await migrate(url)
        async with await Store.open(url) as store:
            return await _run(store, count, chunk)
    finally:
        admin = await asyncpg.connect(f"{server}/postgres")
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def _run(store: Store, count: int, chunk: int) -> bool:
    campaign = parse_campaign(
        {
            "id": "bench",
            "name": {"en": "Bench"},
            "kind": "COUPON",
            "currency": "TRY",
            "benefit": {"type": "PERCENTAGE", "value": "10"},
        }
    )
    await store.campaigns.save(campaign, status=Status.ACTIVE)
    loader = CatalogLoader(store, PricingMetrics(), poll_interval=3600)
    await loader.load()
    expires = datetime.now(UTC) + timedelta(days=90)
    request = BatchRequest("bench", count, CodePattern(prefix="KMP-", length=12), CodeTerms(1, expires_at=expires))

    began = time.perf_counter()
    batch = await store.code_batches.create(request, created_by="bench")
    [done] = await CodeBatchRunner(store.code_batches, chunk=chunk).run_pending()
    seconds = time.perf_counter() - began

    refresh = await _timed(loader.refresh)
    scratch = await _timed(loader.load)
    await store.codes.add([CouponCodeSpec(code="ONE-MORE", campaign_id="bench")])
    steady = await _timed(loader.refresh)
    codes = len(loader.current.snapshot.codes) if hasattr(loader.current.snapshot, "codes") else None

    if (done.id, done.status, done.done) != (batch.id, BatchStatus.DONE, count):
        raise SystemExit(f"the batch did not complete: {done}")
    target = TARGET_SECONDS * count / TARGET_COUNT
    ok = seconds < target
    print(f"generated and stored {count:,} codes in {seconds:.2f} s: {count / seconds:,.0f} codes/s ", end="")
    print(f"(chunks of {chunk:,}, {done.report.redrawn} redrawn) — target under {target:.0f} s: {_verdict(ok)}")
    print(f"pricing core: incremental refresh with the batch {refresh:.2f} s, full load {scratch:.2f} s, ", end="")
    print(f"refresh after one more code {steady * 1000:.1f} ms" + (f" ({codes:,} codes held)" if codes else ""))
    name = f"generate and store {count:,} codes (PostgreSQL)"
    figure("codes", name, round(seconds, 2), "s", target=f"< {target:.0f} s", met=ok)
    figure("codes", "code generation rate", round(count / seconds), "codes/s")
    figure("codes", "pricing core: incremental refresh taking in the batch", round(refresh, 2), "s")
    return ok


async def _timed(call: object) -> float:
    began = time.perf_counter()
    await call()  # type: ignore[operator]
    return time.perf_counter() - began


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--count", type=int, default=TARGET_COUNT)
    parser.add_argument("--chunk", type=int, default=10_000)
    parser.add_argument("--no-fail", action="store_true")
    arguments = parser.parse_args()
    ok = asyncio.run(bench(arguments.postgres, arguments.count, arguments.chunk))
    return 0 if ok or arguments.no_fail else 1


if __name__ == "__main__":
    raise SystemExit(main())
