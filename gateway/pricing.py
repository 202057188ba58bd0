"""The gateway's client of the pricing core (gRPC): domain documents in, domain documents out.

gRPC failures stay `grpc.aio.AioRpcError` for the caller to map; `rpc_reason` reads their stable reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from google.protobuf.message import DecodeError
from google.protobuf.timestamp_pb2 import Timestamp
from google.rpc import error_details_pb2, status_pb2
from grpc import aio

from domain.documents import Campaign, Cart, Result
from domain.documents.cart import Customer
from domain.documents.common import BenefitType, Kind
from domain.documents.offers import Offer
from domain.documents.result import Hint
from domain.errors import FieldError
from domain.money import plain_text
from domain.reasons import CouponReason, SkipReason
from kampanya.pricing.v1 import pricing_pb2 as pb
from kampanya.pricing.v1 import pricing_pb2_grpc

DEFAULT_TIMEOUT = 2.0
REQUEST_ID = "x-request-id"
STATUS_DETAILS = "grpc-status-details-bin"

Member = TypeVar("Member", bound=StrEnum)


@dataclass(frozen=True, slots=True)
class CouponAnswer:
    """The cart priced with the code (accepted) or without it (refused, with the one generic message)."""

    accepted: bool
    result: Result
    message: str
    catalog_version: int


class PricingClient:
    """Prices carts, lists offers and tries coupon codes on the pricing core; every call has a deadline
    (`timeout` seconds unless the call says otherwise) and carries the bearer token when there is one."""

    def __init__(self, channel: aio.Channel, *, token: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> None:
        self._channel = channel
        self._stub = pricing_pb2_grpc.PricingServiceStub(channel)
        self._token = token
        self._timeout = timeout

    @classmethod
    def connect(cls, address: str, *, token: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> PricingClient:
        """Return a client on a plaintext channel to `address` ("host:port", or "dns:///name:port" for every
        address the name resolves to: calls are spread over them round robin)."""
        options = [("grpc.lb_policy_name", "round_robin")]
        return cls(aio.insecure_channel(address, options=options), token=token, timeout=timeout)

    async def close(self) -> None:
        await self._channel.close()

    async def evaluate(
        self,
        cart: Cart,
        *,
        explain: bool = False,
        preview: Sequence[Campaign] = (),
        client_address: str = "",
        request_id: str | None = None,
        timeout: float | None = None,
    ) -> tuple[Result, int]:
        """Return the priced cart and the catalog version that priced it; `preview` campaigns are priced as if
        they were live (replacing live ones of the same id), for this call only. With a `client_address` (a
        shopper's cart) the cart's codes are coupon attempts: RESOURCE_EXHAUSTED once too many failed."""
        request = pb.EvaluateCartRequest(
            cart=cart_to_pb(cart),
            explain=explain,
            preview_campaigns=[campaign.model_dump_json() for campaign in preview],
            client_address=client_address,
        )
        response = await self._stub.EvaluateCart(
            request, metadata=self._metadata(request_id), timeout=self._deadline(timeout)
        )
        return result_from_pb(response.result), response.catalog_version

    async def offers(
        self,
        *,
        customer: Customer | None,
        language: str,
        channel: str | None = None,
        currency: str | None = None,
        cart: Cart | None = None,
        now: datetime | None = None,
        request_id: str | None = None,
        timeout: float | None = None,
        limit: int | None = None,
        client_address: str = "",
    ) -> tuple[list[Offer], int, bool]:
        """Return the customer's first `limit` offers (by priority, then id; the core's default: 50), the
        catalog version they come from, and whether there are more. With a `client_address` (a shopper's
        cart) the cart's codes are coupon attempts: RESOURCE_EXHAUSTED once too many failed."""
        request = pb.ListOffersRequest(
            customer=customer_to_pb(customer) if customer is not None else None,
            channel=channel,
            language=language,
            currency=currency,
            now=_timestamp(now) if now is not None else None,
            cart=cart_to_pb(cart) if cart is not None else None,
            limit=limit or 0,
            client_address=client_address,
        )
        response = await self._stub.ListOffers(
            request, metadata=self._metadata(request_id), timeout=self._deadline(timeout)
        )
        return [offer_from_pb(offer) for offer in response.offers], response.catalog_version, response.more

    async def apply_coupon(
        self,
        cart: Cart,
        code: str,
        *,
        client_address: str,
        request_id: str | None = None,
        timeout: float | None = None,
    ) -> CouponAnswer:
        """Return the answer of the coupon box for one more code on this cart."""
        request = pb.ApplyCouponRequest(cart=cart_to_pb(cart), code=code, client_address=client_address)
        response = await self._stub.ApplyCoupon(
            request, metadata=self._metadata(request_id), timeout=self._deadline(timeout)
        )
        return CouponAnswer(
            accepted=response.accepted,
            result=result_from_pb(response.result),
            message=response.message,
            catalog_version=response.catalog_version,
        )

    def _metadata(self, request_id: str | None) -> tuple[tuple[str, str], ...] | None:
        metadata: list[tuple[str, str]] = []
        if self._token is not None:
            metadata.append(("authorization", f"Bearer {self._token}"))
        if request_id:
            metadata.append((REQUEST_ID, request_id))
        return tuple(metadata) or None

    def _deadline(self, timeout: float | None) -> float:
        return self._timeout if timeout is None else timeout


