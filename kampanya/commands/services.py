"""Running the services: `kampanya pricing` (the gRPC pricing core) and `kampanya up` (everything on
embedded defaults, for a laptop)."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
from collections.abc import Coroutine
from typing import Any, TypeVar

import grpc
import uvloop
from grpc_health.v1 import health_pb2, health_pb2_grpc
from pydantic import ValidationError

from domain.access import Role
from domain.store import Store
from kampanya.commands.catalog import import_demo, migrate_database
from kampanya.inputs import CliError
from pricing_core.server import PricingServer, serve
from pricing_core.settings import ConfigurationError, PricingSettings

Value = TypeVar("Value")


def run(work: Coroutine[Any, Any, Value]) -> Value:
    """Run a service coroutine on uvloop (gRPC's per-call overhead is about an eighth lower than on the
    default event loop)."""
    return uvloop.run(work)


def register(commands: Any) -> None:
    pricing = commands.add_parser("pricing", help="run the gRPC pricing core")
    _service_options(pricing)
    pricing.add_argument(
        "--workers",
        type=int,
        default=1,
        help="processes sharing the port (the kernel spreads connections, SO_REUSEPORT); metrics on consecutive ports",
    )
    pricing.set_defaults(handler=_pricing)

    up = commands.add_parser("up", help="migrate the embedded database and run the services, printing their addresses")
    _service_options(up)
    up.add_argument("--demo", action="store_true", help="load demo campaigns when the catalog is empty")
    up.add_argument("--gateway-port", type=int, help="the gateway's HTTP port (default KAMPANYA_GATEWAY_PORT or 8000)")
    up.set_defaults(handler=_up)

    health = commands.add_parser("health", help="check a pricing core's gRPC health (exit 0 when serving)")
    health.add_argument("--addr", default="127.0.0.1:50051", help="host:port of the pricing core")
    health.add_argument("--timeout", type=float, default=3.0, help="seconds to wait")
    health.set_defaults(handler=_health)


def _service_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="address to bind (default KAMPANYA_PRICING_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="gRPC port (default KAMPANYA_PRICING_PORT or 50051; 0 = any)")
    parser.add_argument("--metrics-port", type=int, help="Prometheus port (default 9464; 0 = any)")


def settings_from(arguments: argparse.Namespace) -> PricingSettings:
    """Return the settings from the environment with the command line's overrides."""
    overrides = {
        "pricing_host": arguments.host,
        "pricing_port": arguments.port,
        "metrics_port": arguments.metrics_port,
    }
    try:
        settings = PricingSettings(**{key: value for key, value in overrides.items() if value is not None})
        settings.check_runnable()
    except (ValidationError, ConfigurationError) as error:
        raise CliError(f"configuration: {error}") from None
    return settings


def _pricing(arguments: argparse.Namespace) -> None:
    settings = settings_from(arguments)
    if arguments.workers < 1:
        raise CliError("--workers: at least 1")
    if arguments.workers == 1:
        run(serve(settings))
        return
    if settings.pricing_port == 0:
        raise CliError("--workers: several processes share one port; give a fixed --port")
    code = _supervise(settings, arguments.workers)
    if code:
        raise CliError(f"a pricing worker exited with code {code}")


def _supervise(settings: PricingSettings, workers: int) -> int:
    """Run `workers` pricing processes on one port; forward SIGTERM/SIGINT; return the worst exit code."""
    children: list[subprocess.Popen[bytes]] = []
    for index in range(workers):
        environment = dict(
            os.environ, KAMPANYA_PRICING_HOST=settings.pricing_host, KAMPANYA_PRICING_PORT=str(settings.pricing_port)
        )
        metrics = settings.metrics_port
        environment["KAMPANYA_METRICS_PORT"] = "none" if metrics is None else str(metrics + index if metrics else 0)
        children.append(subprocess.Popen([sys.executable, "-m", "kampanya", "pricing"], env=environment))

    def forward(received: int, _frame: object) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(received)

    for received in (signal.SIGTERM, signal.SIGINT):
        signal.signal(received, forward)
    return max(child.wait() for child in children)


def _up(arguments: argparse.Namespace) -> None:
    settings = settings_from(arguments)
    applied = run(migrate_database(settings.database_url))
    print(f"database: {settings.database_url} ({len(applied)} migration(s) applied)", flush=True)
    if arguments.demo:
        loaded = run(import_demo(settings.database_url, settings.redis_url))
        print(f"demo campaigns: {loaded} loaded", flush=True)
    secret = run(bootstrap_owner_key(settings.database_url))
    if secret is not None:
        print(f"admin API key (OWNER, shown once): {secret}", flush=True)
    environment = dict(os.environ)
    if not environment.get("KAMPANYA_PUBLISHABLE_KEYS"):
        environment["KAMPANYA_PUBLISHABLE_KEYS"] = json.dumps(DEV_PUBLISHABLE_KEYS)
    gateway: list[subprocess.Popen[bytes]] = []

    def announce(server: PricingServer) -> None:
        address = f"{settings.pricing_host}:{server.port}"
        print(f"pricing core (gRPC): {address}", flush=True)
        if server.metrics_port is not None:
            print(f"metrics: http://{settings.metrics_host}:{server.metrics_port}/metrics", flush=True)
        environment["KAMPANYA_PRICING_ADDR"] = address
        command = [sys.executable, "-m", "kampanya", "gateway"]
        if arguments.gateway_port is not None:
            command += ["--port", str(arguments.gateway_port)]
        gateway.append(subprocess.Popen(command, env=environment))
        host = environment.get("KAMPANYA_GATEWAY_HOST", "127.0.0.1")
        port = (
            arguments.gateway_port
            if arguments.gateway_port is not None
            else environment.get("KAMPANYA_GATEWAY_PORT", "8000")
        )
        print(f"admin graph: http://{host}:{port}/admin/graphql", flush=True)
        print(f"storefront graph: http://{host}:{port}/storefront/graphql", flush=True)
        keys = json.loads(environment["KAMPANYA_PUBLISHABLE_KEYS"])
        print("publishable keys: " + ", ".join(f"{key} ({channel})" for key, channel in keys.items()), flush=True)
        print("Ctrl-C stops", flush=True)

    try:
        run(serve(settings, on_started=announce))
    finally:
        for child in gateway:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
            child.wait(timeout=30)


DEV_PUBLISHABLE_KEYS = {"pk_dev_web": "web", "pk_dev_mobile": "mobile", "pk_dev_pos": "pos"}
"""The storefront keys `kampanya up` gives the gateway unless KAMPANYA_PUBLISHABLE_KEYS says otherwise."""


async def bootstrap_owner_key(url: str) -> str | None:
    """Create an OWNER API key when nobody can use the admin graph yet (no users, no keys); return its secret."""
    store = await Store.open(url)
    try:
        if await store.users.list() or await store.api_keys.list():
            return None
        _, secret = await store.api_keys.create("bootstrap", Role.OWNER, created_by="kampanya up")
        return secret
    finally:
        await store.close()


def _health(arguments: argparse.Namespace) -> str:
    with grpc.insecure_channel(arguments.addr) as channel:
        try:
            stub: Any = health_pb2_grpc.HealthStub(channel)  # the typeshed stub omits the stub's methods
            reply = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=arguments.timeout)
        except grpc.RpcError as error:
            raise CliError(f"{arguments.addr}: {error.code().name}: {error.details()}") from None
    status = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
    if reply.status != health_pb2.HealthCheckResponse.SERVING:
        raise CliError(f"{arguments.addr}: {status}")
    return f"{arguments.addr}: {status}"
