"""Benchmark of the pricing engine: compile time and per-cart evaluation latency against the number of live
campaigns.

What it builds (all deterministic, from one seeded `random.Random`):

* a synthetic catalog of 50,000 SKUs in 500 categories, with brands, collections and an attribute;
* a fixed 10-line cart (TRY, channel "web", a VIP customer, shipping, one valid and one unknown coupon);
* 20 "cart" campaigns of mixed types that concern that cart (PERCENTAGE, AMOUNT ORDER / PER_UNIT /
  PER_LINE, FREE_UNITS BUY_X_GET_Y (also with a separate qualifying target), STEP, FIXED_PRICE,
  FREE_SHIPPING, GIFT, COUPON, thresholds, windows, audiences, an exclusive one); some apply, some are
  skipped for a documented reason. The only cart-wide campaigns are among these 20;
* "noise" campaigns of the same mix of types (with schedules, windows, audiences, coupons, thresholds,
  exclusions, attributes) targeted by sku / category / brand / collection / attribute at the rest of the
  catalog, never at a key the cart carries, so they are never candidates for the cart.

Snapshots of 20 (the cart campaigns alone), 1,000 and 10,000 live campaigns are validated with
`parse_campaigns` (JSON-like dicts) and compiled with `Snapshot.compile`. Then it measures:

* compile time per size (the median and the worst of a few runs, garbage collector enabled as a loader
  would run it; the worst is checked against the target), and how long one full `gc.collect()` takes
  with all of it alive;
* `snapshot.evaluate(cart, policy)` latency per call, cart already validated, STACK policy — the headline;
* the same including cart validation from the dict (`parse_cart(dict)` + evaluate);
* the same with `explain=True`;
* the same with the BEST policy (an exhaustive subset search: much slower, fewer iterations).

Each call is timed alone with `time.perf_counter_ns` after a warm-up. The sizes are measured in
interleaved blocks (20, 1,000, 10,000, 20, 1,000, …) so that drift on a shared machine (frequency,
neighbours) is spread over all sizes instead of biasing the ratio. The garbage collector stays ENABLED
during timed loops by default (as in a server process; `gc.collect()` runs before each loop so the
build-up garbage is not charged to the first size); `--gc off` disables it around timed loops instead.
The collections that happen during the timed loops (per generation, longest pause) are printed.
Percentiles are nearest-rank over all timed calls. `--profile N` adds a cProfile of N evaluations on the
10,000-campaign snapshot (cProfile inflates small-function-heavy code about 3x; use it for ranking).

Correctness is checked along the way: the candidate set of the cart is exactly the 20 cart campaigns in
every snapshot, and the result documents (applied ids, discounts, skips, hints…) are identical across the
three sizes, for STACK and BEST.

Targets (the script prints PASS/FAIL and exits 1 if one is missed, unless `--no-fail`):

* p99 of `evaluate` (STACK, validated cart) with 10,000 live campaigns <= 300 µs;
* median of that with 10,000 campaigns <= 1.3 x the median with 20 campaigns (the p99 ratio is printed too);
* `Snapshot.compile` of 10,000 campaigns < 2 s.

A correctness mismatch always exits 2.

Run from the repository root:

    /work/venv/bin/python loadtests/bench_engine.py            # full run (about a minute)
    /work/venv/bin/python loadtests/bench_engine.py --quick    # short run (a few seconds of timing)
    /work/venv/bin/python loadtests/bench_engine.py --profile 2000   # also cProfile 2000 evaluations (10k)
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import math
import os
import platform
import pstats
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pydantic
from figures import figure

from domain.documents import Campaign, Cart, Policy, Result, parse_campaigns, parse_cart, parse_policy
from domain.engine.cart_view import CartView
from domain.engine.snapshot import Snapshot

Json = dict[str, Any]

SEED = 20261123
SKU_COUNT = 50_000
CATEGORY_COUNT = 500
BRAND_COUNT = 250
COLLECTION_COUNT = 120
SIZES = (20, 1_000, 10_000)
CART_CAMPAIGNS = 20
NOW = "2026-11-23T13:00:00+03:00"  # a Monday, 13:00 in Istanbul
CART_COUPON = "BENCH10"
UNKNOWN_COUPON = "NOPE-404"
SEASONS = ("SS26", "FW26", "CORE")

TARGET_P99_US = 300.0
TARGET_RATIO = 1.3
TARGET_COMPILE_S = 2.0


# --------------------------------------------------------------------------------------------------------
# Catalog, cart and campaigns
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Product:
    sku: str
    categories: tuple[str, ...]
    brand: str
    collection: str | None
    season: str
    price: Decimal


@dataclass(frozen=True, slots=True)
class Catalog:
    products: tuple[Product, ...]
    categories: tuple[str, ...]
    brands: tuple[str, ...]
    collections: tuple[str, ...]


def build_catalog(rng: random.Random) -> Catalog:
    """Return 50,000 SKUs in 500 categories (a second category for some), with brands and collections."""
    categories = tuple(f"cat-{index:03d}" for index in range(CATEGORY_COUNT))
    brands = tuple(f"brand-{index:03d}" for index in range(BRAND_COUNT))
    collections = tuple(f"col-{index:03d}" for index in range(COLLECTION_COUNT))
    products = []
    for index in range(SKU_COUNT):
        first = rng.randrange(CATEGORY_COUNT)
        names = [categories[first]]
        if rng.random() < 0.3:
            names.append(categories[(first + rng.randrange(1, CATEGORY_COUNT)) % CATEGORY_COUNT])
        products.append(
            Product(
                sku=f"SKU-{index:05d}",
                categories=tuple(names),
                brand=rng.choice(brands),
                collection=rng.choice(collections) if rng.random() < 0.4 else None,
                season=rng.choice(SEASONS),
                price=Decimal(rng.randrange(3_990, 150_000, 100)).scaleb(-2),
            )
        )
    return Catalog(tuple(products), categories, brands, collections)


QUANTITIES = (1, 2, 1, 3, 2, 2, 4, 1, 1, 3)


def pick_cart_products(catalog: Catalog, rng: random.Random) -> list[Product]:
    """Return 10 products with distinct brands and categories; the first four have a collection."""
    chosen: list[Product] = []
    seen: set[str] = set()
    order = list(range(SKU_COUNT))
    rng.shuffle(order)
    for index in order:
        product = catalog.products[index]
        keys = {product.brand, *product.categories, *([product.collection] if product.collection else [])}
        if keys & seen or (len(chosen) < 4 and product.collection is None):
            continue
        chosen.append(product)
        seen |= keys
        if len(chosen) == len(QUANTITIES):
            return chosen
    raise AssertionError("the catalog is too small for the cart")


def cart_document(products: Sequence[Product]) -> Json:
    lines = [
        {
            "id": f"l{index}",
            "sku": product.sku,
            "quantity": quantity,
            "unit_price": str(product.price),
            "categories": list(product.categories),
            "brand": product.brand,
            "collections": [product.collection] if product.collection else [],
            "attributes": {"season": product.season},
        }
        for index, (product, quantity) in enumerate(zip(products, QUANTITIES, strict=True))
    ]
    return {
        "currency": "TRY",
        "channel": "web",
        "now": NOW,
        "customer": {
            "id": "c-bench",
            "segments": ["vip"],
            "orders_count": 3,
            "total_spent": "1500.00",
            "country": "TR",
            "city": "Istanbul",
        },
        "lines": lines,
        "shipping": {"method": "standard", "amount": "29.90"},
        "coupons": [CART_COUPON, UNKNOWN_COUPON],
    }


def _money(amount: Decimal) -> str:
    return str(amount.quantize(Decimal("0.01")))


def _campaign(campaign_id: str, benefit: Json, **fields: Any) -> Json:
    return {
        "id": campaign_id,
        "name": {"tr": f"Kampanya {campaign_id}", "en": f"Campaign {campaign_id}"},
        "labels": ["Sepette otomatik"],
        "benefit": benefit,
        **fields,
    }


def cart_campaigns(products: Sequence[Product]) -> list[Json]:
    """Return the 20 campaigns that concern the cart (the only cart-wide ones are here)."""
    p = products
    subtotal = sum((product.price * quantity for product, quantity in zip(p, QUANTITIES, strict=True)), Decimal(0))
    bundle_price = _money(min(p[5].price, p[6].price) * Decimal("1.4"))
    saturday_window = {"windows": [{"days": ["SAT", "SUN"], "from": "10:00", "to": "18:00"}]}
    return [
        _campaign(
            "cart-00-pct-category", {"type": "PERCENTAGE", "value": "10"}, target={"categories": [p[0].categories[0]]}
        ),
        _campaign(
            "cart-01-pct-brand-max-units",
            {"type": "PERCENTAGE", "value": "15", "max_units": 1, "sort_direction": "DESC"},
            target={"brands": [p[1].brand]},
        ),
        _campaign(
            "cart-02-amount-order-collection",
            {"type": "AMOUNT", "value": "50.00", "amount_mode": "ORDER"},
            target={"collections": [p[2].collection, p[3].collection]},
            condition={"min_order_total": _money(subtotal * Decimal("0.3"))},
        ),
        _campaign(
            "cart-03-amount-per-unit-sku",
            {"type": "AMOUNT", "value": "5.00", "amount_mode": "PER_UNIT"},
            target={"skus": [p[3].sku]},
            condition={"min_quantity": 2},
        ),
        _campaign(
            "cart-04-amount-per-line",
            {"type": "AMOUNT", "value": "20.00", "amount_mode": "PER_LINE"},
            target={"categories": [p[4].categories[0], p[5].categories[0]]},
        ),
        _campaign(
            "cart-05-buy3-get1",
            {"type": "FREE_UNITS", "value": "1", "calculation": "BUY_X_GET_Y", "repeatable": True},
            target={"brands": [p[6].brand, p[9].brand]},
            condition={"min_quantity": 3},
        ),
        _campaign(
            "cart-06-buy-a-get-b",
            {"type": "FREE_UNITS", "value": "1", "calculation": "BUY_X_GET_Y"},
            target={"skus": [p[8].sku]},
            condition={"min_quantity": 1, "target": {"skus": [p[7].sku]}},
        ),
        _campaign(
            "cart-07-step-second-half",
            {"type": "PERCENTAGE", "value": "50", "calculation": "STEP", "step_index": 2},
            target={"categories": [p[3].categories[0]]},
        ),
        _campaign(
            "cart-08-step-free-third",
            {"type": "FREE_UNITS", "value": "1", "calculation": "STEP", "step_index": 3, "repeatable": True},
            target={"collections": [p[0].collection, p[1].collection, p[2].collection]},
        ),
        _campaign(
            "cart-09-fixed-price-bundle",
            {"type": "FIXED_PRICE", "value": bundle_price, "bundle_size": 2},
            target={"skus": [p[5].sku, p[4].sku]},
        ),
        _campaign(
            "cart-10-free-shipping",
            {"type": "FREE_SHIPPING"},
            condition={"min_order_total": _money(subtotal * Decimal("0.2"))},
        ),
        _campaign(
            "cart-11-gift-over-threshold",
            {"type": "GIFT", "gift": {"sku": "GIFT-TOTE", "quantity": 1, "name": {"en": "Tote bag"}}},
            condition={"min_order_total": _money(subtotal * Decimal("0.1"))},
        ),
        _campaign(
            "cart-12-coupon-cart-wide",
            {"type": "PERCENTAGE", "value": "10", "max_discount": "100.00"},
            kind="COUPON",
            codes=[CART_COUPON],
        ),
        _campaign(
            "cart-13-coupon-not-in-cart",
            {"type": "AMOUNT", "value": "25.00"},
            kind="COUPON",
            codes=["SAVE25"],
            target={"categories": [p[2].categories[0]]},
        ),
        _campaign(
            "cart-14-weekend-window",
            {"type": "PERCENTAGE", "value": "20"},
            target={"brands": [p[7].brand]},
            schedule=saturday_window,
        ),
        _campaign(
            "cart-15-vip-audience",
            {"type": "PERCENTAGE", "value": "5"},
            target={"brands": [p[9].brand], "attributes": {"season": p[9].season}},
            audience={"segments_any": ["vip", "gold"], "channels": ["web", "app"]},
        ),
        _campaign(
            "cart-16-min-order-miss",
            {"type": "AMOUNT", "value": "100.00"},
            target={"categories": [p[8].categories[0]]},
            condition={"min_order_total": _money(subtotal * 3)},
        ),
        _campaign(
            "cart-17-min-quantity-miss",
            {"type": "PERCENTAGE", "value": "25"},
            target={"skus": [p[0].sku]},
            condition={"min_quantity": 10},
        ),
        _campaign(
            "cart-18-exclusive-miss",
            {"type": "PERCENTAGE", "value": "30"},
            exclusive=True,
            priority=10,
            target={"categories": [p[6].categories[0]]},
            condition={"min_quantity": 50},
        ),
        _campaign(
            "cart-19-scheduled-amount",
            {"type": "AMOUNT", "value": "15.00"},
            currency="TRY",
            priority=5,
            target={"categories": [p[9].categories[0]], "exclude": {"skus": [p[0].sku]}},
            schedule={"starts_at": "2026-11-01T00:00:00+03:00", "ends_at": "2026-12-01T00:00:00+03:00"},
        ),
    ]


@dataclass(slots=True)
class NoisePools:
    """Catalog keys the cart does not carry: noise campaigns target only these."""

    skus: list[str]
    categories: list[str]
    brands: list[str]
    collections: list[str]


def noise_pools(catalog: Catalog, cart: Sequence[Product]) -> NoisePools:
    skus = {product.sku for product in cart}
    categories = {name for product in cart for name in product.categories}
    brands = {product.brand for product in cart}
    collections = {product.collection for product in cart if product.collection}
    return NoisePools(
        skus=[product.sku for product in catalog.products if product.sku not in skus],
        categories=[name for name in catalog.categories if name not in categories],
        brands=[name for name in catalog.brands if name not in brands],
        collections=[name for name in catalog.collections if name not in collections],
    )


def _noise_target(rng: random.Random, pools: NoisePools) -> Json:
    roll = rng.random()
    target: Json
    if roll < 0.50:
        target = {"categories": rng.sample(pools.categories, rng.randint(1, 3))}
        if rng.random() < 0.15:
            target["exclude"] = {"skus": rng.sample(pools.skus, rng.randint(1, 5))}
    elif roll < 0.75:
        target = {"skus": rng.sample(pools.skus, rng.choice((1, 2, 5, 10, 30)))}
    elif roll < 0.88:
        target = {"brands": rng.sample(pools.brands, rng.randint(1, 2))}
        if rng.random() < 0.2:
            target["exclude"] = {"categories": rng.sample(pools.categories, 1)}
    elif roll < 0.97:
        target = {"collections": [rng.choice(pools.collections)]}
    else:
        # attribute-only target: indexed on an attribute value no catalog line carries
        target = {"attributes": {"season": f"FW{rng.randint(10, 25)}"}}
    if "attributes" not in target and rng.random() < 0.05:
        target["attributes"] = {"season": rng.choice(SEASONS)}
    return target


def _noise_benefit(rng: random.Random, kind: str) -> tuple[Json, Json]:
    """Return (benefit, condition) for one of the noise templates."""
    percent = rng.choice(("5", "10", "15", "20", "25", "30", "40", "50"))
    amount = rng.choice(("10.00", "25.00", "50.00", "75.00", "100.00", "150.00"))
    condition: Json = {}
    if kind == "pct":
        benefit: Json = {"type": "PERCENTAGE", "value": percent}
        if rng.random() < 0.2:
            benefit |= {"max_units": rng.randint(1, 3), "sort_direction": rng.choice(("ASC", "DESC"))}
        if rng.random() < 0.1:
            benefit["max_discount"] = "200.00"
    elif kind == "amount-order":
        benefit = {"type": "AMOUNT", "value": amount, "amount_mode": "ORDER"}
        condition["min_order_total"] = rng.choice(("250.00", "500.00", "1000.00"))
        benefit["repeatable"] = rng.random() < 0.3
    elif kind == "amount-unit":
        benefit = {"type": "AMOUNT", "value": rng.choice(("2.50", "5.00", "10.00")), "amount_mode": "PER_UNIT"}
    elif kind == "amount-line":
        benefit = {"type": "AMOUNT", "value": amount, "amount_mode": "PER_LINE"}
    elif kind == "bxgy":
        group = rng.randint(2, 5)
        benefit = {
            "type": "FREE_UNITS",
            "value": str(rng.randint(1, group - 1)),
            "calculation": "BUY_X_GET_Y",
            "repeatable": rng.random() < 0.5,
        }
        condition["min_quantity"] = group
    elif kind == "bxgy-percent":
        group = rng.randint(2, 4)
        benefit = {"type": "PERCENTAGE", "value": percent, "calculation": "BUY_X_GET_Y", "get_quantity": 1}
        condition["min_quantity"] = group
    elif kind == "step":
        if rng.random() < 0.5:
            benefit = {"type": "FREE_UNITS", "value": "1", "calculation": "STEP", "step_index": rng.randint(2, 4)}
        else:
            benefit = {"type": "PERCENTAGE", "value": percent, "calculation": "STEP", "step_index": rng.randint(2, 3)}
        benefit["repeatable"] = rng.random() < 0.5
    elif kind == "fixed":
        benefit = {
            "type": "FIXED_PRICE",
            "value": rng.choice(("99.90", "149.90", "199.90", "299.90")),
            "bundle_size": rng.randint(2, 4),
            "repeatable": rng.random() < 0.5,
        }
    elif kind == "ship":
        benefit = {"type": "FREE_SHIPPING"}
        condition["min_order_total"] = rng.choice(("150.00", "300.00"))
    else:
        benefit = {"type": "GIFT", "gift": {"sku": f"GIFT-{rng.randrange(1000):03d}", "quantity": 1}}
        condition["min_quantity"] = rng.randint(1, 3)
    if kind in ("pct", "amount-unit", "amount-line") and rng.random() < 0.2:
        condition["min_quantity"] = rng.randint(2, 4)
    if kind in ("pct", "amount-line") and rng.random() < 0.1:
        condition["min_order_total"] = rng.choice(("200.00", "400.00"))
    return benefit, condition


NOISE_KINDS = (
    "pct",
    "amount-order",
    "amount-unit",
    "amount-line",
    "bxgy",
    "bxgy-percent",
    "step",
    "fixed",
    "ship",
    "gift",
)
NOISE_WEIGHTS = (30, 12, 6, 5, 12, 4, 8, 8, 5, 5)


def noise_campaigns(count: int, rng: random.Random, pools: NoisePools) -> list[Json]:
    """Return campaigns that never concern the cart: targeted at keys the cart does not carry."""
    campaigns = []
    for index in range(count):
        kind = rng.choices(NOISE_KINDS, NOISE_WEIGHTS)[0]
        benefit, condition = _noise_benefit(rng, kind)
        fields: Json = {"target": _noise_target(rng, pools), "priority": rng.choice((0, 0, 0, 1, 5, 10, -1))}
        if kind == "bxgy" and rng.random() < 0.15:
            fields["condition_target"] = _noise_target(rng, pools)
        if condition or "condition_target" in fields:
            qualifying = fields.pop("condition_target", None)
            fields["condition"] = condition | ({"target": qualifying} if qualifying else {})
            if qualifying and "min_quantity" in condition:
                benefit["value"] = "1"
        roll = rng.random()
        if roll < 0.10:
            start = rng.choice(("2026-10-01T00:00:00+03:00", "2026-11-20T00:00:00+03:00", "2026-12-01T00:00:00+03:00"))
            fields["schedule"] = {"starts_at": start, "ends_at": "2027-01-01T00:00:00+03:00"}
        elif roll < 0.18:
            days = rng.sample(["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"], rng.randint(1, 5))
            fields["schedule"] = {
                "timezone": rng.choice(("Europe/Istanbul", "Europe/Berlin", "UTC")),
                "windows": [{"days": days, "from": rng.choice(("09:00", "12:00", "22:00")), "to": "16:00"}],
            }
        if rng.random() < 0.12:
            fields["audience"] = rng.choice(
                (
                    {"segments_any": ["vip"]},
                    {"segments_none": ["staff"]},
                    {"channels": ["app"]},
                    {"first_order": True},
                    {"countries": ["TR", "AZ"], "min_orders": 1},
                )
            )
        if rng.random() < 0.03:
            fields["kind"] = "COUPON"
            fields["codes"] = [f"NZ{index:05d}", f"NZ{index:05d}-B"]
        if rng.random() < 0.02:
            fields["exclusive"] = True
        if rng.random() < 0.2:
            fields["currency"] = "TRY"
        campaigns.append(_campaign(f"noise-{index:05d}-{kind}", benefit, **fields))
    return campaigns


# --------------------------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Stats:
    count: int
    median: float
    p90: float
    p99: float
    max: float
    mean: float

    @classmethod
    def of(cls, samples_ns: Sequence[int]) -> Stats:
        ordered = sorted(samples_ns)

        def rank(quantile: float) -> float:
            return ordered[max(0, math.ceil(quantile * len(ordered)) - 1)] / 1000

        return cls(
            count=len(ordered),
            median=statistics.median(ordered) / 1000,
            p90=rank(0.90),
            p99=rank(0.99),
            max=ordered[-1] / 1000,
            mean=statistics.fmean(ordered) / 1000,
        )


class GcWatch:
    """Counts the collections by generation and the longest collector pause while installed."""

    def __init__(self) -> None:
        self.collections = [0, 0, 0]
        self.longest_ns = 0
        self._started = 0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter_ns()
            return
        self.collections[info["generation"]] += 1
        self.longest_ns = max(self.longest_ns, time.perf_counter_ns() - self._started)

    def summary(self) -> str:
        gen0, gen1, gen2 = self.collections
        return f"gen0 {gen0}, gen1 {gen1}, gen2 {gen2} collections; longest pause {self.longest_ns / 1000:.0f} µs"


GC_WATCH = GcWatch()


@contextmanager
def gc_mode(enabled: bool) -> Iterator[None]:
    """Collect the build-up garbage, then keep the collector on (or off) for the timed loop."""
    gc.collect()
    if not enabled:
        gc.disable()
    gc.callbacks.append(GC_WATCH)
    try:
        yield
    finally:
        gc.callbacks.remove(GC_WATCH)
        gc.enable()


def measure(
    calls: dict[int, Callable[[], object]], *, warmup: int, iterations: int, block: int, gc_enabled: bool
) -> dict[int, Stats]:
    """Time each call `iterations` times, one `perf_counter_ns` pair per call, sizes interleaved by block."""
    samples: dict[int, list[int]] = {size: [] for size in calls}
    for call in calls.values():
        for _ in range(warmup):
            call()
    clock = time.perf_counter_ns
    with gc_mode(gc_enabled):
        done = 0
        while done < iterations:
            step = min(block, iterations - done)
            for size, call in calls.items():
                taken = samples[size]
                for _ in range(step):
                    started = clock()
                    call()
                    taken.append(clock() - started)
            done += step
    return {size: Stats.of(taken) for size, taken in samples.items()}


@dataclass(frozen=True, slots=True)
class Settings:
    warmup: int
    iterations: int
    variant_iterations: int
    best_iterations: int
    compile_repeats: int
    block: int


FULL = Settings(
    warmup=500, iterations=10_000, variant_iterations=3_000, best_iterations=40, compile_repeats=3, block=250
)
QUICK = Settings(warmup=100, iterations=1_000, variant_iterations=300, best_iterations=5, compile_repeats=1, block=100)


@dataclass(frozen=True, slots=True)
class Built:
    size: int
    snapshot: Snapshot
    validate_s: float
    compile_s: list[float]


def build_snapshots(documents: list[Json], repeats: int) -> dict[int, Built]:
    built: dict[int, Built] = {}
    for size in SIZES:
        gc.collect()
        started = time.perf_counter()
        campaigns: list[Campaign] = parse_campaigns(documents[:size])
        validate_s = time.perf_counter() - started
        timings: list[float] = []
        snapshot = Snapshot.compile(())
        for _ in range(repeats):
            gc.collect()
            started = time.perf_counter()
            snapshot = Snapshot.compile(campaigns)
            timings.append(time.perf_counter() - started)
        built[size] = Built(size, snapshot, validate_s, timings)
    return built


def comparable(result: Result) -> Json:
    """The result document without the trace (its candidate message names the number of live campaigns)."""
    return result.model_dump(mode="json", exclude={"explain"})


# --------------------------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------------------------


def print_table(title: str, rows: list[tuple[str, int, Stats]]) -> None:
    print(f"\n{title}")
    header = f"  {'variant':<30} {'campaigns':>9} {'N':>6} {'median':>9} {'p90':>9} {'p99':>9} {'max':>9} {'mean':>9}"
    print(header)
    print("  " + "-" * (len(header) - 2))
    for name, size, stats in rows:
        print(
            f"  {name:<30} {size:>9,} {stats.count:>6} {stats.median:>9.1f} {stats.p90:>9.1f} "
            f"{stats.p99:>9.1f} {stats.max:>9.1f} {stats.mean:>9.1f}"
        )
    print("  (µs per call)")


def check_correctness(built: dict[int, Built], cart: Cart, stack: Policy, best: Policy, cart_ids: set[str]) -> bool:
    ok = True
    print("\nCorrectness")
    for size, entry in built.items():
        candidates = {c.id for c in entry.snapshot.candidates(CartView(cart, codes=entry.snapshot.codes))}
        same = candidates == cart_ids
        ok &= same
        print(f"  {size:>6,} live: {len(candidates)} candidates for the cart, exactly the 20 cart campaigns: {same}")
    for name, policy in (("STACK", stack), ("BEST", best)):
        results = {size: entry.snapshot.evaluate(cart, policy) for size, entry in built.items()}
        reference = results[SIZES[0]]
        identical = all(comparable(result) == comparable(reference) for result in results.values())
        applied_sets = {size: tuple(entry.campaign_id for entry in result.applied) for size, result in results.items()}
        same_applied = len(set(applied_sets.values())) == 1
        ok &= identical and same_applied
        print(
            f"  {name}: applied {len(reference.applied)}, skipped {len(reference.skipped)}, "
            f"hints {len(reference.hints)}, gifts {len(reference.gifts)}, rejected coupons "
            f"{len(reference.rejected_coupons)}; subtotal {reference.subtotal} discount {reference.discount_total} "
            f"shipping {reference.shipping}-{reference.shipping_discount} total {reference.total}"
        )
        print(f"    applied ids identical across sizes: {same_applied}; whole result documents identical: {identical}")
        for applied in reference.applied:
            print(f"      applied  {applied.campaign_id:<34} {applied.type:<13} {applied.discount:>9}")
        for skipped in reference.skipped:
            print(f"      skipped  {skipped.campaign_id:<34} {skipped.reason}")
    return ok


def profile(snapshot: Snapshot, cart: Cart, policy: Policy, calls: int, top: int) -> None:
    """Profile `calls` evaluations of the cart on this snapshot; print the top functions by tottime and cumtime."""
    for _ in range(200):
        snapshot.evaluate(cart, policy)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        snapshot.evaluate(cart, policy)
    profiler.disable()
    for order in ("tottime", "cumtime"):
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).strip_dirs().sort_stats(order).print_stats(top)
        print(f"\ncProfile of {calls} evaluations on {len(snapshot):,} live campaigns, top {top} by {order}")
        print(stream.getvalue().split("\n", 4)[-1].rstrip())


def engine_revision() -> str:
    """Return the git commit of the engine under test, and whether domain/ has uncommitted changes."""
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "domain"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return commit + (" with uncommitted changes in domain/" if dirty else "")


def engine_build() -> str:
    """Return whether the engine under test is the mypyc-compiled build or pure Python, and where from."""
    import domain.engine.benefits as benefits

    location = Path(benefits.__file__)
    kind = "compiled with mypyc" if location.suffix != ".py" else "pure Python"
    return f"{kind} ({location.parent})"


def main(argv: Sequence[str] | None = None) -> int:
    global SIZES
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="short run: fewer iterations, one compile")
    parser.add_argument("--no-fail", action="store_true", help="exit 0 even when a performance target is missed")
    parser.add_argument("--gc", choices=("on", "off"), default="on", help="garbage collector during timed loops")
    parser.add_argument("--iterations", type=int, help="timed evaluate() calls per size (headline)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="also cProfile N evaluations (10,000)")
    parser.add_argument("--profile-policy", choices=("STACK", "BEST"), default="STACK")
    parser.add_argument("--profile-top", type=int, default=25)
    parser.add_argument(
        "--sizes", type=int, nargs="+", help=f"live campaign counts to measure (default {' '.join(map(str, SIZES))})"
    )
    args = parser.parse_args(argv)
    if args.sizes:
        SIZES = tuple(sorted(set(args.sizes)))
    settings = QUICK if args.quick else FULL
    iterations = args.iterations or settings.iterations
    gc_enabled = args.gc == "on"

    print("Kampanya engine benchmark" + (" (--quick)" if args.quick else ""))
    print(
        f"  Python {platform.python_version()} ({platform.python_implementation()}), pydantic {pydantic.VERSION}, "
        f"{platform.machine()}, {platform.system()}, CPUs visible: {len(os.sched_getaffinity(0))}"
    )
    print(
        f"  seed {args.seed}; GC {'ENABLED' if gc_enabled else 'DISABLED'} during timed loops "
        f"({'gc.collect() before each loop' if gc_enabled else 'gc.collect() then gc.disable()'}); "
        f"sizes interleaved in blocks of {settings.block}"
    )

    print(f"  engine tree: {engine_revision()}")
    print(f"  engine build: {engine_build()}")

    rng = random.Random(args.seed)
    started = time.perf_counter()
    catalog = build_catalog(rng)
    products = pick_cart_products(catalog, rng)
    cart_doc = cart_document(products)
    cart = parse_cart(cart_doc)
    documents = cart_campaigns(products) + noise_campaigns(
        SIZES[-1] - CART_CAMPAIGNS, rng, noise_pools(catalog, products)
    )
    cart_ids = {document["id"] for document in documents[:CART_CAMPAIGNS]}
    print(
        f"  catalog: {len(catalog.products):,} SKUs, {len(catalog.categories)} categories, "
        f"{len(catalog.brands)} brands, {len(catalog.collections)} collections; "
        f"cart: {len(cart.lines)} lines, {cart.unit_count} units (built in {time.perf_counter() - started:.2f} s)"
    )

    built = build_snapshots(documents, settings.compile_repeats)
    print("\nValidation (parse_campaigns) and Snapshot.compile")
    print(
        f"  {'campaigns':>9} {'validate s':>11} {'compile s (median)':>19} {'(worst)':>8} "
        f"{'index keys':>11} {'cart-wide':>10} {'codes':>6}"
    )
    for size, entry in built.items():
        snap = entry.snapshot
        print(
            f"  {size:>9,} {entry.validate_s:>11.3f} {statistics.median(entry.compile_s):>19.3f} "
            f"{max(entry.compile_s):>8.3f} {len(snap.by_key):>11,} {len(snap.cart_wide):>10} {len(snap.codes):>6}"
        )

    started = time.perf_counter()
    gc.collect()
    print(
        f"  a full gc.collect() with these alive ({len(gc.get_objects()):,} tracked objects) takes "
        f"{(time.perf_counter() - started) * 1000:.0f} ms"
    )

    stack = parse_policy({"stacking": "STACK"})
    best = parse_policy({"stacking": "BEST"})
    correct = check_correctness(built, cart, stack, best, cart_ids)

    snapshots = {size: entry.snapshot for size, entry in built.items()}

    def calls(make: Callable[[Snapshot], Callable[[], object]]) -> dict[int, Callable[[], object]]:
        return {size: make(snapshot) for size, snapshot in snapshots.items()}

    def plain(snapshot: Snapshot) -> Callable[[], object]:
        return lambda: snapshot.evaluate(cart, stack)

    def with_parse(snapshot: Snapshot) -> Callable[[], object]:
        return lambda: snapshot.evaluate(parse_cart(cart_doc), stack)

    def explained(snapshot: Snapshot) -> Callable[[], object]:
        return lambda: snapshot.evaluate(cart, stack, explain=True)

    def best_of(snapshot: Snapshot) -> Callable[[], object]:
        return lambda: snapshot.evaluate(cart, best)

    headline = measure(
        calls(plain), warmup=settings.warmup, iterations=iterations, block=settings.block, gc_enabled=gc_enabled
    )
    variants = {"": headline}
    for name, make, count in (
        ("parse_cart(dict) + evaluate", with_parse, settings.variant_iterations),
        ("evaluate explain=True", explained, settings.variant_iterations),
        ("evaluate BEST", best_of, settings.best_iterations),
    ):
        variants[name] = measure(
            calls(make),
            warmup=min(settings.warmup, max(2, count // 10)),
            iterations=count,
            block=min(settings.block, max(1, count // 4)),
            gc_enabled=gc_enabled,
        )

    rows = [("evaluate STACK (validated)", size, stats) for size, stats in headline.items()]
    for name, results in variants.items():
        if name:
            rows.extend((name, size, stats) for size, stats in results.items())
    print_table("Evaluation latency (one 10-line cart, 20 matching campaigns)", rows)

    print(f"  garbage collector during all timed loops: {GC_WATCH.summary()}")

    small, large = headline[SIZES[0]], headline[SIZES[-1]]
    median_ratio = large.median / small.median
    p99_ratio = large.p99 / small.p99
    print(
        f"\n  {SIZES[-1]:,} / {SIZES[0]} campaigns (evaluate STACK): median x{median_ratio:.3f}, p99 x{p99_ratio:.3f}; "
        f"{SIZES[1]:,} / {SIZES[0]}: median x{headline[SIZES[1]].median / small.median:.3f}"
    )
    for name in ("parse_cart(dict) + evaluate", "evaluate explain=True", "evaluate BEST"):
        results = variants[name]
        print(f"  {name}: 10,000 / 20 median x{results[SIZES[-1]].median / results[SIZES[0]].median:.3f}")

    compile_worst = max(built[SIZES[-1]].compile_s)
    targets = [
        (
            f"p99 evaluate with {SIZES[-1]:,} campaigns <= {TARGET_P99_US:.0f} µs",
            f"{large.p99:.1f} µs",
            large.p99 <= TARGET_P99_US,
        ),
        (
            f"median {SIZES[-1]:,} / median {SIZES[0]} <= {TARGET_RATIO}",
            f"x{median_ratio:.3f} (p99 ratio x{p99_ratio:.3f}, informative)",
            median_ratio <= TARGET_RATIO,
        ),
        (
            f"Snapshot.compile of {SIZES[-1]:,} campaigns < {TARGET_COMPILE_S:.0f} s",
            f"{compile_worst:.3f} s (worst of {len(built[SIZES[-1]].compile_s)})",
            compile_worst < TARGET_COMPILE_S,
        ),
    ]
    print("\nTargets")
    for label, value, passed in targets:
        print(f"  {'PASS' if passed else 'FAIL'}  {label:<50} {value}")
    build = engine_build().split(" (")[0]
    for size, stats in headline.items():
        figure("engine", f"evaluate p50, {size} live campaigns ({build})", round(stats.median, 1), "µs")
        figure("engine", f"evaluate p99, {size} live campaigns ({build})", round(stats.p99, 1), "µs")
    figure(
        "engine",
        f"evaluate p99, {SIZES[-1]} campaigns ({build})",
        round(large.p99, 1),
        "µs",
        target=f"<= {TARGET_P99_US:.0f} µs",
        met=large.p99 <= TARGET_P99_US,
    )
    figure(
        "engine",
        f"median {SIZES[-1]} / median {SIZES[0]} campaigns",
        round(median_ratio, 3),
        "ratio",
        target=f"<= {TARGET_RATIO}",
        met=median_ratio <= TARGET_RATIO,
    )
    figure(
        "engine",
        f"compile {SIZES[-1]} campaigns (worst)",
        round(compile_worst, 3),
        "s",
        target=f"< {TARGET_COMPILE_S:.0f} s",
        met=compile_worst < TARGET_COMPILE_S,
    )
    print(f"  {'PASS' if correct else 'FAIL'}  correctness (same candidates and result at every size)")

    if args.profile:
        profile(
            snapshots[SIZES[-1]], cart, best if args.profile_policy == "BEST" else stack, args.profile, args.profile_top
        )

    if not correct:
        return 2
    if not all(passed for _, _, passed in targets) and not args.no_fail:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
