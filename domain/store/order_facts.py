"""The facts of an order document that reports aggregate, kept in columns of its row (`checkout_order`) and
written with every write of the document, so that a report sums columns in SQL instead of decoding the large
documents (they embed the campaign documents)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from domain.money import currency_of, to_minor

ORDER_FACTS = ("channel", "customer_id", "currency", "order_value", "return_count")
"""The columns, in the order `order_facts` gives them."""


def order_facts(document: Mapping[str, Any]) -> dict[str, Any]:
    """Return the columns of an order document: its cart's channel and customer, its currency, what its items
    were paid after every discount (subtotal − discount total, in minor units) and how many returns it had."""
    cart = document.get("cart") or {}
    result = document.get("result") or {}
    facts: dict[str, Any] = {
        "channel": cart.get("channel"),
        "customer_id": (cart.get("customer") or {}).get("id"),
        "currency": None,
        "order_value": None,
        "return_count": len(document.get("receipts") or {}),
    }
    if result.get("currency") and "subtotal" in result and "discount_total" in result:
        currency = currency_of(str(result["currency"]))
        paid = Decimal(str(result["subtotal"])) - Decimal(str(result["discount_total"]))
        facts.update(currency=currency.code, order_value=to_minor(paid, currency=currency))
    return facts
