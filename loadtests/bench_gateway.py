"""Throughput and latency of the storefront graph through the gateway, next to a plain Starlette JSON
endpoint doing the same work without GraphQL, on this machine, in the same run (issue 5).

One run starts three servers as their own processes on loopback, each one uvicorn worker on uvloop:

- the pricing core (`kampanya pricing`) on a SQLite catalog of `--campaigns` live campaigns (the engine
  benchmark's mix: its 20 cart campaigns, the rest noise) holding one customer (`c-bench`: TR, Istanbul,
  3 orders, in the static segment `vip`). The customer may see the cart campaigns and `--offered` of the
  noise among its offers (a storefront page, not the catalog: the rest of the noise is for other
  segments; `--offered -1` opens all of it, some 870 offers of 265 kB);
- the gateway (`kampanya gateway`), pointed at it, serving the storefront graph at /storefront/graphql;
- the plain app: this file run as `python loadtests/bench_gateway.py --serve-plain PORT`, a Starlette app
  of two JSON endpoints, POST /offers and POST /price, served by uvicorn with the gateway command's
  configuration. Each reads the cart from the JSON body, authenticates the caller like the gateway (the
  channel from `X-Publishable-Key`, the customer from the same HS256 customer token, with the gateway's
  own `StorefrontAuthenticator`), looks the customer up in the store once (profile and segments, as the
  gateway's resolvers do), validates the cart
  (`parse_cart`), calls the pricing core through the same `gateway.pricing.PricingClient` (ListOffers /
  EvaluateCart) and answers the result documents as JSON (`model_dump(mode="json")`).

Both are sent the same cart (the engine benchmark's 10 lines, shipping and two coupon codes) with the same
headers; the GraphQL queries select every field the plain answers carry. This process is the load client
(httpx2 on uvloop, one connection pool per server): `--concurrency` requests in flight for `--seconds` per
round, after a warm-up of each, alternating gateway offers, plain offers, gateway priceCart and plain price
round by round so drift hits all alike. Latencies are client side, percentiles nearest-rank over all
rounds; the CPU columns are CPU time per request of the serving process (gateway or plain), of the pricing
core and of this client (from /proc, all threads). Every response is checked (HTTP 200, and for GraphQL no
errors and the success type of the union); failed responses are counted, shown, and fail the run.

It prints a table and, per operation, the ratio GraphQL / plain of requests per second with PASS/FAIL for
the target (the GraphQL path at no less than half of the plain path); exit 1 on a FAIL (unless --no-fail)
or on any failed response.

    python loadtests/bench_gateway.py                      # defaults: 1,000 campaigns, 32 in flight, 2 x 5 s
    python loadtests/bench_gateway.py --seconds 10 --rounds 3 --concurrency 64 --no-fail

The pids of the servers are printed: attach a profiler while it runs (`py-spy top --pid PID`).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import httpx2
import jwt
import uvicorn
import uvloop
from bench_engine import (
    CART_CAMPAIGNS,
    CART_COUPON,
    SEED,
    build_catalog,
    cart_campaigns,
    cart_document,
    engine_build,
    noise_campaigns,
    noise_pools,
    pick_cart_products,
)
from bench_pricing import free_port, percentile
from figures import figure
from grpc import aio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from domain.documents import Cart, parse_campaigns, parse_cart
from domain.documents.catalog import CustomerProfile, Segment
from domain.errors import DocumentError
from domain.store import Store, migrate
from gateway.auth import StorefrontAuthenticator, Unauthenticated
from gateway.pricing import PricingClient
from gateway.settings import GatewaySettings
from gateway.storefront.schema import shopper_customer
from kampanya.commands.gateway import server_config

TARGET_RATIO = 0.50
WARM_UP = 1.5
"""Seconds of each target before the timed rounds."""
HERE = Path(__file__).resolve().parent

CUSTOMER_ID = "c-bench"
CUSTOMER_SECRET = "bench-gateway-customer-token-secret-0123456789"
PUBLISHABLE_KEY = "pk_bench_web"
CHANNEL = "web"
LANGUAGE = "en"
OTHER_SEGMENT = "bench-other"
"""Segments (with a suffix) the benchmark customer is not in: the audience of the noise not offered to it."""

TEXTS = "{ language text }"
HINT = f"{{ campaignId missingQuantity missingAmount name {TEXTS} }}"
PRICED_FIELDS = f"""
  currency subtotal discountTotal shipping shippingDiscount total
  lines {{ id sku quantity subtotal discount total adjustments {{ campaignId amount units }} }}
  applied {{ campaignId type discount name {TEXTS} labels coupon applications }}
  gifts {{ campaignId sku quantity name {TEXTS} }}
  skipped {{ campaignId reason detail }}
  rejectedCoupons {{ code reason campaignId detail }}
  hints {HINT}
  explain {{ stage campaignId message data {{ key value }} }}
