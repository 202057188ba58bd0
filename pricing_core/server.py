"""The pricing core's composition root: catalog, gRPC server, health, reflection, metrics, shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
from collections.abc import Callable
from typing import Final

import grpc
from grpc import aio
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1.health import aio as health_aio
from grpc_reflection.v1alpha import reflection

from domain.checkout.coupons import CouponBox
from domain.checkout.service import Checkout
from domain.counters.redis import RedisCounters
from domain.counters.sql import SqlCounters
from domain.limits import Counters
from domain.store import Store
from domain.store.notify import catalog_notices
from kampanya.pricing.v1 import pricing_pb2, pricing_pb2_grpc
from pricing_core.auth import BearerTokenInterceptor
from pricing_core.catalog import CatalogLoader, NoticeSource
from pricing_core.logs import configure_logging, logger
from pricing_core.membership import Membership
from pricing_core.metrics import MetricsEndpoint, PricingMetrics
from pricing_core.servicer import PricingServicer
from pricing_core.settings import PricingSettings

SERVICE_NAME: Final = pricing_pb2.DESCRIPTOR.services_by_name["PricingService"].full_name
log = logger("server")


class PricingServer:
    """One pricing core: loads the catalog, then serves gRPC (and metrics) until stopped.

    `port` and `metrics_port` are the bound ports once started (settings may ask for 0, any free port)."""

    def __init__(
        self,
        settings: PricingSettings,
        store: Store,
        *,
        notices: NoticeSource | None = None,
        counters: Counters | None = None,
    ) -> None:
        self.settings: Final = settings
        self.metrics: Final = PricingMetrics()
        self.catalog: Final = CatalogLoader(store, self.metrics, poll_interval=settings.poll_interval, notices=notices)
        self.counters: Final[Counters] = (
            counters if counters is not None else SqlCounters(store.database, hold_grace=settings.hold_grace)
        )
        self.membership: Final = Membership(store.segments, poll_interval=settings.poll_interval)
        self.checkout: Final = Checkout(
            lambda: self.catalog.current,
            self.counters,
            store.orders,
            ttl=settings.reservation_ttl,
            known=self.membership.cart,
        )
        self.coupons: Final = CouponBox(
            self.checkout,
            self.counters,
            known=lambda code: self.catalog.current.snapshot.codes.get(code) is not None,
            max_failures=settings.coupon_attempts,
            window=settings.coupon_window,
        )
        self.health: Final = health_aio.HealthServicer()
        self.port = 0
        self.metrics_port: int | None = None
        self._server: aio.Server | None = None
        self._metrics_endpoint: MetricsEndpoint | None = None
        self._refresher: asyncio.Task[None] | None = None
        self._sweeper: asyncio.Task[None] | None = None
        self._membership_poller: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Load the catalog, bind the ports and start serving."""
        settings = self.settings
        await self.catalog.load()
        await self.membership.load()
        token = settings.pricing_token.get_secret_value() if settings.pricing_token else None
        server = aio.server(interceptors=[BearerTokenInterceptor(token)] if token else [])
        pricing_pb2_grpc.add_PricingServiceServicer_to_server(
            PricingServicer(self.catalog, self.checkout, self.coupons, self.metrics, self.membership), server
        )
        health_pb2_grpc.add_HealthServicer_to_server(self.health, server)
        reflection.enable_server_reflection(
            (SERVICE_NAME, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME), server
        )
        address = f"{settings.pricing_host}:{settings.pricing_port}"
        credentials = _credentials(settings)
        self.port = server.add_secure_port(address, credentials) if credentials else server.add_insecure_port(address)
        await server.start()
        self._server = server
        for service in ("", SERVICE_NAME):
            await self.health.set(service, health_pb2.HealthCheckResponse.SERVING)
        if settings.metrics_port is not None:
            self._metrics_endpoint = MetricsEndpoint(
                self.metrics, host=settings.metrics_host, port=settings.metrics_port
            )
            self.metrics_port = self._metrics_endpoint.port
        self._refresher = asyncio.create_task(self.catalog.run())
        self._sweeper = asyncio.create_task(self._sweep())
        self._membership_poller = asyncio.create_task(self.membership.run())
        log.info(
            "pricing core serving",
            extra={
                "event": "serving",
                "address": f"{settings.pricing_host}:{self.port}",
                "metrics_port": self.metrics_port,
                "tls": credentials is not None,
                "auth": token is not None,
                "catalog_version": self.catalog.current.version,
                "campaigns": len(self.catalog.current.snapshot),
            },
        )

    async def _sweep(self) -> None:
        """Expire reservations whose TTL passed (their holds go back) every `sweep_interval` seconds."""
        await _sweep_forever(self.checkout, self.settings.sweep_interval)

    async def stop(self, grace: float | None = None) -> None:
        """Drain and stop: report NOT_SERVING, keep answering for `shutdown_delay` seconds (balancers
        stop routing here; calls already queued are served), then refuse new calls and let the ones in
        flight finish (up to `grace` seconds) before releasing everything."""
        await self.health.enter_graceful_shutdown()
        if self._server is not None and self.settings.shutdown_delay:
            await asyncio.sleep(self.settings.shutdown_delay)
        if self._server is not None:
            await self._server.stop(self.settings.shutdown_grace if grace is None else grace)
            self._server = None
        for task in (self._refresher, self._sweeper, self._membership_poller):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._refresher = self._sweeper = self._membership_poller = None
        if self._metrics_endpoint is not None:
            self._metrics_endpoint.close()
            self._metrics_endpoint = None
        log.info("pricing core stopped", extra={"event": "stopped"})


