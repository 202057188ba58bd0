"""Bulk customer import rate on PostgreSQL (the customers issue): `--rows` customers (default 100,000) in a
CSV file, imported through `Customers.import_rows` exactly as `kampanya customers import FILE` does (read
line by line, each row validated, written in batches in one transaction, dynamic segments recomputed for
every batch), into a fresh database on the `--postgres` server (dropped afterwards). Two dynamic segments
are defined first, so membership is computed as in production; `--bad-every N` makes every Nth row
invalid. It prints rows per second for the whole import and whether it met the target (10,000 rows/s);
exit 1 below it unless --no-fail.

    python loadtests/bench_customers.py
    python loadtests/bench_customers.py --rows 200000 --postgres postgres://postgres@127.0.0.1:5432
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import tempfile
import time
from pathlib import Path

import asyncpg
from figures import figure

from domain.documents.catalog import Segment
from domain.imports import ImportFormat, customer_rows
from domain.segments import parse_rule
from domain.store import Store, migrate

TARGET = 10_000
CITIES = ["İstanbul", "Ankara", "İzmir", "Bursa", "Antalya"]
HEADER = "id,name,email,phone,city,country,postal_code,consent_email,consent_sms,attr.tier,orders_count,total_spent\n"


def write_file(path: Path, rows: int, bad_every: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for index in range(rows):
            spent = "not-money" if bad_every and index % bad_every == bad_every - 1 else f"{index % 20000}.50"
            city = CITIES[index % len(CITIES)]
            out.write(
                f"c-{index:07d},Customer {index},c{index}@example.com,+90555{index:07d},{city},TR,"
                f"{34000 + index % 1000},{'yes' if index % 2 else 'no'},{'yes' if index % 3 else 'no'},"
                f"{'gold' if index % 10 == 1 else 'silver'},{index % 7},{spent}\n"
            )


async def run(arguments: argparse.Namespace) -> float:
    name = f"kampanya_bench_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(f"{arguments.postgres}/postgres")
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    url = f"{arguments.postgres}/{name}"
    try:
        await migrate(url)
        async with await Store.open(url) as store:
            await store.segments.upsert(
                Segment(
                    id="big",
                    name="Big",
                    rule=parse_rule({"conditions": [{"kind": "total_spent", "more_than": "10000"}]}),
                )
            )
            await store.segments.upsert(
                Segment(
                    id="ankara-gold",
                    name="Ankara gold",
                    rule=parse_rule(
                        {
                            "conditions": [
                                {"kind": "city_in", "cities": ["Ankara"]},
                                {"kind": "attribute_equals", "key": "tier", "value": "gold"},
                            ]
                        }
                    ),
                )
            )
            with tempfile.TemporaryDirectory() as directory:
                path = Path(directory) / "customers.csv"
                write_file(path, arguments.rows, arguments.bad_every)
                started = time.perf_counter()
                with path.open(encoding="utf-8", newline="") as lines:
                    report = await store.customers.import_rows(customer_rows(lines, ImportFormat.CSV))
                elapsed = time.perf_counter() - started
            sizes = {segment: await store.segments.size(segment) for segment in ("big", "ankara-gold")}
    finally:
        admin = await asyncpg.connect(f"{arguments.postgres}/postgres")
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
    rate = report.rows / elapsed
    print(f"rows {report.rows}  stored {report.stored}  rejected {report.rejected}  segments {sizes}")
    print(f"bulk customer import (PostgreSQL): {elapsed:.2f} s, {rate:,.0f} rows/s (target {TARGET:,})")
    figure(
        "customers",
        f"bulk import of {arguments.rows:,} customers",
        round(rate),
        "rows/s",
        target=f"≥ {TARGET:,} rows/s",
        met=rate >= TARGET,
    )
    return rate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--bad-every", type=int, default=0, help="make every Nth row invalid (0: none)")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--no-fail", action="store_true")
    arguments = parser.parse_args()
    rate = asyncio.run(run(arguments))
    passed = rate >= TARGET
    print("PASS" if passed else "FAIL")
    return 0 if passed or arguments.no_fail else 1


if __name__ == "__main__":
    sys.exit(main())
