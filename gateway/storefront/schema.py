"""The storefront graph (served at /storefront/graphql) for the mobile app and the web shop: the customer's
personalized offers, cart prices, and the coupon box. The channel comes from the caller's publishable key
and the customer only from the shop's customer token: what the store knows of them (segments, order
history, place) is looked up here, never taken from the request."""

from __future__ import annotations

from typing import Annotated, Any

import grpc
import strawberry
from grpc import aio
from pydantic import ValidationError

from domain.documents import Cart, parse_cart
from domain.documents.cart import Customer
from domain.errors import DocumentError, FieldError, field_errors
from domain.store import Store
from gateway.documents import (
    LineInput,
    Offer,
    PricedCart,
    ShippingInput,
    line_document,
    offer_output,
    priced_cart,
    shipping_document,
)
from gateway.graph.build import graph_schema
from gateway.graph.context import StorefrontContext
from gateway.graph.problems import PricingUnavailable, Problem, ValidationFailed
from gateway.pricing import rpc_field_errors, rpc_reason
from gateway.settings import GatewaySettings

MAX_OFFERS = 500
"""The most offers one call lists (the pricing core's own limit)."""

Info = strawberry.Info[StorefrontContext, None]


@strawberry.input(description="The shopper's cart: the customer and channel come from the caller's credentials.")
class ShopperCartInput:
    lines: list[LineInput]
    currency: str | None = strawberry.field(default=None, description="default: the tenant's currency")
    shipping: ShippingInput | None = None
    coupons: list[str] | None = None


@strawberry.type
class OfferList:
    offers: list[Offer]
    catalog_version: int
    more: bool = strawberry.field(description="whether the customer has more offers than `first` let through")


@strawberry.type
class PricedCartPayload:
    priced: PricedCart
    catalog_version: int


@strawberry.type(description="The code applies: the cart priced with it.")
class CouponApplied:
    code: str
    priced: PricedCart


@strawberry.type(
    description="The code gives nothing on this cart (the same answer whatever the reason). Code COUPON_REJECTED."
)
class CouponRejected(Problem):
    coupon: str
    priced: PricedCart


@strawberry.type(description="Too many refused codes from this customer or address; try later. Code TOO_MANY_ATTEMPTS.")
class TooManyAttempts(Problem):
    pass


OffersResult = Annotated[
    OfferList | TooManyAttempts | ValidationFailed | PricingUnavailable, strawberry.union("OffersResult")
]
PriceCartResult = Annotated[
    PricedCartPayload | TooManyAttempts | ValidationFailed | PricingUnavailable, strawberry.union("PriceCartResult")
]
ApplyCouponResult = Annotated[
    CouponApplied | CouponRejected | TooManyAttempts | ValidationFailed | PricingUnavailable,
    strawberry.union("ApplyCouponResult"),
]


async def _customer(context: StorefrontContext) -> Customer | None:
    return await shopper_customer(context.services.store, context.shopper.customer_id, context.extra.get("device_id"))


async def shopper_customer(store: Store, customer_id: str | None, device: str | None) -> Customer | None:
    """What the store knows of the token's customer (a customer it does not know yet is new: no history),
    with the device of the request's X-Device-Id; a device id (or customer id) the cart's customer cannot
    hold raises DocumentError naming /customer/<field>."""
    if customer_id is None:
        return None
    profile = await store.customers.get(customer_id)
    try:
        if profile is None:
            return Customer(id=customer_id, device_id=device)
        return Customer(
            id=customer_id,
            segments=list(profile.segments),
            attributes=dict(profile.attributes),
            orders_count=profile.orders_count,
            total_spent=profile.total_spent,
            country=profile.country,
            city=profile.city,
            device_id=device,
        )
    except ValidationError as error:
        raise DocumentError("customer", field_errors(error, prefix=("customer",))) from None


async def _cart(context: StorefrontContext, cart: ShopperCartInput) -> Cart | ValidationFailed:
    try:
        customer = await _customer(context)
        document: dict[str, Any] = {
            "currency": cart.currency or (await context.services.store.settings.get()).currency,
            "channel": context.shopper.channel,
            "lines": [line_document(line, pointer=f"/lines/{index}") for index, line in enumerate(cart.lines)],
        }
        if cart.shipping is not None:
            document["shipping"] = shipping_document(cart.shipping)
        if cart.coupons:
            document["coupons"] = list(cart.coupons)
        if customer is not None:
            document["customer"] = customer.model_dump(mode="json")
        return parse_cart(document)
    except DocumentError as error:
        return ValidationFailed.of(error)