async def _sweep_forever(checkout: Checkout, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            expired = await checkout.sweep()
        except Exception:
            log.exception("expiring reservations failed; retrying", extra={"event": "sweep_failed"})
        else:
            if expired:
                log.info("reservations expired", extra={"event": "reservations_expired", "count": expired})


def _credentials(settings: PricingSettings) -> grpc.ServerCredentials | None:
    if settings.tls_cert is None or settings.tls_key is None:
        return None
    client_ca = settings.tls_client_ca.read_bytes() if settings.tls_client_ca else None
    return grpc.ssl_server_credentials(
        [(settings.tls_key.read_bytes(), settings.tls_cert.read_bytes())],
        root_certificates=client_ca,
        require_client_auth=client_ca is not None,
    )


def redis_notices(url: str) -> NoticeSource:
    """Return a source of catalog-change notices from Redis pub/sub."""
    return lambda: catalog_notices(url)


async def serve(settings: PricingSettings, *, on_started: Callable[[PricingServer], None] | None = None) -> None:
    """Run a pricing core until SIGTERM or SIGINT, then shut down gracefully."""
    configure_logging(settings.log_level)
    settings.check_runnable()
    store = await Store.open(settings.database_url)
    counters = (
        RedisCounters.from_url(settings.redis_url, ledger=store.orders, hold_grace=settings.hold_grace)
        if settings.redis_url
        else None
    )
    try:
        notices = redis_notices(settings.redis_url) if settings.redis_url else None
        server = PricingServer(settings, store, notices=notices, counters=counters)
        await server.start()
        # what is alive now (modules, settings, the first compiled catalog) leaves the collector's sight, so
        # its collections scan only what requests and reloads make; the start-up's garbage is collected first
        # (a frozen cycle is never freed: at worst the first catalog's cycles, once a reload replaces it)
        gc.collect()
        gc.freeze()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for received in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(received, stop.set)
        if on_started is not None:
            on_started(server)
        await stop.wait()
        log.info("shutting down", extra={"event": "shutdown", "grace_seconds": settings.shutdown_grace})
        await server.stop()
    finally:
        if counters is not None:
            await counters.close()
        await store.close()
