"""Prometheus metrics of a pricing core, served on their own port."""

from __future__ import annotations

import time
from threading import Thread
from typing import Final
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

LATENCY_BUCKETS = (
    0.00005,
    0.0001,
    0.00015,
    0.0002,
    0.0003,
    0.0005,
    0.00075,
    0.001,
    0.0015,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
)
"""Server-side latency buckets in seconds: fine below a millisecond, where pricing lives."""


class PricingMetrics:
    """The metrics of one pricing core, in their own registry (several cores may share a process)."""

    def __init__(self) -> None:
        registry = CollectorRegistry()
        self.registry: Final = registry
        self.rpc_seconds: Final = Histogram(
            "kampanya_pricing_rpc_seconds",
            "Server-side latency of pricing RPCs",
            ["method", "code"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.snapshot_version: Final = Gauge(
            "kampanya_pricing_snapshot_version", "Catalog version of the snapshot in use", registry=registry
        )
        self.snapshot_built: Final = Gauge(
            "kampanya_pricing_snapshot_built_timestamp_seconds",
            "Unix time the snapshot in use was built",
            registry=registry,
        )
        self.snapshot_age: Final = Gauge(
            "kampanya_pricing_snapshot_age_seconds", "Seconds since the snapshot in use was built", registry=registry
        )
        self.snapshot_age.set_function(self._age)
        self.campaigns_loaded: Final = Gauge(
            "kampanya_pricing_campaigns_loaded", "Live campaigns in the snapshot", registry=registry
        )
        self.codes_loaded: Final = Gauge(
            "kampanya_pricing_codes_loaded", "Coupon codes in the snapshot", registry=registry
        )
        self.reloads: Final = Counter(
            "kampanya_pricing_reloads",
            "Snapshot loads and reloads",
            ["trigger", "outcome"],
            registry=registry,
        )
        self.compile_failures: Final = Counter(
            "kampanya_pricing_compile_failures",
            "Campaigns that could not be loaded (invalid stored document or compile error)",
            registry=registry,
        )
        self.broken_campaigns: Final = Gauge(
            "kampanya_pricing_broken_campaigns",
            "Campaigns currently skipped because they do not load",
            registry=registry,
        )
        self._built = time.time()

    def _age(self) -> float:
        return time.time() - self._built

    def snapshot_installed(self, *, version: int, campaigns: int, codes: int, broken: int) -> None:
        self._built = time.time()
        self.snapshot_built.set(self._built)
        self.snapshot_version.set(version)
        self.campaigns_loaded.set(campaigns)
        self.codes_loaded.set(codes)
        self.broken_campaigns.set(broken)


class MetricsEndpoint:
    """The HTTP endpoint Prometheus scrapes; port 0 picks a free port."""

    def __init__(self, metrics: PricingMetrics, *, host: str, port: int) -> None:
        server, thread = start_http_server(port, addr=host, registry=metrics.registry)
        self._server: WSGIServer = server
        self._thread: Thread = thread
        self.port: Final[int] = server.server_port

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
