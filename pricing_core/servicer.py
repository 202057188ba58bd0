"""The gRPC servicer: thin wiring from protobuf requests to the engine and back.

Expected failures become statuses with stable reasons: an invalid request is INVALID_ARGUMENT with a
google.rpc.BadRequest naming every offending field (JSON pointer) and an ErrorInfo reason; an expired
deadline is DEADLINE_EXCEEDED; anything unexpected is INTERNAL with the request id, never a traceback.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Final, TypeVar

import grpc
from google.protobuf import any_pb2
from google.protobuf.message import Message
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc import aio
from grpc_status import rpc_status

from domain.checkout.coupons import CouponBox
from domain.checkout.errors import (
    CheckoutError,
    IdempotencyMismatch,
    InvalidReturn,
    LimitsKeptChanging,
    OperationBusy,
    OrderNotFound,
    OrderState,
    ReservationExpired,
    TooManyAttempts,
)
from domain.checkout.orders import OrderStatus
from domain.checkout.service import Checkout
from domain.documents import Campaign, Cart, parse_campaigns
from domain.engine.offers import list_offers
from domain.errors import DocumentError, FieldError
from domain.limits import CountersUnavailable
from domain.money import CURRENCIES
from domain.store.errors import database_unreachable
from kampanya.pricing.v1 import pricing_pb2 as pb
from kampanya.pricing.v1 import pricing_pb2_grpc
from pricing_core.catalog import CatalogLoader
from pricing_core.convert import (
    cart_from_pb,
    customer_from_pb,
    datetime_to_timestamp,
    instant,
    offer_to_pb,
    result_to_pb,
    unstorable_field,
)
from pricing_core.logs import logger
from pricing_core.membership import Membership
from pricing_core.metrics import PricingMetrics

Response = TypeVar("Response")
Context = aio.ServicerContext[Any, Any]

ERROR_DOMAIN = "kampanya.pricing"
REQUEST_ID = "x-request-id"
DEFAULT_OFFERS = 50
"""Offers ListOffers answers when the request names no limit."""
MAX_OFFERS = 500
log = logger("pricing")


class PricingServicer(pricing_pb2_grpc.PricingServiceServicer):
    """EvaluateCart and ListOffers against the catalog the loader keeps current; the order lifecycle
    through the checkout service."""

    def __init__(
        self,
        catalog: CatalogLoader,
        checkout: Checkout,
        coupons: CouponBox,
        metrics: PricingMetrics,
        membership: Membership | None = None,
    ) -> None:
        self._catalog: Final = catalog
        self._membership: Final = membership
        self._checkout: Final = checkout
        self._coupons: Final = coupons
        self._metrics: Final = metrics
        self._histograms: dict[tuple[str, str], Any] = {}

    async def EvaluateCart(self, request: pb.EvaluateCartRequest, context: Context) -> pb.EvaluateCartResponse:
        async def price() -> pb.EvaluateCartResponse:
            cart = cart_from_pb(request.cart)
            preview = _preview_campaigns(request.preview_campaigns) if request.preview_campaigns else ()
            if request.client_address:  # a shopper's cart: its codes are coupon attempts
                if preview or request.explain:
                    problem = "a shopper's cart is priced without previews or a trace"
                    raise DocumentError("request", [FieldError("/client_address", problem)])
                address = _client_address(request.client_address)
                result, version = await self._coupons.price(cart, client_address=address)
            else:
                result, version = await self._checkout.price(cart, explain=request.explain, preview=preview)
            return pb.EvaluateCartResponse(result=result_to_pb(result), catalog_version=version)

        return await self._handle("EvaluateCart", request, context, price)

    async def ListOffers(self, request: pb.ListOffersRequest, context: Context) -> pb.ListOffersResponse:
        async def offers() -> pb.ListOffersResponse:
            catalog = self._catalog.current
            currency = request.currency if request.HasField("currency") else catalog.settings.currency
            if currency not in CURRENCIES:
                raise DocumentError("request", [FieldError("/currency", f"unknown currency {currency!r}")])
            customer = customer_from_pb(request.customer) if request.HasField("customer") else None
            if self._membership is not None:
                customer = self._membership.customer(customer)
            limit = request.limit or DEFAULT_OFFERS
            if limit > MAX_OFFERS:
                raise DocumentError("request", [FieldError("/limit", f"at most {MAX_OFFERS} offers at a time")])
            now = instant(request.now, "request", "/now") if request.HasField("now") else datetime.now(UTC)
            cart = self._with_segments(cart_from_pb(request.cart)) if request.HasField("cart") else None
            address = _client_address(request.client_address) if request.client_address else None

            async def listing() -> pb.ListOffersResponse:
                wanted = 2 * limit + 1  # used-up campaigns are left out after listing: look a little further
                while True:
                    found = list_offers(
                        catalog.snapshot,
                        customer=customer,
                        currency=currency,
                        channel=request.channel if request.HasField("channel") else None,
                        language=request.language or "en",
                        now=now,
                        cart=cart,
                        policy=catalog.settings.policy,
                        limit=wanted,
                    )
                    used_up = await self._checkout.used_up([offer.campaign_id for offer in found], customer, now)
                    kept = [offer for offer in found if offer.campaign_id not in used_up]
                    if len(kept) > limit or len(found) < wanted:
                        break
                    wanted *= 4
                return pb.ListOffersResponse(
                    offers=[offer_to_pb(offer) for offer in kept[:limit]],
                    catalog_version=catalog.version,
                    more=len(kept) > limit,
                )

            if address is not None and cart is not None:  # a shopper's cart: its codes are coupon attempts
                return await self._coupons.with_codes(cart, address, listing)
            return await listing()

        return await self._handle("ListOffers", request, context, offers)

    async def Reserve(self, request: pb.ReserveRequest, context: Context) -> pb.ReserveResponse:
        async def reserve() -> pb.ReserveResponse:
            order_id, key = _order_and_key(request.order_id, request.idempotency_key)
            reservation = await self._checkout.reserve(
                order_id, cart_from_pb(request.cart), explain=request.explain, key=key
            )
            return pb.ReserveResponse(
                order_id=order_id,
                result=result_to_pb(reservation.result),
                expires_at=datetime_to_timestamp(reservation.expires_at),
                catalog_version=reservation.catalog_version,
            )

        return await self._handle("Reserve", request, context, reserve)

    async def Commit(self, request: pb.CommitRequest, context: Context) -> pb.CommitResponse:
        async def commit() -> pb.CommitResponse:
            order_id, key = _order_and_key(request.order_id, request.idempotency_key)
            settled = await self._checkout.commit(order_id, key=key)
            return pb.CommitResponse(order_id=settled.order_id, status=ORDER_STATUSES[settled.status])

        return await self._handle("Commit", request, context, commit)

    async def Release(self, request: pb.ReleaseRequest, context: Context) -> pb.ReleaseResponse:
        async def release() -> pb.ReleaseResponse:
            order_id, key = _order_and_key(request.order_id, request.idempotency_key)
            settled = await self._checkout.release(order_id, key=key)
            return pb.ReleaseResponse(order_id=settled.order_id, status=ORDER_STATUSES[settled.status])

        return await self._handle("Release", request, context, release)

    async def Return(self, request: pb.ReturnRequest, context: Context) -> pb.ReturnResponse:
        async def give_back() -> pb.ReturnResponse:
            order_id, returned, key = _return_request(request)
            try:
                receipt = await self._checkout.return_units(order_id, request.return_id, returned, key=key)
            except InvalidReturn as error:  # named where the request has it
                at = "/lines" if error.line_id is None else f"/lines/{list(returned).index(error.line_id)}"
                raise DocumentError("return", [FieldError(f"{at}{error.field}", str(error))]) from None
            return pb.ReturnResponse(
                order_id=receipt.order_id,
                return_id=receipt.return_id,
                refund=str(receipt.refund),
                lines=[
                    pb.RefundLine(line_id=line_id, quantity=quantity, refund=str(refund))
                    for line_id, quantity, refund in receipt.lines
                ],
                clawback={campaign_id: str(amount) for campaign_id, amount in receipt.clawback.items()},
                kept=result_to_pb(receipt.kept),
                status=ORDER_STATUSES[receipt.status],
            )

        return await self._handle("Return", request, context, give_back)

    async def ApplyCoupon(self, request: pb.ApplyCouponRequest, context: Context) -> pb.ApplyCouponResponse:
        async def apply() -> pb.ApplyCouponResponse:
            cart = cart_from_pb(request.cart)
            if not request.code.strip() or len(request.code) > 64:
                raise DocumentError("request", [FieldError("/code", "a coupon code has 1 to 64 characters")])
            address = _client_address(request.client_address)
            attempt = await self._coupons.apply(cart, request.code, client_address=address)
            return pb.ApplyCouponResponse(
                accepted=attempt.accepted,
                result=result_to_pb(attempt.result),
                message=attempt.message,
                catalog_version=attempt.catalog_version,
            )

        return await self._handle("ApplyCoupon", request, context, apply)

    def _with_segments(self, cart: Cart) -> Cart:
        """Return the cart whose customer also carries the segments the membership in memory knows (the
        checkout adds them itself to the carts it prices; offers are listed here)."""
        return cart if self._membership is None else self._membership.cart(cart)

    async def _handle(
        self, method: str, request: Message, context: Context, work: Callable[[], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        request_id = _request_id(context)
        context.set_trailing_metadata(((REQUEST_ID, request_id),))
        code = "OK"
        try:
            remaining = context.time_remaining()
            if remaining is not None and remaining <= 0:
                code = "DEADLINE_EXCEEDED"
                await context.abort(grpc.StatusCode.DEADLINE_EXCEEDED, "the deadline passed before pricing started")
            unstorable = unstorable_field(request)
            if unstorable is not None:
                raise DocumentError("request", [FieldError(unstorable, "text may not contain NUL (U+0000)")])
            return await work()
        except DocumentError as error:
            code = "INVALID_ARGUMENT"
            log.info(
                "request refused",
                extra={"event": "invalid_request", "method": method, "request_id": request_id, "error": str(error)},
            )
            await context.abort_with_status(rpc_status.to_status(invalid_argument(error)))
            raise  # abort_with_status raises; this keeps the types honest
        except CheckoutError as error:
            status = CHECKOUT_STATUSES.get(type(error), grpc.StatusCode.FAILED_PRECONDITION)
            code = status.name
            log.info(
                "lifecycle call refused",
                extra={"event": "checkout_refused", "method": method, "request_id": request_id, "reason": error.reason},
            )
            await context.abort_with_status(rpc_status.to_status(refusal(status, error.reason, str(error))))
            raise
        except CountersUnavailable as error:
            code = "UNAVAILABLE"
            await context.abort_with_status(
                rpc_status.to_status(refusal(grpc.StatusCode.UNAVAILABLE, "COUNTERS_UNAVAILABLE", str(error)))
            )
            raise
        except aio.AbortError:
            raise
        except Exception as error:
            if database_unreachable(error):
                code = "UNAVAILABLE"
                log.warning(
                    "database unreachable",
                    extra={"event": "database_unavailable", "method": method, "request_id": request_id},
                )
                await context.abort_with_status(
                    rpc_status.to_status(
                        refusal(
                            grpc.StatusCode.UNAVAILABLE, "DATABASE_UNAVAILABLE", "the catalog database is unreachable"
                        )
                    )
                )
            code = "INTERNAL"
            log.exception(
                "request failed", extra={"event": "internal_error", "method": method, "request_id": request_id}
            )
            await context.abort(grpc.StatusCode.INTERNAL, f"internal error (request id {request_id})")
        finally:
            elapsed = time.perf_counter() - started
            self._observe(method, code, elapsed)
            if log.isEnabledFor(logging.DEBUG):
                log.debug(
                    "rpc",
                    extra={
                        "event": "rpc",
                        "method": method,
                        "code": code,
                        "request_id": request_id,
                        "duration_ms": round(elapsed * 1000, 3),
                    },
                )

    def _observe(self, method: str, code: str, seconds: float) -> None:
        key = (method, code)
        histogram = self._histograms.get(key)
        if histogram is None:
            histogram = self._histograms[key] = self._metrics.rpc_seconds.labels(method, code)
        histogram.observe(seconds)


CHECKOUT_STATUSES: dict[type[CheckoutError], grpc.StatusCode] = {
    IdempotencyMismatch: grpc.StatusCode.FAILED_PRECONDITION,
    OperationBusy: grpc.StatusCode.ABORTED,
    OrderNotFound: grpc.StatusCode.NOT_FOUND,
    OrderState: grpc.StatusCode.FAILED_PRECONDITION,
    ReservationExpired: grpc.StatusCode.FAILED_PRECONDITION,
    LimitsKeptChanging: grpc.StatusCode.ABORTED,
    InvalidReturn: grpc.StatusCode.INVALID_ARGUMENT,
    TooManyAttempts: grpc.StatusCode.RESOURCE_EXHAUSTED,
}

ORDER_STATUSES = {status: pb.OrderStatus.Value(f"ORDER_STATUS_{status}") for status in OrderStatus}


def _preview_campaigns(documents: Sequence[str]) -> list[Campaign]:
    """Return the preview campaigns of a request (JSON documents), or raise `DocumentError` naming them."""
    parsed: list[Any] = []
    for index, text in enumerate(documents):
        try:
            parsed.append(json.loads(text))
        except json.JSONDecodeError as error:
            raise DocumentError("request", [FieldError(f"/preview_campaigns/{index}", f"not JSON: {error}")]) from None
        except RecursionError:
            problem = "nested too deeply to be a campaign"
            raise DocumentError("request", [FieldError(f"/preview_campaigns/{index}", problem)]) from None
    try:
        return parse_campaigns(parsed)
    except DocumentError as error:
        raise DocumentError(
            "request", [FieldError(f"/preview_campaigns{problem.pointer}", problem.message) for problem in error.errors]
        ) from None


def _return_request(request: pb.ReturnRequest) -> tuple[str, dict[str, int], str]:
    """Return a Return's order id, returned units (line id -> quantity, in the request's order) and key, or
    raise `DocumentError` naming every offending field (INVALID_REQUEST; INVALID_RETURN when only lines are)."""
    problems = _id_problems(request.order_id, request.idempotency_key)
    if not request.return_id or len(request.return_id) > 200:
        problems.append(FieldError("/return_id", "a return id has 1 to 200 characters"))
    fields = len(problems)
    returned: dict[str, int] = {}
    for index, line in enumerate(request.lines):  # quantities are the checkout's to judge (InvalidReturn)
        if line.line_id in returned:
            first = list(returned).index(line.line_id)
            problems.append(FieldError(f"/lines/{index}/line_id", f"line {line.line_id!r} is named at /lines/{first}"))
        returned.setdefault(line.line_id, line.quantity)
    if problems:
        raise DocumentError("request" if fields else "return", problems)
    return request.order_id, returned, request.idempotency_key


def _order_and_key(order_id: str, key: str) -> tuple[str, str]:
    """Return a lifecycle call's order id and idempotency key, or raise `DocumentError` naming each bad one."""
    problems = _id_problems(order_id, key)
    if problems:
        raise DocumentError("request", problems)
    return order_id, key