def rpc_reason(error: aio.AioRpcError) -> str:
    """Return the google.rpc.ErrorInfo reason of a refused call ("INVALID_CART", …), or "" when it has none."""
    for detail in _details(error):
        info = error_details_pb2.ErrorInfo()
        if detail.Unpack(info):
            return str(info.reason)
    return ""


def rpc_field_errors(error: aio.AioRpcError) -> list[FieldError]:
    """Return the fields a refused call names (google.rpc.BadRequest, by JSON pointer), or []."""
    found: list[FieldError] = []
    for detail in _details(error):
        bad_request = error_details_pb2.BadRequest()
        if detail.Unpack(bad_request):
            found.extend(
                FieldError(str(violation.field), str(violation.description))
                for violation in bad_request.field_violations
            )
    return found


def _details(error: aio.AioRpcError) -> Sequence[Any]:
    for key, value in error.trailing_metadata() or ():
        if key == STATUS_DETAILS and isinstance(value, bytes):
            try:
                details: Sequence[Any] = status_pb2.Status.FromString(value).details
            except DecodeError:
                return ()
            return details
    return ()


# -- domain -> protobuf --------------------------------------------------------------------------------------


def cart_to_pb(cart: Cart) -> pb.Cart:
    """Return the protobuf form of a validated cart (unset optional parts stay unset). The lines are built in
    place (`add`), not built and then copied in."""
    message = pb.Cart(
        currency=cart.currency,
        channel=cart.channel,
        customer=customer_to_pb(cart.customer) if cart.customer is not None else None,
        shipping=(
            pb.Shipping(method=cart.shipping.method, amount=_money(cart.shipping.amount))
            if cart.shipping is not None
            else None
        ),
        coupons=cart.coupons,
    )
    add_line = message.lines.add
    for line in cart.lines:
        add_line(
            id=line.id,
            sku=line.sku,
            quantity=line.quantity,
            unit_price=_money(line.unit_price),
            categories=line.categories,
            brand=line.brand,
            collections=line.collections,
            attributes=line.attributes,
        )
    if cart.now is not None:
        message.now.CopyFrom(_timestamp(cart.now))
    return message


def customer_to_pb(customer: Customer) -> pb.Customer:
    """Return the protobuf form of a customer."""
    return pb.Customer(
        id=customer.id,
        segments=customer.segments,
        attributes=customer.attributes,
        orders_count=customer.orders_count,
        total_spent=_money(customer.total_spent),
        country=customer.country,
        city=customer.city,
        device_id=customer.device_id,
    )


def _money(amount: Decimal) -> str:
    return plain_text(amount)


def _timestamp(moment: datetime) -> Timestamp:
    timestamp = Timestamp()
    timestamp.FromDatetime(moment)
    return timestamp


# -- protobuf -> domain --------------------------------------------------------------------------------------