"""
OFFER_FIELDS = f"""
  campaignId name description language labels kind type value validFrom validUntil windows codes
  minQuantity minOrderTotal hint {HINT}
"""
PROBLEM = "... on Problem { code message }"
PRICE_QUERY = f"""query PriceCart($cart: ShopperCartInput!) {{
  priceCart(cart: $cart) {{
    __typename
    ... on PricedCartPayload {{ catalogVersion priced {{ {PRICED_FIELDS} }} }}
    {PROBLEM}
  }}
}}"""
OFFERS_QUERY = f"""query Offers($language: String!, $cart: ShopperCartInput) {{
  offers(language: $language, cart: $cart) {{
    __typename
    ... on OfferList {{ catalogVersion offers {{ {OFFER_FIELDS} }} }}
    {PROBLEM}
  }}
}}"""


# -- the plain app (run in its own process with --serve-plain) ------------------------------------------------


@dataclass
class PlainServices:
    store: Store
    pricing: PricingClient
    auth: StorefrontAuthenticator


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


async def _plain_cart(request: Request) -> tuple[PlainServices, str, Cart, dict[str, Any]]:
    """Authenticate the caller, read the body, look the customer up, validate the cart."""
    services: PlainServices = request.app.state.plain
    try:
        shopper = services.auth.authenticate(
            request.headers.get("x-publishable-key"), request.headers.get("authorization")
        )
    except Unauthenticated as error:
        raise Refused(401, str(error)) from None
    try:
        body = await request.json()
        given = body["cart"]
    except (ValueError, KeyError, TypeError):
        raise Refused(400, "the body must be a JSON object with a cart") from None
    device = request.headers.get("x-device-id") or None
    try:
        customer = await shopper_customer(services.store, shopper.customer_id, device)
    except DocumentError as error:
        raise Refused(422, str(error)) from None
    document: dict[str, Any] = {
        "currency": given.get("currency") or (await services.store.settings.get()).currency,
        "channel": shopper.channel,
        "lines": given.get("lines", []),
    }
    if given.get("shipping") is not None:
        document["shipping"] = given["shipping"]
    if given.get("coupons"):
        document["coupons"] = list(given["coupons"])
    if customer is not None:
        document["customer"] = customer.model_dump(mode="json")
    try:
        cart = parse_cart(document)
    except DocumentError as error:
        raise Refused(422, str(error)) from None
    return services, shopper.channel, cart, body


def _request_id(request: Request) -> str:
    return (request.headers.get("x-request-id") or "")[:100] or uuid.uuid4().hex


def _client(request: Request) -> str:
    """The shopper's address, sent as the gateway sends it: the pricing core then prices a shopper's cart (its
    codes counted as attempts, the result as a shopper is shown it), the same call as the graph's."""
    return request.client.host if request.client else "unknown"


async def plain_offers(request: Request) -> Response:
    try:
        services, channel, cart, body = await _plain_cart(request)
        found, version, _ = await services.pricing.offers(
            customer=cart.customer,
            channel=channel,
            language=body.get("language") or LANGUAGE,
            currency=cart.currency,
            cart=cart,
            request_id=_request_id(request),
            client_address=_client(request),
        )
    except Refused as error:
        return JSONResponse({"error": str(error)}, status_code=error.status)
    except aio.AioRpcError as error:
        return JSONResponse({"error": f"pricing unavailable: {error.code().name}"}, status_code=503)
    return JSONResponse({"offers": [offer.model_dump(mode="json") for offer in found], "catalog_version": version})


