"""The gRPC servicer: thin wiring from protobuf requests to the engine and back.

Expected failures become statuses with stable reasons: an invalid request is INVALID_ARGUMENT with a
google.rpc.BadRequest naming every offending field (JSON pointer) and an ErrorInfo reason; an expired
deadline is DEADLINE_EXCEEDED; anything unexpected is INTERNAL with the request id, never a traceback.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from typing import Any, Final, TypeVar

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc import aio
from grpc_status import rpc_status

from domain.engine.offers import list_offers
from domain.errors import DocumentError, FieldError
from domain.money import CURRENCIES
from kampanya.pricing.v1 import pricing_pb2 as pb
from kampanya.pricing.v1 import pricing_pb2_grpc
from pricing_core.catalog import CatalogLoader
from pricing_core.convert import cart_from_pb, customer_from_pb, offer_to_pb, result_to_pb, timestamp_to_datetime
from pricing_core.logs import logger
from pricing_core.metrics import PricingMetrics

Response = TypeVar("Response")
Context = aio.ServicerContext[Any, Any]

ERROR_DOMAIN = "kampanya.pricing"
REQUEST_ID = "x-request-id"
log = logger("pricing")


class PricingServicer(pricing_pb2_grpc.PricingServiceServicer):
    """EvaluateCart and ListOffers against the catalog the loader keeps current."""

    def __init__(self, catalog: CatalogLoader, metrics: PricingMetrics) -> None:
        self._catalog: Final = catalog
        self._metrics: Final = metrics
        self._histograms: dict[tuple[str, str], Any] = {}

    async def EvaluateCart(self, request: pb.EvaluateCartRequest, context: Context) -> pb.EvaluateCartResponse:
        def price() -> pb.EvaluateCartResponse:
            cart = cart_from_pb(request.cart)
            catalog = self._catalog.current
            result = catalog.snapshot.evaluate(cart, catalog.settings.policy, explain=request.explain)
            return pb.EvaluateCartResponse(result=result_to_pb(result), catalog_version=catalog.version)

        return await self._handle("EvaluateCart", context, price)

    async def ListOffers(self, request: pb.ListOffersRequest, context: Context) -> pb.ListOffersResponse:
        def offers() -> pb.ListOffersResponse:
            catalog = self._catalog.current
            currency = request.currency if request.HasField("currency") else catalog.settings.currency
            if currency not in CURRENCIES:
                raise DocumentError("request", [FieldError("/currency", f"unknown currency {currency!r}")])
            found = list_offers(
                catalog.snapshot,
                customer=customer_from_pb(request.customer) if request.HasField("customer") else None,
                currency=currency,
                channel=request.channel if request.HasField("channel") else None,
                language=request.language or "en",
                now=timestamp_to_datetime(request.now) if request.HasField("now") else None,
                cart=cart_from_pb(request.cart) if request.HasField("cart") else None,
                policy=catalog.settings.policy,
            )
            return pb.ListOffersResponse(
                offers=[offer_to_pb(offer) for offer in found], catalog_version=catalog.version
            )

        return await self._handle("ListOffers", context, offers)

    async def _handle(self, method: str, context: Context, work: Callable[[], Response]) -> Response:
        started = time.perf_counter()
        request_id = _request_id(context)
        context.set_trailing_metadata(((REQUEST_ID, request_id),))
        code = "OK"
        try:
            remaining = context.time_remaining()
            if remaining is not None and remaining <= 0:
                code = "DEADLINE_EXCEEDED"
                await context.abort(grpc.StatusCode.DEADLINE_EXCEEDED, "the deadline passed before pricing started")
            return work()
        except DocumentError as error:
            code = "INVALID_ARGUMENT"
            log.info(
                "request refused",
                extra={"event": "invalid_request", "method": method, "request_id": request_id, "error": str(error)},
            )
            await context.abort_with_status(rpc_status.to_status(invalid_argument(error)))
            raise  # abort_with_status raises; this keeps the types honest
        except aio.AbortError:
            raise
        except Exception:
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