def result_from_pb(message: pb.Result) -> Result:
    """Return the result document of a response (figures of the trace come as text, as they travel)."""
    return Result.model_validate(
        {
            "currency": message.currency,
            "subtotal": message.subtotal,
            "discount_total": message.discount_total,
            "shipping": message.shipping,
            "shipping_discount": message.shipping_discount,
            "total": message.total,
            "lines": [_line(line) for line in message.lines],
            "applied": [_applied(entry) for entry in message.applied],
            "gifts": [
                {"campaign_id": gift.campaign_id, "sku": gift.sku, "quantity": gift.quantity, "name": dict(gift.name)}
                for gift in message.gifts
            ],
            "skipped": [
                {
                    "campaign_id": skip.campaign_id,
                    "reason": _enum(SkipReason, pb.SkipReason.Name(skip.reason), "SKIP_REASON_"),
                    "detail": skip.detail,
                }
                for skip in message.skipped
            ],
            "rejected_coupons": [_rejected(rejected) for rejected in message.rejected_coupons],
            "hints": [_hint(hint) for hint in message.hints],
            "explain": [_trace(entry) for entry in message.explain] if message.explain else None,
        }
    )


def offer_from_pb(message: pb.Offer) -> Offer:
    """Return the offer document of a response."""
    return Offer(
        campaign_id=message.campaign_id,
        name=message.name,
        description=message.description,
        language=message.language,
        labels=list(message.labels),
        kind=_enum(Kind, pb.CampaignKind.Name(message.kind), "CAMPAIGN_KIND_"),
        type=_enum(BenefitType, pb.BenefitType.Name(message.type), "BENEFIT_TYPE_"),
        value=Decimal(message.value) if message.value else None,  # the core writes "" for no value
        valid_from=_moment(message.valid_from) if message.HasField("valid_from") else None,
        valid_until=_moment(message.valid_until) if message.HasField("valid_until") else None,
        windows=list(message.windows),
        codes=list(message.codes),
        min_quantity=message.min_quantity if message.HasField("min_quantity") else None,
        min_order_total=Decimal(message.min_order_total) if message.HasField("min_order_total") else None,
        hint=Hint.model_validate(_hint(message.hint)) if message.HasField("hint") else None,
    )


def _line(message: pb.LineResult) -> dict[str, Any]:
    return {
        "id": message.id,
        "sku": message.sku,
        "quantity": message.quantity,
        "subtotal": message.subtotal,
        "discount": message.discount,
        "total": message.total,
        "adjustments": [
            {"campaign_id": item.campaign_id, "amount": item.amount, "units": item.units}
            for item in message.adjustments
        ],
    }


def _applied(message: pb.Applied) -> dict[str, Any]:
    return {
        "campaign_id": message.campaign_id,
        "type": _enum(BenefitType, pb.BenefitType.Name(message.type), "BENEFIT_TYPE_"),
        "discount": message.discount,
        "name": dict(message.name),
        "labels": list(message.labels),
        "coupon": message.coupon if message.HasField("coupon") else None,
        "applications": message.applications,
    }


def _rejected(message: pb.RejectedCoupon) -> dict[str, Any]:
    return {
        "code": message.code,
        "reason": _enum(CouponReason, pb.CouponReason.Name(message.reason), "COUPON_REASON_"),
        "campaign_id": message.campaign_id if message.HasField("campaign_id") else None,
        "detail": message.detail,
    }


def _hint(message: pb.Hint) -> dict[str, Any]:
    return {
        "campaign_id": message.campaign_id,
        "missing_quantity": message.missing_quantity if message.HasField("missing_quantity") else None,
        "missing_amount": message.missing_amount if message.HasField("missing_amount") else None,
        "name": dict(message.name),
    }


def _trace(message: pb.TraceEntry) -> dict[str, Any]:
    return {
        "stage": message.stage,
        "campaign_id": message.campaign_id if message.HasField("campaign_id") else None,
        "message": message.message,
        "data": dict(message.data),
    }


def _enum(kind: type[Member], name: str, prefix: str) -> Member:
    """Return the domain member of a protobuf enum name; an unknown or unspecified value raises ValueError."""
    return kind(name.removeprefix(prefix))


def _moment(timestamp: Timestamp) -> datetime:
    return timestamp.ToDatetime(tzinfo=UTC)
