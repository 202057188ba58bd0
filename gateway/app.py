"""The composition root of the gateway: `create_app(settings)` builds the Starlette app serving the admin
graph at /admin/graphql and the storefront graph at /storefront/graphql; the store, the Redis notifier and
the pricing-core channel open and close in its lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Literal

from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from domain.store import RedisCatalogNotifier, Store
from domain.store.code_runner import CodeBatchRunner
from gateway.admin.code_routes import code_routes
from gateway.admin.report_routes import report_routes
from gateway.admin.schema import admin_schema
from gateway.auth import AdminAuthenticator, StorefrontAuthenticator, Unauthenticated
from gateway.graph.context import AdminContext, Services, StorefrontContext
from gateway.graph.hardening import Guard, graphql_error_body, json_errors
from gateway.pricing import PricingClient
from gateway.segment_sweeper import sweep_segments
from gateway.settings import GatewaySettings
from gateway.storefront.schema import storefront_schema

REQUEST_ID = "x-request-id"


def operations(decoded: object) -> object:
    """Return a decoded request body that is an operation (an object) or a batch (a list); refuse others (400)."""
    if not isinstance(decoded, dict | list):
        raise HTTPException(400, "the request body is not a GraphQL operation (a JSON object)")
    return decoded


class AdminGraph(GraphQL[AdminContext, None]):
    def decode_json(self, data: str | bytes) -> object:
        return operations(super().decode_json(data))

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> AdminContext:
        state = request.scope["state"]
        # no principal only on a GET (the IDE page): queries are not served over GET, so it runs no operation
        return AdminContext(
            services=request.app.state.services, principal=state.get("principal"), request_id=state["request_id"]
        )


class StorefrontGraph(GraphQL[StorefrontContext, None]):
    def decode_json(self, data: str | bytes) -> object:
        return operations(super().decode_json(data))

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> StorefrontContext:
        state = request.scope["state"]
        return StorefrontContext(
            services=request.app.state.services,
            shopper=state.get("shopper"),  # none only on a GET (the IDE page), which runs no operation
            request_id=state["request_id"],
            client_address=state.get("client_address", ""),
            extra={"device_id": request.headers.get("x-device-id") or None},
        )


class RequestId:
    """Gives every request an id (the caller's `x-request-id`, or a new one) echoed in the response, the guard's
    own answers (body too large, timeout) included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = (Headers(scope=scope).get(REQUEST_ID) or "")[:100] or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        async def with_id(message: Any) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (REQUEST_ID.encode(), request_id.encode())]
            await send(message)

        await self.app(scope, receive, with_id)


class Gate:
    """Authenticates a graph's callers before the graph sees them (401 with a GraphQL error body otherwise)."""

    def __init__(self, app: ASGIApp, *, storefront: bool, trust_forwarded: bool) -> None:
        self.app = app
        self.storefront = storefront
        self.trust_forwarded = trust_forwarded

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        state: dict[str, Any] = scope["state"]
        if request.method == "GET":  # the IDE page (when on); queries are served over POST only
            await self.app(scope, receive, send)
            return
        services: Services = request.app.state.services
        try:
            if self.storefront:
                state["shopper"] = services.storefront_auth.authenticate(
                    request.headers.get("x-publishable-key"), request.headers.get("authorization")
                )
                state["client_address"] = self._client_address(request)
            else:
                state["principal"] = await services.admin_auth.authenticate(request.headers.get("authorization"))
        except Unauthenticated as error:
            body = graphql_error_body(str(error), "UNAUTHENTICATED")
            response = Response(
                body, status_code=401, media_type="application/json", headers={"www-authenticate": "Bearer"}
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _client_address(self, request: Request) -> str:
        peer = request.client.host if request.client else "unknown"
        return client_address(request.headers.get("x-forwarded-for"), peer, trust_forwarded=self.trust_forwarded)


def client_address(forwarded: str | None, peer: str, *, trust_forwarded: bool) -> str:
    """Return the address a storefront call comes from (the key its coupon attempts are counted under): the
    peer's, or — behind a proxy trusted to append it (`trust_forwarded`) — the last entry of
    `X-Forwarded-For`, the one that proxy wrote. The entries before it are whatever the client sent: taking
    the first would let a client pick a new address for every guess, or lock someone else's out."""
    if trust_forwarded and forwarded:
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            return last
    return peer


def create_app(settings: GatewaySettings, *, freeze_heap: bool = False) -> Starlette:
    """Return the gateway app; nothing is opened until its lifespan starts. `freeze_heap` (for a server
    process, not for tests making many apps): once started, what is alive then (modules, schemas, the
    store's models) is moved out of the garbage collector's sight (`gc.freeze`), so that its collections
    scan only what requests make."""
    settings.check_runnable()
    ide: Literal["graphiql"] | None = None if settings.production else "graphiql"

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        notifier = (
            RedisCatalogNotifier.from_url(settings.redis_url, channel=settings.catalog_channel)
            if settings.redis_url
            else None
        )
        store = await Store.open(settings.database_url, notifier=notifier)
        token = settings.pricing_token.get_secret_value() if settings.pricing_token else None
        pricing = PricingClient.connect(settings.pricing_addr, token=token)
        try:
            app.state.services = Services(
                settings=settings,
                store=store,
                pricing=pricing,
                admin_auth=AdminAuthenticator(settings, store),
                storefront_auth=StorefrontAuthenticator(settings),
                code_runner=CodeBatchRunner(store.code_batches),
            )
            sweeper = asyncio.create_task(sweep_segments(store, settings.segment_sweep_interval))
            app.state.services.code_runner.start()  # resumes the batches a restart interrupted
            if freeze_heap:
                gc.collect()  # the start-up's own garbage first: a frozen cycle is never freed
                gc.freeze()
            try:
                yield
            finally:
                await app.state.services.code_runner.stop()
                sweeper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sweeper
        finally:
            await pricing.close()
            await store.close()
            if notifier is not None:
                await notifier.close()

    def graph(app: GraphQL[Any, None], *, storefront: bool) -> ASGIApp:
        gated = Gate(app, storefront=storefront, trust_forwarded=settings.trust_forwarded)
        return RequestId(Guard(json_errors(gated), max_bytes=settings.max_body_bytes, timeout=settings.request_timeout))

    admin = AdminGraph(admin_schema(settings), graphql_ide=ide, allow_queries_via_get=False)
    storefront = StorefrontGraph(storefront_schema(settings), graphql_ide=ide, allow_queries_via_get=False)
    routes = [
        # every method reaches the graph, which refuses all but GET and POST with a GraphQL error body
        Route("/admin/graphql", graph(admin, storefront=False)),
        Route("/storefront/graphql", graph(storefront, storefront=True)),
        Route("/healthz", _health, methods=["GET"]),
        *report_routes(),
        *code_routes(),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


async def _health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})
