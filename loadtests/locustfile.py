"""Locust users of a checkout day: checkout services over gRPC, shoppers over the storefront graph, marketers
over the admin graph (their edits make the pricing cores reload under traffic).

Started by `python loadtests/run.py` (which seeds the data set, starts the services and writes the manifest
these users read from `KAMPANYA_LOADTEST_MANIFEST`); by hand:

    KAMPANYA_LOADTEST_MANIFEST=manifest.json locust -f loadtests/locustfile.py --headless -u 20 -t 60s

- `CheckoutUser`: a gevent-friendly synchronous gRPC channel to every pricing core replica, with an
  interceptor that reports each call to Locust's request event (request type `grpc`, name the RPC). A cart
  grows line by line with an `EvaluateCart` after each change, then `Reserve`, then `Commit` (most orders)
  or `Release`; some committed orders come back in part (`Return`). A replica that answers UNAVAILABLE is
  left for the next one and the call retried there (same order id and idempotency key: never a second
  effect).
- `ShopperUser`: `offers`, `priceCart`, `applyCoupon` with good and bad codes, as customers with their
  customer tokens on a channel's publishable key.
- `AdminUser`: pauses and resumes campaigns, edits one, creates campaigns from templates and publishes them.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

import grpc
import grpc.experimental.gevent as grpc_gevent
import jwt
from locust import HttpUser, User, between, events, task
from locust.env import Environment

from domain.documents import parse_cart
from gateway.pricing import cart_to_pb
from kampanya.pricing.v1 import pricing_pb2 as pb
from kampanya.pricing.v1 import pricing_pb2_grpc as pb_grpc

grpc_gevent.init_gevent()

Manifest = dict[str, Any]
_MANIFEST: Manifest | None = None


def manifest() -> Manifest:
    global _MANIFEST
    if _MANIFEST is None:
        path = os.environ.get("KAMPANYA_LOADTEST_MANIFEST", "loadtests/out/manifest.json")
        with open(path, encoding="utf-8") as source:
            _MANIFEST = json.load(source)
    return _MANIFEST


# -- carts ----------------------------------------------------------------------------------------------------


def random_lines(rng: random.Random, count: int) -> list[dict[str, Any]]:
    """Lines of the seeded catalog (the manifest's sample of it), as the cart document has them."""
    products = rng.sample(manifest()["products"], count)
    return [
        {
            "id": f"l{index}",
            "sku": product["sku"],
            "quantity": rng.choice((1, 1, 1, 2, 2, 3, 4)),
            "unit_price": product["price"],
            "categories": product["categories"],
            "brand": product["brand"],
            "collections": product["collections"],
        }
        for index, product in enumerate(products)
    ]


def pb_cart(lines: list[dict[str, Any]], customer: str, coupons: list[str]) -> pb.Cart:
    """The cart document of these lines, validated and put in protobuf as the gateway's client does."""
    document = {
        "currency": "TRY",
        "channel": "web",
        "customer": {"id": customer},
        "lines": lines,
        "shipping": {"method": "standard", "amount": "29.90"},
        "coupons": coupons,
    }
    return cart_to_pb(parse_cart(document))


def graphql_lines(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "id": line["id"],
            "sku": line["sku"],
            "quantity": line["quantity"],
            "unitPrice": line["unit_price"],
            "categories": line["categories"],
            "brand": line["brand"],
            "collections": line["collections"],
        }
        for line in lines
    ]


# -- gRPC -----------------------------------------------------------------------------------------------------


class RpcFailure(Exception):
    """A failed call as Locust groups it: the status code and the message, without the request id."""

    def __init__(self, failure: grpc.RpcError) -> None:
        details = re.sub(r"\s*\(request id [0-9a-f]+\)", "", failure.details() or "")
        super().__init__(f"{failure.code().name}: {details}")


