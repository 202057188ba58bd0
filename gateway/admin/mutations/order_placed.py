"""orderPlaced: an order placed without the checkout lifecycle (no discount) counts in the customer's
statistics and segments, once per order id."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from pydantic import ValidationError

from domain.access import Operation
from domain.customers import PlacedOrder
from domain.errors import DocumentError, field_errors
from gateway.admin.customers import CustomerView, customer_view
from gateway.admin.workflow import audit_entry, refused
from gateway.graph.context import AdminContext
from gateway.graph.problems import Forbidden, ValidationFailed


@strawberry.input(description="An order placed: its total (a decimal string in its currency) and when.")
class PlacedOrderInput:
    order_id: str
    customer_id: str
    currency: str
    total: str
    at: datetime
    channel: str | None = None


@strawberry.type(description="The order is counted (`counted` false: that order id was counted before).")
class OrderRecorded:
    order_id: str
    counted: bool
    customer: CustomerView


OrderPlacedResult = Annotated[OrderRecorded | ValidationFailed | Forbidden, strawberry.union("OrderPlacedResult")]


async def order_placed(info: strawberry.Info[AdminContext, None], order: PlacedOrderInput) -> OrderPlacedResult:
    context = info.context
    if problem := refused(context, Operation.WRITE_CUSTOMERS):
        return problem
    document = {
        "order_id": order.order_id,
        "customer_id": order.customer_id,
        "currency": order.currency,
        "total": order.total,
        "at": order.at,
        "channel": order.channel,
    }
    try:
        placed = PlacedOrder.model_validate(document)
    except ValidationError as error:
        return ValidationFailed.of(DocumentError("order", field_errors(error)))
    store = context.store
    after = placed.model_dump(mode="json")
    async with store.audit.recording(
        audit_entry(context, "customer.order", "customer", placed.customer_id, None, after)
    ):
        counted = await store.customers.place(placed)
    profile = await store.customers.get(placed.customer_id)
    assert profile is not None
    return OrderRecorded(
        order_id=placed.order_id,
        counted=counted,
        customer=customer_view(profile, await store.codes.for_customer(profile.id)),
    )
