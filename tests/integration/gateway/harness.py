"""A real gateway in the test process: uvicorn serving `create_app(settings)` on port 0, in front of a real
pricing core (port 0) on the same database; HTTP clients speak to it as the admin SPA and the shop would."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx2
import jwt
import uvicorn

from domain.access import AdminUser, Role
from gateway.app import create_app
from gateway.settings import GatewaySettings
from kampanya.commands.gateway import server_config
from tests.integration.pricing.harness import Pricing, running_pricing

JWT_SECRET = "admin-signing-key-for-tests-only-0123456789"
CUSTOMER_SECRET = "shop-signing-key-for-tests-only-0123456789"
PUBLISHABLE = {"pk_test_web": "web", "pk_test_mobile": "mobile"}


def admin_token(subject: str, *, lifetime: float = 600, **claims: Any) -> str:
    now = int(time.time())
    payload = {"sub": subject, "iss": "kampanya", "aud": "kampanya-admin", "iat": now, "exp": now + int(lifetime)}
    payload.update(claims)
    return jwt.encode(payload, JWT_SECRET, algorithm="HS256")


def customer_token(customer_id: str, *, secret: str = CUSTOMER_SECRET) -> str:
    now = int(time.time())
    payload = {"sub": customer_id, "aud": "kampanya-storefront", "iat": now, "exp": now + 600}
    return jwt.encode(payload, secret, algorithm="HS256")


@dataclass
class Gateway:
    url: str
    pricing: Pricing
    client: httpx2.AsyncClient
    settings: GatewaySettings

    async def admin(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None, **headers: str
    ) -> httpx2.Response:
        sent = {"authorization": f"Bearer {token}"} if token else {}
        sent.update(headers)
        return await self.client.post(
            f"{self.url}/admin/graphql", json={"query": query, "variables": variables or {}}, headers=sent
        )

    async def storefront(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        key: str | None = "pk_test_web",
        customer: str | None = None,
        **headers: str,
    ) -> httpx2.Response:
        sent = dict(headers)
        if key is not None:
            sent["x-publishable-key"] = key
        if customer is not None:
            sent["authorization"] = f"Bearer {customer_token(customer)}"
        return await self.client.post(
            f"{self.url}/storefront/graphql", json={"query": query, "variables": variables or {}}, headers=sent
        )

    async def data(self, response: httpx2.Response) -> Any:
        body = response.json()
        assert response.status_code == 200, body
        assert not body.get("errors"), body
        return body["data"]

    async def user(self, subject: str, role: Role) -> str:
        """Make `subject` a user with `role` (straight in the store) and return a JWT for them."""
        await self.pricing.writer.users.put(AdminUser(subject, role))
        return admin_token(subject)


@asynccontextmanager
async def running_gateway(
    database_url: str, *, redis_url: str | None = None, **settings: Any
) -> AsyncIterator[Gateway]:
    async with running_pricing(database_url, redis_url=redis_url, poll_interval=0.1) as pricing:
        config = GatewaySettings(
            env="test",
            database_url=database_url,
            redis_url=redis_url,
            pricing_addr=f"127.0.0.1:{pricing.server.port}",
            jwt_secret=JWT_SECRET,
            customer_token_secret=CUSTOMER_SECRET,
            publishable_keys=PUBLISHABLE,
            **settings,
        )
        if redis_url:
            # the gateway announces catalog changes on the pricing core's channel
            config = config.model_copy(update={"catalog_channel": pricing.channel_name})
        async with serving(config) as url, httpx2.AsyncClient(timeout=10) as client:
            yield Gateway(url, pricing, client, config)


@asynccontextmanager
async def serving(settings: GatewaySettings) -> AsyncIterator[str]:
    """A gateway app with these settings served by uvicorn on port 0; its URL."""
    server = uvicorn.Server(
        server_config(create_app(settings), settings, host="127.0.0.1", port=0, log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
