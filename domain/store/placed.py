"""A committed checkout order counts as an order the customer placed (in the commit's transaction)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from domain.customers import PlacedOrder
from domain.store.customers import place_order
from domain.store.tables import Tables


def committed_order(order_id: str, document: dict[str, Any], at: datetime) -> PlacedOrder | None:
    """Return what a committed order placed, or None for an anonymous cart."""
    cart, result = document["cart"], document["result"]
    customer_id = (cart.get("customer") or {}).get("id")
    if not customer_id:
        return None
    return PlacedOrder(
        order_id=order_id,
        customer_id=customer_id,
        currency=cart["currency"],
        total=Decimal(result["total"]),
        discount=Decimal(result["discount_total"]) + Decimal(result["shipping_discount"]),
        at=at,
        channel=cart.get("channel"),
        campaign_ids=[applied["campaign_id"] for applied in result.get("applied", [])],
    )


async def place_committed(tables: Tables, order_id: str, document: dict[str, Any], at: datetime) -> None:
    """Record the committed order for its customer (once), updating their statistics and segments."""
    placed = committed_order(order_id, document, at)
    if placed is not None:
        await place_order(tables, placed)