async def plain_price(request: Request) -> Response:
    try:
        services, _, cart, _ = await _plain_cart(request)
        result, version = await services.pricing.evaluate(
            cart, client_address=_client(request), request_id=_request_id(request)
        )
    except Refused as error:
        return JSONResponse({"error": str(error)}, status_code=error.status)
    except aio.AioRpcError as error:
        return JSONResponse({"error": f"pricing unavailable: {error.code().name}"}, status_code=503)
    return JSONResponse({"priced": result.model_dump(mode="json"), "catalog_version": version})


async def _health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def plain_app(settings: GatewaySettings) -> Starlette:
    """The baseline: the storefront's two reads as plain JSON endpoints, on the gateway's services."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        store = await Store.open(settings.database_url)
        token = settings.pricing_token.get_secret_value() if settings.pricing_token else None
        pricing = PricingClient.connect(settings.pricing_addr, token=token)
        try:
            app.state.plain = PlainServices(store, pricing, StorefrontAuthenticator(settings))
            gc.collect()  # as `kampanya gateway` does once started
            gc.freeze()
            yield
        finally:
            await pricing.close()
            await store.close()

    routes = [
        Route("/offers", plain_offers, methods=["POST"]),
        Route("/price", plain_price, methods=["POST"]),
        Route("/healthz", _health, methods=["GET"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def serve_plain(port: int) -> None:
    """Serve the plain app as `kampanya gateway` serves the gateway (settings from KAMPANYA_… variables)."""
    settings = GatewaySettings(gateway_port=port)
    uvicorn.Server(server_config(plain_app(settings), settings)).run()


# -- the catalog ----------------------------------------------------------------------------------------------


def build_database(directory: Path, campaigns: int, offered: int) -> tuple[str, dict[str, Any]]:
    """Return a migrated SQLite catalog of `campaigns` live campaigns (the engine benchmark's 20 cart
    campaigns first) and the customer, and the benchmark cart document. Noise campaigns past the first
    `offered` (all when negative) are kept for customers of other segments: they are priced (and skipped)
    as before, but not offered to the benchmark customer."""
    rng = random.Random(SEED)
    catalog = build_catalog(rng)
    products = pick_cart_products(catalog, rng)
    matching = min(campaigns, CART_CAMPAIGNS)
    noise = noise_campaigns(campaigns - matching, rng, noise_pools(catalog, products))
    for index, document in enumerate(noise):
        if 0 <= offered <= index:
            document["audience"] = {"segments_any": [f"{OTHER_SEGMENT}-{index % 10}"]}
    documents = cart_campaigns(products)[:matching] + noise
    cart = cart_document(products)
    # a shopper's cart carries the code the shopper entered, not the engine benchmark's unknown one: the
    # storefront counts a code no campaign has as a refused attempt, and the 11th locks the shopper out
    cart["coupons"] = [CART_COUPON]
    known = cart["customer"]
    url = f"sqlite://{directory / 'bench.sqlite3'}"

    async def load() -> None:
        await migrate(url)
        async with await Store.open(url) as store:
            await store.campaigns.import_all(parse_campaigns(documents))
            await store.customers.upsert(
                CustomerProfile(
                    id=CUSTOMER_ID,
                    country=known["country"],
                    city=known["city"],
                    orders_count=known["orders_count"],
                    total_spent=Decimal(known["total_spent"]),
                )
            )
            for segment in known["segments"]:
                await store.segments.upsert(Segment(id=segment, name=segment.upper()))
                await store.segments.add_members(segment, [CUSTOMER_ID])

    asyncio.run(load())
    return url, cart


def plain_body(cart: dict[str, Any]) -> bytes:
    """The plain endpoints' request: the shopper's part of the cart document (no customer, channel or now)."""
    shopper_cart = {key: cart[key] for key in ("currency", "lines", "shipping", "coupons")}
    return json.dumps({"language": LANGUAGE, "cart": shopper_cart}).encode()


def graphql_cart(cart: dict[str, Any]) -> dict[str, Any]:
    """The same cart as a ShopperCartInput."""
    lines = [
        {
            "id": line["id"],
            "sku": line["sku"],
            "quantity": line["quantity"],
            "unitPrice": line["unit_price"],
            "categories": line["categories"],
            "brand": line["brand"],
            "collections": line["collections"],
            "attributes": [{"key": key, "value": value} for key, value in line["attributes"].items()],
        }
        for line in cart["lines"]
    ]
    return {"currency": cart["currency"], "lines": lines, "shipping": cart["shipping"], "coupons": cart["coupons"]}


def graphql_body(query: str, variables: dict[str, Any]) -> bytes:
    return json.dumps({"query": query, "variables": variables}).encode()


def customer_token() -> str:
    now = int(time.time())
    payload = {"sub": CUSTOMER_ID, "aud": "kampanya-storefront", "iat": now, "exp": now + 6 * 3600}
    return jwt.encode(payload, CUSTOMER_SECRET, algorithm="HS256")


# -- the servers ----------------------------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    log: Path
    port: int

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def launch(name: str, command: list[str], environment: dict[str, str], directory: Path, port: int) -> Server:
    """Start a server in `directory` (not the repository: `-m kampanya` must import the installed engine,
    compiled or not), its output (uvicorn's access log included) to a file there."""
    log = directory / f"{name}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(command, env=environment, cwd=directory, stdout=output, stderr=subprocess.STDOUT)
    return Server(name, process, log, port)


def wait_for_line(server: Server, needle: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if needle in server.tail(1000):
            return
        if server.process.poll() is not None:
            break
        time.sleep(0.05)
    raise SystemExit(f"{server.name} did not start:\n{server.tail()}")


def wait_for_health(server: Server, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    with httpx2.Client(timeout=2, trust_env=False) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                break
            try:
                if client.get(f"http://127.0.0.1:{server.port}/healthz").status_code == 200:
                    return
            except httpx2.HTTPError:
                pass
            time.sleep(0.05)
    raise SystemExit(f"{server.name} did not start:\n{server.tail()}")


def stop(server: Server) -> None:
    if server.process.poll() is None:
        server.process.terminate()
    try:
        server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


def process_cpu(pid: int) -> float:
    """The CPU seconds (user + system, every thread) process `pid` used so far (Linux; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# -- the load -------------------------------------------------------------------------------------------------

Check = Callable[[httpx2.Response], str | None]
"""Return None for a successful response, else what is wrong with it."""


@dataclass(frozen=True)
class Target:
    path: str
    """"GraphQL" or "plain"."""
    operation: str
    client: httpx2.AsyncClient
    url: str
    body: bytes
    check: Check
    server_cpu: Callable[[], float]

    @property
    def name(self) -> str:
        return f"{self.path} {self.operation}"


@dataclass
class Round:
    requests: int
    failed: int
    seconds: float
    latencies_us: list[float]
    server_cpu: float
    core_cpu: float
    client_cpu: float
    failures: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def graphql_check(field_name: str, success: str) -> Check:
    def check(response: httpx2.Response) -> str | None:
        if response.status_code != 200:
            return f"HTTP {response.status_code}: {response.text[:300]}"
        body = response.json()
        if body.get("errors"):
            return f"errors: {json.dumps(body['errors'])[:300]}"
        answer = (body.get("data") or {}).get(field_name) or {}
        if answer.get("__typename") != success:
            return f"{field_name} answered {json.dumps(answer)[:300]}"
        return None

    return check


def plain_check(response: httpx2.Response) -> str | None:
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.text[:300]}"
    response.json()
    return None


async def run_round(target: Target, core_cpu: Callable[[], float], *, concurrency: int, seconds: float) -> Round:
    """Keep `concurrency` requests to `target` in flight for `seconds`."""
    latencies: list[float] = []
    failures: list[str] = []
    stop_at = time.perf_counter() + seconds

    async def worker() -> None:
        while time.perf_counter() < stop_at:
            started = time.perf_counter_ns()
            try:
                response = await target.client.post(target.url, content=target.body)
                problem = target.check(response)
            except (httpx2.HTTPError, ValueError) as error:
                problem = f"{type(error).__name__}: {error}"
            latencies.append((time.perf_counter_ns() - started) / 1000)
            if problem is not None:
                failures.append(problem)

    started = time.perf_counter()
    server_started, core_started, client_started = target.server_cpu(), core_cpu(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return Round(
        requests=len(latencies),
        failed=len(failures),
        seconds=elapsed,
        latencies_us=latencies,
        server_cpu=target.server_cpu() - server_started,
        core_cpu=core_cpu() - core_started,
        client_cpu=time.process_time() - client_started,
        failures=failures[:3],
    )


@dataclass(frozen=True)
class Row:
    target: Target
    rate: float
    p50_ms: float
    p99_ms: float
    requests: int
    failed: int
    server_cpu_us: float
    core_cpu_us: float
    client_cpu_us: float
    per_round: str
    failures: list[str]


def summarize(target: Target, rounds: Sequence[Round]) -> Row:
    latencies = [value for one in rounds for value in one.latencies_us]
    requests = sum(one.requests for one in rounds)

    def per_request(total: float) -> float:
        return total * 1e6 / requests if requests else 0.0

    return Row(
        target=target,
        rate=requests / sum(one.seconds for one in rounds),
        p50_ms=statistics.median(latencies) / 1000,
        p99_ms=percentile(latencies, 0.99) / 1000,
        requests=requests,
        failed=sum(one.failed for one in rounds),
        server_cpu_us=per_request(sum(one.server_cpu for one in rounds)),
        core_cpu_us=per_request(sum(one.core_cpu for one in rounds)),
        client_cpu_us=per_request(sum(one.client_cpu for one in rounds)),
        per_round=", ".join(f"{one.rate:,.0f}" for one in rounds),
        failures=[problem for one in rounds for problem in one.failures][:3],
    )


async def first_answers(targets: dict[str, Target]) -> None:
    """One request to each target, decoded: both paths must answer the same figures."""
    bodies: dict[str, Any] = {}
    for key, target in targets.items():
        response = await target.client.post(target.url, content=target.body)
        problem = target.check(response)
        if problem is not None:
            raise SystemExit(f"{target.name}: {problem}")
        bodies[key] = response.json()
        print(f"  {target.name}: request {len(target.body):,} bytes, response {len(response.content):,} bytes")
    graph_priced = bodies["graphql price"]["data"]["priceCart"]["priced"]
    plain_priced = bodies["plain price"]["priced"]
    graph_offers = [offer["campaignId"] for offer in bodies["graphql offers"]["data"]["offers"]["offers"]]
    plain_offers = [offer["campaign_id"] for offer in bodies["plain offers"]["offers"]]
    applied = [entry["campaign_id"] for entry in plain_priced["applied"]]
    same = (
        graph_priced["total"] == format(Decimal(plain_priced["total"]), "f")
        and [entry["campaignId"] for entry in graph_priced["applied"]] == applied
        and graph_offers == plain_offers
    )
    if not same:
        raise SystemExit("the GraphQL and plain answers differ: the two paths do not do the same work")
    print(
        f"  the cart: total {graph_priced['total']} {graph_priced['currency']}, {len(applied)} campaigns applied "
        f"({', '.join(applied)}), {len(plain_priced['skipped'])} skipped; {len(plain_offers)} offers; "
        "both paths answer the same"
    )


async def measure(
    arguments: argparse.Namespace, gateway: Server, plain: Server, core: Server, cart: dict[str, Any]
) -> list[Row]:
    token = customer_token()
    headers = {
        "content-type": "application/json",
        "x-publishable-key": PUBLISHABLE_KEY,
        "authorization": f"Bearer {token}",
    }
    limits = httpx2.Limits(max_connections=arguments.concurrency, max_keepalive_connections=arguments.concurrency)
    variables = {"cart": graphql_cart(cart)}
    plain_request = plain_body(cart)
    async with (
        httpx2.AsyncClient(headers=headers, limits=limits, timeout=30, trust_env=False) as graph_client,
        httpx2.AsyncClient(headers=headers, limits=limits, timeout=30, trust_env=False) as plain_client,
    ):
        graph_url = f"http://127.0.0.1:{gateway.port}/storefront/graphql"
        plain_url = f"http://127.0.0.1:{plain.port}"
        graph_cpu = partial(process_cpu, gateway.process.pid)
        plain_cpu = partial(process_cpu, plain.process.pid)
        targets = {
            "graphql offers": Target(
                "GraphQL",
                "offers",
                graph_client,
                graph_url,
                graphql_body(OFFERS_QUERY, {"language": LANGUAGE, **variables}),
                graphql_check("offers", "OfferList"),
                graph_cpu,
            ),
            "plain offers": Target(
                "plain", "offers", plain_client, f"{plain_url}/offers", plain_request, plain_check, plain_cpu
            ),
            "graphql price": Target(
                "GraphQL",
                "priceCart",
                graph_client,
                graph_url,
                graphql_body(PRICE_QUERY, variables),
                graphql_check("priceCart", "PricedCartPayload"),
                graph_cpu,
            ),
            "plain price": Target(
                "plain", "price", plain_client, f"{plain_url}/price", plain_request, plain_check, plain_cpu
            ),
        }
        await first_answers(targets)
        if arguments.only:
            targets = {key: target for key, target in targets.items() if key in arguments.only}
        core_cpu = partial(process_cpu, core.process.pid)
        for target in targets.values():
            await run_round(target, core_cpu, concurrency=arguments.concurrency, seconds=WARM_UP)
        results: dict[str, list[Round]] = {key: [] for key in targets}
        for _ in range(arguments.rounds):
            for key, target in targets.items():
                results[key].append(
                    await run_round(target, core_cpu, concurrency=arguments.concurrency, seconds=arguments.seconds)
                )
                print(f"    {target.name}: {results[key][-1].rate:,.0f} requests/s", flush=True)
    return [summarize(targets[key], rounds) for key, rounds in results.items()]


# -- the report -----------------------------------------------------------------------------------------------


def report(rows: list[Row], *, concurrency: int, no_fail: bool) -> int:
    print(f"\n### Storefront through the gateway vs plain Starlette JSON — {concurrency} in flight\n")
    print(
        "| path | operation | requests/s | p50 ms | p99 ms | requests | failed | server CPU µs/req "
        "| core CPU µs/req | client CPU µs/req | per round (requests/s) |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for row in rows:
        print(
            f"| {row.target.path} | {row.target.operation} | {row.rate:,.0f} | {row.p50_ms:,.2f} | "
            f"{row.p99_ms:,.2f} | {row.requests:,} | {row.failed:,} | {row.server_cpu_us:,.0f} | "
            f"{row.core_cpu_us:,.0f} | {row.client_cpu_us:,.0f} | {row.per_round} |"
        )
    failed = [row for row in rows if row.failed]
    for row in failed:
        print(f"\n  {row.target.name}: {row.failed:,} failed responses, e.g.:")
        for problem in row.failures:
            print(f"    {problem}")
    passed = True
    print()
    pairs = ((rows[0], rows[1]), (rows[2], rows[3])) if len(rows) == 4 else ()  # not with --only
    for graph, plain in pairs:
        ratio = graph.rate / plain.rate if plain.rate else 0.0
        cpu = plain.server_cpu_us / graph.server_cpu_us if graph.server_cpu_us else 0.0
        ok = ratio >= TARGET_RATIO
        passed = passed and ok
        print(
            f"**{graph.target.operation}: GraphQL / plain = {ratio:.2f} — {'PASS' if ok else 'FAIL'}** "
            f"(target ≥ {TARGET_RATIO:.2f}; server CPU per request plain / GraphQL = {cpu:.2f})"
        )
        figure(
            "gateway vs plain endpoint",
            f"{graph.target.operation}: GraphQL / plain",
            round(ratio, 3),
            "ratio",
            target=f">= {TARGET_RATIO}",
            met=ok,
        )
    if failed:
        print("\n**FAIL: some responses failed** (whatever --no-fail says)")
        return 1
    return 0 if passed or no_fail else 1


# -- main -----------------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=5.0, help="per round")
    parser.add_argument("--rounds", type=int, default=2, help="rounds per target, alternating")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight")
    parser.add_argument("--campaigns", type=int, default=1000, help="live campaigns in the catalog")
    parser.add_argument(
        "--offered",
        type=int,
        default=40,
        help="noise campaigns the customer may see among its offers (the rest target other segments); -1: all",
    )
    parser.add_argument("--no-fail", action="store_true", help="exit 0 even when a ratio misses the target")
    parser.add_argument(
        "--only",
        action="append",
        choices=["graphql offers", "plain offers", "graphql price", "plain price"],
        help="measure only this target (repeatable; for a profiler: no ratios are reported)",
    )
    parser.add_argument("--serve-plain", type=int, metavar="PORT", help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.serve_plain is not None:
        serve_plain(arguments.serve_plain)
        return 0

    print("Kampanya storefront: GraphQL gateway vs plain Starlette JSON, same machine, same run")
    print(f"  Python {sys.version.split()[0]} ({sys.executable}), engine: {engine_build()}")
    print(
        f"  CPUs: {os.cpu_count()}; KAMPANYA_ENV=test; one uvicorn worker (uvloop) per HTTP server; "
        f"{arguments.concurrency} requests in flight; {arguments.rounds} x {arguments.seconds:g} s per target "
        f"(after {WARM_UP:g} s of warm-up)",
        flush=True,
    )
    servers: list[Server] = []
    with tempfile.TemporaryDirectory(prefix="bench-gateway-") as scratch:
        directory = Path(scratch)
        try:
            url, cart = build_database(directory, arguments.campaigns, arguments.offered)
            environment = {key: value for key, value in os.environ.items() if not key.startswith("KAMPANYA_")}
            environment.update(
                KAMPANYA_DATABASE_URL=url,
                KAMPANYA_ENV="test",
                KAMPANYA_SHUTDOWN_DELAY="0",
                KAMPANYA_METRICS_PORT="none",
                KAMPANYA_CUSTOMER_TOKEN_SECRET=CUSTOMER_SECRET,
                KAMPANYA_PUBLISHABLE_KEYS=json.dumps({PUBLISHABLE_KEY: CHANNEL}),
            )
            core_port = free_port()
            environment["KAMPANYA_PRICING_ADDR"] = f"127.0.0.1:{core_port}"
            core = launch(
                "pricing",
                [sys.executable, "-m", "kampanya", "pricing", "--port", str(core_port)],
                environment,
                directory,
                core_port,
            )
            servers.append(core)
            wait_for_line(core, '"serving"')
            gateway_port, plain_port = free_port(), free_port()
            gateway = launch(
                "gateway",
                [
                    *(sys.executable, "-m", "kampanya", "gateway"),
                    *("--port", str(gateway_port), "--pricing-addr", f"127.0.0.1:{core_port}"),
                ],
                environment,
                directory,
                gateway_port,
            )
            servers.append(gateway)
            plain = launch(
                "plain",
                [sys.executable, str(HERE / "bench_gateway.py"), "--serve-plain", str(plain_port)],
                environment,
                directory,
                plain_port,
            )
            servers.append(plain)
            wait_for_health(gateway)
            wait_for_health(plain)
            offered = "all" if arguments.offered < 0 else f"{arguments.offered:,}"
            print(
                f"  {arguments.campaigns:,} live campaigns (SQLite), {offered} of the noise open to the customer; "
                f"pids: pricing core {core.process.pid}, gateway {gateway.process.pid}, plain {plain.process.pid}",
                flush=True,
            )
            rows = uvloop.run(measure(arguments, gateway, plain, core, cart))
        finally:
            for server in reversed(servers):
                stop(server)
    return report(rows, concurrency=arguments.concurrency, no_fail=arguments.no_fail)


if __name__ == "__main__":
    raise SystemExit(main())