def _refused(error: aio.AioRpcError) -> TooManyAttempts | PricingUnavailable | ValidationFailed:
    """The graph's answer to a pricing-core call that failed: too many refused codes, the fields the core
    names (/code, /lines/0/…), or pricing unavailable."""
    if error.code() is grpc.StatusCode.RESOURCE_EXHAUSTED:
        return TooManyAttempts(code="TOO_MANY_ATTEMPTS", message="too many codes were refused; try again later")
    if error.code() is grpc.StatusCode.INVALID_ARGUMENT:
        if fields := rpc_field_errors(error):
            return ValidationFailed.of(DocumentError("request", fields))
        return ValidationFailed.one("/cart", error.details() or "the cart is not valid")
    return PricingUnavailable(
        code="PRICING_UNAVAILABLE", message="prices cannot be computed now", reason=rpc_reason(error)
    )


@strawberry.type
class Query:
    @strawberry.field(
        description="The campaigns this customer can use now, texts in `language` (then English). With a cart,"
        " offers carry near-miss hints against it and its coupon codes count as attempts (as in priceCart)."
    )
    async def offers(
        self,
        info: Info,
        language: str = "en",
        cart: ShopperCartInput | None = None,
        first: Annotated[int, strawberry.argument(description="at most this many (1 to 500)")] = 50,
    ) -> OffersResult:
        context = info.context
        if not 1 <= first <= MAX_OFFERS:
            return ValidationFailed.of(
                DocumentError("arguments", [FieldError("/first", f"from 1 to {MAX_OFFERS} offers at a time")])
            )
        priced = await _cart(context, cart) if cart is not None else None
        if isinstance(priced, ValidationFailed):
            return priced
        try:
            customer = priced.customer if priced is not None else await _customer(context)
        except DocumentError as error:
            return ValidationFailed.of(error)
        try:
            found, version, more = await context.services.pricing.offers(
                customer=customer,
                channel=context.shopper.channel,
                language=language,
                currency=priced.currency if priced else None,
                cart=priced,
                request_id=context.request_id,
                limit=first,
                client_address=context.client_address,
            )
        except aio.AioRpcError as error:
            return _refused(error)
        return OfferList(offers=[offer_output(offer) for offer in found], catalog_version=version, more=more)

    @strawberry.field(
        description="What the cart costs now, line by line, as a shopper is shown it: every refused code alike,"
        " skips only of what the cart lacks. Its coupon codes count as attempts (a code no campaign has is a"
        " refused one, as in applyCoupon)."
    )
    async def price_cart(self, info: Info, cart: ShopperCartInput) -> PriceCartResult:
        context = info.context
        priced = await _cart(context, cart)
        if isinstance(priced, ValidationFailed):
            return priced
        try:
            result, version = await context.services.pricing.evaluate(
                priced, client_address=context.client_address, request_id=context.request_id
            )
        except aio.AioRpcError as error:
            return _refused(error)
        return PricedCartPayload(priced=priced_cart(result), catalog_version=version)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Try a code on the cart (refused codes count against a limit per customer and address)."
    )
    async def apply_coupon(self, info: Info, code: str, cart: ShopperCartInput) -> ApplyCouponResult:
        context = info.context
        priced = await _cart(context, cart)
        if isinstance(priced, ValidationFailed):
            return priced
        try:
            answer = await context.services.pricing.apply_coupon(
                priced, code, client_address=context.client_address, request_id=context.request_id
            )
        except aio.AioRpcError as error:
            return _refused(error)
        if answer.accepted:
            return CouponApplied(code=code.strip().upper(), priced=priced_cart(answer.result))
        return CouponRejected(
            code="COUPON_REJECTED",
            message=answer.message,
            coupon=code.strip().upper(),
            priced=priced_cart(answer.result),
        )


def storefront_schema(settings: GatewaySettings) -> strawberry.Schema:
    return graph_schema(Query, Mutation, settings)
