"""A real pricing core in the test process: its own store on the test database, served on port 0,
listening to a Redis channel of its own; a writer store next to it, as the gateway would be."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import grpc
from grpc import aio

from domain.counters.redis import RedisCounters
from domain.counters.sql import SqlCounters
from domain.limits import Counters
from domain.store import RedisCatalogNotifier, Store, catalog_notices
from kampanya.pricing.v1 import pricing_pb2 as pb
from kampanya.pricing.v1 import pricing_pb2_grpc
from pricing_core.server import PricingServer
from pricing_core.settings import PricingSettings
from tests.integration.redis_servers import forget_keys

TOKEN = "s3cret-token"


@dataclass
class Pricing:
    """A running pricing core, a client channel to it, and a store that writes the same catalog."""

    server: PricingServer
    writer: Store
    channel: aio.Channel
    stub: Any
    channel_name: str = ""
    """The Redis channel the core listens to for catalog notices."""

    async def evaluate(
        self, cart: pb.Cart, *, explain: bool = False, metadata: Sequence[tuple[str, str]] = ()
    ) -> pb.EvaluateCartResponse:
        response: pb.EvaluateCartResponse = await self.stub.EvaluateCart(
            pb.EvaluateCartRequest(cart=cart, explain=explain), metadata=list(metadata) or None, timeout=5
        )
        return response

    async def applied(self, cart: pb.Cart) -> list[str]:
        return [entry.campaign_id for entry in (await self.evaluate(cart)).result.applied]

    async def seconds_until(self, condition: Callable[[], Any], *, timeout: float) -> float:
        """Poll `condition` (an async callable) every 2 ms; return the seconds it took to hold."""
        started = time.perf_counter()
        while time.perf_counter() - started < timeout:
            if await condition():
                return time.perf_counter() - started
            await asyncio.sleep(0.002)
        raise AssertionError(f"not within {timeout} s")


@asynccontextmanager
async def running_pricing(
    database_url: str,
    *,
    redis_url: str | None = None,
    poll_interval: float = 0.2,
    token: str | None = None,
    redis_counters: str | None = None,
    counters_prefix: str | None = None,
    counters_around: Callable[[Counters], Counters] | None = None,
    **settings: Any,
) -> AsyncIterator[Pricing]:
    """`redis_counters`: count limits in this Redis (under a key prefix of the test's own, deleted after)
    instead of the SQL counters of the database; `counters_prefix` names that prefix (so that several cores
    share their counters); `counters_around` wraps the core's counters (a test that holds their calls)."""
    channel_name = f"kampanya:test:{secrets.token_hex(6)}"
    notifier = RedisCatalogNotifier.from_url(redis_url, channel=channel_name) if redis_url else None
    writer = await Store.open(database_url, notifier=notifier)
    reader = await Store.open(database_url)
    config = PricingSettings(
        env="test",
        database_url=database_url,
        pricing_host="127.0.0.1",
        pricing_port=0,
        metrics_port=0,
        poll_interval=poll_interval,
        pricing_token=token,
        **{"shutdown_delay": 0.3, **settings},
    )
    notices = (lambda: catalog_notices(redis_url, channel=channel_name)) if redis_url else None
    prefix = counters_prefix or f"kampanya-test-{secrets.token_hex(6)}"
    redis = (
        RedisCounters.from_url(redis_counters, ledger=reader.orders, prefix=prefix, hold_grace=config.hold_grace)
        if redis_counters
        else None
    )
    counters: Counters | None = redis
    if counters_around is not None:
        counters = counters_around(redis or SqlCounters(reader.database, hold_grace=config.hold_grace))
    server = PricingServer(config, reader, notices=notices, counters=counters)
    await server.start()
    channel = aio.insecure_channel(f"127.0.0.1:{server.port}")
    try:
        yield Pricing(server, writer, channel, pricing_pb2_grpc.PricingServiceStub(channel), channel_name)
    finally:
        await channel.close()
        await server.stop(grace=1)
        await reader.close()
        await writer.close()
        if notifier is not None:
            await notifier.close()
        if redis is not None:
            await redis.close()
        if redis_counters:
            await forget_keys(redis_counters, prefix)


def line(line_id: str, sku: str, price: str, quantity: int = 1, **fields: Any) -> pb.Line:
    return pb.Line(id=line_id, sku=sku, unit_price=price, quantity=quantity, **fields)


def cart(*lines: pb.Line, **fields: Any) -> pb.Cart:
    return pb.Cart(currency="TRY", lines=list(lines), **fields)


def status_code(error: BaseException) -> grpc.StatusCode:
    assert isinstance(error, aio.AioRpcError)
    return error.code()
