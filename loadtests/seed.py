"""The load test's data set, written into a migrated catalog database: live campaigns of every type (the
engine benchmark's mix, plus campaigns for segments, coupon campaigns with public codes and unique code
batches, and campaigns with tight budgets), the product catalog, customers in segments.

Returns the manifest's data part: what the Locust users pick from (a sample of products, customers, good
codes, the campaigns the admin user edits).

    python loadtests/seed.py --database-url sqlite://lt.sqlite3 --campaigns 1000 --customers 5000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bench_engine import build_catalog, noise_campaigns, noise_pools

from domain.documents import parse_campaigns
from domain.documents.catalog import CouponCodeSpec, Segment
from domain.store import Store
from domain.store.schema import migrate

SEED = 20261201
SEGMENTS = ("vip", "new", "loyal", "istanbul", "ankara", "students", "b2b", "churn-risk")
CITIES = ("Istanbul", "Ankara", "Izmir", "Bursa", "Antalya")
PUBLIC_CODES = ("LOAD10", "LOAD20", "SEPET50")
CHUNK = 5_000


@dataclass(frozen=True)
class Scale:
    campaigns: int = 10_000
    products: int = 50_000
    customers: int = 100_000
    unique_codes: int = 20_000
    tight: int = 20
    editable: int = 10

    @classmethod
    def smoke(cls) -> Scale:
        return cls(campaigns=300, products=50_000, customers=2_000, unique_codes=500, tight=10, editable=5)


def _special_campaigns(scale: Scale, categories: Sequence[str], rng: random.Random) -> list[dict[str, Any]]:
    """Campaigns the load touches on purpose: broad enough that random carts meet them."""
    broad = list(categories)
    documents: list[dict[str, Any]] = []
    for index in range(scale.tight):
        documents.append(
            {
                "id": f"lt-tight-{index:02d}",
                "name": {"en": f"Tight budget {index}"},
                "currency": "TRY",
                "target": {"categories": rng.sample(broad, 60)},
                "benefit": {"type": "PERCENTAGE", "value": rng.choice(("5", "10", "15"))},
                "limits": {
                    "total_redemptions": rng.choice((20, 40, 60)),
                    "per_customer": 1,
                    "budget_discount": rng.choice(("300.00", "800.00", "1500.00")),
                },
            }
        )
    for index in range(scale.editable):
        documents.append(
            {
                "id": f"lt-edit-{index:02d}",
                "name": {"en": f"Editable {index}"},
                "target": {"categories": [rng.choice(broad)]},
                "benefit": {"type": "PERCENTAGE", "value": "10"},
            }
        )
    for index, segment in enumerate(SEGMENTS):
        documents.append(
            {
                "id": f"lt-segment-{segment}",
                "name": {"en": f"For {segment}", "tr": f"{segment} için"},
                "labels": ["Size özel"],
                "audience": {"segments_any": [segment]},
                "target": {"categories": rng.sample(broad, 25)},
                "benefit": {"type": "PERCENTAGE", "value": str(5 + index)},
            }
        )
    for index, code in enumerate(PUBLIC_CODES):
        documents.append(
            {
                "id": f"lt-code-{code.lower()}",
                "name": {"en": f"Code {code}"},
                "kind": "COUPON",
                "codes": [code],
                "currency": "TRY",
                "condition": {"min_order_total": "100.00"},
                "benefit": {"type": "AMOUNT", "value": str(10 * (index + 1)) + ".00", "amount_mode": "ORDER"},
                "limits": {"per_customer": 3},
            }
        )
    documents.append(
        {
            "id": "lt-unique",
            "name": {"en": "Your personal code"},
            "kind": "COUPON",
            "benefit": {"type": "PERCENTAGE", "value": "20"},
        }
    )
    return documents


async def seed(url: str, scale: Scale, *, sample: int = 2_000) -> dict[str, Any]:
    """Write the data set into the database at `url` (migrated here) and return the manifest's data part."""
    rng = random.Random(SEED)
    started = time.perf_counter()
    await migrate(url)
    catalog = build_catalog(rng)
    products = catalog.products[: scale.products]
    documents = _special_campaigns(scale, catalog.categories, rng)
    documents += noise_campaigns(max(0, scale.campaigns - len(documents)), rng, noise_pools(catalog, ()))
    async with await Store.open(url) as store:
        tables = store.database.tables
        with store.database.active():
            for start in range(0, len(products), CHUNK):
                rows = [
                    tables.products(
                        sku=product.sku,
                        categories=list(product.categories),
                        brand=product.brand,
                        collections=[product.collection] if product.collection else [],
                        attributes={"season": product.season},
                        price=product.price,
                        currency="TRY",
                    )
                    for product in products[start : start + CHUNK]
                ]
                await tables.products.bulk_create(rows, ignore_conflicts=True)
        customers = [f"lt-c{index:06d}" for index in range(scale.customers)]
        with store.database.active():
            for start in range(0, len(customers), CHUNK):
                rows = [
                    tables.customers(
                        id=customer_id,
                        city=rng.choice(CITIES),
                        country="TR",
                        orders_count=rng.randint(0, 30),
                        total_spent=Decimal(rng.randint(0, 50_000)),
                    )
                    for customer_id in customers[start : start + CHUNK]
                ]
                await tables.customers.bulk_create(rows, ignore_conflicts=True)
        for segment in SEGMENTS:
            await store.segments.upsert(Segment(id=segment, name=segment))
            members = [customer for customer in customers if rng.random() < 0.15]
            for start in range(0, len(members), CHUNK):
                await store.segments.add_members(segment, members[start : start + CHUNK])
        await store.campaigns.import_all(parse_campaigns(documents))
        unique = [f"LTU{index:07d}{rng.randrange(36**4):04x}".upper() for index in range(scale.unique_codes)]
        for start in range(0, len(unique), CHUNK):
            specs = [
                CouponCodeSpec(
                    code=code, campaign_id="lt-unique", customer_id=customers[offset % len(customers)], max_uses=1
                )
                for offset, code in enumerate(unique[start : start + CHUNK], start=start)
            ]
            await store.codes.add(specs)
    product_sample = rng.sample(list(products), min(sample, len(products)))
    return {
        "seeded_in_seconds": round(time.perf_counter() - started, 1),
        "counts": {
            "campaigns": len(documents),
            "products": len(products),
            "customers": len(customers),
            "segments": len(SEGMENTS),
            "unique_codes": len(unique),
            "tight_budget_campaigns": scale.tight,
        },
        "products": [
            {
                "sku": product.sku,
                "price": str(product.price),
                "categories": list(product.categories),
                "brand": product.brand,
                "collections": [product.collection] if product.collection else [],
            }
            for product in product_sample
        ],
        "customers": rng.sample(customers, min(sample, len(customers))),
        "categories": list(catalog.categories),
        "codes": {"public": list(PUBLIC_CODES), "unique_sample": unique[:sample]},
        "editable": [f"lt-edit-{index:02d}" for index in range(scale.editable)],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--smoke", action="store_true", help="the small data set of the CI smoke run")
    parser.add_argument("--campaigns", type=int)
    parser.add_argument("--customers", type=int)
    arguments = parser.parse_args(argv)
    scale = Scale.smoke() if arguments.smoke else Scale()
    if arguments.campaigns is not None:
        scale = Scale(**{**scale.__dict__, "campaigns": arguments.campaigns})
    if arguments.customers is not None:
        scale = Scale(**{**scale.__dict__, "customers": arguments.customers})
    data = asyncio.run(seed(arguments.database_url, scale))
    print(json.dumps({"seeded_in_seconds": data["seeded_in_seconds"], **data["counts"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
