"""A committed checkout order counts as an order the customer placed (in the commit's transaction)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from domain.customers import PlacedOrder


def committed_order(order_id: str, facts: Sequence[object], at: datetime) -> PlacedOrder | None:
    """Return what a committed order placed, or None for an anonymous cart. `facts` are read from the order's
    row by the commit's move: its customer id and channel, its cart's currency, its result's total, discount
    total and shipping discount, and the ids of the campaigns applied (a JSON array)."""
    customer_id, channel, currency, total, discount, shipping_discount, applied = facts
    if not customer_id:
        return None
    return PlacedOrder(
        order_id=order_id,
        customer_id=str(customer_id),
        currency=str(currency),
        total=Decimal(str(total)),
        discount=Decimal(str(discount)) + Decimal(str(shipping_discount)),
        at=at,
        channel=None if channel is None else str(channel),
        campaign_ids=json.loads(str(applied)),
    )