class LocustInterceptor(grpc.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    """Reports every unary call to Locust: its time, its size, and the error it ended with."""

    def __init__(self, environment: Environment) -> None:
        self._environment = environment

    def intercept_unary_unary(self, continuation: Callable[..., Any], details: Any, request: Any) -> Any:
        started = time.perf_counter()
        outcome = continuation(details, request)
        error: Exception | None = None
        size = 0
        try:
            size = outcome.result().ByteSize()
        except grpc.RpcError as failure:
            error = RpcFailure(failure)
        self._environment.events.request.fire(
            request_type="grpc",
            name=details.method.rsplit("/", 1)[-1],
            response_time=(time.perf_counter() - started) * 1000,
            response_length=size,
            exception=error,
            context={},
        )
        return outcome


class Replicas:
    """One channel per pricing-core replica; a call that finds its replica UNAVAILABLE moves on to the next."""

    def __init__(self, environment: Environment, addresses: list[str], token: str | None) -> None:
        interceptor = LocustInterceptor(environment)
        self._stubs = [
            pb_grpc.PricingServiceStub(grpc.intercept_channel(grpc.insecure_channel(address), interceptor))
            for address in addresses
        ]
        self._metadata = (("authorization", f"Bearer {token}"),) if token else ()
        self._next = random.randrange(len(self._stubs))

    def call(self, method: str, request: Any, *, timeout: float = 5.0) -> Any:
        last: grpc.RpcError | None = None
        for _ in range(len(self._stubs) + 1):
            stub = self._stubs[self._next]
            try:
                return getattr(stub, method)(request, timeout=timeout, metadata=self._metadata)
            except grpc.RpcError as error:
                if error.code() not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                    raise
                last = error
                self._next = (self._next + 1) % len(self._stubs)
                time.sleep(0.05)
        assert last is not None
        raise last


class CheckoutUser(User):  # type: ignore[misc]
    """A checkout service: prices the cart as it changes, then reserves, commits or releases, sometimes returns."""

    weight = 6
    wait_time = between(0.05, 0.3)

    def on_start(self) -> None:
        plan = manifest()
        self.rng = random.Random()
        self.replicas = Replicas(self.environment, plan["pricing"], plan.get("pricing_token"))

    @task
    def checkout(self) -> None:
        plan = manifest()
        rng = self.rng
        customer = rng.choice(plan["customers"])
        lines = random_lines(rng, rng.randint(1, 6))
        coupons = [rng.choice(plan["codes"]["public"])] if rng.random() < 0.3 else []
        try:
            for size in range(1, len(lines) + 1):
                self.replicas.call(
                    "EvaluateCart", pb.EvaluateCartRequest(cart=pb_cart(lines[:size], customer, coupons))
                )
            order_id = f"lt-{uuid.uuid4().hex}"
            cart = pb_cart(lines, customer, coupons)
            self.replicas.call("Reserve", pb.ReserveRequest(order_id=order_id, cart=cart, idempotency_key=order_id))
            if rng.random() < 0.15:
                self.replicas.call("Release", pb.ReleaseRequest(order_id=order_id))
                return
            self.replicas.call("Commit", pb.CommitRequest(order_id=order_id))
            if rng.random() < 0.1:
                line = rng.choice(lines)
                returned = pb.ReturnedLine(line_id=line["id"], quantity=1)
                self.replicas.call(
                    "Return", pb.ReturnRequest(order_id=order_id, return_id=f"{order_id}-r1", lines=[returned])
                )
        except grpc.RpcError:
            pass  # reported by the interceptor; this order stops here


# -- GraphQL --------------------------------------------------------------------------------------------------


class GraphUser(HttpUser):  # type: ignore[misc]
    """A user of one of the graphs; `auth` is the headers its calls carry (set in `on_start`)."""

    abstract = True
    auth: dict[str, str]

    def graph(self, path: str, name: str, query: str, variables: dict[str, Any], expected: set[str]) -> Any:
        """Post a GraphQL operation; a transport error, a GraphQL error or an unexpected member is a failure."""
        with self.client.post(
            path, json={"query": query, "variables": variables}, headers=self.auth, name=name, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")
                return None
            body = response.json()
            if body.get("errors"):
                response.failure(f"GraphQL errors: {json.dumps(body['errors'])[:300]}")
                return None
            (answer,) = body["data"].values()
            if answer.get("__typename") not in expected:
                response.failure(f"unexpected answer {json.dumps(answer)[:300]}")
                return None
            response.success()
            return answer


OFFERS = 'query { offers(language: "tr") { __typename ... on OfferList { offers { campaignId } } } }'
PRICE = (
    "query($cart: ShopperCartInput!) {"
    " priceCart(cart: $cart) { __typename ... on PricedCartPayload { priced { total } } } }"
)
ATTEMPTS = 10
"""Refused codes a shopper may try in the window (the pricing core's default `KAMPANYA_COUPON_ATTEMPTS`)."""
APPLY = "mutation($code: String!, $cart: ShopperCartInput!) { applyCoupon(code: $code, cart: $cart) { __typename } }"


class ShopperUser(GraphUser):
    """The mobile app and web shop: offers, cart prices, coupon codes good and bad."""

    weight = 3
    wait_time = between(0.2, 1.0)

    def on_start(self) -> None:
        plan = manifest()
        self.host = plan["gateway"]
        self.rng = random.Random()
        self.customer = self.rng.choice(plan["customers"])
        now = int(time.time())
        claims = {"sub": self.customer, "aud": "kampanya-storefront", "iat": now, "exp": now + 24 * 3600}
        token = jwt.encode(claims, plan["customer_token_secret"], algorithm="HS256")
        address = f"10.{self.rng.randrange(256)}.{self.rng.randrange(256)}.{self.rng.randrange(1, 255)}"
        self.auth = {
            "x-publishable-key": plan["publishable_key"],
            "authorization": f"Bearer {token}",
            # each shopper its own address (the gateway of the load run trusts X-Forwarded-For), as in a shop
            "x-forwarded-for": address,
        }
        self.refused = 0

    def cart(self) -> dict[str, Any]:
        return {"lines": graphql_lines(random_lines(self.rng, self.rng.randint(1, 5)))}

    @task(3)
    def offers(self) -> None:
        self.graph("/storefront/graphql", "offers", OFFERS, {}, {"OfferList"})

    @task(5)
    def price_cart(self) -> None:
        self.graph("/storefront/graphql", "priceCart", PRICE, {"cart": self.cart()}, {"PricedCartPayload"})

    def coupon(self, name: str, code: str, expected: set[str]) -> None:
        # every refused code counts, and after ATTEMPTS of them the shopper is stopped (the limit working)
        if self.refused >= ATTEMPTS:
            expected = expected | {"TooManyAttempts"}
        answer = self.graph("/storefront/graphql", name, APPLY, {"code": code, "cart": self.cart()}, expected)
        if answer is not None and answer["__typename"] == "CouponRejected":
            self.refused += 1

    @task(1)
    def apply_good_coupon(self) -> None:
        # a good code on a cart it has nothing for is refused like any other: both are answers, not failures
        self.coupon(
            "applyCoupon good", self.rng.choice(manifest()["codes"]["public"]), {"CouponApplied", "CouponRejected"}
        )

    @task(1)
    def apply_bad_coupon(self) -> None:
        self.coupon("applyCoupon bad", f"NOPE{self.rng.randrange(10**8)}", {"CouponRejected"})


FROM_TEMPLATE = (
    "mutation($template: String!, $id: String!, $overrides: JSON) {"
    " createCampaignFromTemplate(template: $template, id: $id, overrides: $overrides) { __typename } }"
)
LIFECYCLE = "mutation($id: String!) {{ {field}(id: $id) {{ __typename }} }}"
UPDATE = "mutation($campaign: CampaignInput!) { updateCampaign(campaign: $campaign) { __typename } }"


class AdminUser(GraphUser):
    """A marketer at work during the load: every change reaches the pricing cores as a reload."""

    weight = 1
    fixed_count = 1
    wait_time = between(1.0, 3.0)

    def on_start(self) -> None:
        self.host = manifest()["gateway"]
        self.rng = random.Random()
        self.auth = {"authorization": f"Bearer {manifest()['admin_key']}"}

    def lifecycle(self, field: str, campaign_id: str, expected: set[str]) -> None:
        self.graph("/admin/graphql", field, LIFECYCLE.format(field=field), {"id": campaign_id}, expected)

    @task(3)
    def pause_and_resume(self) -> None:
        campaign_id = self.rng.choice(manifest()["editable"])
        self.lifecycle("pauseCampaign", campaign_id, {"CampaignSaved"})
        self.lifecycle("resumeCampaign", campaign_id, {"CampaignPublished"})

    @task(2)
    def edit(self) -> None:
        campaign_id = self.rng.choice(manifest()["editable"])
        value = self.rng.choice(("5", "10", "15", "20"))
        campaign = {
            "id": campaign_id,
            "name": [{"language": "en", "text": f"Load edit {value}%"}],
            "benefit": {"type": "PERCENTAGE", "value": value},
            "target": {"categories": [self.rng.choice(manifest()["categories"])]},
        }
        self.graph("/admin/graphql", "updateCampaign", UPDATE, {"campaign": campaign}, {"CampaignSaved"})

    @task(1)
    def create_and_publish(self) -> None:
        campaign_id = f"lt-new-{uuid.uuid4().hex[:12]}"
        overrides = {"target": {"categories": [self.rng.choice(manifest()["categories"])]}}
        variables = {"template": "percent10", "id": campaign_id, "overrides": overrides}
        if self.graph("/admin/graphql", "createCampaignFromTemplate", FROM_TEMPLATE, variables, {"CampaignSaved"}):
            self.lifecycle("publishCampaign", campaign_id, {"CampaignPublished"})


@events.init_command_line_parser.add_listener
def _arguments(parser: Any) -> None:
    parser.add_argument("--manifest", default=None, help="the seeded data set's manifest (else the environment)")


@events.init.add_listener
def _manifest(environment: Environment, **_: Any) -> None:
    options = environment.parsed_options
    if options is not None and options.manifest:
        os.environ["KAMPANYA_LOADTEST_MANIFEST"] = options.manifest
