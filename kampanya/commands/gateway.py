"""`kampanya gateway`: the GraphQL gateway (admin and storefront graphs) on uvicorn."""

from __future__ import annotations

import argparse
import signal
from typing import Any

import uvicorn
from pydantic import ValidationError
from starlette.types import ASGIApp

from gateway.app import create_app
from gateway.settings import ConfigurationError, GatewaySettings
from kampanya.inputs import CliError


def register(commands: Any) -> None:
    gateway = commands.add_parser("gateway", help="run the GraphQL gateway (admin and storefront graphs)")
    gateway.add_argument("--host", help="address to bind (default KAMPANYA_GATEWAY_HOST or 127.0.0.1)")
    gateway.add_argument("--port", type=int, help="HTTP port (default KAMPANYA_GATEWAY_PORT or 8000; 0 = any)")
    gateway.add_argument("--pricing-addr", help="host:port of the pricing core (default KAMPANYA_PRICING_ADDR)")
    gateway.set_defaults(handler=_gateway)


def gateway_settings(**overrides: Any) -> GatewaySettings:
    """Return the settings from the environment with these overrides (None values are ignored)."""
    try:
        settings = GatewaySettings(**{key: value for key, value in overrides.items() if value is not None})
        settings.check_runnable()
    except (ValidationError, ConfigurationError) as error:
        raise CliError(f"configuration: {error}") from None
    return settings


def server_config(app: ASGIApp, settings: GatewaySettings, **overrides: Any) -> uvicorn.Config:
    """How `kampanya gateway` serves an app (uvloop, the httptools parser, the settings' address and logging),
    with these overrides (the benchmark's plain endpoint and the test harness use it too)."""
    options: dict[str, Any] = {
        "host": settings.gateway_host,
        "port": settings.gateway_port,
        "loop": "uvloop",
        "http": "httptools",
        "lifespan": "on",
        "log_level": settings.log_level.lower(),
        "proxy_headers": settings.trust_forwarded,
        "timeout_graceful_shutdown": 10,
    }
    return uvicorn.Config(app, **(options | overrides))


def _gateway(arguments: argparse.Namespace) -> None:
    settings = gateway_settings(
        gateway_host=arguments.host, gateway_port=arguments.port, pricing_addr=arguments.pricing_addr
    )
    config = server_config(create_app(settings, freeze_heap=True), settings)
    # uvicorn shuts down gracefully on SIGTERM/SIGINT, then raises the signal again for the handlers it found:
    # these make that a clean exit (code 0) once the gateway has drained
    for received in (signal.SIGTERM, signal.SIGINT):
        signal.signal(received, lambda *_: None)
    uvicorn.Server(config).run()
