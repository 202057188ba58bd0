"""Throughput of the pricing core's EvaluateCart next to a trivial grpc.aio echo service.

Both servers run as their own processes on loopback, on this machine, in the same run: the pricing core
(`kampanya pricing`, on a SQLite catalog of 1,000 live campaigns: the engine benchmark's mix, 20 of them
matching its 10-line cart) and `echo_server.py`, which answers with a fixed response of exactly the size of
the pricing core's answer to that cart. One load client process keeps `--concurrency` calls in flight on
one channel for `--seconds`, alternating echo and pricing rounds so drift hits both alike; both are called
with the same request bytes and neither response is decoded by the client. It prints calls per second,
p50 and p99 latency (client side) for each, the server processes' CPU time per call (user + system, all
threads, from /proc), the ratio, and PASS/FAIL for the target (EvaluateCart at least 70% of the echo rate);
exit 1 on FAIL unless --no-fail.

    python loadtests/bench_pricing.py                       # the engine build of this interpreter
    "$(scripts/compiled-venv)/bin/python" loadtests/bench_pricing.py   # the compiled (production) build
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from bench_engine import (
    CART_CAMPAIGNS,
    SEED,
    build_catalog,
    cart_campaigns,
    cart_document,
    engine_build,
    noise_campaigns,
    noise_pools,
    pick_cart_products,
)
from echo_server import METHOD as ECHO_METHOD
from figures import figure
from google.protobuf.internal import api_implementation
from grpc import aio

from domain.documents import parse_campaigns
from domain.store import Store, migrate
from kampanya.pricing.v1 import pricing_pb2 as pb

EVALUATE = "/kampanya.pricing.v1.PricingService/EvaluateCart"
TARGET_RATIO = 0.70
HERE = Path(__file__).resolve().parent


@dataclass
class Round:
    calls: int
    seconds: float
    latencies_us: list[float]
    server_cpu_seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.calls / self.seconds


def build_catalog_database(
    directory: Path, campaigns: int, matching: int = CART_CAMPAIGNS
) -> tuple[str, dict[str, Any]]:
    """Return a migrated SQLite catalog of `campaigns` live campaigns, `matching` of which concern the
    benchmark cart (the first ones of the engine benchmark's 20), and that cart."""
    rng = random.Random(SEED)
    catalog = build_catalog(rng)
    products = pick_cart_products(catalog, rng)
    documents = cart_campaigns(products)[:matching] + noise_campaigns(
        campaigns - matching, rng, noise_pools(catalog, products)
    )
    url = f"sqlite://{directory / 'bench.sqlite3'}"

    async def load() -> None:
        await migrate(url)
        async with await Store.open(url) as store:
            await store.campaigns.import_all(parse_campaigns(documents))

    asyncio.run(load())
    return url, cart_document(products)


def request_bytes(cart: dict[str, Any]) -> bytes:
    message = pb.Cart(
        currency=cart["currency"],
        channel=cart.get("channel"),
        coupons=cart.get("coupons", []),
        lines=[
            pb.Line(
                id=line["id"],
                sku=line["sku"],
                quantity=line["quantity"],
                unit_price=line["unit_price"],
                categories=line.get("categories", []),
                brand=line.get("brand"),
                collections=line.get("collections", []),
                attributes=line.get("attributes", {}),
            )
            for line in cart["lines"]
        ],
    )
    customer = cart.get("customer")
    if customer:
        message.customer.CopyFrom(
            pb.Customer(
                id=customer.get("id"),
                segments=customer.get("segments", []),
                orders_count=customer.get("orders_count", 0),
                total_spent=customer.get("total_spent", "0"),
                country=customer.get("country"),
                city=customer.get("city"),
            )
        )
    if cart.get("shipping"):
        message.shipping.CopyFrom(pb.Shipping(method=cart["shipping"].get("method"), amount=cart["shipping"]["amount"]))
    if cart.get("now"):
        from datetime import datetime

        message.now.FromDatetime(datetime.fromisoformat(cart["now"]))
    return pb.EvaluateCartRequest(cart=message).SerializeToString()


def _drain(stream: IO[str]) -> None:
    for _ in iter(stream.readline, ""):
        pass


def start(
    command: list[str], needle: str, environment: dict[str, str], stream_name: str, cwd: Path
) -> tuple[subprocess.Popen[str], str]:
    """Start a server process in `cwd` (not the repository: `-m kampanya` must import the installed engine,
    compiled or not, never the source tree); return it and the first output line containing `needle`."""
    stream_kwargs = {stream_name: subprocess.PIPE}
    process = subprocess.Popen(command, env=environment, text=True, cwd=cwd, **stream_kwargs)  # type: ignore[call-overload]
    stream: IO[str] = getattr(process, stream_name)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = stream.readline()
        if needle in line:
            threading.Thread(target=_drain, args=(stream,), daemon=True).start()
            return process, line
        if not line and process.poll() is not None:
            break
    process.kill()
    raise SystemExit(f"{' '.join(command)} did not start")


async def run_load(
    port: int, method: str, payload: bytes, *, concurrency: int, seconds: float, channels: int = 1
) -> Round:
    """Keep `concurrency` calls in flight over `channels` connections (spread round-robin, so that server
    processes sharing the port each get some) for `seconds`."""
    opened = [
        aio.insecure_channel(f"127.0.0.1:{port}", options=[("grpc.use_local_subchannel_pool", 1)])
        for _ in range(channels)
    ]
    try:
        calls: list[Any] = [channel.unary_unary(method) for channel in opened]
        latencies: list[float] = []
        stop_at = time.perf_counter() + seconds

        async def worker(call: Any) -> None:
            while time.perf_counter() < stop_at:
                started = time.perf_counter_ns()
                await call(payload, timeout=30)
                latencies.append((time.perf_counter_ns() - started) / 1000)

        started = time.perf_counter()
        await asyncio.gather(*(worker(calls[index % channels]) for index in range(concurrency)))
        return Round(len(latencies), time.perf_counter() - started, latencies)
    finally:
        for channel in opened:
            await channel.close()


def cpu_seconds(pids: Sequence[int]) -> float:
    """CPU time (user + system, all threads) the processes have used so far; 0 where /proc is missing."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0] if __doc__ else None)
    parser.add_argument("--campaigns", type=int, default=1000)
    parser.add_argument("--matching", type=int, default=CART_CAMPAIGNS, help="live campaigns that concern the cart")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=8.0, help="per round")
    parser.add_argument("--rounds", type=int, default=2, help="rounds per service, alternating")
    parser.add_argument("--workers", type=int, default=1, help="server processes per service, sharing a port")
    parser.add_argument("--no-fail", action="store_true")
    arguments = parser.parse_args(argv)

    print("Kampanya pricing core vs echo, same machine, same run")
    print(f"  Python {sys.version.split()[0]}, protobuf backend: {api_implementation.Type()}, engine: {engine_build()}")
    print(
        f"  CPUs: {os.cpu_count()}; {arguments.workers} process(es) per service; {arguments.concurrency} calls in "
        f"flight over {2 * arguments.workers} connection(s); {arguments.rounds} x {arguments.seconds:.0f} s per service"
    )
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        url, cart = build_catalog_database(directory, arguments.campaigns, arguments.matching)
        payload = request_bytes(cart)
        environment = {key: value for key, value in os.environ.items() if not key.startswith("KAMPANYA_")}
        environment.update(KAMPANYA_DATABASE_URL=url, KAMPANYA_ENV="test", KAMPANYA_SHUTDOWN_DELAY="0")
        pricing_port = free_port()
        servers = [
            start(
                [sys.executable, "-m", "kampanya", "pricing", "--port", str(pricing_port), "--metrics-port", "0"],
                '"serving"',
                environment,
                "stderr",
                directory,
            )[0]
            for _ in range(arguments.workers)
        ]
        pricing_pids = [process.pid for process in servers]
        response = asyncio.run(_one_call(pricing_port, payload))
        (directory / "response.bin").write_bytes(response)
        echo_port = free_port()
        echo_command = [sys.executable, str(HERE / "echo_server.py"), "--response", str(directory / "response.bin")]
        servers += [
            start(
                [*echo_command, "--port", str(echo_port)],
                "port ",
                environment,
                "stdout",
                directory,
            )[0]
            for _ in range(arguments.workers)
        ]
        print(f"  {arguments.campaigns:,} live campaigns; request {len(payload)} bytes, response {len(response)} bytes")
        try:
            pids = {"echo": [process.pid for process in servers[len(pricing_pids) :]], "EvaluateCart": pricing_pids}
            results = asyncio.run(_measure(arguments, echo_port, pricing_port, payload, pids))
        finally:
            for process in servers:
                process.terminate()
                process.wait(timeout=30)
    return report(results, no_fail=arguments.no_fail, concurrency=arguments.concurrency)


async def _one_call(port: int, payload: bytes) -> bytes:
    async with aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        call: Any = channel.unary_unary(EVALUATE)
        response: bytes = await call(payload, timeout=30)
        applied = len(pb.EvaluateCartResponse.FromString(response).result.applied)
        print(f"  EvaluateCart answers with {applied} campaigns applied")
        return response


async def _measure(
    arguments: argparse.Namespace, echo_port: int, pricing_port: int, payload: bytes, pids: dict[str, list[int]]
) -> dict[str, list[Round]]:
    targets = {"echo": (echo_port, ECHO_METHOD), "EvaluateCart": (pricing_port, EVALUATE)}
    channels = 2 * arguments.workers
    for port, method in targets.values():
        await run_load(port, method, payload, concurrency=arguments.concurrency, seconds=1.5, channels=channels)
    results: dict[str, list[Round]] = {name: [] for name in targets}
    for _ in range(arguments.rounds):
        for name, (port, method) in targets.items():
            before = cpu_seconds(pids[name])
            one = await run_load(
                port, method, payload, concurrency=arguments.concurrency, seconds=arguments.seconds, channels=channels
            )
            one.server_cpu_seconds = cpu_seconds(pids[name]) - before
            results[name].append(one)
    return results


def report(results: dict[str, list[Round]], *, no_fail: bool, concurrency: int) -> int:
    print(f"\n  {'service':<14} {'calls/s':>9} {'p50 µs':>9} {'p99 µs':>9} {'calls':>8} {'server CPU µs/call':>19}")
    rates: dict[str, float] = {}
    for name, rounds in results.items():
        latencies = [value for one in rounds for value in one.latencies_us]
        rates[name] = sum(one.calls for one in rounds) / sum(one.seconds for one in rounds)
        print(
            f"  {name:<14} {rates[name]:>9,.0f} {statistics.median(latencies):>9,.0f} "
            f"{percentile(latencies, 0.99):>9,.0f} {len(latencies):>8,} "
            f"{1e6 * sum(one.server_cpu_seconds for one in rounds) / len(latencies):>19,.0f}"
        )
        print("      per round: " + ", ".join(f"{one.rate:,.0f}/s" for one in rounds))
    ratio = rates["EvaluateCart"] / rates["echo"]
    passed = ratio >= TARGET_RATIO
    print(f"\n  EvaluateCart / echo = {ratio:.2f}  {'PASS' if passed else 'FAIL'} (target >= {TARGET_RATIO:.2f})")
    for name, rate in rates.items():
        figure("pricing core vs echo", f"{name} calls/s (concurrency {concurrency})", round(rate), "calls/s")
    figure(
        "pricing core vs echo", "EvaluateCart / echo", round(ratio, 3), "ratio", target=f">= {TARGET_RATIO}", met=passed
    )
    return 0 if passed or no_fail else 1


if __name__ == "__main__":
    raise SystemExit(main())