def _id_problems(order_id: str, key: str) -> list[FieldError]:
    problems: list[FieldError] = []
    if not order_id or len(order_id) > 200:
        problems.append(FieldError("/order_id", "an order id has 1 to 200 characters"))
    if len(key) > 200:
        problems.append(FieldError("/idempotency_key", "an idempotency key has at most 200 characters"))
    return problems


def refusal(status: grpc.StatusCode, reason: str, message: str) -> status_pb2.Status:
    """Return a status with an ErrorInfo carrying the stable reason."""
    info = error_details_pb2.ErrorInfo(reason=reason, domain=ERROR_DOMAIN)
    packed = any_pb2.Any()
    packed.Pack(info)
    return status_pb2.Status(code=status.value[0], message=message, details=[packed])


def _client_address(address: str) -> str:
    """Return a shopper's client address (the key their coupon attempts are counted under), or raise."""
    if not address or len(address) > 200:
        raise DocumentError("request", [FieldError("/client_address", "a client address has 1 to 200 characters")])
    return address


def _request_id(context: Context) -> str:
    for key, value in context.invocation_metadata() or ():
        if key == REQUEST_ID and value:
            return str(value)[:100]
    return uuid.uuid4().hex


def invalid_argument(error: DocumentError) -> status_pb2.Status:
    """Return the rich status of an invalid request: BadRequest field violations plus an ErrorInfo."""
    bad_request = error_details_pb2.BadRequest(
        field_violations=[
            error_details_pb2.BadRequest.FieldViolation(field=problem.pointer or "/", description=problem.message)
            for problem in error.errors
        ]
    )
    info = error_details_pb2.ErrorInfo(
        reason=f"INVALID_{error.document.upper()}",
        domain=ERROR_DOMAIN,
        metadata={"fields": ",".join(problem.pointer or "/" for problem in error.errors)},
    )
    details = []
    for detail in (bad_request, info):
        packed = any_pb2.Any()
        packed.Pack(detail)
        details.append(packed)
    return status_pb2.Status(code=code_pb2.INVALID_ARGUMENT, message=str(error), details=details)
